"""A pull's records are written straight from the core records (resolvers/execution.py, `_Writer`):
the same bytes graphql-core's own completion of the Strawberry objects gives, for every synced
collection, null and absent fields, tombstones, aliases and other documents; whatever the writer
cannot answer exactly (an error, a type mapping records its own way) is graphql-core's."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from types import FrameType, SimpleNamespace
from typing import Any

import pytest
import strawberry
from graphql import FragmentDefinitionNode, FragmentSpreadNode, parse, print_ast
from graphql import execute_sync as graphql_execute_sync
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.types import base_scalars
from strawberry.utils.str_converters import to_camel_case

from resolvers import execution
from resolvers.execution import PlainFieldsExecutionContext
from resolvers.lazy_schema import sdl_schema
from resolvers.sync.bindings import RECORDS
from resolvers.syncable import RecordList, reads_plainly
from tests import execution_check
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import Device, at, new_id
from tether.model.record import Record

FRAGMENTS = operation("SyncPull").split("query SyncPull", 1)[0]  # the shared fragments only
PLAIN = sorted(c for c, (t, _) in RECORDS.items() if reads_plainly(t))
MOMENT = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
# What the record types' own resolvers read of the request context (an entitlement's status: the clock).
RECORD_CONTEXT = SimpleNamespace(services=SimpleNamespace(entitlements=SimpleNamespace(clock=lambda: MOMENT)))


@pytest.fixture
def fast_paths(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The real fast paths (not the suite's checked ones, which answer graphql-core's); yields the
    count of records the writer wrote."""
    monkeypatch.setattr(PlainFieldsExecutionContext, "complete_object_value", execution_check.FAST_PATH)
    monkeypatch.setattr(PlainFieldsExecutionContext, "complete_list_value", execution_check.FAST_LISTS)
    written = [0]
    write = execution._Writer.write

    def counted(self: Any, records: Any, info: Any) -> Any:
        rows = write(self, records, info)
        written[0] += len(rows) if rows is not None else 0
        return rows

    monkeypatch.setattr(execution._Writer, "write", counted)
    return written


def graphql_core_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """graphql-core's own completion, field by field, of Strawberry objects (no plan, no writer)."""
    base = StrawberryGraphQLCoreExecutionContext
    monkeypatch.setattr(PlainFieldsExecutionContext, "complete_object_value", base.complete_object_value)
    monkeypatch.setattr(PlainFieldsExecutionContext, "complete_list_value", base.complete_list_value)


# ---- every bound collection, record by record ----


def _records(collection: str) -> list[Record]:
    """Records a list may hold: empty data (absent fields), explicit nulls, a tombstone, no
    creation time, a newer version."""
    record_type, _ = RECORDS[collection]
    names = list(record_type.collection.fields)

    def record(number: int, **values: Any) -> Record:
        fields: dict[str, Any] = {"collection": collection, "id": f"01J00000000000000000000{number:03d}"}
        fields.update(version=3, seq=number, created_at=MOMENT, updated_at=MOMENT)
        fields.update(values)
        return Record(**fields)

    return [
        record(1),
        record(2, data=dict.fromkeys(names)),
        record(3, deleted=True, version=9),
        record(4, created_at=None),
        record(5, data={"tags": []} if "tags" in names else {}),
    ]


def _schema(record_type: type) -> strawberry.Schema:
    rows: list[RecordList] = []

    def items() -> RecordList:
        return rows[0]

    query = strawberry.type(
        type(
            "Query",
            (),
            {"items": strawberry.field(resolver=items, graphql_type=list[record_type])},  # type: ignore[valid-type]
        )
    )
    schema = strawberry.Schema(query=query, types=[r for r, _ in RECORDS.values()])
    schema._rows = rows  # type: ignore[attr-defined]
    return schema


