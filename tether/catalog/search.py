"""Full-text search of the catalog, in memory: an inverted index per language preference.

Text is folded (NFKD, combining marks dropped, casefolded: `Meditação` -> `meditacao`) and split
into words. Every word of the query must match (AND); the last one also matches as a prefix while
the user is still typing it. A match scores its field's weight (title 3, tags 2, description 1),
doubled when the word matches exactly rather than as a prefix; an item's score is the sum over the
query's words of their best match. Ties go to the alphabetically first title.

Postings are arrays of 4-byte slot numbers per (field, word). A changed item takes a new slot and
its old one is marked dead (skipped by queries) until the index is rebuilt, so refreshing from the
catalog's change feed costs only the changed items.
"""

from __future__ import annotations

import bisect
import heapq
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

import orjson

from tether.catalog.locale import choose

TITLE, TAGS, DESCRIPTION = 0, 1, 2
WEIGHTS = {TITLE: 3, TAGS: 2, DESCRIPTION: 1}
EXACT = 2  # an exact word match counts twice a prefix match
MIN_PREFIX = 2  # a last word shorter than this matches only exactly
MAX_COMPLETIONS = 100  # words a prefix expands to at most (the shortest ones)
WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Accent- and case-insensitive form: `Meditação` -> `meditacao`, `Straße` -> `strasse`."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@lru_cache(maxsize=200_000)
def _folded(word: str) -> tuple[str, ...]:
    return tuple(WORD.findall(fold(word)))


def words(text: str) -> list[str]:
    """The folded words of a text (each distinct word is folded once per process)."""
    return [folded for word in WORD.findall(text) for folded in _folded(word)]


@dataclass(frozen=True)
class Document:
    """What the index needs of one visible item (a collection or a track), in every language."""

    key: str  # "<kind>:<id>"
    title: Mapping[str, str]
    description: Mapping[str, str]
    tags: Sequence[str]
    fallbacks: tuple[str | None, ...]  # e.g. the collection's default language


@dataclass(frozen=True)
class Hit:
    key: str
    score: int


