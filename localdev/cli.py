"""Developer commands behind the Makefile: `python -m localdev.cli <command>`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "graphql" / "schema.graphql"


def schema_sdl() -> str:
    """The schema as SDL, exactly as `make schema` writes it."""
    from resolvers.schema import build_schema
    from tether.settings import Settings

    return build_schema(Settings(stage="dev")).as_str() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localdev.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a dev token")
    token.add_argument("user", nargs="?", default="dev")
    token.add_argument("--admin", action="store_true", help="put the user in the `admin` group")
    token.add_argument("--ttl", type=int, default=7 * 24 * 3600, help="lifetime in seconds")
    commands.add_parser("schema", help="write graphql/schema.graphql")
    commands.add_parser("ensure-dynamodb", help="download and verify DynamoDB Local if needed")
    commands.add_parser("settings-doc", help="print the settings table for the README")
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
    elif args.command == "settings-doc":
        from tether.settings import documented_settings

        print("| Variable | Default | Meaning |\n|---|---|---|")
        for env, default, help_text in documented_settings():
            print(f"| `{env}` | {f'`{default}`' if default else '—'} | {help_text} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
