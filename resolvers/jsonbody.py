"""JSON from the request (the POST body, GET `variables` and `extensions`), bounded before it costs work.

`json.loads` recurses once per nesting level (about 1,000 levels raise RecursionError, a 500), and
GraphQL coerces every list element before any resolver can say "at most 100". So before decoding,
C-speed byte operations (no Python loop per byte) skip the strings and count the separators and
brackets, which bounds the number of values; only then is the nesting measured (on at most a few
thousand brackets) and the text decoded, and every list's length is checked before GraphQL sees it.

The decoding is orjson's where it gives json.loads' value (~50 us of an idle pull's ~75 us of
json.loads in a request): json.loads decides every text orjson refuses (NaN, Infinity, 1e400,
lone surrogates, invalid JSON) and every text with an integer literal orjson would turn into a
float (beyond 64 bits: a run of 19 or more digits outside the strings).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from tether.errors import BadUserInput

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_OPEN = frozenset(b"[{")
_LONG_DIGITS = re.compile(rb"[0-9]{19}")  # every integer of at most 18 digits fits orjson's int64


class JSONRefused(BadUserInput):
    """JSON nested too deeply, or with too long a list or too many values."""


def decode_json(raw: bytes | str, *, what: str, max_depth: int, max_list: int, max_values: int) -> Any:
    """The decoded JSON, or JSONRefused (a client error) before any deep or huge work.

    Raises ValueError (UnicodeDecodeError included) for text that is not UTF-8 JSON at all.
    """
    data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    text = data.decode("utf-8")
    outside_strings = _outside_valid_strings(data)
    if _bounds(outside_strings, what, max_depth, max_values) is None:
        # Within the bounds as valid JSON; if it is valid JSON, the strings were found exactly.
        try:
            value = _loads(data, text, outside_strings)
        except (ValueError, RecursionError):
            pass  # not JSON: the exact scan below says how it is refused
        else:
            check_size(value, what=what, max_list=max_list, max_values=max_values)
            return value
    refused = _bounds(_STRING.sub(b'""', data), what, max_depth, max_values)
    if refused is not None:
        raise refused
    value = json.loads(text)
    check_size(value, what=what, max_list=max_list, max_values=max_values)
    return value


def _loads(data: bytes, text: str, outside_strings: bytes) -> Any:
    """json.loads(text), by orjson where its value is the same (see the module's docstring)."""
    if _LONG_DIGITS.search(outside_strings) is None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # json.loads' own answer (a value orjson refuses, or the error)
    return json.loads(text)


def _outside_valid_strings(data: bytes) -> bytes:
    """What is outside the strings of valid JSON, at C speed: escaped backslashes, then escaped
    quotes removed, every remaining quote delimits a string. (The regex scan of the same text, which
    also copes with invalid JSON, is ~10x slower on a request carrying a query text.)"""
    return b"".join(data.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')[::2])


def _bounds(outside_strings: bytes, what: str, max_depth: int, max_values: int) -> JSONRefused | None:
    """The refusal of text with more values or deeper nesting than allowed (None: within them)."""
    if outside_strings.count(b",") + outside_strings.count(b":") > 2 * max_values:
        return _too_many(what, max_values)
    brackets = outside_strings.translate(None, _NOT_BRACKETS)
    if len(brackets) > 2 * max_values:
        return _too_many(what, max_values)
    if _depth(brackets) > max_depth:
        return JSONRefused(f"{what} nests deeper than {max_depth} levels", reason="TOO_DEEP", limit=max_depth)
    return None


def _depth(brackets: bytes) -> int:
    """The deepest nesting of a bracket string (unbalanced strings are not JSON: json.loads says so)."""
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in _OPEN else -1
        deepest = max(deepest, depth)
    return deepest


def check_size(value: Any, *, what: str, max_list: int, max_values: int) -> None:
    """Refuse a decoded value with a list longer than `max_list` or more than `max_values` values."""
    pending = [value]
    seen = 0
    while pending:
        item = pending.pop()
        seen += 1
        if seen > max_values:
            raise _too_many(what, max_values)
        if isinstance(item, list):
            if len(item) > max_list:
                raise JSONRefused(
                    f"{what} has a list of {len(item)} items; at most {max_list} are accepted",
                    reason="TOO_LARGE",
                    limit=max_list,
                )
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())


def _too_many(what: str, max_values: int) -> JSONRefused:
    return JSONRefused(f"{what} holds more than {max_values} values", reason="TOO_LARGE", limit=max_values)
