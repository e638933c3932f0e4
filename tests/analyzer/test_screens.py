"""The byte-level screens (analysis/prefilter/tokens.py) and the prefilter built on them: never lose a finding, skip the rest."""

from __future__ import annotations

import random
import re
import sysconfig
import textwrap
from pathlib import Path

import pytest

from buffix.analysis import analyze_source, might_contain_sink, screen
from buffix.analysis.prefilter.tokens import Matcher, package_uses, screens
from buffix.analysis.project import Project
from buffix.config import Config
from buffix.knowledge.rules import all_rules
from tests.analyzer.golden import FIXTURES, cases, expectations

ROOT = Path(__file__).resolve().parents[2]
CATALOG = Config().catalog()
WORDS = sorted(CATALOG.words)
MEMBERS = sorted(CATALOG.members)


def _alternation(names) -> bytes:
    return b"(?:" + b"|".join(re.escape(n.encode()) for n in names) + b")"


def _reference(words, members) -> "re.Pattern[bytes]":
    """What the screens must answer, written the slow, obvious way."""
    return re.compile(rb"\b" + _alternation(words) + rb"\b|\." + _alternation(members) + rb"\b")


def _package_used(text: bytes) -> bool:
    """Some package imported on an import line, and one of its sources' last names spelled as an attribute or on an
    import line, or a member that reads a response anywhere."""
    def on_import_line(names) -> "re.Pattern[bytes]":
        return re.compile(rb"^[ \t]*(?:import|from)[ \t][^\n]*?\b" + _alternation(names) + rb"\b", re.M)

    reads = re.compile(rb"\." + _alternation(CATALOG.response_members) + rb"\b")
    return any(on_import_line([p]).search(text) and (on_import_line(names).search(text) or reads.search(text) or
                                                    re.search(rb"\." + _alternation(names) + rb"\b", text))
               for p, names in CATALOG.packages.items())


def _texts():
    stdlib = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))[:150]
    ours = sorted((ROOT / "buffix").rglob("*.py")) + sorted((ROOT / "fixtures").rglob("*.py"))
    return [p.read_bytes() for p in stdlib + ours]


def test_matcher_answers_like_the_plain_regex_on_real_code():
    matcher, reference = Matcher(WORDS, MEMBERS), _reference(WORDS, MEMBERS)
    texts = _texts()
    assert sum(matcher.search(t) for t in texts) > 10  # the comparison covers both answers
    assert sum(not matcher.search(t) for t in texts) > 10
    imported = Matcher(imported=package_uses(CATALOG))
    assert sum(imported.search(t) for t in texts) > 5
    rng = random.Random(5)
    for text in texts:
        assert imported.search(text) == _package_used(text)
        assert matcher.search(text) == bool(reference.search(text))
        for _ in range(3):  # slices, as the method index searches one method's text
            start = text.find(b"\n", rng.randrange(len(text) + 1)) + 1  # a line's start, as a method's text has
            end = rng.randrange(start, len(text) + 1)
            assert matcher.search(text, start, end) == bool(reference.search(text, start, end)), (start, end)


def test_the_index_finds_the_names_a_file_calls_like_the_plain_regex():
    """The method index searches `Name(` in the reversed text (a literal first): the names of the plain pattern."""
    from buffix.analysis.prefilter import index

    screen = screens(CATALOG)
    for text in _texts() + [b"X(A.b(c.D(e.f.G( 2H( _I( J.K.L( M (N.o(\nP(", b"Q("]:
        built = index._file_facts(text, screen, True)[4]
        assert built == sorted({w.decode("ascii") for w in index.MADE.findall(text)}), text[:60]


@pytest.mark.parametrize("text, named", [
    (b"import requests\nrequests.get(url)\n", True),
    (b"import os, requests\ns = requests.Session()\n", True),
    (b"if TYPE_CHECKING:\n    from aiohttp import ClientSession\n", True),
    (b"import requests\n", False),  # imported, never used to make a request
    (b"from aiohttp import ClientError, web\n", False),  # aiohttp for its exceptions and its server
    (b"import aiohttp\nasync with self.session.get(u) as r:\n    await r.read()\n", True),  # a guessed request
    (b"from aiohttp import web\nasync def get(self, request):\n    return web.Response()\n", False),  # a server
    (b"import aiohttp\nclass S(aiohttp.ClientSession):\n    pass\n", True),
    (b"from requests import Session as S\n", True),
    (b"import requests_mock\n", False),  # a longer word
    (b"from my_requests import get\n", False),  # the word inside a name
    (b"requests.get(url)\n", False),  # never imported: `requests` is no library here
    (b'"""Handles incoming requests."""\n', False),
    (b"from urllib.request import urlopen\n", True),
    (b"import urllib.request\nurllib.request.urlopen(url)\n", True),  # a stdlib member counts anywhere
    (b"x.urlopen_all()\n", False),
    (b"for chunk in r.iter_content(1024): pass\n", True),
    (b"iter_content = 1\n", False),  # a member needs its dot
    (b"x.iter_contents()\n", False),
    (b"# buffix: ignore[BFX101]\n", True),
])
def test_named_screen(text, named):
    assert screens(CATALOG).named.search(text) is named


@pytest.mark.parametrize("text, keep", [
    (b"def f(response):\n    return hashlib.sha256(response.read()).digest()\n", True),
    (b"def f(resp):\n    return memoryview(resp.content)\n", True),
    (b"def f(api_resp):\n    return api_resp.iter_bytes()\n", True),
    # a response-like name that is never read from: django's test client assertions, status checks
    (b"def test(self):\n    response = self.client.get('/')\n    self.assertEqual(response.status_code, 200)\n", False),
    (b"def log(response):\n    logger.info('%s', response.headers)\n", False),
    (b"text = 'no response here'\n", False),
    (b"data = f.read()\n", False),  # a read without a response
])
def test_a_response_like_name_needs_a_member_that_reads_a_body(text, keep):
    assert might_contain_sink(text, CATALOG) is keep


EXPECTING = [p for p in cases() if expectations(p)]


@pytest.mark.parametrize("path", EXPECTING, ids=[str(p.relative_to(FIXTURES)) for p in EXPECTING])
def test_every_golden_fixture_with_findings_passes_the_prefilter(path):
    root = next((p for p in path.parents if p.name.endswith("_project")), path.parent)
    assert screen(str(path), path.read_bytes(), Project([root], Config(min_confidence="low")))[0]


@pytest.mark.parametrize("code", sorted(all_rules()))
def test_every_rules_invalid_examples_pass_the_prefilter(code):
    for example in all_rules()[code].invalid:
        source = textwrap.dedent(example.source).encode()
        if analyze_source(source, "example.py", Config(min_confidence="low")).findings:
            assert might_contain_sink(source, CATALOG), example
