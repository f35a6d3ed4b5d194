"""The plain-fields fast path (resolvers/execution.py) answers byte for byte what graphql-core's own
execution answers: values, key order, nulls, and errors with their paths and messages. (Every test
of the suite checks each object it completes as well: tests/execution_check.py.)"""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.execution import PlainFieldsExecutionContext
from tests import execution_check


@strawberry.enum
class Mood(Enum):
    CALM = "CALM"
    BUSY = "BUSY"


@strawberry.type
class Item:
    id: strawberry.ID
    count: int
    name: str | None
    tags: list[str]
    maybe_tags: list[str | None] | None
    mood: Mood | None
    score: float | None = None

    @strawberry.field
    def shout(self) -> str:
        return (self.name or "").upper()


class Loose:
    """What a buggy resolver might hand back: any attributes at all."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


GOOD = dict(
    id="1", count=2, name='é ü ∑ "q"', tags=["a", "b"], maybe_tags=[None, "x"], mood=Mood.CALM, score=1e16
)
ROWS: list[Any] = [
    Loose(**GOOD),
    Loose(**{**GOOD, "name": None, "maybe_tags": None, "mood": None, "tags": []}),
    Loose(**{**GOOD, "count": None}),  # null in a non-null field: an error, the item nulled
    Loose(**{**GOOD, "count": "three"}),  # a value Int refuses
    Loose(**{**GOOD, "mood": "ANGRY"}),  # a value the enum refuses
    Loose(**{**GOOD, "tags": ["a", None]}),  # null inside a non-null list
    Loose(**{k: v for k, v in GOOD.items() if k != "tags"}),  # an attribute missing
    Loose(**{**GOOD, "count": 2**40}),  # beyond GraphQL's 32-bit Int
    # Values the plan passes through unchanged only when graphql-core would answer them unchanged:
    Loose(**{**GOOD, "count": 2**31 - 1}),  # the largest Int
    Loose(**{**GOOD, "count": -(2**31)}),  # the smallest Int
    Loose(**{**GOOD, "count": 2**31}),  # one beyond: refused
    Loose(**{**GOOD, "count": True}),  # a bool is an int to Python, serialized as 1 by Int
    Loose(**{**GOOD, "id": 7, "name": 8}),  # an int as an ID or a String: serialized as "7" and "8"
    Loose(**{**GOOD, "tags": ["a", 5, True]}),  # non-strings in a list of String
    Loose(**{**GOOD, "tags": "ab"}),  # a string where a list belongs
    Loose(**{**GOOD, "name": Mood.BUSY}),  # an enum member as a String
]


@strawberry.type
class Song:
    id: strawberry.ID
    title: str


@strawberry.type
class Chant:
    id: strawberry.ID
    lines: list[str]


@strawberry.type
class Other:
    id: strawberry.ID


Work = Annotated[Song | Chant, strawberry.union("Work")]


@strawberry.type
class Result:
    n: int
    work: Work | None


@strawberry.type
class Strict:
    n: int
    work: Work


RESULTS: list[Any] = [
    Result(n=1, work=Song(id=strawberry.ID("s"), title="Oli")),
    Result(n=2, work=Chant(id=strawberry.ID("c"), lines=["a", "b"])),
    Result(n=3, work=None),
    Result(n=4, work=strawberry.cast(Chant, Loose(id="x", lines=["cast"]))),  # type: ignore[arg-type]
    Result(n=5, work=Other(id=strawberry.ID("o"))),  # type: ignore[arg-type]  # of no member type: an error
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return ROWS

    @strawberry.field
    def results(self) -> list[Result | None]:
        return RESULTS

    @strawberry.field
    def strict_works(self) -> list[Strict | None]:
        return [Strict(n=1, work=Song(id=strawberry.ID("s"), title="t")), Strict(n=2, work=None)]  # type: ignore[arg-type]

    @strawberry.field
    def strict(self) -> list[Item]:
        return ROWS[:3]


DOCUMENTS = [
    "{ items { id count name tags maybeTags mood score } }",
    "{ items { __typename n: name c: count id } }",
    "{ items { id shout } }",  # a field with a resolver: the fast path steps aside
    "fragment F on Item { tags mood } { items { id ...F name @skip(if: true) count @include(if: false) } }",
    "query($s: Boolean!) { items { id name @include(if: $s) ... on Item { score } } }",
    "{ strict { id count } }",  # an error that nulls the whole (non-null) list
    # A field of a union (as SyncMutationResult.record): resolved by the union's own resolver
    "{ results { n work { __typename ... on Song { id title } ... on Chant { id lines } } } }",
    "{ results { work { ... on Song { t: title } } n } }",
    "{ strictWorks { n work { __typename } } }",  # a null in a non-null union: the item nulled
]


def answer(context_class: type, document: str) -> str:
    schema = strawberry.Schema(query=Query, execution_context_class=context_class)
    result = schema.execute_sync(document, variable_values={"s": True})
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_fast_path_answers_byte_for_byte_what_graphql_core_answers(
    document: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fast path itself, not the suite's checked version of it (which answers graphql-core's).
    monkeypatch.setattr(PlainFieldsExecutionContext, "complete_object_value", execution_check.FAST_PATH)
    assert answer(PlainFieldsExecutionContext, document) == answer(
        StrawberryGraphQLCoreExecutionContext, document
    )


def test_the_plan_takes_the_results_of_union_member_types(monkeypatch: pytest.MonkeyPatch) -> None:
    executed = execution_check.fields_executed(monkeypatch)
    answer(PlainFieldsExecutionContext, DOCUMENTS[6])
    # field by field: only the result whose work is of no member type (n, work), for its error
    assert executed == ["Query", "Result", "Result"]


def test_the_fast_path_takes_the_plain_objects(checked_execution: None) -> None:
    before = execution_check.FAST_OBJECTS[0]
    answer(PlainFieldsExecutionContext, DOCUMENTS[0])
    # The first two rows are plain and valid: completed by the plan (and checked).
    assert execution_check.FAST_OBJECTS[0] - before >= 2


def test_the_check_catches_a_plan_that_answers_differently(monkeypatch: pytest.MonkeyPatch) -> None:
    from resolvers import execution

    real = execution._Plan.complete

    def wrong(self: Any, source: Any, info: Any) -> dict[str, Any] | None:
        completed = real(self, source, info)
        return {**completed, "id": "forged"} if completed else completed

    monkeypatch.setattr(execution._Plan, "complete", wrong)
    answer(PlainFieldsExecutionContext, DOCUMENTS[0])
    assert any("forged" in divergence for divergence in execution_check.DIVERGENCES)
    execution_check.DIVERGENCES.clear()
