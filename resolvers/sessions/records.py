"""The practice session record: what a pull needs of the sessions' types.

A Lambda answering syncs imports this module, not types.py (the rest of the API's types) nor
inputs.py (a push's, imported by the first push): tests/deploy/test_coldstart_domains.py.
"""

from datetime import datetime
from typing import ClassVar

import strawberry

from resolvers.syncable import Syncable
from tether.sessions import SESSIONS
from tether.sync.collection import Collection


@strawberry.type(description="One practice of a piece or a content track.")
class PracticeSession(Syncable):
    collection: ClassVar[Collection] = SESSIONS

    piece_id: strawberry.ID | None = None
    track_id: strawberry.ID | None = None
    started_at: datetime | None = strawberry.field(default=None, description="Null only on a tombstone.")
    ended_at: datetime | None = None
    duration_seconds: int | None = strawberry.field(default=None, description="0 to 86,400 (24 h).")
    rating: int | None = strawberry.field(default=None, description="1 to 5.")
    notes: str | None = None
