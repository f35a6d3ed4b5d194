"""Online reads of records: one by key, and pages of live records by sort key or by index key."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tether.errors import BadUserInput
from tether.model.record import Record
from tether.storage.base import TetherModel, batch_get, guard
from tether.storage.record_items import RecordItem, to_record

INDEX_KEYS = {None: ("sk",), "byLookup": ("sk", "lk"), "byTime": ("sk", "tk")}
_INDEX_ATTRIBUTES = {None: TetherModel.sk, "byLookup": TetherModel.lk, "byTime": TetherModel.tk}


@dataclass(frozen=True)
class Page:
    records: list[Record]
    next_key: dict[str, str] | None  # where the next page starts; None on the last page


# A listed entry's companion: the key (sort key, and the index key it would have) of a record
# listed right after it that has no entry of its own (a chat message's reply), or None.
Companion = Callable[[Mapping[str, str]], dict[str, str] | None]


@dataclass(frozen=True)
class _Listed:
    record: Record
    key: dict[str, str]  # the record's keys in the listing (sk, and the index key if any)


def get_record(pk: str, sort_key: str) -> Record | None:
    """One record by key (strongly consistent), or None."""
    try:
        item = guard(lambda: RecordItem.get(pk, sort_key, consistent_read=True))
    except RecordItem.DoesNotExist:
        return None
    return to_record(item)


def get_records(pk: str, sort_keys: Sequence[str]) -> list[Record]:
    """The records with these sort keys that exist (strongly consistent): ONE BatchGetItem per 100."""
    found = []
    for start in range(0, len(sort_keys), 100):
        keys = [(pk, sort_key) for sort_key in sort_keys[start : start + 100]]
        found += [to_record(item) for item in guard(batch_get, keys) if isinstance(item, RecordItem)]
    return found


def list_records(
    pk: str,
    *,
    prefix: str,
    first: int,
    after: Mapping[str, str] | None = None,
    index: str | None = None,
    descending: bool = False,
    before: str | None = None,
    companion: Companion | None = None,
) -> Page:
    """Live (not deleted) records whose sort key (or index key) starts with `prefix`, in key order.

    With `index` ("byLookup" / "byTime", keys only) each page's records come by one BatchGetItem.
    One record more than asked is read, so `next_key` is None exactly when nothing follows.
    `before` (inside the prefix) ends the listing there: the Query stops at it and no key from it
    on is fetched (a reader that holds those records already does not pay for them again).
    `companion` (with an index): each entry may name a record without an entry, listed at the
    index key it names (fetched in the same BatchGetItem); a page may end between the two, its
    cursor then the last record's key, entry or not.
    """
    key_names = INDEX_KEYS[index]
    _check_after(after, key_names, prefix)
    if before is not None and not (before.startswith(prefix) and before > prefix):
        raise ValueError("`before` must be a key inside the listing's prefix")
    found: list[_Listed] = []
    start = dict(after) if after else None
    # Ascending, a cursor on an entry leaves its companion to come first.
    waiting = companion(after) if companion is not None and after and not descending else None
    while len(found) <= first:
        wanted = first + 1 - len(found)
        limit = wanted if companion is None else (wanted + 1) // 2  # each entry may bring two records
        data = _query_keys(pk, prefix, index, limit, start, descending, before)
        raw_items = _before(data.get("Items", []), key_names[-1], before)
        if companion is None:
            found += _live(raw_items, _records_of(pk, raw_items, index), key_names)
        else:
            keys = _with_companions(raw_items, key_names, companion, descending, waiting)
            keys = _beyond(
                keys, key_names[-1], after, before, descending, {listed.key["sk"] for listed in found}
            )
            waiting = None
            found += _live_keys(keys, _records_of(pk, [{"sk": {"S": key["sk"]}} for key in keys], index))
        start = _next_start(data, key_names)
        if start is None:
            break
    return Page(
        [listed.record for listed in found[:first]], found[first - 1].key if len(found) > first else None
    )


def _with_companions(
    raw_items: list[dict[str, Any]],
    key_names: tuple[str, ...],
    companion: Companion,
    descending: bool,
    waiting: dict[str, str] | None,
) -> list[dict[str, str]]:
    """The page's keys in listing order, each entry's companion beside it (after it ascending,
    before it descending), after the companion still `waiting` from the page before."""
    keys = [waiting] if waiting is not None else []
    for raw in raw_items:
        key = {name: raw[name]["S"] for name in key_names if name in raw}
        other = companion(key)
        keys += [key] if other is None else [other, key] if descending else [key, other]
    return keys


def _beyond(
    keys: list[dict[str, str]],
    name: str,
    after: Mapping[str, str] | None,
    before: str | None,
    descending: bool,
    listed: set[str],
) -> list[dict[str, str]]:
    """The keys strictly past the cursor and short of `before`, each record once (an entry written
    before its companion had none may be listed both ways)."""
    kept, seen = [], set(listed)
    for key in keys:
        if after is not None and (key[name] <= after[name] if not descending else key[name] >= after[name]):
            continue
        if before is not None and key[name] >= before:
            continue
        if key["sk"] not in seen:
            seen.add(key["sk"])
            kept.append(key)
    return kept


def _live_keys(keys: list[dict[str, str]], records: Mapping[str, Record]) -> list[_Listed]:
    """The records of these keys that exist and are not deleted, in order, with their keys."""
    listed = []
    for key in keys:
        record = records.get(key["sk"])
        if record is not None and not record.deleted:
            listed.append(_Listed(record, key))
    return listed


def _check_after(after: Mapping[str, str] | None, key_names: tuple[str, ...], prefix: str) -> None:
    """A cursor must be one this listing returned: its keys, as strings, inside the prefix."""
    if after is not None and (
        set(after) != set(key_names)
        or not all(isinstance(after[name], str) for name in key_names)
        or not after[key_names[-1]].startswith(prefix)
    ):
        raise BadUserInput(
            "`after` is not a cursor of this list; pass the endCursor it returned", field="after"
        )


def _query_keys(
    pk: str,
    prefix: str,
    index: str | None,
    limit: int,
    start: Mapping[str, str] | None,
    descending: bool,
    before: str | None = None,
) -> dict[str, Any]:
    """One strongly consistent Query of the items whose (index) key starts with `prefix` (and is
    at most `before`: DynamoDB's BETWEEN is inclusive, `_before` drops that key itself)."""
    exclusive_start = _start_key(pk, start) if start else None
    attribute = _INDEX_ATTRIBUTES[index]
    condition = attribute.startswith(prefix) if before is None else attribute.between(prefix, before)
    return guard(
        lambda: TetherModel._get_connection().query(
            pk,
            range_key_condition=condition,
            index_name=index,
            consistent_read=True,
            limit=limit,
            exclusive_start_key=exclusive_start,
            scan_index_forward=not descending,
        )
    )


def _before(raw_items: list[dict[str, Any]], name: str, before: str | None) -> list[dict[str, Any]]:
    """The page's items whose listing key sorts before `before` (all of them without it)."""
    if before is None:
        return raw_items
    return [raw for raw in raw_items if raw[name]["S"] < before]


def _records_of(pk: str, raw_items: list[dict[str, Any]], index: str | None) -> dict[str, Record]:
    """The records of a page by sort key: decoded from the page itself, or (an index holds keys
    only) fetched by ONE BatchGetItem."""
    if index is None:
        items: Iterable[TetherModel] = _models(raw_items)
    else:
        keys = [(pk, raw["sk"]["S"]) for raw in raw_items]
        items = guard(batch_get, keys)
    return {item.sk: to_record(item) for item in items if isinstance(item, RecordItem)}


def _live(
    raw_items: list[dict[str, Any]], records: Mapping[str, Record], key_names: tuple[str, ...]
) -> list[_Listed]:
    """The page's records that are not deleted, in the page's order, with their listing keys."""
    listed = []
    for raw in raw_items:
        record = records.get(raw["sk"]["S"])
        if record is not None and not record.deleted:
            listed.append(_Listed(record, {name: raw[name]["S"] for name in key_names if name in raw}))
    return listed


def _next_start(data: Mapping[str, Any], key_names: tuple[str, ...]) -> dict[str, str] | None:
    """Where the next Query starts, or None when DynamoDB has nothing more."""
    last = data.get("LastEvaluatedKey")
    if not last:
        return None
    return {name: value["S"] for name, value in last.items() if name in key_names}


def _start_key(pk: str, key: Mapping[str, str]) -> dict[str, dict[str, str]]:
    # The partition is always the caller's own: a client-supplied key never picks another user.
    start = {name: {"S": str(value)} for name, value in key.items()}
    start["pk"] = {"S": pk}
    return start


def _models(items: Iterable[Mapping[str, Any]]) -> list[TetherModel]:
    return [TetherModel.from_raw_data(dict(item)) for item in items]
