"""The request body's bounds (resolvers/jsonbody.py) are checked without the regex scan of its strings
for valid JSON, and answer exactly what that scan answers for any text, valid or not."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from resolvers import jsonbody
from resolvers.jsonbody import JSONRefused, check_size, decode_json

LIMITS = {"max_depth": 4, "max_list": 5, "max_values": 12}


def scanned(raw: bytes, *, what: str, max_depth: int, max_list: int, max_values: int) -> Any:
    """The bounds as they were checked before: every text's strings found by the regex scan."""
    data = bytes(raw)
    text = data.decode("utf-8")
    outside_strings = jsonbody._STRING.sub(b'""', data)
    if outside_strings.count(b",") + outside_strings.count(b":") > 2 * max_values:
        raise jsonbody._too_many(what, max_values)
    brackets = outside_strings.translate(None, jsonbody._NOT_BRACKETS)
    if len(brackets) > 2 * max_values:
        raise jsonbody._too_many(what, max_values)
    if jsonbody._depth(brackets) > max_depth:
        raise JSONRefused(f"{what} nests deeper than {max_depth} levels", reason="TOO_DEEP", limit=max_depth)
    value = json.loads(text)
    check_size(value, what=what, max_list=max_list, max_values=max_values)
    return value


def outcome(decode: Any, raw: bytes) -> Any:
    try:
        return ("value", repr(decode(raw, what="The body", **LIMITS)))
    except JSONRefused as refused:
        return ("refused", refused.message, refused.extensions)
    except (ValueError, RecursionError) as error:
        return (type(error).__name__,)


CASES = [
    b'{"query": "{ a }", "variables": {"x": [1, 2]}}',
    b'{"a": "\\\\"}',  # an escaped backslash ends the string
    b'{"a": "\\"[[[[[[\\""}',  # brackets inside a string with escaped quotes
    b'{"a": "\\\\\\"[[[[["}',
    b'{"a": "[[[[[[[[", "b": 1}',
    b'[[[[[[["x"]]]]]]]',  # too deep
    b'{"a": [1,2,3,4,5,6]}',  # a list too long
    b'{"a": "unterminated [[[[[[[',
    b'"\\"',  # invalid: the string never ends
    b'[[[[[[\\"]]]]]]',  # a backslash outside strings
    b'{"a": 1,,,,,,,,,,,,,,,,,,,,,,,,,,,,}',
    b'{"a": "\\u005c", "b": "\\/"}',
    b"[NaN, Infinity, -0, 1e400, 123456789012345678901234567890]",
    b'{"a": 1, "a": 2}',
    # What orjson reads otherwise than json.loads: decided by json.loads.
    b"[123456789012345678901234567890]",
    b'{"a": -9223372036854775809, "b": 18446744073709551616}',
    b'{"a": 9223372036854775807, "b": -9223372036854775808, "c": 18446744073709551615}',
    b"[1.2345678901234567890123, 1e400, 1e-400]",
    b'["\\ud800", "\\ud83d\\ude00"]',
    b'["\xed\xa0\x80"]',  # a surrogate encoded as UTF-8: not UTF-8
    b"[NaN]",
    b'{"a": "\\u0000", "b": 1E2, "c": -0.0}',
    b"",
    b"   ",
]


@pytest.mark.parametrize("raw", CASES)
def test_each_body_is_answered_as_the_regex_scan_answers_it(raw: bytes) -> None:
    assert outcome(decode_json, raw) == outcome(scanned, raw)


def test_random_texts_are_answered_as_the_regex_scan_answers_them() -> None:
    rng = random.Random(16)
    alphabet = [b"[", b"]", b"{", b"}", b'"', b",", b":", b"\\", b"a", b"1", b" ", b'\\"', b"\\\\", b'"x"']
    differing = []
    for _ in range(20_000):
        raw = b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        if outcome(decode_json, raw) != outcome(scanned, raw):
            differing.append(raw)
    assert differing == []


def test_random_numbers_are_read_as_json_reads_them() -> None:
    rng = random.Random(16)
    differing = []
    for _ in range(5_000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 24))).lstrip("0") or "0"
        number = rng.choice(["", "-"]) + digits + rng.choice(["", ".5", "e3", "E-7", ".0123456789012345678"])
        raw = f'{{"n": [{number}, "{number}"]}}'.encode()
        if outcome(decode_json, raw) != outcome(scanned, raw):
            differing.append(raw)
    assert differing == []


def test_a_valid_body_is_decoded_by_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    """json.loads is ~3x orjson's time in a request: it decodes only what orjson would read otherwise."""
    decoded: list[str] = []
    loads = json.loads

    def counted(text: str) -> Any:
        decoded.append(text)
        return loads(text)

    monkeypatch.setattr(json, "loads", counted)
    body = json.dumps({"query": "query Q {\n  a\n}", "variables": {"x": [1, -2.5, "9" * 30, None]}}).encode()
    assert decode_json(body, what="The body", max_depth=8, max_list=10, max_values=100) == loads(body)
    assert decoded == []
    assert decode_json(
        b"[12345678901234567890]", what="The body", max_depth=8, max_list=10, max_values=100
    ) == [12345678901234567890]
    assert decoded == ["[12345678901234567890]"]


def test_a_valid_body_is_not_scanned_by_the_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan is ~10x slower than the rest of the check on a request carrying a query text: for
    valid JSON within the bounds (every request an app sends), it does not run."""
    scans: list[bytes] = []
    regex = jsonbody._STRING

    class Counted:
        def sub(self, replacement: bytes, data: bytes) -> bytes:
            scans.append(data)
            return regex.sub(replacement, data)

    monkeypatch.setattr(jsonbody, "_STRING", Counted())
    body = json.dumps({"query": "query Q {\n  a\n}", "variables": {"x": ['"[', "\\"]}}).encode()
    assert decode_json(body, what="The body", max_depth=8, max_list=10, max_values=100) == json.loads(body)
    assert scans == []
    with pytest.raises(JSONRefused):  # a refusal is the scan's own answer
        decode_json(b"[[[[[[[[[[1]]]]]]]]]]", what="The body", max_depth=8, max_list=10, max_values=100)
    assert len(scans) == 1
