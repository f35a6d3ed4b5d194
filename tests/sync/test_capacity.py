"""Capacity units of sync operations, priced as DynamoDB on-demand bills them (tether/storage/capacity.py).

The figures are exact: the meter applies AWS's rules to the items before and after each request
(deterministic sizes), not DynamoDB Local's `ConsumedCapacity`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.sync.conftest import Device, at, new_id
from tether.storage.capacity import meter_capacity
from tether.storage.instrumentation import record_calls

# Apps name an installation with a UUID (identifierForVendor, a random UUID on Android).
PHONE = "3f2b5c1e-8a4d-4e7b-9c2a-1d5e6f7a8b9c"
TABLET = "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
NOTES = "Breathe before the third line; hold the vowel, let the chant rise and fall like the tide. " * 6


def save_new(phone: Device, count: int, start: int = 0) -> list[str]:
    """Queue `count` new pieces, each about 0.8 KB as an app holds it (see the size check below)."""
    ids = []
    for index in range(start, start + count):
        ids.append(new_id())
        phone.save_piece(
            at(index),
            id=ids[-1],
            title=f"Oli aloha, verse {index:03d}",
            category="oli",
            language="haw",
            notes=NOTES,
            tags=["practice", "hula"],
        )
    return ids


def test_a_new_record_of_under_1_kb_costs_4_write_units(device: Callable[[str], Device]) -> None:
    phone, tablet = device(PHONE), device(TABLET)
    save_new(phone, 100)
    with meter_capacity() as meter:
        phone.push()
    # Per record: the item (<= 1 KB) and its bySeq entry, each 1 unit, doubled by the transaction.
    # Per transaction (100 mutations take 2): the head, with the client's position on it, 2 units;
    # the first also creates the new device's item (its presence), 2 units.
    assert meter.index_write_units == {"bySeq": 200}
    assert meter.wru == 100 * 4 + (2 + 2) + 2
    pulled = tablet.sync_all()
    assert len(pulled) == 100
    # "A record of <= 1 KB": what the app holds, as JSON.
    assert all(len(json.dumps(record).encode()) <= 1024 for record in pulled.values())


def test_a_push_of_10_mixed_changes_is_priced_per_change(device: Callable[[str], Device]) -> None:
    phone = device(PHONE)
    existing = save_new(phone, 6)
    phone.push()
    save_new(phone, 4, start=10)
    for index, piece in enumerate(existing[:4]):
        phone.save_piece(at(100 + index), id=piece, favorite=True)
    for index, piece in enumerate(existing[4:]):
        phone.change(at(200 + index), deletePiece={"id": piece})
    with meter_capacity() as meter:
        payload = phone.push()
    assert [result["status"] for result in payload["results"]] == ["APPLIED"] * 10
    # 4 new: 4 each. 4 edits and 2 deletes: the item (1) plus its bySeq entry moving to a new seq
    # (a delete and a put, 1 + 1), doubled: 6 each. One transaction: the head with the client's
    # position, 2 (the device's item was written by its first push, within the presence interval).
    assert meter.index_write_units == {"bySeq": 4 * 2 + 6 * 4}
    assert meter.wru == 4 * 4 + 6 * 6 + 2


def test_read_units_per_pulled_record(device: Callable[[str], Device]) -> None:
    phone, tablet = device(PHONE), device(TABLET)
    tablet.pull()
    for _ in range(5):
        save_new(phone, 100)
        phone.push()
    with meter_capacity() as meter, record_calls() as calls:
        page = tablet.pull(limit=500)
    assert len(page["pieces"]) == 500
    # The first read (heads and the client, each under 4 KB: 1 unit each, strongly consistent),
    # then one Query of the feed index: its 500 entries (about 0.85 KB each) summed, per 4 KB.
    assert meter.read_units["BatchGetItem"] == len(calls.keys_read())
    assert meter.read_units["Query"] == 104
    with meter_capacity() as idle, record_calls() as calls:
        tablet.pull()
    # An idle pull reads the head, the client and the account's sign-ins (the gate), and the
    # catalog's head when this Lambda's cached one is older than its TTL: one unit each.
    keys = calls.keys_read()
    assert idle.rru == len(keys)
    assert sorted(sk.partition("#")[0] for pk, sk in keys if pk.startswith("USER#")) == [
        "CLIENT",
        "HEAD",
        "SIGNINS",
    ]
    assert [key for key in keys if not key[0].startswith("USER#")] in ([], [("CATALOG", "HEAD")])


def test_a_practice_session_is_priced_per_index_it_enters(device: Callable[[str], Device]) -> None:
    """Sessions are listed newest start first, of one piece (`byLookup`) and of all (`byTime`),
    both keys only: each index entry is ~0.1 KB, 1 unit, written only when the session enters the
    index or its key moves (docs/cost.md says why the two entries stay)."""
    phone = device(PHONE)
    piece, of_piece, of_track = new_id(), new_id(), new_id()
    phone.save_piece(at(0), id=piece, title="Oli aloha")
    phone.push()
    phone.save_session(at(1), id=of_piece, pieceId=piece, startedAt=at(1))
    phone.save_session(at(2), id=of_track, trackId="track-1", startedAt=at(2))
    with meter_capacity() as new:
        phone.push()
    # The piece's session is in bySeq, byLookup and byTime; the track's (no piece) in bySeq and
    # byTime only (the sparse byLookup): (1 + 3) x 2 = 8 and (1 + 2) x 2 = 6 units.
    assert new.index_write_units == {"bySeq": 4, "byLookup": 2, "byTime": 4}
    counters = new.write_units["TransactWriteItems"] - (8 + 6) - 2  # the head, the position on it
    assert counters == 2 * 2  # the practice statistics: the day's and the week's counters

    # Ending and rating a session moves its feed entry only: the index keys (piece, start) are unchanged.
    phone.save_session(at(3), id=of_piece, endedAt=at(600), rating=4)
    with meter_capacity() as ended:
        phone.push()
    assert ended.index_write_units == {"bySeq": 2 * 2}
    # Moving its start moves both of its keys-only entries too (a delete and a put each).
    phone.save_session(at(4), id=of_piece, startedAt=at(5), endedAt=at(600))
    with meter_capacity() as moved:
        phone.push()
    assert moved.index_write_units == {"bySeq": 2 * 2, "byLookup": 2 * 2, "byTime": 2 * 2}
    # A deleted session leaves both (its tombstone stays in the feed only).
    phone.change(at(6), deleteSession={"id": of_piece})
    with meter_capacity() as deleted:
        phone.push()
    assert deleted.index_write_units == {"bySeq": 2 * 2, "byLookup": 2, "byTime": 2}


def test_the_meter_names_every_unit_item_by_item(device: Callable[[str], Device]) -> None:
    """bench/cost.py prints each request's units item by item (docs/cost.md): the parts are each
    item written, each index entry it puts or deletes and each item read, and they add up."""
    phone = device(PHONE)
    save_new(phone, 1)
    phone.push()  # the device and the head exist
    ids = save_new(phone, 3, start=20)
    with meter_capacity() as meter:
        phone.push()
    writes = [(part.kind, part.key, part.units) for part in meter.parts if part.kind != "read"]
    pieces = [f"PIECE#{piece}" for piece in ids]
    assert sorted(writes) == sorted(
        [("item", key, 2.0) for key in pieces]
        + [("bySeq put", key, 2.0) for key in pieces]
        + [("item", "HEAD", 2.0)]
    )
    assert all(part.size <= 1024 for part in meter.parts if part.kind != "read")
    reads = [part for part in meter.parts if part.kind == "read"]
    assert {part.key for part in reads} >= {"HEAD", *pieces}
    assert sum(part.units for part in meter.parts if part.kind != "read") == meter.wru == 14
    assert sum(part.units for part in reads) == meter.rru
