"""Plain queries for online use: pieces, piece, sessions, session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import Device, at, new_id


def test_pieces_page_through_live_records(device: Callable[[str], Device], gql: GraphQLClient) -> None:
    phone = device("phone")
    ids = sorted(new_id() for _ in range(7))
    for index, piece in enumerate(ids):
        phone.save_piece(at(index), id=piece, title=f"piece {index}")
    phone.change(at(10), deletePiece={"id": ids[3]})
    phone.push()
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = gql.data(operation("Pieces"), {"first": 2, "after": after})["pieces"]
        pages += 1
        seen += [node["id"] for node in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            assert data["pageInfo"]["endCursor"] is None
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == [piece for piece in ids if piece != ids[3]]
    assert pages == 3  # exactly: hasNextPage is false on the last full page


def test_piece_is_null_when_missing_deleted_or_malformed(
    device: Callable[[str], Device], gql: GraphQLClient
) -> None:
    phone = device("phone")
    live, gone = new_id(), new_id()
    phone.save_piece(at(0), id=live, title="here", lyrics="E ala e")
    phone.save_piece(at(0), id=gone, title="soon gone")
    phone.change(at(1), deletePiece={"id": gone})
    phone.push()
    assert gql.data(operation("Piece"), {"id": live})["piece"]["lyrics"] == "E ala e"
    for missing in (gone, new_id(), "not-an-id"):
        assert gql.data(operation("Piece"), {"id": missing})["piece"] is None


def test_sessions_newest_first_and_by_piece(device: Callable[[str], Device], gql: GraphQLClient) -> None:
    phone = device("phone")
    oli, mele = new_id(), new_id()
    phone.save_piece(at(0), id=oli, title="oli")
    phone.save_piece(at(0), id=mele, title="mele")
    sessions = []
    for day in range(5):
        session = new_id()
        sessions.append(session)
        phone.save_session(
            at(day), id=session, pieceId=oli if day % 2 == 0 else mele, startedAt=at(day * 86400)
        )
    phone.change(at(9), deleteSession={"id": sessions[4]})
    phone.push()
    everything = gql.data(operation("Sessions"), {"first": 10})["sessions"]["nodes"]
    assert [node["id"] for node in everything] == [sessions[3], sessions[2], sessions[1], sessions[0]]
    of_oli = gql.data(operation("Sessions"), {"pieceId": oli})["sessions"]["nodes"]
    assert [node["id"] for node in of_oli] == [sessions[2], sessions[0]]
    first_page = gql.data(operation("Sessions"), {"first": 1, "pieceId": oli})["sessions"]
    assert first_page["pageInfo"]["hasNextPage"] is True
    second_page = gql.data(
        operation("Sessions"), {"first": 1, "pieceId": oli, "after": first_page["pageInfo"]["endCursor"]}
    )["sessions"]
    assert [node["id"] for node in second_page["nodes"]] == [sessions[0]]
    assert second_page["pageInfo"]["hasNextPage"] is False
    assert gql.data(operation("Session"), {"id": sessions[1]})["session"]["pieceId"] == mele
    assert gql.data(operation("Session"), {"id": sessions[4]})["session"] is None


def test_a_moved_session_leaves_its_old_piece(device: Callable[[str], Device], gql: GraphQLClient) -> None:
    phone = device("phone")
    first, second, session = new_id(), new_id(), new_id()
    phone.save_session(at(0), id=session, pieceId=first, startedAt=at(0))
    phone.push()
    phone.save_session(at(1), id=session, pieceId=second)
    phone.push()
    assert gql.data(operation("Sessions"), {"pieceId": first})["sessions"]["nodes"] == []
    assert [n["id"] for n in gql.data(operation("Sessions"), {"pieceId": second})["sessions"]["nodes"]] == [
        session
    ]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": 0}, "first must be between 1 and 100"),
        ({"first": 101}, "first must be between 1 and 100"),
        ({"after": "bm9wZQ"}, "is not a cursor of this list"),
        ({"after": "e30"}, "is not a cursor of this list"),
        ({"after": "eyJzayI6IlNFU1NJT04jMDEifQ"}, "is not a cursor of this list"),  # a sessions cursor
    ],
)
def test_bad_pagination_arguments(gql: GraphQLClient, variables: dict[str, Any], message: str) -> None:
    body = gql(operation("Pieces"), variables)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"]


def test_queries_are_scoped_to_the_signed_in_user(
    device: Callable[[str], Device], client: Any, make_token: Callable[..., str], user_id: str
) -> None:
    phone = device("phone")
    piece = new_id()
    phone.save_piece(at(0), id=piece, title="mine")
    phone.save_session(at(0), id=new_id(), pieceId=piece, startedAt=at(0))
    phone.push()
    other = GraphQLClient(client, make_token(f"{user_id}-other"))
    assert other.data(operation("Pieces"), {})["pieces"]["nodes"] == []
    assert other.data(operation("Piece"), {"id": piece})["piece"] is None
    assert other.data(operation("Sessions"), {"pieceId": piece})["sessions"]["nodes"] == []
