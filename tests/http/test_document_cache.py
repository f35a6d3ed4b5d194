"""The schema's document cache (resolvers/document_cache.py) keeps a text's parse and validation
errors for the life of the process, and nothing of the request that first sent it."""

from __future__ import annotations

import gc

from starlette.testclient import TestClient

from app import create_app
from resolvers.context import Context
from tether.settings import Settings

# An enum value's typo: graphql-core raises and catches inside its validation, so the error it
# reports carries the traceback of that first request's frames.
MISSPELT = '{ mediaUrl(trackId: "t", kind: AUDIOO) { url } }'


def contexts_alive(besides: list[Context]) -> list[Context]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, Context) and all(o is not b for b in besides)]


def test_a_cached_validation_error_holds_nothing_of_the_request_that_first_sent_it(
    settings: Settings,
) -> None:
    before = contexts_alive([])
    with TestClient(create_app(settings)) as client:
        for _ in range(2):  # validated by the first, the cached errors answered to the second
            body = client.post("/graphql", json={"query": MISSPELT}).json()
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
            assert "AUDIOO" in body["errors"][0]["message"]
    # (a Context references the services and the caller: a warm Lambda kept the first such
    # request's for as long as the text stayed cached)
    assert contexts_alive(before) == []
