"""Large feeds for tests of big responses (compression, the 1,000-record page)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from ulid import ULID

from tether.pieces import PIECES
from tether.services import Services
from tether.settings import Settings
from tether.sync.engine import Mutation

PUSH_SIZE = 100  # the most mutations one push takes
WORDS = [
    "breathe",
    "slow",
    "hands",
    "hips",
    "ami",
    "kaholo",
    "uwehe",
    "lele",
    "practice",
    "chant",
    "count",
    "verse",
    "bridge",
    "tempo",
    "left",
    "right",
    "turn",
    "soft",
    "strong",
    "knee",
    "shoulder",
    "morning",
    "evening",
    "teacher",
    "note",
    "remember",
    "again",
    "gentle",
    "focus",
    "rest",
]


def notes(rng: random.Random) -> str:
    """About 300 characters of practice notes (varied, so they compress like real text)."""
    return " ".join(rng.choice(WORDS) + ("." if rng.random() < 0.15 else "") for _ in range(50))[:300]


def seed_pieces(settings: Settings, user: str, count: int) -> None:
    """`count` pieces (with some notes and tags, like real ones) in the user's feed, pushed by a phone."""
    engine = Services.build(settings).sync
    rng = random.Random(count)
    changed_at = datetime.now(UTC) - timedelta(minutes=5)
    for start in range(0, count, PUSH_SIZE):
        mutations = [
            Mutation(
                n + 1,
                changed_at,
                PIECES,
                "save",
                {
                    "id": str(ULID()),
                    "title": f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {n}",
                    "notes": notes(rng),
                    "tags": rng.sample(WORDS, 2),
                },
            )
            for n in range(start, min(start + PUSH_SIZE, count))
        ]
        engine.push(user, "phone", mutations)
