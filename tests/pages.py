"""Large feeds for tests of big responses (compression, the 1,000-record page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ulid import ULID

from tether.pieces import PIECES
from tether.services import Services
from tether.settings import Settings
from tether.sync.engine import Mutation

PUSH_SIZE = 100  # the most mutations one push takes


def seed_pieces(settings: Settings, user: str, count: int) -> None:
    """`count` pieces (with some notes and tags, like real ones) in the user's feed, pushed by a phone."""
    engine = Services.build(settings).sync
    changed_at = datetime.now(UTC) - timedelta(minutes=5)
    for start in range(0, count, PUSH_SIZE):
        mutations = [
            Mutation(
                n + 1,
                changed_at,
                PIECES,
                "save",
                {"id": str(ULID()), "title": f"Piece {n}", "notes": "Practice slowly. " * 20, "tags": ["a"]},
            )
            for n in range(start, min(start + PUSH_SIZE, count))
        ]
        engine.push(user, "phone", mutations)
