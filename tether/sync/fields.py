"""Field types of synced records: their limits, and how values are stored in DynamoDB."""

from __future__ import annotations

import math
import re
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

from ulid import ULID

from tether.errors import BadUserInput


class LimitExceeded(BadUserInput):
    """A value breaks a declared limit; the whole push is refused and nothing is applied."""


@dataclass(frozen=True)
class Field:
    """One field of a collection. `required` fields must be set on create and can't be cleared."""

    required: bool = False

    def check(self, value: Any, where: str) -> Any:
        """Validate a non-null input value; return its stored form. Raise LimitExceeded."""
        raise NotImplementedError

    def load(self, stored: Any) -> Any:
        """The Python value of a stored one."""
        return stored


@dataclass(frozen=True)
class Text(Field):
    max_length: int = 10_000
    min_length: int = 0

    def check(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise LimitExceeded(f"{where} must be a string", field=where)
        if len(value) > self.max_length:
            raise LimitExceeded(
                f"{where} is {len(value)} characters; the limit is {self.max_length}",
                field=where,
                limit=self.max_length,
            )
        if len(value.strip()) < self.min_length:
            raise LimitExceeded(
                f"{where} must have at least {self.min_length} non-blank character(s)",
                field=where,
                limit=self.min_length,
            )
        return value


@dataclass(frozen=True)
class Integer(Field):
    minimum: int = -(2**31)
    maximum: int = 2**31 - 1

    def check(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise LimitExceeded(f"{where} must be an integer", field=where)
        if not self.minimum <= value <= self.maximum:
            raise LimitExceeded(
                f"{where} is {value}; it must be between {self.minimum} and {self.maximum}",
                field=where,
                limit=[self.minimum, self.maximum],
            )
        return value

    def load(self, stored: Any) -> Any:
        return None if stored is None else int(stored)


@dataclass(frozen=True)
class Number(Field):
    minimum: float = -1e12
    maximum: float = 1e12

    def check(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise LimitExceeded(f"{where} must be a finite number", field=where)
        if not self.minimum <= value <= self.maximum:
            raise LimitExceeded(
                f"{where} is {value}; it must be between {self.minimum:g} and {self.maximum:g}",
                field=where,
                limit=[self.minimum, self.maximum],
            )
        return float(value)

    def load(self, stored: Any) -> Any:
        return None if stored is None else float(stored)


@dataclass(frozen=True)
class Boolean(Field):
    def check(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise LimitExceeded(f"{where} must be a boolean", field=where)
        return value


@dataclass(frozen=True)
class Timestamp(Field):
    """A point in time, stored as ISO-8601 UTC with milliseconds (sorts as text)."""

    def check(self, value: Any, where: str) -> str:
        if not isinstance(value, datetime):
            raise LimitExceeded(f"{where} must be a date-time", field=where)
        return format_time(value)

    def load(self, stored: Any) -> Any:
        return None if stored is None else parse_time(stored)


@dataclass(frozen=True)
class Tags(Field):
    max_items: int = 50
    max_item_length: int = 50

    def check(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
            raise LimitExceeded(f"{where} must be a list of strings", field=where)
        if len(value) > self.max_items:
            raise LimitExceeded(
                f"{where} has {len(value)} tags; the limit is {self.max_items}",
                field=where,
                limit=self.max_items,
            )
        tags: list[str] = []
        for tag in value:
            tag = tag.strip()
            if not tag:
                raise LimitExceeded(f"{where} contains an empty tag", field=where)
            if len(tag) > self.max_item_length:
                raise LimitExceeded(
                    f"{where} has a tag of {len(tag)} characters; the limit is {self.max_item_length}",
                    field=where,
                    limit=self.max_item_length,
                )
            if tag not in tags:
                tags.append(tag)
        return tags

    def load(self, stored: Any) -> Any:
        return None if stored is None else list(stored)


@dataclass(frozen=True)
class RecordId(Field):
    """A client-generated id: a UUID or a ULID, kept exactly as the client wrote it."""

    def check(self, value: Any, where: str) -> str:
        return check_record_id(value, where)


@dataclass(frozen=True)
class CatalogId(Field):
    """An id of the shared content catalog (a collection or a track), chosen by its editors."""

    def check(self, value: Any, where: str) -> str:
        return check_catalog_id(value, where)


LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
MAX_LANGUAGE_TAG = 35


def language_tag(value: Any, where: str, *, lenient: bool = False) -> str:
    """A BCP 47 language tag (`en`, `haw`, `pt-PT`, `zh-Hant-TW`) valid in the IANA registry, in its
    canonical case. `lenient` also reads `_` as `-` (a locale as Android or Java writes it)."""
    text = value.replace("_", "-") if lenient and isinstance(value, str) else value
    if (
        not isinstance(text, str)
        or len(text) > MAX_LANGUAGE_TAG
        or not LANGUAGE_TAG.match(text)
        or not _registered(text.lower())
    ):
        raise LimitExceeded(
            f"{where} must be a BCP 47 language tag such as en, pt or pt-PT, not {str(value)[:40]!r}",
            field=where,
        )
    return canonical_language(text)


@lru_cache(maxsize=4096)
def _registered(tag: str) -> bool:
    import langcodes  # its registry data (~40 ms of imports) loads on the first tag checked, not at cold start

    return bool(langcodes.tag_is_valid(tag))


def canonical_language(tag: str) -> str:
    """`PT-pt` -> `pt-PT`, `zh-hant-tw` -> `zh-Hant-TW` (tags are case-insensitive; one spelling each)."""
    first, *rest = tag.replace("_", "-").split("-")
    parts = [first.lower()]
    for part in rest:
        if len(part) == 2 and part.isalpha():
            parts.append(part.upper())  # region
        elif len(part) == 4 and part.isalpha():
            parts.append(part.title())  # script
        else:
            parts.append(part.lower())
    return "-".join(parts)


@cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone name (from the pinned `tzdata` package, or the system's database)."""
    return frozenset(zoneinfo.available_timezones())


def time_zone(value: Any, where: str) -> str:
    """An IANA time zone name such as `Europe/Berlin`, `Pacific/Honolulu` or `UTC`."""
    if not isinstance(value, str) or value not in time_zones():
        raise LimitExceeded(
            f"{where} {str(value)[:60]!r} is not an IANA time zone name such as Europe/Berlin", field=where
        )
    return value


@dataclass(frozen=True)
class TimeZone(Field):
    """An IANA time zone name."""

    def check(self, value: Any, where: str) -> str:
        return time_zone(value, where)


@dataclass(frozen=True)
class LanguageTag(Field):
    """A BCP 47 language tag, stored in canonical case."""

    def check(self, value: Any, where: str) -> str:
        return language_tag(value, where)


@dataclass(frozen=True)
class LocalizedText(Field):
    """Text in several languages: a map of BCP 47 tag -> text. Languages are data, not code.

    Each text is limited like `Text`; at most `max_languages` languages; an empty map is refused
    (clear the field with null instead).
    """

    max_length: int = 10_000
    min_length: int = 0
    max_languages: int = 20

    def check(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, dict) or not value:
            raise LimitExceeded(f"{where} must have a text in at least one language", field=where)
        if len(value) > self.max_languages:
            raise LimitExceeded(
                f"{where} has {len(value)} languages; the limit is {self.max_languages}",
                field=where,
                limit=self.max_languages,
            )
        texts: dict[str, str] = {}
        text_spec = Text(max_length=self.max_length, min_length=self.min_length)
        for tag, text in value.items():
            language = language_tag(tag, f"{where}.language")
            if language in texts:
                raise LimitExceeded(f"{where} has the language {language} twice", field=where)
            texts[language] = text_spec.check(text, f"{where}.{language}")
        return texts

    def load(self, stored: Any) -> Any:
        return None if stored is None else {str(tag): str(text) for tag, text in dict(stored).items()}


CATALOG_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def check_catalog_id(value: Any, where: str = "id") -> str:
    """1-100 characters of letters, digits and . _ : - (ULIDs, UUIDs and slugs all qualify)."""
    if isinstance(value, str) and CATALOG_ID.match(value):
        return value
    raise LimitExceeded(
        f"{where} must be 1-100 characters of letters, digits and . _ : -, not {str(value)[:60]!r}",
        field=where,
    )


def check_record_id(value: Any, where: str = "id") -> str:
    if isinstance(value, str) and is_record_id(value):
        return value
    raise LimitExceeded(f"{where} must be a UUID or a ULID, not {str(value)[:60]!r}", field=where)


def is_record_id(value: str) -> bool:
    if len(value) == 36:
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True
    if len(value) == 26:
        try:
            ULID.from_str(value.upper())
        except ValueError:
            return False
        return True
    return False


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    return as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(stored: str) -> datetime:
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


def millis(moment: datetime) -> int:
    return int(as_utc(moment).timestamp() * 1000)
