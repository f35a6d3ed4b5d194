"""Prepare a local database: create the table (idempotent)."""

from __future__ import annotations

from tether.settings import Settings
from tether.storage import base as storage


def prepare(settings: Settings | None = None) -> None:
    """Create the table if it is missing."""
    settings = settings or Settings.from_env()
    storage.configure(settings)
    if storage.create_table():
        print(f"Created table {settings.table_name}.")