def _fragment_of(record_type: type) -> tuple[str, str]:
    """The operations' fragment of the type (e.g. PieceFields) and the fragments it needs, as text."""
    name = f"{record_type.__strawberry_definition__.name}Fields"  # type: ignore[attr-defined]
    definitions = {
        d.name.value: d for d in parse(FRAGMENTS).definitions if isinstance(d, FragmentDefinitionNode)
    }
    needed, pending = [], [name]
    while pending:
        current = pending.pop()
        if current not in needed:
            needed.append(current)
            pending.extend(spread.name.value for spread in _spreads(definitions[current]))
    return name, " ".join(print_ast(definitions[fragment]) for fragment in needed)


def _spreads(node: Any) -> Iterator[FragmentSpreadNode]:
    for selection in getattr(node.selection_set, "selections", None) or ():
        if isinstance(selection, FragmentSpreadNode):
            yield selection
        else:
            yield from _spreads(selection)


def _answer(
    schema: strawberry.Schema,
    document: str,
    records: list[Record],
    record_type: type,
    variables: dict[str, Any] | None = None,
) -> str:
    schema._rows[:] = [RecordList(record_type, records)]  # type: ignore[attr-defined]
    schema.execution_context_class = PlainFieldsExecutionContext
    # Executed as the API executes it (async: some record types resolve fields asynchronously, which
    # execute_sync refuses, and each refusal was a leaked coroutine), on a loop of its own.
    loop = asyncio.new_event_loop()
    try:
        result = loop.run_until_complete(
            schema.execute(document, variable_values=variables, context_value=RECORD_CONTEXT)
        )
    finally:
        loop.close()
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("collection", sorted(RECORDS))
def test_every_collection_is_written_as_graphql_core_completes_it(
    collection: str, fast_paths: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_type, _ = RECORDS[collection]
    schema = _schema(record_type)
    fragment, fragments = _fragment_of(record_type)
    documents = [
        f"{{ items {{ ...{fragment} }} }} {fragments}",
        # aliases, __typename and a field twice
        f"{{ items {{ __typename v: version id again: id ...{fragment} }} }} {fragments}",
    ]
    records = _records(collection)
    fast = [_answer(schema, document, records, record_type) for document in documents]
    written = fast_paths[0]
    with monkeypatch.context() as normal:
        graphql_core_only(normal)
        assert fast == [_answer(schema, document, records, record_type) for document in documents]
    assert all('"errors"' not in answer for answer in fast)  # (every type completes, not only the plain)
    # The plainly read types are written by the writer; the others by graphql-core.
    assert written == (len(records) * len(documents) if collection in PLAIN else 0)


def test_a_directive_on_the_list_leaves_it_to_graphql_core(
    fast_paths: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_type, _ = RECORDS["piece"]
    schema = _schema(record_type)
    records = _records("piece")
    documents = [
        "{ items { id title @include(if: false) tags } }",
        "{ items @skip(if: false) { id } }",
        "{ items { id title } }",
    ]
    fast = [_answer(schema, document, records, record_type) for document in documents]
    with monkeypatch.context() as normal:
        graphql_core_only(normal)
        assert fast == [_answer(schema, document, records, record_type) for document in documents]
    # @include on a field inside: still written (per execution); a directive on the list: graphql-core's.
    assert fast_paths[0] == 2 * len(records)


def test_a_value_graphql_core_refuses_is_graphql_cores_error(
    fast_paths: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_type, _ = RECORDS["piece"]
    schema = _schema(record_type)
    # A stored value of the wrong type (a hand-edited item): Boolean refuses it, the error and its
    # path are graphql-core's, and the non-null list is nulled as graphql-core nulls it.
    records = [
        *_records("piece"),
        Record("piece", "01J00000000000000000000999", 1, 9, MOMENT, MOMENT, False, {"favorite": "yes"}),
    ]
    document = "{ items { id favorite } }"
    fast = _answer(schema, document, records, record_type)
    with monkeypatch.context() as normal:
        graphql_core_only(normal)
        assert fast == _answer(schema, document, records, record_type)
    assert '"errors"' in fast
    assert fast_paths[0] == 0


def test_times_in_any_zone_are_written_as_graphql_core_writes_them(
    fast_paths: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """UTC times are formatted all at once (orjson); times in another zone, naive ones and the
    edges of the calendar are each the DateTime serializer's own text, in one list."""
    record_type, _ = RECORDS["piece"]
    schema = _schema(record_type)
    moments = [
        MOMENT,
        MOMENT.replace(microsecond=0),
        MOMENT.replace(microsecond=1),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        MOMENT.astimezone(timezone(timedelta(hours=5, minutes=30))),
        MOMENT.astimezone(timezone(-timedelta(hours=10), "HST")),
        MOMENT.replace(tzinfo=None),
        datetime(2026, 3, 1, 9, tzinfo=timezone(timedelta(0), "UTC")),  # a zero offset, not UTC itself
    ]
    records = [
        Record("piece", f"01J00000000000000000000{n:03d}", 1, n, moment, moments[-1 - n], False, {})
        for n, moment in enumerate(moments)
    ]
    document = "{ items { id createdAt updatedAt again: updatedAt } }"
    fast = _answer(schema, document, records, record_type)
    with monkeypatch.context() as normal:
        graphql_core_only(normal)
        assert fast == _answer(schema, document, records, record_type)
    assert fast_paths[0] == len(records)
    assert '"createdAt": "0001-01-01T00:00:00+00:00"' in fast


def test_a_page_of_records_formats_its_times_at_once(
    fast_paths: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of 1,000 records (two UTC times each) calls the DateTime serializer for none of them:
    isoformat one by one was a fifth of the writer's time."""
    calls = [0]
    serialize = base_scalars.isoformat

    def counted(value: Any) -> Any:
        calls[0] += 1
        return serialize(value)

    monkeypatch.setattr(execution, "strawberry_isoformat", counted, raising=False)
    record_type, _ = RECORDS["piece"]
    schema = _schema(record_type)
    monkeypatch.setattr(schema._schema.type_map["DateTime"], "coerce_output_value", counted)
    records = [
        Record("piece", f"01J0000000000000000000{n:04d}", 1, n, MOMENT, MOMENT + timedelta(seconds=n), False)
        for n in range(1000)
    ]
    fast = _answer(schema, "{ items { id createdAt updatedAt } }", records, record_type)
    assert fast_paths[0] == 1000
    assert calls[0] == 0
    with monkeypatch.context() as normal:
        graphql_core_only(normal)
        assert fast == _answer(schema, "{ items { id createdAt updatedAt } }", records, record_type)
    assert calls[0] == 2000  # graphql-core's completion: the serializer, record by record


# ---- through the app: a real pull of every collection a device writes ----


def _every_change() -> list[tuple[str, dict[str, Any]]]:
    piece, gone, session, thread, memory, attachment = (new_id() for _ in range(6))
    return [
        (
            at(0),
            {
                "savePiece": {
                    "id": piece,
                    "title": "Kaholo",
                    "tags": ["hips", "é"],
                    "notes": None,
                    "favorite": True,
                }
            },
        ),
        (at(1), {"savePiece": {"id": gone, "title": "gone", "lyrics": 'a "quoted" line\n'}}),
        (at(2), {"deletePiece": {"id": gone}}),
        (
            at(3),
            {
                "saveSession": {
                    "id": session,
                    "startedAt": at(2),
                    "durationSeconds": 600,
                    "pieceId": piece,
                    "rating": None,
                }
            },
        ),
        (at(4), {"recordProgress": {"trackId": "t-1", "positionSeconds": 12.5, "listenedSecondsDelta": 3}}),
        (
            at(5),
            {"saveBookmark": {"id": new_id(), "trackId": "t-1", "positionSeconds": 61.25, "label": "chorus"}},
        ),
        (at(6), {"saveChatThread": {"id": thread, "title": "Practice", "context": {"pieceId": piece}}}),
        (at(7), {"saveMemory": {"id": memory, "text": "Prefers mornings", "pinned": True}}),
        (
            at(8),
            {
                "savePreferences": {
                    "dailyGoalMinutes": 20,
                    "timeZone": "Pacific/Honolulu",
                    "custom": [{"key": "theme", "value": "dark"}],
                }
            },
        ),
        (
            at(9),
            {
                "saveAttachment": {
                    "id": attachment,
                    "name": "a.png",
                    "contentType": "image/png",
                    "byteSize": 10,
                    "sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                    "parent": {"type": "PIECE", "id": piece},
                }
            },
        ),
        (at(10), {"deleteMemory": {"id": memory}}),
    ]


def test_a_pull_answers_what_graphql_core_answers(
    gql: GraphQLClient,
    device: Callable[[str], Device],
    fast_paths: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    phone = device("phone")
    for changed_at, change in _every_change():
        phone.change(changed_at, **change)
    results = phone.push()["results"]
    assert all(result["status"] == "APPLIED" for result in results), results

    def pull(client_id: str) -> str:
        response = gql.post(operation("SyncPull"), {"input": {"clientId": client_id, "limit": 1000}})
        body = response.json()
        assert "errors" not in body, body["errors"]
        body["data"]["syncPull"]["cursor"] = "-"  # holds the read time; the records must be equal
        return json.dumps(body, ensure_ascii=False)

    fast = pull("tablet")
    assert fast_paths[0] >= len(results) - 3  # the records of the plainly read types, written
    with monkeypatch.context() as normal:
        graphql_core_only(normal)
        assert fast == pull("laptop")
    pulled = json.loads(fast)["data"]["syncPull"]
    assert {name for name, rows in pulled.items() if isinstance(rows, list) and rows} >= {
        "pieces",
        "sessions",
        "progress",
        "bookmarks",
        "chatThreads",
        "chatMemory",
        "preferences",
        "attachments",
    }


def test_a_plan_shared_by_requests_follows_each_requests_variables(
    gql: GraphQLClient,
    device: Callable[[str], Device],
    fast_paths: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same document (parsed once: the same nodes) with other variables: `@include(if: $s)` is
    decided per request, as only plans of selections no directive can change are shared."""
    phone = device("phone")
    phone.save_piece(at(0), id=new_id(), title="Ave", tags=["a"])
    phone.push()
    document = """query($s: Boolean!) { syncPull(input: {clientId: "tablet"}) {
        pieces { id ... on Piece @include(if: $s) { title } tags } hasMore } }"""

    def answers() -> list[Any]:
        return [gql.data(document, {"s": s})["syncPull"] for s in (True, False, True, False)]

    fast = answers()
    assert [sorted(page["pieces"][0]) for page in fast[:2]] == [["id", "tags", "title"], ["id", "tags"]]
    with monkeypatch.context() as normal:
        graphql_core_only(normal)
        assert fast == answers()
    assert fast_paths[0] == 4


# ---- on graphql-core's schema built from the SDL (no Strawberry extension on its types) ----


# A schema of its own (sdl_schema's is shared, and resolvers/sync/plain.py attaches Strawberry's
# definitions and resolvers to it): the SDL's types as graphql-core builds them, nothing attached.
BARE_SDL_SCHEMA = sdl_schema.__wrapped__()


def _sdl_answer(document: str, field: str, records: list[Record], record_type: type) -> str:
    """`syncPull { <field> { ... } }` executed on the SDL's schema, the payload a plain dict."""
    payload = {field: RecordList(record_type, records)}
    result = graphql_execute_sync(
        BARE_SDL_SCHEMA,
        parse(document),
        root_value={"syncPull": lambda info, **_: payload},
        executor_class=PlainFieldsExecutionContext,
    )
    body: dict[str, Any] = {"data": result.data and result.data["syncPull"][field]}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("collection", PLAIN)
def test_the_sdl_schema_s_records_are_written_as_strawberry_s(
    collection: str, fast_paths: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer works from graphql-core's types and the core's declarations: on the schema built
    from the SDL (resolvers/lazy_schema.py) every plainly read collection is written, the same
    bytes as graphql-core's completion of Strawberry's objects on Strawberry's schema."""
    record_type, python_field = RECORDS[collection]
    field = to_camel_case(python_field)
    fragment, fragments = _fragment_of(record_type)
    records = _records(collection)
    selections = [f"...{fragment}", f"__typename v: version id again: id ...{fragment}"]
    sdl = [
        _sdl_answer(
            f'{{ syncPull(input: {{clientId: "c"}}) {{ {field} {{ {selection} }} }} }} {fragments}',
            field,
            records,
            record_type,
        )
        for selection in selections
    ]
    assert fast_paths[0] == len(records) * len(selections)
    schema = _schema(record_type)
    with monkeypatch.context() as normal:
        graphql_core_only(normal)
        expected = [
            _answer(schema, f"{{ items {{ {selection} }} }} {fragments}", records, record_type)
            for selection in selections
        ]
    assert sdl == [
        json.dumps({"data": json.loads(answer)["data"]["items"]}, ensure_ascii=False) for answer in expected
    ]
    assert '"errors"' not in "".join(sdl)


def _pieces_page(count: int) -> tuple[strawberry.Schema, str, list[Record], type]:
    """A schema of a list of pieces, the document selecting the app's fragment of them, and
    `count` well-formed pieces (a title and tags, no favorite)."""
    record_type, _ = RECORDS["piece"]
    fragment, fragments = _fragment_of(record_type)
    records = [
        Record(
            "piece",
            f"01J0000000000000000000{n:04d}",
            2,
            n,
            MOMENT,
            MOMENT,
            False,
            {"title": "A", "tags": ["x"]},
        )
        for n in range(count)
    ]
    document = f"{{ items {{ __typename ...{fragment} }} }} {fragments}"
    return _schema(record_type), document, records, record_type


def test_a_page_of_plain_records_takes_no_generic_step(
    fast_paths: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each column of a page of well-formed records is read and checked inline by the writer
    generated for its type and selection: the generic per-column step runs for none of them."""
    steps = [0]
    generic = execution._step_value

    def counted(*args: Any) -> Any:
        steps[0] += 1
        return generic(*args)

    monkeypatch.setattr(execution, "_step_value", counted)
    schema, document, records, record_type = _pieces_page(300)
    fast = _answer(schema, document, records, record_type)
    assert fast_paths[0] == 300
    assert steps[0] == 0
    # A stored value of another type (a number as a title) takes the generic step: String's own text.
    odd_records = [*records]
    odd_records[7] = Record("piece", "01J00000000000000000000999", 1, 9, MOMENT, MOMENT, False, {"title": 5})
    odd = _answer(schema, document, odd_records, record_type)
    assert steps[0] == 1
    assert fast_paths[0] == 600
    with monkeypatch.context() as normal:
        graphql_core_only(normal)
        assert fast == _answer(schema, document, records, record_type)
        assert odd == _answer(schema, document, odd_records, record_type)
    assert '"title": "5"' in odd


def test_a_page_of_pieces_calls_nothing_per_record_but_the_tags_load(
    fast_paths: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer reads a loaded field (tags) and a constant default (favorite: false) inline: the
    only Python call it makes for a record is the field's own load, as from_record makes it (two
    before: a getter, which called the load, and the default)."""
    schema, document, records, record_type = _pieces_page(300)
    calls: list[str] = []

    def count(frame: Any, event: str, _: Any) -> None:
        if (
            event == "call"
            and frame.f_back is not None
            and frame.f_back.f_code.co_filename.startswith("<record writer")
        ):
            calls.append(frame.f_code.co_name)

    sys.setprofile(count)
    try:
        fast = _answer(schema, document, records, record_type)
    finally:
        sys.setprofile(None)
    assert fast_paths[0] == 300
    assert len([name for name in calls if name != "_iso_times"]) == 300, sorted(set(calls))
    assert '"favorite": false' in fast
    with monkeypatch.context() as normal:
        graphql_core_only(normal)
        assert fast == _answer(schema, document, records, record_type)


def test_a_page_s_rows_are_written_with_the_collector_paused(fast_paths: list[int]) -> None:
    """The rows of a page hold no cycles: no collection walks them while the writer builds them."""
    from tests.storage.test_raw import collections_inside

    schema, document, records, record_type = _pieces_page(100)

    def writing(frame: FrameType) -> bool:  # (the generated loop, not its compilation)
        return frame.f_code.co_name == "write" and frame.f_code.co_filename.startswith("<record writer")

    with collections_inside(writing) as found:
        _answer(schema, document, records, record_type)
    assert fast_paths[0] == 100
    assert found == []
