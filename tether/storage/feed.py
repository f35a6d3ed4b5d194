"""A partition's change feed: its records in sequence order, read through the `bySeq` index."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tether.model.collector import collection_paused
from tether.model.record import Record
from tether.storage.base import TetherModel, guard
from tether.storage.raw import page_records, raw_query_items
from tether.storage.record_items import READ_ATTRIBUTES


def feed_page(
    pk: str, *, after: int, upto: int, limit: int, merge_state: bool = True
) -> tuple[list[Record], bool]:
    """Records with after < seq <= upto in sequence order: ONE strongly consistent Query.

    Returns the page and whether records remain in the range (the page stopped at `limit` items
    or at DynamoDB's 1 MB response cap). Without `merge_state` the records come without their
    field stamps and state (smaller responses to decode; read units are the same).
    """
    connection = TetherModel._get_connection()
    with raw_query_items(records=True):
        data = guard(
            lambda: connection.query(
                pk,
                range_key_condition=TetherModel.seq.between(after + 1, upto),
                index_name=TetherModel.by_seq.Meta.index_name,
                consistent_read=True,
                limit=limit,
                attributes_to_get=None if merge_state else READ_ATTRIBUTES,
            )
        )
    with collection_paused():  # (a page's records hold no cycles: tether/model/collector.py)
        page = page_records(data.get("Items", []))
    more = bool(data.get("LastEvaluatedKey")) and bool(page) and page[-1].seq < upto
    return page, more


def read_feed(pk: str, *, after: int, upto: int, segments: int = 1) -> list[Record]:
    """Every record with after < seq <= upto, in sequence order (pages of up to 1 MB each), for
    reading only (no field stamps or state).

    With `segments` > 1 the range is split into that many parts read in parallel threads (a cold
    load of a large shared feed, such as the catalog, then takes a fraction of the time).
    """
    if upto <= after:
        return []
    segments = max(1, min(segments, upto - after))
    step = -(-(upto - after) // segments)
    bounds = [(start, min(start + step, upto)) for start in range(after, upto, step)]

    def read(bound: tuple[int, int]) -> list[Record]:
        low, high = bound
        found: list[Record] = []
        while low < high:
            page, more = feed_page(pk, after=low, upto=high, limit=1000, merge_state=False)
            found.extend(page)
            if not (more and page):
                break
            low = page[-1].seq
        return found

    if len(bounds) == 1:
        return read(bounds[0])
    with ThreadPoolExecutor(max_workers=len(bounds), thread_name_prefix="feed") as pool:
        parts = list(pool.map(read, bounds))
    return [record for part in parts for record in part]
