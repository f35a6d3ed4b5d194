"""Choosing the language of localized text: the asked locale, a related one, then the fallbacks."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from tether.errors import BadUserInput
from tether.sync.fields import LimitExceeded, language_tag


def parse_locale(locale: str | None) -> str | None:
    """The canonical tag of a client's `locale` argument (`pt_pt` -> `pt-PT`), or BAD_USER_INPUT."""
    if locale is None or locale == "":
        return None
    try:
        return language_tag(locale, "locale", lenient=True)
    except LimitExceeded as error:
        raise BadUserInput(error.message, field="locale") from None


def preference(locale: str | None, languages: Collection[str]) -> tuple[str, ...]:
    """The languages among `languages` that serve `locale`, best first (RFC 4647 lookup, widened).

    First the locale and its truncations (`zh-Hant-TW`, `zh-Hant`, `zh`), then any other tag of the
    same language (`pt-BR` for `pt-PT`), alphabetically. Empty when nothing matches.
    """
    if not locale:
        return ()
    chosen: list[str] = []
    parts = locale.split("-")
    for end in range(len(parts), 0, -1):
        candidate = "-".join(parts[:end])
        if candidate in languages and candidate not in chosen:
            chosen.append(candidate)
    primary = parts[0]
    chosen += sorted(tag for tag in languages if tag.split("-")[0] == primary and tag not in chosen)
    return tuple(chosen)


def choose(
    available: Collection[str], preferred: Sequence[str], fallbacks: Iterable[str | None] = ()
) -> str | None:
    """The language to show: the first preferred one present, else the first fallback present
    (the collection's default language), else the alphabetically first; None if there is no text."""
    for tag in preferred:
        if tag in available:
            return tag
    for fallback in fallbacks:
        if fallback and fallback in available:
            return fallback
    return min(available) if available else None


def localize(
    texts: Mapping[str, str] | None, locale: str | None, fallbacks: Iterable[str | None] = ()
) -> tuple[str | None, str | None]:
    """(language, text) of a localized field for `locale`; (None, None) when it has no text."""
    if not texts:
        return None, None
    language = choose(texts.keys(), preference(locale, texts.keys()), fallbacks)
    return language, texts[language] if language else None
