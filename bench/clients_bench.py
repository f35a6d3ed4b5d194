"""What clients pay on the wire and per request: the 1,000-record pull page compressed with each
encoding, and the overhead of Automatic Persisted Queries (by hash, warm and cold instance cache).

`python -m bench clients_bench`. Sizes are bytes of the HTTP body; times are medians through the whole
ASGI app (TestClient), reported against the same run's floor (one DynamoDB GetItem).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from app import create_app
from bench.common import RESULTS, Report, floor, local_table, measure, timed
from localdev import tokens
from tests.operations import operation
from tests.pages import seed_pieces
from tether.persisted import sha256_hex

PAGE_SIZE = 1000
RUNS = 30
ENCODINGS = ("identity", "gzip", "br", "zstd")


def page_sizes(client: TestClient, headers: dict[str, str]) -> dict[str, int]:
    body = {
        "query": operation("SyncPull"),
        "variables": {"input": {"clientId": "bench", "cursor": None, "limit": PAGE_SIZE}},
    }
    sizes = {}
    for encoding in ENCODINGS:
        with client.stream(
            "POST", "/graphql", json=body, headers={**headers, "Accept-Encoding": encoding}
        ) as response:
            sizes[encoding] = len(b"".join(response.iter_raw()))
    return sizes


def main() -> None:
    with local_table() as table_settings:
        public_key = tokens.ensure_key()
        # Patient timeouts: seeding 1,000 records on a busy 2-core machine is slow, not broken.
        settings = dataclasses.replace(
            table_settings, dev_public_key_file=str(public_key), dynamodb_read_timeout=30.0
        )
        user = "bench-clients"
        app = create_app(settings)  # configures the storage with those timeouts
        seed_pieces(settings, user, PAGE_SIZE)
        with TestClient(app) as client:
            headers = {
                "Authorization": f"Bearer {tokens.mint(user, key_dir=public_key.parent)}",
                "Accept": "application/graphql-response+json",
            }
            sizes = page_sizes(client, headers)
            report = Report("clients", floor())
            query = operation("Me")
            extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}

            def send(body: dict[str, Any]) -> Callable[[], Any]:
                return lambda: client.post("/graphql", json=body, headers=headers).raise_for_status()

            send({"query": query, "extensions": extensions})()  # registered
            for name, body in (
                ("Me by full text", {"query": query}),
                ("Me by APQ hash (instance cache warm)", {"extensions": extensions}),
            ):
                samples = timed(send(body), RUNS)
                report.add(name, samples, measure(send(body))[1])
            cache = _registry(client)._cache
            cold_samples = []
            for _ in range(RUNS):  # a new container: the document comes from DynamoDB
                cache.clear()
                cold_samples += timed(send({"extensions": extensions}), 1)
            cache.clear()
            cold_calls = measure(send({"extensions": extensions}))[1]
            report.add("Me by APQ hash (instance cache cold)", cold_samples, cold_calls)
            report.print()
    uncompressed = sizes["identity"]
    print(f"\n1,000-record syncPull page: {uncompressed:,} bytes uncompressed")
    for encoding in ENCODINGS[1:]:
        print(f"  {encoding:5} {sizes[encoding]:>9,} bytes ({sizes[encoding] / uncompressed:.1%})")
    (RESULTS / "clients_sizes.json").write_text(
        json.dumps({"page_records": PAGE_SIZE, "bytes": sizes}, indent=2)
    )


def _registry(client: TestClient) -> Any:
    """The app's APQ registry (the Services of its one GraphQL route)."""
    for route in client.app.routes:  # type: ignore[attr-defined]
        endpoint = getattr(route, "endpoint", None)
        owner = getattr(endpoint, "__self__", None)
        if owner is not None and hasattr(owner, "documents"):
            return owner.documents.registry
    raise LookupError("no GraphQL endpoint")


if __name__ == "__main__":
    main()