class SearchIndex:
    """The visible catalog indexed for one language preference (see `locale.preference`)."""

    def __init__(self, preferred: tuple[str, ...]) -> None:
        self.preferred = preferred
        self._postings: tuple[dict[str, array[int]], ...] = ({}, {}, {})
        self._keys: list[str | None] = []  # slot -> item key (None once dead)
        self._titles: list[str] = []  # slot -> folded title (for ties)
        self._slots: dict[str, int] = {}  # item key -> live slot
        self._dead = 0
        self._vocabulary: list[str] = []
        self._new_words: set[str] = set()

    def __len__(self) -> int:
        return len(self._slots)

    @property
    def needs_rebuild(self) -> bool:
        """Dead slots are a quarter of all (and over 1,000): rebuilding reclaims their postings."""
        return self._dead > max(1000, len(self._keys) // 4)

    def put(self, document: Document) -> None:
        """Index the item (replacing what was indexed for its key)."""
        self.remove(document.key)
        language = choose(document.title.keys(), self.preferred, document.fallbacks)
        title = document.title.get(language, "") if language else ""
        description_language = (
            language
            if language in document.description
            else choose(document.description.keys(), self.preferred, document.fallbacks)
        )
        description = document.description.get(description_language, "") if description_language else ""
        slot = len(self._keys)
        self._keys.append(document.key)
        self._titles.append(fold(title))
        self._slots[document.key] = slot
        fields = {
            TITLE: words(title),
            TAGS: [word for tag in document.tags for word in words(tag)],
            DESCRIPTION: words(description),
        }
        for field, found in fields.items():
            postings = self._postings[field]
            for word in set(found):
                entries = postings.get(word)
                if entries is None:
                    postings[word] = entries = array("I")
                    self._new_words.add(word)
                entries.append(slot)

    def remove(self, key: str) -> None:
        slot = self._slots.pop(key, None)
        if slot is not None:
            self._keys[slot] = None
            self._dead += 1

    def dump(self) -> bytes:
        """The live index as bytes (dead slots dropped, slots renumbered): a JSON header with the
        item keys, folded titles and per-field words, then every posting array, little-endian."""
        renumber = [-1] * len(self._keys)
        keys: list[str] = []
        titles: list[str] = []
        for slot, key in enumerate(self._keys):
            if key is not None:
                renumber[slot] = len(keys)
                keys.append(key)
                titles.append(self._titles[slot])
        blob = array("I")
        fields: list[list[list[str] | list[int]]] = []
        for postings in self._postings:
            names: list[str] = []
            counts: list[int] = []
            for word, entries in postings.items():
                live = (
                    entries
                    if not self._dead
                    else array("I", (renumber[s] for s in entries if renumber[s] >= 0))
                )
                if live:
                    names.append(word)
                    counts.append(len(live))
                    blob.extend(live)
            fields.append([names, counts])
        if sys.byteorder != "little":
            blob.byteswap()
        header = orjson.dumps({"keys": keys, "titles": titles, "fields": fields})
        return len(header).to_bytes(4, "little") + header + blob.tobytes()

    @classmethod
    def load(cls, data: bytes, preferred: tuple[str, ...]) -> SearchIndex:
        """An index `dump` wrote, serving `preferred` (items indexed from now on choose their
        language by it; the dumped items were indexed for the same choice)."""
        size = int.from_bytes(data[:4], "little")
        header = orjson.loads(data[4 : 4 + size])
        blob = array("I")
        blob.frombytes(data[4 + size :])
        if sys.byteorder != "little":
            blob.byteswap()
        index = cls(preferred)
        keys: list[str] = header["keys"]
        index._keys = list[str | None](keys)
        index._titles = header["titles"]
        index._slots = {key: slot for slot, key in enumerate(keys)}
        offset = 0
        for postings, (names, counts) in zip(index._postings, header["fields"], strict=True):
            for word, count in zip(names, counts, strict=True):
                postings[word] = blob[offset : offset + count]
                offset += count
            index._new_words.update(names)
        return index

    def search(self, query: str, first: int) -> list[Hit]:
        """The best `first` items for the query (see the module's docstring for the rules)."""
        terms = words(query)
        if not terms:
            return []
        typing = query.rstrip() == query and query[-1:].isalnum()
        per_term: list[dict[int, int]] = []
        for index, term in enumerate(terms):
            last = index == len(terms) - 1
            completions = self._completions(term) if last and typing and len(term) >= MIN_PREFIX else []
            per_term.append(self._matches(term, completions))
            if not per_term[-1]:
                return []
        per_term.sort(key=len)
        total = per_term[0]
        for matches in per_term[1:]:
            total = {slot: total[slot] + matches[slot] for slot in total.keys() & matches.keys()}
        if self._dead:
            for slot in [slot for slot in total if self._keys[slot] is None]:
                del total[slot]
        if not total:
            return []
        # Scores are small integers: find the lowest score that makes the top `first`, keep every
        # item above it, and fill up with the items at that score whose titles sort first.
        threshold = _threshold(total, first)
        above = list(compress(total.keys(), map(threshold.__lt__, total.values())))
        tied = list(compress(total.keys(), map(threshold.__eq__, total.values())))
        chosen = above + heapq.nsmallest(first - len(above), tied, key=self._titles.__getitem__)
        keys = self._keys
        chosen.sort(key=lambda slot: (-total[slot], self._titles[slot], keys[slot]))
        return [Hit(str(keys[slot]), total[slot]) for slot in chosen[:first]]

    def _matches(self, term: str, completions: list[str]) -> dict[int, int]:
        """slot -> the best score of this query word in that item."""
        candidates = [(weight * EXACT, field, term) for field, weight in WEIGHTS.items()]
        candidates += [(weight, field, word) for word in completions for field, weight in WEIGHTS.items()]
        candidates.sort(key=lambda candidate: candidate[0])  # stable: lower weights first
        scores: dict[int, int] = {}
        for weight, field, word in candidates:
            entries = self._postings[field].get(word)
            if entries is not None:
                scores.update(dict.fromkeys(entries, weight))  # later (higher) weights win
        return scores

    def _completions(self, prefix: str) -> list[str]:
        """Indexed words that extend `prefix` (not itself), the shortest first, at most MAX_COMPLETIONS."""
        if self._new_words:
            self._vocabulary = sorted(set(self._vocabulary) | self._new_words)
            self._new_words.clear()
        vocabulary = self._vocabulary
        start = bisect.bisect_right(vocabulary, prefix)
        end = bisect.bisect_left(vocabulary, prefix + "\U0010ffff", lo=start)
        found = vocabulary[start:end]
        if len(found) > MAX_COMPLETIONS:
            found = sorted(found, key=len)[:MAX_COMPLETIONS]
        return found


def _threshold(scores: dict[int, int], first: int) -> int:
    """The lowest score that still makes the top `first` (scores are small integers)."""
    taken = 0
    counts = sorted(Counter(scores.values()).items(), reverse=True)
    for score, count in counts:
        taken += count
        if taken >= first:
            return score
    return counts[-1][0]
