"""Suggested starter prompts: by context, localized, from a file per deployment."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import new_id
from tether.chat.suggestions import SuggestionBook
from tether.errors import ConfigurationError


def suggest(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = gql.data(operation("ChatSuggestions"), dict(variables))["chatSuggestions"]
    return found


def test_prompts_by_context_and_language(gql: GraphQLClient) -> None:
    general = suggest(gql)
    assert general["language"] == "en"
    assert general["prompts"] == [
        "How can I build a daily practice habit?",
        "Help me plan what to practise this week.",
        "I'm feeling stuck. Can we talk it through?",
    ]
    piece = suggest(gql, context={"pieceId": new_id()}, language="de-AT")
    assert piece["language"] == "de"
    assert piece["prompts"] == [
        "Worauf sollte ich beim Üben dieses Stücks achten?",
        "Hilf mir, dieses Stück auswendig zu lernen.",
        "Frag mich zu diesem Stück ab.",
    ]
    track = suggest(gql, context={"trackId": "breath-01"}, language="ES")
    assert track["language"] == "es"
    assert track["prompts"][0] == "¿De qué trata esta pista?"
    unknown = suggest(gql, context={"trackId": "breath-01"}, language="ja")
    assert unknown["language"] == "en"
    assert unknown["prompts"][0] == "What is this track about?"


def test_a_deployment_brings_its_own_prompts(
    chat_client: Callable[..., GraphQLClient], tmp_path: Path
) -> None:
    data = {
        "defaultLanguage": "fr",
        "general": {"fr": ["Bonjour ?"], "en": ["Hello?"]},
        "track": {"fr": ["De quoi parle cette piste ?"]},
        "tracks": {"sleep-01": {"en": ["Ready to wind down?"], "fr": ["Prêt à vous détendre ?"]}},
    }
    path = tmp_path / "suggestions.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    gql = chat_client(chat_suggestions_file=str(path))
    assert suggest(gql) == {"language": "fr", "prompts": ["Bonjour ?"]}
    assert suggest(gql, context={"trackId": "sleep-01"}, language="en-GB") == {
        "language": "en",
        "prompts": ["Ready to wind down?"],
    }
    # A language the context lacks falls back to the general prompts in that language.
    assert suggest(gql, context={"trackId": "other"}, language="en") == {
        "language": "en",
        "prompts": ["Hello?"],
    }


def test_a_broken_suggestions_file_stops_the_deployment_at_startup(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"general": {"en": "not a list"}}', encoding="utf-8")
    with pytest.raises(ConfigurationError):
        SuggestionBook.load(str(broken))
    with pytest.raises(ConfigurationError):
        SuggestionBook.load(str(tmp_path / "missing.json"))


def test_bad_suggestion_input_is_bad_user_input(gql: GraphQLClient) -> None:
    body = gql(operation("ChatSuggestions"), {"context": {"trackId": "a", "pieceId": new_id()}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
