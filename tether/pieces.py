"""Pieces: a user's repertoire (a chant or song being learned)."""

from __future__ import annotations

from tether.sync.collection import Collection, Delete, SavePatch
from tether.sync.fields import Boolean, LanguageTag, Tags, Text

PIECES = Collection(
    name="piece",
    key_prefix="PIECE",
    fields={
        "title": Text(min_length=1, max_length=200, required=True),
        "category": Text(max_length=100),
        "language": LanguageTag(),  # BCP 47, stored in canonical case
        "lyrics": Text(max_length=50_000),
        "notes": Text(max_length=10_000),
        "tags": Tags(max_items=50, max_item_length=50),
        "favorite": Boolean(),
    },
    operations={"save": SavePatch(), "delete": Delete()},
)
