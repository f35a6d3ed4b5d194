"""The bookmark record: what a pull needs of the bookmarks' types.

A Lambda answering syncs imports this module, not types.py (the rest of the API's types) nor
inputs.py (a push's, imported by the first push): tests/deploy/test_coldstart_domains.py.
"""

from datetime import datetime
from typing import ClassVar

import strawberry

from resolvers.syncable import Syncable
from tether.bookmarks import BOOKMARKS
from tether.sync.collection import Collection


@strawberry.type(description="A mark inside a track: a position, with an optional label and note.")
class Bookmark(Syncable):
    collection: ClassVar[Collection] = BOOKMARKS

    track_id: strawberry.ID | None = strawberry.field(default=None, description="Null only on a tombstone.")
    position_seconds: float | None = strawberry.field(default=None, description="Null only on a tombstone.")
    label: str | None = strawberry.field(default=None, description="Up to 200 characters.")
    note: str | None = strawberry.field(default=None, description="Up to 5,000 characters.")
    created_at: datetime | None = strawberry.field(
        default=None, description="When the bookmark was first saved (the creating edit's time)."
    )
