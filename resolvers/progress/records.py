"""The progress record: what a pull needs of the progress types.

A Lambda answering syncs imports this module, not types.py (the rest of the API's types) nor
inputs.py (a push's, imported by the first push): tests/deploy/test_coldstart_domains.py.
"""

import datetime
from typing import ClassVar

import strawberry

from resolvers.syncable import Syncable
from tether.progress import PROGRESS
from tether.sync.collection import Collection


@strawberry.type(
    description="The user's progress on one track (its id is the track id), merged across devices: "
    "the position of the latest report, completion undone only by a later reset, listened time summed."
)
class Progress(Syncable):
    collection: ClassVar[Collection] = PROGRESS

    # Nullable like the same fields of other SyncRecord types (a union's fields must agree); never
    # null here, progress records are never deleted.
    track_id: strawberry.ID | None = strawberry.field(default=None, description="The catalog track id.")
    position_seconds: float | None = strawberry.field(
        default=0.0, description="Where the player was at the latest report (0 after a later reset)."
    )
    duration_seconds: int | None = strawberry.field(
        default=None, description="The track's length in whole seconds, as the player last reported it."
    )
    completed: bool = strawberry.field(
        default=False,
        description="Set by a report with completed: true or one in the last 5% of the track; "
        "cleared only by a resetProgress made later.",
    )
    completed_at: datetime.datetime | None = strawberry.field(
        default=None, description="The earliest completing report since the latest reset."
    )
    listened_seconds: float = strawberry.field(
        default=0.0, description="Time actually listened, summed over every device (each report once)."
    )
    last_played_at: datetime.datetime | None = strawberry.field(
        default=None, description="The time of the latest report."
    )
    play_count: int = strawberry.field(
        default=0,
        description="Plays started: a device's first listening of the track, listening again after a "
        "30-minute pause, or after it reached the end.",
    )
