"""A field of a union (SyncMutationResult.record) completed by the plan answers byte for byte what
graphql-core answers: the runtime type resolved by the union's own resolver (casts included),
nulls, and the errors of a value of no member type (graphql-core's, with their paths)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.execution import PlainFieldsExecutionContext
from tests import execution_check


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


class Loose:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


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
    def results(self) -> list[Result | None]:
        return RESULTS

    @strawberry.field
    def strict(self) -> list[Strict | None]:
        return [Strict(n=1, work=Song(id=strawberry.ID("s"), title="t")), Strict(n=2, work=None)]  # type: ignore[arg-type]


DOCUMENTS = [
    "{ results { n work { __typename ... on Song { id title } ... on Chant { id lines } } } }",
    "{ results { work { ... on Song { t: title } } n } }",
    "{ strict { n work { __typename } } }",  # a null in a non-null union: the item nulled
]


def answer(context_class: type, document: str) -> str:
    schema = strawberry.Schema(query=Query, execution_context_class=context_class)
    result = schema.execute_sync(document)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_union_field_answers_what_graphql_core_answers(
    document: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PlainFieldsExecutionContext, "complete_object_value", execution_check.FAST_PATH)
    monkeypatch.setattr(PlainFieldsExecutionContext, "complete_list_value", execution_check.FAST_LISTS)
    assert answer(PlainFieldsExecutionContext, document) == answer(
        StrawberryGraphQLCoreExecutionContext, document
    )


def test_the_plan_takes_the_results_of_member_types(monkeypatch: pytest.MonkeyPatch) -> None:
    executed: list[str] = []
    execute_field = StrawberryGraphQLCoreExecutionContext.execute_field

    def counted(self: Any, parent_type: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append(parent_type.name)
        return execute_field(self, parent_type, *args, **kwargs)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_field", counted)
    monkeypatch.setattr(PlainFieldsExecutionContext, "complete_object_value", execution_check.FAST_PATH)
    answer(PlainFieldsExecutionContext, DOCUMENTS[0])
    # field by field: only the result whose work is of no member type (n, work), for its error
    assert executed == ["Query", "Result", "Result"]
