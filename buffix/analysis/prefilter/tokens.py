"""Byte-level screens: does a file (or a slice of it) name a body source? Nothing is parsed.

Most files of a tree name nothing, so these run on every byte of it and their speed is the speed of a cold run.
Python's `re` skips ahead with a fast substring scan only when a pattern starts with a literal: `\\bhttpx\\b` is
about 20x slower than `httpx\\b`. So each group of words sharing a 3-character prefix is one pattern that starts
with that prefix, and the word boundary before a match is checked here, on the rare match.

A third-party library can only be used where it is imported (an unimported `requests` resolves to a builtin that
does not exist), so its name counts only on an `import`/`from` line: prose that mentions "requests" does not. And
it makes a body only through one of its sources, whose last name the file then spells as an attribute or on an
import line (`aiohttp.ClientSession`, `from requests import get`), or through a guessed request read by a response
member (`.read()`): `from aiohttp import ClientError` alone does not count, nor does a parameter named `request`.
A stdlib member (`urlopen`) counts anywhere: `urllib.request.urlopen(url)` names it only where it is called.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Iterable, Iterator, List, Mapping, Optional

if TYPE_CHECKING:
    from buffix.knowledge.catalog import Catalog

RESPONSE_NAME = rb"resp(?:onse)?\b"  # what the catalog's `response_names` match (`api_resp`, `http_response`)
SUPPRESSION = rb"buffix:"
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_PREFIX = 3


class Matcher:
    """Any of `words` (whole words), `.member`s (attribute or method names), raw byte `patterns`, or a package of
    `imported` named on an `import`/`from` line in a text its own matcher accepts (how the package is used)."""

    def __init__(self, words: Iterable[str] = (), members: Iterable[str] = (), patterns: Iterable[bytes] = (),
                 imported: Optional[Mapping[str, "Matcher"]] = None) -> None:
        self._plain = [re.compile(p) for p in patterns]
        names = sorted(set(members))
        if names:
            self._plain.append(re.compile(rb"\.(?:" + "|".join(map(re.escape, names)).encode() + rb")\b"))
        self._words = _grouped(words)
        self._imported = _grouped(imported or {})
        self._used = {package.encode(): used for package, used in (imported or {}).items()}

    def search(self, data: bytes, pos: int = 0, endpos: int = sys.maxsize) -> bool:
        if any(p.search(data, pos, endpos) for p in self._plain):
            return True
        if any(next(_words(p, data, pos, endpos, False), None) is not None for p in self._words):
            return True
        return any(self._used[package].search(data)
                   for p in self._imported for package in set(_words(p, data, pos, endpos, True)))


def _grouped(words: Iterable[str]) -> List["re.Pattern[bytes]"]:
    """One pattern per group of words sharing a prefix, starting with that prefix (see the module docstring)."""
    patterns = []
    for prefix, group in groupby(sorted(set(words)), key=lambda w: w[:_PREFIX]):
        rests = "|".join(re.escape(w[len(prefix):]) for w in group)
        patterns.append(re.compile(f"{re.escape(prefix)}(?:{rests})\\b".encode()))
    return patterns


def _words(pattern: "re.Pattern[bytes]", data: bytes, pos: int, endpos: int, imported: bool) -> Iterator[bytes]:
    """The matches with a word boundary before them (and, if `imported`, on an import line)."""
    while True:
        match = pattern.search(data, pos, endpos)
        if match is None:
            return
        start = match.start()
        if start == 0 or data[start - 1] not in _WORD_BYTES:
            line = data[data.rfind(b"\n", 0, start) + 1:start].lstrip() if imported else b""
            if not imported or line.startswith((b"import ", b"from ", b"import\t", b"from\t")):
                yield match.group(0)
        pos = start + 1


ALWAYS = Matcher(patterns=[b""])  # matches any text


@dataclass(frozen=True)
class Screens:
    """The matchers the prefilter and the method index use, compiled once per catalog."""

    libraries: Matcher  # client libraries (imported, and used) and response types: a file naming none makes no body
    named: Matcher  # those, members that yield a body on any receiver (`.iter_content`), and the suppression marker
    response: Matcher  # a response-like name
    response_uses: Matcher  # members a response-like name yields a body through (`.read`, `.content`)
    # the method index asks these of one method's text, in a file `libraries` accepted: any mention counts there
    sure: Matcher  # libraries and body members, no guessed names: a method that surely reads a body
    any_source: Matcher  # everything that may bring a body, guesses included


def screens(catalog: "Catalog") -> Screens:
    cached = catalog.__dict__.get("_screens")
    if cached is None:
        words, members = catalog.words, catalog.members
        packages = package_uses(catalog)
        mentioned = words | set(packages)
        cached = Screens(
            libraries=Matcher(words, catalog.declared_members, imported=packages),
            named=Matcher(words, members, [SUPPRESSION], imported=packages),
            response=Matcher(patterns=[RESPONSE_NAME]),
            response_uses=Matcher(members=catalog.response_members),
            sure=Matcher(mentioned, members),
            any_source=Matcher(mentioned, members, [RESPONSE_NAME, SUPPRESSION]),
        )
        catalog.__dict__["_screens"] = cached
    return cached


def package_uses(catalog: "Catalog") -> Mapping[str, Matcher]:
    """For each third-party library, what a file importing it must also spell to make a body with it: one of its
    sources as the analyzer resolves it (`requests.get`, `aiohttp.ClientSession`, `from requests import get`), or a
    member reading a response got from a request guessed on a session (`self.session.get(url)`, then `.read()`)."""
    return {package: Matcher(members=names | catalog.response_members, imported=dict.fromkeys(names, ALWAYS))
            for package, names in catalog.packages.items()}


def might_contain_sink(source: bytes, catalog: "Catalog") -> bool:
    """Stage 1: False means the file cannot hold a finding on its own: it names no client library, response type,
    body member or suppression, and no response-like name (`resp`) together with a member that reads one (`.read`).

    Every finding needs a body, and a body enters a file only through a token this knows. Bodies returned by
    helpers of other modules are caught by stage 2 (prefilter.stage_two), which also sees files that name a
    response but read it only through such a helper.
    """
    return first_stage(screens(catalog), source)


def first_stage(screen: Screens, source: bytes, named: Optional[bool] = None) -> bool:
    """might_contain_sink with the catalog's screens; `named`: `screen.named.search(source)` if known."""
    return bool((screen.named.search(source) if named is None else named) or screen.response.search(source)
                and screen.response_uses.search(source))
