"""Chat budgets follow the plan."""

from __future__ import annotations

from typing import Any

from tests.chat.conftest import change, push
from tests.conftest import GraphQLClient
from tests.entitlements.conftest import grant
from tests.operations import operation
from tests.sync.conftest import at, new_id


def new_thread(gql: GraphQLClient) -> str:
    thread = new_id()
    push(gql, "phone", [change(1, at(0), saveChatThread={"id": thread, "title": "t"})])
    return thread


def send(gql: GraphQLClient, thread: str) -> dict[str, Any]:
    body: dict[str, Any] = gql(
        operation("SendChatMessage"), {"input": {"id": new_id(), "threadId": thread, "text": "hi"}}
    )
    return body


def sent_until_refused(gql: GraphQLClient, thread: str, most: int = 10) -> tuple[int, dict[str, Any]]:
    for count in range(most):
        body = send(gql, thread)
        if "errors" in body:
            return count, body["errors"][0]["extensions"]
        assert body["data"]["sendChatMessage"]["status"] == "COMPLETE"
    raise AssertionError("never refused")


def test_the_daily_message_budget_is_the_plans(
    gql: GraphQLClient, admin: GraphQLClient, user_id: str
) -> None:
    thread = new_thread(gql)
    count, refusal = sent_until_refused(gql, thread)
    assert (count, refusal["code"], refusal["limit"]) == (2, "RATE_LIMITED", 2)  # the deployment's default
    grant(admin, user_id, "plus")
    count, refusal = sent_until_refused(gql, thread)
    assert (count, refusal["limit"]) == (1, 3)  # plus: 3 a day, 2 already sent
    grant(admin, user_id, "premium")
    count, refusal = sent_until_refused(gql, thread)
    assert (count, refusal["limit"]) == (2, 5)  # the best of the plans held
