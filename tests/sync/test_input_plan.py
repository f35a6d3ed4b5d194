"""A push's input is converted by a plan compiled once (resolvers/input_plan.py): the same input
objects Strawberry's own conversion builds, without its per-field name and type work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from strawberry.types.arguments import convert_argument
from strawberry.utils import str_converters

from resolvers.input_plan import PLAIN_CONTEXT
from resolvers.sync import mutations as push_resolver
from resolvers.sync import plain
from resolvers.sync.inputs import SyncPushInput
from tests.sync.conftest import Device, at, new_id


def changes() -> list[tuple[str, dict[str, Any]]]:
    piece, session = new_id(), new_id()
    return [
        (at(0), {"savePiece": {"id": piece, "title": "Kaholo", "tags": ["hips"], "notes": None}}),
        (at(1), {"savePiece": {"id": piece, "favorite": True}}),
        (
            at(2),
            {"saveSession": {"id": session, "startedAt": at(2), "durationSeconds": 600, "pieceId": piece}},
        ),
        (at(3), {"recordProgress": {"trackId": "t-1", "positionSeconds": 12.5, "listenedSecondsDelta": 3}}),
        (at(4), {"savePreferences": {"dailyGoalMinutes": 20, "timeZone": "Pacific/Honolulu"}}),
        (at(5), {"deleteSession": {"id": session}}),
        (at(6), {"deletePiece": {"id": piece}}),
    ]


def received(device: Device, sent: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """The core mutations the resolver hands to the core (their patches from the converted inputs)."""
    seen: list[Any] = []
    original = push_resolver._push_and_follow_up

    def recording(
        services: Any,
        members: list[str],
        started: float,
        user: str,
        client: str,
        mutations: list[Any],
        *rest: Any,
    ) -> Any:
        seen.extend(mutations)
        return original(services, members, started, user, client, mutations, *rest)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(push_resolver, "_push_and_follow_up", recording)
        for changed_at, change in sent:
            device.change(changed_at, **change)
        device.push()
    return seen


def strawberry_s_walk(type_: type, value: Any) -> Any:
    """Strawberry's own conversion of an input object (convert_argument, no compiled plan)."""
    return convert_argument(value, type_, PLAIN_CONTEXT.scalar_registry, PLAIN_CONTEXT.config, None)


def test_the_plan_builds_what_strawberry_builds(
    device: Callable[[str], Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = changes()
    planned = received(device("phone"), sent)
    definition = SyncPushInput.__strawberry_definition__  # type: ignore[attr-defined]
    monkeypatch.setattr(definition, "from_input", None)  # Strawberry's own walk (its resolver's path)
    monkeypatch.setattr(plain, "convert_input", strawberry_s_walk)  # (the trusted executor's path)
    converted = received(device("tablet"), sent)

    assert len(planned) == len(sent)
    # The same patches: Maybe fields sent (null included) and only those, nested inputs as the core
    # wants them, ids as text.
    assert [(m.collection, m.operation, m.payload) for m in planned] == [
        (m.collection, m.operation, m.payload) for m in converted
    ]


def test_a_push_of_100_converts_without_per_field_name_work(
    device: Callable[[str], Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = device("phone")
    phone.save_piece(at(0), id=new_id(), title="warm up")  # the plan compiles on first use
    phone.push()
    for index in range(100):
        phone.save_piece(at(index), id=new_id(), title=f"piece {index}", tags=["a", "b"], notes="n")
    calls = 0
    camel = str_converters.to_camel_case

    def counted(name: str) -> str:
        nonlocal calls
        calls += 1
        return camel(name)

    monkeypatch.setattr(str_converters, "to_camel_case", counted)
    monkeypatch.setattr("strawberry.schema.name_converter.to_camel_case", counted)
    payload = phone.push()

    assert [r["status"] for r in payload["results"]] == ["APPLIED"] * 100
    # Strawberry's walk camel-cases every field of every input value (~2,700 for this push).
    assert calls < 100, calls
