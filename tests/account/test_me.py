"""`me`: the signed-in user, from the token's claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import GraphQLClient
from tests.operations import operation


def test_me_answers_from_the_token(gql: GraphQLClient, user_id: str) -> None:
    me = gql.data(operation("Me"))["me"]
    assert me == {
        "id": user_id,
        "email": f"{user_id}@example.test",
        "name": user_id.capitalize(),
        "isAdmin": False,
    }


def test_admins_are_members_of_the_admin_group(client: Any, make_token: Callable[..., str]) -> None:
    editor = GraphQLClient(client, make_token("editor", groups=["admin", "staff"]))
    assert editor.data(operation("Me"))["me"]["isAdmin"] is True


def test_me_refuses_anonymous_callers(anonymous: GraphQLClient) -> None:
    body = anonymous(operation("Me"))
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
