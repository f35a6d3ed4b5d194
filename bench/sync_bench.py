"""Sync through the Lambda handler: push and pull latency, throughput, round trips and the capacity
units DynamoDB would bill (tether/storage/capacity.py), against one GetItem measured in the same run.

Every operation is the app's own GraphQL document (`graphql/operations/SyncPush.graphql`,
`SyncPull.graphql`) in an API Gateway HTTP API event answered by `app.make_handler` in process
(Powertools, Mangum, Starlette, GraphQL, the engine, PynamoDB), as a deployed Lambda answers it.
"""

from __future__ import annotations

from typing import Any

from ulid import ULID

from app import create_app, make_handler
from bench.common import Report, floor, local_table, measure
from bench.cost import Api
from tether.storage.instrumentation import Calls

RUNS = 15
CHANGED_AT = "2026-03-01T09:00:00Z"


def saves(first_mutation: int, pieces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"mutationId": first_mutation + n, "changedAt": CHANGED_AT, "change": {"savePiece": piece}}
        for n, piece in enumerate(pieces)
    ]


def new_pieces(count: int) -> list[dict[str, Any]]:
    return [
        {"id": str(ULID()), "title": f"Piece {n}", "notes": "n" * 300, "tags": ["a", "b"]}
        for n in range(count)
    ]


def one_user(api: Api) -> dict[str, tuple[float, Calls]]:
    """Each measured operation once, for a fresh user, through the handler."""
    user = f"bench-{ULID()}"

    def push(device: str, mutations: list[dict[str, Any]]) -> None:
        api.call(user, "SyncPush", {"input": {"clientId": device, "mutations": mutations}})

    def pull(device: str, cursor: str | None, limit: int) -> dict[str, Any]:
        data: dict[str, Any] = api.call(
            user, "SyncPull", {"input": {"clientId": device, "cursor": cursor, "limit": limit}}
        )["syncPull"]
        return data

    batch = new_pieces(100)
    measured = {"push 100 new records": measure(lambda: push("phone", saves(1, batch)))}
    edits = [{"id": piece["id"], "favorite": True} for piece in batch]
    measured["push 100 edits"] = measure(lambda: push("phone", saves(101, edits)))
    for n in range(3):  # 500 changes in the feed
        push(f"loader-{n}", saves(1, new_pieces(100)))
    measured["pull a page of 500 changes"] = measure(lambda: pull("tablet", None, 500))
    cursor = None
    while True:
        page = pull("idle", cursor, 1000)
        cursor = page["cursor"]
        if not page["hasMore"]:
            break
    measured["idle pull"] = measure(lambda: pull("idle", cursor, 100))
    return measured


def main() -> None:
    items = {
        "push 100 new records": 100,
        "push 100 edits": 100,
        "pull a page of 500 changes": 500,
        "idle pull": 1,
    }
    with local_table() as settings:
        api = Api(make_handler(create_app(settings)))
        one_user(api)  # warm: imports, the schema, connections
        report = Report("sync", floor())
        runs = [one_user(api) for _ in range(RUNS)]
        for operation, count in items.items():
            samples = [run[operation][0] for run in runs]
            report.add(operation, samples, runs[-1][operation][1], items=count)
        report.print()


if __name__ == "__main__":
    main()
