"""Suggested starter prompts for a thread's context, localized, from a JSON file per deployment.

The file (TETHER_CHAT_SUGGESTIONS_FILE, default the bundled suggestions.json) holds prompts by
language for `general` threads and threads about a `piece`, a `track`, a `collection`, a
practice `session` or an `attachment` (a kind a file leaves out gets the general prompts), and
may override the track prompts per catalog track id in `tracks`. A language is matched exactly
(`pt-BR`), then by its primary subtag (`pt`), then the file's `defaultLanguage` is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tether.errors import ConfigurationError

BUNDLED = Path(__file__).resolve().parent / "suggestions.json"
MAX_LANGUAGE = 35
KINDS = ("general", "piece", "track", "collection", "session", "attachment")
# A thread context's stored key -> its prompts' kind.
CONTEXT_KINDS = {
    "track_id": "track",
    "piece_id": "piece",
    "collection_id": "collection",
    "session_id": "session",
    "attachment_id": "attachment",
}


@dataclass(frozen=True)
class Suggestions:
    language: str
    prompts: list[str]


class SuggestionBook:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.default_language = str(data.get("defaultLanguage", "en"))
        self.kinds: dict[str, dict[str, list[str]]] = {
            kind: _by_language(data.get(kind, {}), kind) for kind in KINDS
        }
        self.tracks = {
            str(track): _by_language(prompts, f"tracks.{track}")
            for track, prompts in dict(data.get("tracks", {})).items()
        }
        if self.default_language not in self.kinds["general"]:
            raise ConfigurationError("the chat suggestions need `general` prompts in their defaultLanguage")

    @classmethod
    def load(cls, path: str | None) -> SuggestionBook:
        file = Path(path) if path else BUNDLED
        try:
            return cls(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise ConfigurationError(f"cannot read the chat suggestions file {file}: {error}") from error

    def suggest(
        self,
        *,
        track_id: str | None,
        piece_id: str | None,
        language: str | None,
        kind: str | None = None,
    ) -> Suggestions:
        """The prompts for a context (a track, a piece, a context of `kind` — a context's key such
        as `session_id` — or none) in the best available language."""
        general = self.kinds["general"]
        if track_id and track_id in self.tracks:
            options = self.tracks[track_id]
        elif track_id:
            options = self.kinds["track"]
        elif piece_id:
            options = self.kinds["piece"]
        else:
            options = self.kinds.get(CONTEXT_KINDS.get(kind or "", "general")) or general
        for prompts in (options, general):  # the user's language first, even if only in general prompts
            chosen = _negotiate(language, prompts)
            if chosen is not None:
                return Suggestions(chosen, list(prompts[chosen]))
        chosen = self.default_language
        if chosen not in options:
            options = general
        return Suggestions(chosen, list(options[chosen]))


def _negotiate(language: str | None, options: Mapping[str, list[str]]) -> str | None:
    if not language:
        return None
    tag = language.strip()[:MAX_LANGUAGE]
    lowered = {name.lower(): name for name in options}
    if tag.lower() in lowered:
        return lowered[tag.lower()]
    primary = tag.split("-")[0].lower()
    return lowered.get(primary)


def _by_language(value: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(value, Mapping) or not all(
        isinstance(prompts, list) and all(isinstance(p, str) for p in prompts) for prompts in value.values()
    ):
        raise ConfigurationError(f"chat suggestions: `{where}` must map languages to lists of prompts")
    return {str(language): list(prompts) for language, prompts in value.items()}
