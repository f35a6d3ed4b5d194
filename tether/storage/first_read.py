"""What a pull reads first, in ONE strongly consistent BatchGetItem kept as DynamoDB JSON: the
partition's head, the client, the heads of the shared feeds and any other named items.

The same Snapshot `read_snapshot` gives (tests/storage/test_first_read.py), without PynamoDB's
request building and model decoding or botocore's response parser for the head and the client: an
idle pull is little else. The client is the head's entry combined with its item, as
`snapshot.client_state` combines them. The other items (a membership, a gate's) become models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tether.model.device import ClientInfo, DeviceInfo
from tether.storage.base import TetherModel, guard
from tether.storage.heads import raw_head, raw_positions, raw_revoked
from tether.storage.keys import HEAD, client_key
from tether.storage.raw import raw_batch_get, raw_time
from tether.storage.snapshot import BATCH_GET_LIMIT, Snapshot, client_state


def read_first(
    pk: str, client_id: str, heads: Iterable[str] = (), also: Sequence[tuple[str, str]] = ()
) -> Snapshot:
    """Head, client, the heads of `heads` and the `also` items (Snapshot.also, as models); no
    records and no head item (a pull needs neither)."""
    others = sorted(set(heads) - {pk})
    extra = [key for key in dict.fromkeys(also) if key not in ((pk, HEAD), (pk, client_key(client_id)))]
    keys = list(
        dict.fromkeys([(pk, HEAD), (pk, client_key(client_id)), *((o, HEAD) for o in others), *extra])
    )
    table = TetherModel.Meta.table_name
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        items.update(guard(raw_batch_get, table, keys[start : start + BATCH_GET_LIMIT]))
    found_also = [TetherModel.from_raw_data(items[key]) for key in extra if key in items]
    head = items.get((pk, HEAD))
    read = raw_client_info(items.get((pk, client_key(client_id))))
    return Snapshot(
        raw_head(head),
        client_state(pk, client_id, raw_positions(head), raw_revoked(head), read),
        {},
        {other: raw_head(items.get((other, HEAD))) for other in others},
        found_also,
    )


def raw_client_info(raw: Mapping[str, Any] | None) -> ClientInfo:
    """`to_client_info` of a client item as DynamoDB JSON, without the model."""
    if raw is None or raw.get("type", {}).get("S") != "client":
        return ClientInfo()
    position = raw.get("last_mutation_id", {}).get("N")
    return ClientInfo(
        last_mutation_id=int(position) if position is not None else 0,
        revoked=bool(raw.get("revoked", {}).get("BOOL", False)),
        exists=True,
        first_seen_at=raw_time(raw.get("first_seen_at")),
        last_sync_at=raw_time(raw.get("last_sync_at")),
        device=DeviceInfo(*(_text(raw, name) for name in ("name", "platform", "app_version", "sign_in"))),
    )


def _text(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name, {}).get("S")
    return str(value) if value is not None else None
