"""Developer commands behind the Makefile: `python -m localdev.cli <command>`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "graphql" / "schema.graphql"
README = ROOT / "README.md"
SETTINGS_START = "<!-- settings:start (make docs) -->"
SETTINGS_END = "<!-- settings:end -->"


def schema_sdl() -> str:
    """The schema as SDL, exactly as `make schema` writes it."""
    from resolvers.schema import build_schema
    from tether.settings import Settings

    return build_schema(Settings(stage="dev")).as_str() + "\n"


def settings_table() -> str:
    """The README's table of every setting, generated from tether/settings.py."""
    from tether.settings import documented_settings

    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for env, default, help_text in documented_settings():
        rows.append(f"| `{env}` | {f'`{default}`' if default else '—'} | {help_text} |")
    return "\n".join(rows)


def readme_with_settings(text: str) -> str:
    """README text with its settings block replaced by the generated table."""
    start, end = text.index(SETTINGS_START) + len(SETTINGS_START), text.index(SETTINGS_END)
    return text[:start] + "\n" + settings_table() + "\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localdev.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a dev token")
    token.add_argument("user", nargs="?", default="dev")
    token.add_argument("--admin", action="store_true", help="put the user in the `admin` group")
    token.add_argument("--ttl", type=int, default=7 * 24 * 3600, help="lifetime in seconds")
    commands.add_parser("schema", help="write graphql/schema.graphql")
    commands.add_parser("ensure-dynamodb", help="download and verify DynamoDB Local if needed")
    commands.add_parser("readme", help="regenerate the settings table in README.md")
    commands.add_parser("erase-due", help="erase the accounts whose deletion grace period is over")
    verify = commands.add_parser(
        "audit-verify", help="walk the audit log's hash chain (the environment's table)"
    )
    verify.add_argument("--partition", default=None, help=argparse.SUPPRESS)  # tests use their own chains
    args = parser.parse_args(argv)

    if args.command == "token":
        from localdev.tokens import mint

        print(mint(args.user, groups=["admin"] if args.admin else None, ttl_seconds=args.ttl))
    elif args.command == "schema":
        SCHEMA_FILE.parent.mkdir(exist_ok=True)
        SCHEMA_FILE.write_text(schema_sdl())
        print(f"wrote {SCHEMA_FILE.relative_to(ROOT)}")
    elif args.command == "ensure-dynamodb":
        from localdev.dynamodb import ensure_installed

        print(ensure_installed())
    elif args.command == "readme":
        README.write_text(readme_with_settings(README.read_text()))
        print("wrote the settings table in README.md")
    elif args.command == "audit-verify":
        return audit_verify(args.partition)
    elif args.command == "erase-due":
        return erase_due()
    return 0


def _environment_settings() -> Any:
    """Settings from the environment; `make dev`'s DynamoDB Local when no table or endpoint is set."""
    import os

    from tether.settings import Settings

    environ = dict(os.environ)
    if not environ.get("TETHER_TABLE") and not environ.get("TETHER_DYNAMODB_ENDPOINT"):
        environ["TETHER_DYNAMODB_ENDPOINT"] = (
            f"http://127.0.0.1:{environ.get('TETHER_DYNAMODB_PORT', '8000')}"
        )
    return Settings.from_env(environ)


def erase_due() -> int:
    """What the template's hourly schedule runs in AWS, for the environment's table."""
    from app import ERASE_DUE_ACCOUNTS, run_job
    from tether.services import Services
    from tether.storage import base as storage

    settings = _environment_settings()
    storage.configure(settings)
    print(run_job(Services.build(settings), ERASE_DUE_ACCOUNTS))
    return 0


def audit_verify(partition: str | None = None) -> int:
    """Walk the audit chain; 1 (and the first broken link) if it is broken.

    The table is TETHER_TABLE in AWS (with your AWS credentials), or, when neither TETHER_TABLE nor
    TETHER_DYNAMODB_ENDPOINT is set, `make dev`'s DynamoDB Local (port TETHER_DYNAMODB_PORT, 8000).
    """
    import os

    from tether.audit import AuditLog
    from tether.settings import Settings
    from tether.storage import base as storage
    from tether.storage.audit import PARTITION

    environ = dict(os.environ)
    if not environ.get("TETHER_TABLE") and not environ.get("TETHER_DYNAMODB_ENDPOINT"):
        environ["TETHER_DYNAMODB_ENDPOINT"] = (
            f"http://127.0.0.1:{environ.get('TETHER_DYNAMODB_PORT', '8000')}"
        )
    settings = Settings.from_env(environ)
    storage.configure(settings)
    # Verifying needs no key: each hash covers the entry as stored (the key only hashes user ids).
    result = AuditLog(b"", partition=partition or PARTITION).verify()
    if result.ok:
        print(f"audit log intact: {result.checked} entries verified in {settings.table_name}")
        return 0
    print(
        f"audit log BROKEN after {result.checked} good entries; first broken link: entry {result.broken_at}"
    )
    print(f"  {result.problem}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
