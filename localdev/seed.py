"""Prepare a database: the table (idempotent) and the demo catalog; `make seed` loads a catalog file.

`make seed` (this module's `main`) loads `catalog/demo.json`, or `FILE=path`, into:
- TETHER_DYNAMODB_ENDPOINT if set;
- else the DynamoDB Local of a running `make dev` (port TETHER_DYNAMODB_PORT, 8000);
- else a DynamoDB Local it starts on the dev data folder (.data/) for the duration of the load;
- or, with AWS=1, the table TETHER_TABLE in AWS (the usual AWS credentials; no local endpoint).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tether.catalog.loader import LoadReport, load_file
from tether.errors import TetherError
from tether.services import Services
from tether.settings import Settings
from tether.storage import base as storage

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = ROOT / "catalog" / "demo.json"


def prepare(settings: Settings | None = None) -> None:
    """Create the table if it is missing; load the demo catalog if the catalog is empty."""
    settings = settings or Settings.from_env()
    storage.configure(settings)
    if storage.create_table():
        print(f"Created table {settings.table_name}.")
    services = Services.build(settings)
    if services.sync.shared_head("catalog", fresh=True).head.seq == 0:
        report = load_file(
            DEMO_CATALOG, services.sync, services.catalog, entitlements=services.editor.entitlements
        )
        print(f"Loaded the demo catalog ({DEMO_CATALOG.relative_to(ROOT)}): {report}.")
    if settings.media_bucket and settings.s3_endpoint:
        from localdev import demo_media
        from tether.media import Media

        uploaded = demo_media.upload(Media(settings).client, settings.media_bucket, DEMO_CATALOG)
        if uploaded:
            print(f"Uploaded {uploaded} demo media files to the local S3.")


def seed(path: Path, settings: Settings) -> LoadReport:
    """Load a catalog file into the catalog of `settings`' table (created if missing)."""
    storage.configure(settings)
    storage.create_table()
    services = Services.build(settings)
    return load_file(path, services.sync, services.catalog, entitlements=services.editor.entitlements)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make seed", description="Load a catalog file (docs/catalog.md).")
    parser.add_argument("--file", type=Path, default=DEMO_CATALOG, help="the catalog file (JSON)")
    parser.add_argument("--aws", action="store_true", help="load into TETHER_TABLE in AWS")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"error: {args.file} does not exist", file=sys.stderr)
        return 1
    try:
        if args.aws:
            settings = Settings.from_env()
            if settings.dynamodb_endpoint:
                print("error: unset TETHER_DYNAMODB_ENDPOINT to load into AWS", file=sys.stderr)
                return 1
            return _report(args.file, seed(args.file, settings), settings)
        return _seed_locally(args.file)
    except TetherError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1


def _seed_locally(path: Path) -> int:
    from localdev import dynamodb
    from localdev.devserver import data_dir, dev_environment, dynamodb_port

    server = None
    port = dynamodb_port()
    if not os.environ.get("TETHER_DYNAMODB_ENDPOINT") and not dynamodb.port_in_use(port):
        server = dynamodb.start(port=port, db_path=data_dir())  # no `make dev` running: our own
    try:
        settings = Settings.from_env(dev_environment())
        return _report(path, seed(path, settings), settings)
    finally:
        if server is not None:
            server.stop()


def _report(path: Path, report: LoadReport, settings: Settings) -> int:
    print(f"Loaded {path} into {settings.table_name}: {report}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
