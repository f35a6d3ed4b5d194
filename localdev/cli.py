"""Developer commands behind the Makefile: `python -m localdev.cli <command>`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
    commands.add_parser("manifest", help="write graphql/persisted-query-manifest.json")
    commands.add_parser("lock", help="re-resolve uv.lock and regenerate function/requirements.txt")
    commands.add_parser("ensure-dynamodb", help="download and verify DynamoDB Local if needed")
    commands.add_parser("readme", help="regenerate the settings table in README.md")
    erase = commands.add_parser("erase-due", help="erase the accounts whose deletion grace period is over")
    erase.add_argument("--aws", action="store_true", help="TETHER_TABLE in AWS instead of make dev's")
    verify = commands.add_parser(
        "audit-verify", help="walk the audit log's hash chain (the environment's table)"
    )
    verify.add_argument("--aws", action="store_true", help="verify TETHER_TABLE in AWS")
    verify.add_argument("--partition", default=None, help=argparse.SUPPRESS)  # tests use their own chains
    args = parser.parse_args(argv)

    if args.command == "token":
        from localdev.tokens import mint

        print(mint(args.user, groups=["admin"] if args.admin else None, ttl_seconds=args.ttl))
    elif args.command == "schema":
        SCHEMA_FILE.parent.mkdir(exist_ok=True)
        SCHEMA_FILE.write_text(schema_sdl())
        print(f"wrote {SCHEMA_FILE.relative_to(ROOT)}")
    elif args.command == "manifest":
        from localdev.manifest import MANIFEST_FILE, manifest_text

        MANIFEST_FILE.write_text(manifest_text(), encoding="utf-8")
        print(f"wrote {MANIFEST_FILE.relative_to(ROOT)}")
    elif args.command == "lock":
        from localdev.lock import FUNCTION_REQUIREMENTS, lock

        lock()
        print(f"wrote uv.lock and {FUNCTION_REQUIREMENTS.relative_to(ROOT)}")
    elif args.command == "ensure-dynamodb":
        from localdev.dynamodb import ensure_installed

        print(ensure_installed())
    elif args.command == "readme":
        README.write_text(readme_with_settings(README.read_text()))
        print("wrote the settings table in README.md")
    elif args.command == "audit-verify":
        return audit_verify(args.partition, aws=args.aws)
    elif args.command == "erase-due":
        return erase_due(aws=args.aws)
    return 0


def erase_due(*, aws: bool = False) -> int:
    """What the template's hourly schedule runs in AWS: make dev's database, or with `aws` TETHER_TABLE."""
    from app import ERASE_DUE_ACCOUNTS, run_job
    from localdev.devserver import dev_environment
    from tether.services import Services
    from tether.settings import Settings
    from tether.storage import base as storage

    settings = Settings.from_env() if aws else Settings.from_env(dev_environment())
    if settings.dynamodb_endpoint and not _reachable(settings.dynamodb_endpoint):
        return _unreachable(settings.dynamodb_endpoint)
    storage.configure(settings)
    print(run_job(Services.build(settings), ERASE_DUE_ACCOUNTS))
    return 0


def audit_verify(partition: str | None = None, *, aws: bool = False) -> int:
    """Walk the audit chain; 1 (and the first broken link) if it is broken or cannot be read.

    The table is `make dev`'s (the same settings: TETHER_DYNAMODB_ENDPOINT, else DynamoDB Local at
    TETHER_DYNAMODB_PORT, 8000; TETHER_TABLE, else tether-local), or with `aws` TETHER_TABLE in AWS
    with your AWS credentials.
    """
    from localdev.devserver import dev_environment
    from tether.audit import AuditLog
    from tether.settings import Settings
    from tether.storage import base as storage
    from tether.storage.audit import PARTITION

    settings = Settings.from_env() if aws else Settings.from_env(dev_environment())
    if aws and settings.dynamodb_endpoint:
        print("error: unset TETHER_DYNAMODB_ENDPOINT to verify the table in AWS", file=sys.stderr)
        return 1
    where = settings.dynamodb_endpoint or f"DynamoDB in {settings.region}"
    if settings.dynamodb_endpoint and not _reachable(settings.dynamodb_endpoint):
        return _unreachable(where)
    storage.configure(settings)
    try:
        # Verifying needs no key: each hash covers the entry as stored (the key only hashes user ids).
        result = AuditLog(b"", partition=partition or PARTITION).verify()
    except Exception as error:
        if _refused(error):
            return _unreachable(where)
        raise
    if result.ok:
        print(f"audit log intact: {result.checked} entries verified in {settings.table_name}")
        return 0
    print(
        f"audit log BROKEN after {result.checked} good entries; first broken link: entry {result.broken_at}"
    )
    print(f"  {result.problem}")
    return 1


def _reachable(url: str) -> bool:
    """Whether anything accepts a TCP connection at `url`'s host and port."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=3):
            return True
    except OSError:
        return False


def _refused(error: BaseException) -> bool:
    """Whether `error` was caused by a connection that could not be made."""
    from botocore.exceptions import EndpointConnectionError

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, (EndpointConnectionError, ConnectionRefusedError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _unreachable(where: str) -> int:
    print(
        f"error: cannot reach DynamoDB at {where} (is `make dev` running? it uses "
        "TETHER_DYNAMODB_PORT or TETHER_DYNAMODB_ENDPOINT; AWS=1 verifies the table in AWS)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
