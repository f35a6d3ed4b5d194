"""What a push or a pull reads first: a partition's head, the client and the named records, in one
strongly consistent batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from tether.model.device import ClientInfo
from tether.model.head import Head
from tether.model.record import Record
from tether.storage.base import TetherModel, batch_get, guard
from tether.storage.clients import read_client, to_client_info
from tether.storage.heads import positions_of, revoked_on, to_head
from tether.storage.keys import HEAD, client_key
from tether.storage.record_items import RecordItem, to_record

BATCH_GET_LIMIT = 100


@dataclass
class Snapshot:
    head: Head
    client: ClientInfo
    records: dict[str, Record] = field(default_factory=dict)
    # Heads of other partitions read in the same request (shared feeds such as the catalog).
    heads: dict[str, Head] = field(default_factory=dict)
    # The other items `read_snapshot(also=...)` read in the same request (e.g. a membership).
    also: list[TetherModel] = field(default_factory=list)
    # The partition's head item as read (it carries the open connections, tether/storage/sockets.py).
    head_item: TetherModel | None = None

    def items_read(self) -> list[TetherModel]:
        """The head item and the `also` items: what a post-commit hook may look at."""
        return [*([self.head_item] if self.head_item is not None else []), *self.also]


def read_snapshot(
    pk: str,
    client_id: str | None,
    sort_keys: Iterable[str],
    heads: Iterable[str] = (),
    also: Sequence[tuple[str, str]] = (),
    client_if_free: bool = False,
) -> Snapshot:
    """Head, client state and the named records of a partition, strongly consistent, 100 per batch.

    `heads` names other partitions whose head is read in the same BatchGetItem (no extra round
    trip); so does `also` for any other items (they come back in `Snapshot.also`).
    `client_if_free` (a push): the client item is read only when it takes no BatchGetItem of its
    own, since its position is on the head; a client with no position there yet (new, or stored
    before positions moved) has its item read all the same, by one GetItem.
    """
    others = sorted(set(heads) - {pk})
    extra = list(dict.fromkeys(also))
    rest = [(other, HEAD) for other in others] + extra + [(pk, sk) for sk in sorted(set(sort_keys))]
    client_keys = [(pk, client_key(client_id))] if client_id else []
    if client_if_free and (1 + len(rest)) % BATCH_GET_LIMIT == 0:
        client_keys = []  # it would be the first key of one more BatchGetItem
    keys = [(pk, HEAD), *client_keys, *rest]
    items: dict[tuple[str, str], TetherModel] = {}
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        chunk = keys[start : start + BATCH_GET_LIMIT]
        for item in guard(batch_get, chunk):
            items[(item.pk, item.sk)] = item
    head_item = items.pop((pk, HEAD), None)
    head = to_head(head_item)
    client = ClientInfo()
    if client_id:
        found = items.pop((pk, client_key(client_id)), None)
        client = client_state(
            pk,
            client_id,
            positions_of(head_item),
            revoked_on(head_item),
            to_client_info(found) if client_keys else None,
        )
    shared = {other: to_head(items.pop((other, HEAD), None)) for other in others}
    found_also = [item for item in (items.pop(key, None) for key in extra) if item is not None]
    records = {sk: to_record(item) for (_, sk), item in items.items() if isinstance(item, RecordItem)}
    return Snapshot(head, client, records, shared, found_also, head_item)


def client_state(
    pk: str,
    client_id: str,
    positions: dict[str, int] | None,
    revoked: set[str],
    read: ClientInfo | None,
) -> ClientInfo:
    """The client as its head entry (`positions`, `revoked`: what the head item holds) and, when
    read, its item show it: the head's position when it has one, else the item's; revoked when
    either says so."""
    position = positions.get(client_id) if positions is not None else None
    if read is not None:
        info = read
    elif position is not None:
        info = ClientInfo(exists=True, read=False)
    else:
        info = to_client_info(read_client(pk, client_id))  # no position on the head yet
    return replace(
        info,
        last_mutation_id=position if position is not None else info.last_mutation_id,
        revoked=info.revoked or client_id in revoked,
        on_head=position is not None,
        positions_stored=positions is not None,
    )
