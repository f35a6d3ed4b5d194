"""Fixtures to run `make dev`'s server in tests; see harness.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.localdev.harness import DevServer, free_ports


@pytest.fixture
def start_devserver(tmp_path: Path) -> Iterator[Callable[..., DevServer]]:
    """Start devservers (fresh free ports each time); whatever happens, none outlives the test."""
    started: list[DevServer] = []

    def start(
        data_dir: Path | None = None,
        reload: bool = False,
        api_port: int | None = None,
        dynamodb_port: int | None = None,
    ) -> DevServer:
        free_api, free_dynamodb = free_ports(2)
        server = DevServer(
            data_dir or tmp_path / "data",
            api_port or free_api,
            dynamodb_port or free_dynamodb,
            reload=reload,
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill_leftovers()
