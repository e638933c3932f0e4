"""Byte-level screens: does a file (or a slice of it) name a body source? Nothing is parsed.

Most files of a tree name nothing, so these run on every byte of it and their speed is the speed of a cold run.
Python's `re` skips ahead with a fast substring scan only when a pattern starts with a literal: `\\bhttpx\\b` is
about 20x slower than `httpx\\b`. So each group of words sharing a 3-character prefix is one pattern that starts
with that prefix, and the word boundary before a match is checked here, on the rare match.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Iterable, List

if TYPE_CHECKING:
    from buffix.analyzer.catalog import Catalog

RESPONSE_NAME = rb"resp(?:onse)?\b"  # what the catalog's `response_names` match (`api_resp`, `http_response`)
SUPPRESSION = rb"buffix:"
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_PREFIX = 3


class Matcher:
    """Any of `words` (as whole words), `.member`s (attribute or method names) or raw byte `patterns`."""

    def __init__(self, words: Iterable[str] = (), members: Iterable[str] = (), patterns: Iterable[bytes] = ()) -> None:
        self._bounded: List["re.Pattern[bytes]"] = []  # need a word boundary before the match
        for prefix, group in groupby(sorted(set(words)), key=lambda w: w[:_PREFIX]):
            rests = "|".join(re.escape(w[len(prefix):]) for w in group)
            self._bounded.append(re.compile(f"{re.escape(prefix)}(?:{rests})\\b".encode()))
        self._plain = [re.compile(p) for p in patterns]
        names = sorted(set(members))
        if names:
            self._plain.append(re.compile(rb"\.(?:" + "|".join(map(re.escape, names)).encode() + rb")\b"))

    def search(self, data: bytes, pos: int = 0, endpos: int = sys.maxsize) -> bool:
        if any(p.search(data, pos, endpos) for p in self._plain):
            return True
        for pattern in self._bounded:
            start = pos
            while True:
                match = pattern.search(data, start, endpos)
                if match is None:
                    break
                if match.start() == 0 or data[match.start() - 1] not in _WORD_BYTES:
                    return True
                start = match.start() + 1
        return False


@dataclass(frozen=True)
class Screens:
    """The matchers the prefilter and the method index use, compiled once per catalog."""

    libraries: Matcher  # client libraries and response types: a file naming none cannot create a response
    named: Matcher  # those, members that yield a body on any receiver (`.iter_content`), and the suppression marker
    response: Matcher  # a response-like name
    response_uses: Matcher  # members a response-like name yields a body through (`.read`, `.content`)
    sure: Matcher  # libraries and body members, no guessed names (index: a method that surely reads a body)
    any_source: Matcher  # everything above that may bring a body (index: a method whose text may read one)


def screens(catalog: "Catalog") -> Screens:
    cached = catalog.__dict__.get("_screens")
    if cached is None:
        words, members, declared = catalog.words, catalog.members, catalog.declared_members
        cached = Screens(
            libraries=Matcher(words, declared),
            named=Matcher(words, members, [SUPPRESSION]),
            response=Matcher(patterns=[RESPONSE_NAME]),
            response_uses=Matcher(members=catalog.response_members),
            sure=Matcher(words, members),
            any_source=Matcher(words, members, [RESPONSE_NAME, SUPPRESSION]),
        )
        catalog.__dict__["_screens"] = cached
    return cached

