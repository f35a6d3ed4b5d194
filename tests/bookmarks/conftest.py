"""Devices for bookmark tests: the progress tests' Player keeps every synced collection."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import GraphQLClient
from tests.progress.conftest import Player


@pytest.fixture
def player(gql: GraphQLClient) -> Callable[[str], Player]:
    def make(client_id: str) -> Player:
        return Player(gql, client_id)

    return make
