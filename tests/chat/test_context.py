"""A thread about a catalog track tells the assistant the track's title (from the shared catalog)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from ulid import ULID

from tests.chat.conftest import FakeAPI, change, openai_reply, openai_settings, push
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import at, new_id
from tether.catalog.loader import load_file
from tether.services import Services
from tether.settings import Settings

DEMO = Path(__file__).resolve().parent.parent.parent / "catalog" / "demo.json"


def test_a_thread_about_a_published_track_names_it_in_the_prompt(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI, settings: Settings
) -> None:
    overrides = {**openai_settings(fake_api), "catalog_partition": f"CATALOG#{ULID()}"}
    gql = chat_client(**overrides)
    services = Services.build(dataclasses.replace(settings, **overrides))
    load_file(DEMO, services.sync, services.catalog)  # the demo catalog: published tracks
    thread = new_id()
    push(
        gql,
        "phone",
        [
            change(
                1,
                at(0),
                saveChatThread={"id": thread, "title": "t", "context": {"trackId": "spring-2025-01"}},
            )
        ],
    )
    fake_api.script = [openai_reply("Welcome to the retreat")]
    gql.data(operation("SendChatMessage"), {"input": {"id": new_id(), "threadId": thread, "text": "hi"}})
    system = fake_api.requests[0].body["messages"][0]["content"]
    assert "“Opening talk: arriving in silence”" in system
