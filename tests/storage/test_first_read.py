"""A pull's first read (tether/storage/first_read.py) decodes the raw items exactly as the models
do: the Snapshot `read_snapshot` gives, for heads and clients in every shape they are stored in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.sync.conftest import new_id
from tether.settings import Settings
from tether.storage.accounts import ProfileItem
from tether.storage.clients import ClientState
from tether.storage.first_read import read_first
from tether.storage.heads import UserHead
from tether.storage.instrumentation import record_calls
from tether.storage.keys import HEAD, client_key
from tether.storage.snapshot import Snapshot, read_snapshot

MOMENT = datetime(2026, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)


def _compare(pk: str, client_id: str, heads: list[str], also: list[tuple[str, str]]) -> Snapshot:
    with record_calls() as calls:
        first = read_first(pk, client_id, heads=heads, also=also)
    assert calls.round_trips == 1
    snapshot = read_snapshot(pk, client_id, (), heads=heads, also=also)
    assert first.head == snapshot.head
    assert first.client == snapshot.client
    assert first.heads == snapshot.heads
    assert [(type(i), i.pk, i.sk, i.attribute_values) for i in first.also] == [
        (type(i), i.pk, i.sk, i.attribute_values) for i in snapshot.also
    ]
    assert first.records == {}
    return first


def test_nothing_stored_reads_as_the_models_read_it(settings: Settings) -> None:
    pk = f"USER#{new_id()}"
    first = _compare(pk, "phone", [f"SHARED#{new_id()}"], [(pk, f"PROFILE#{new_id()}")])
    assert first.head.seq == 0
    assert not first.client.exists


@pytest.mark.parametrize(
    "head",
    [
        {},  # created by a connection before any change: no number, no epoch
        {"head": 7, "epoch": "e1"},
        {"head": 12, "epoch": "e2", "poll_fast_until": MOMENT},
        # client positions on the head (this client's and another's), a revoked client
        {"head": 5, "epoch": "e3", "positions": {"phone": 9, "watch": 2}},
        {"head": 5, "epoch": "e3", "positions": {"watch": 2}, "revoked_clients": {"phone"}},
    ],
)
@pytest.mark.parametrize(
    "client",
    [
        {},
        {"last_mutation_id": 41, "first_seen_at": MOMENT, "last_sync_at": MOMENT},
        {"revoked": True, "name": "Léa's phone", "platform": "ios", "app_version": "2.1", "sign_in": "j1"},
    ],
)
def test_heads_and_clients_read_as_the_models_read_them(
    settings: Settings, head: dict[str, Any], client: dict[str, Any]
) -> None:
    pk, shared = f"USER#{new_id()}", f"SHARED#{new_id()}"
    if head:
        UserHead(pk, HEAD, created_at=MOMENT, **head).save()
    else:  # as a connection creates it (tether/storage/sockets.py): only its type and connections
        UserHead(pk, HEAD).update(actions=[UserHead.item_type.set(UserHead), UserHead.conns.set({"c1": 1})])
    UserHead(shared, HEAD, created_at=MOMENT, head=3, epoch="s").save()
    ClientState(pk, client_key("phone"), client_id="phone", **client).save()
    profile = ProfileItem(pk, f"PROFILE#{new_id()}", created_at=MOMENT, last_seen_at=MOMENT)
    profile.save()
    first = _compare(pk, "phone", [shared, f"SHARED#{new_id()}"], [(profile.pk, profile.sk), (pk, HEAD)])
    assert first.client.exists
    assert [type(i) for i in first.also] == [ProfileItem]
