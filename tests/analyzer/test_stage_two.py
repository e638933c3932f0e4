"""Prefilter stage 2 (a file with no source token of its own) and the project's bounded module memory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from buffix.analysis import analyze_source, screen
from buffix.analysis.project import Project
from buffix.analysis.project import loader as project_module
from buffix.config import Config
from tests.analyzer.golden import FIXTURES

CLIENT = """\
import aiohttp
import requests


def get_session():
    return aiohttp.ClientSession()


def get_sync_session():
    return requests.Session()


def get_bytes(url):
    return requests.get(url).content
"""


def _tree(tmp_path: Path, files: dict) -> Project:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "client.py").write_text(CLIENT)
    for name, text in files.items():
        (tmp_path / "app" / name).write_text(text)
    return Project([tmp_path])


def _kept_and_found(tmp_path: Path, use: Path) -> list:
    """Stage 2 keeps the file `use` of the tree at `tmp_path`; the (code, line) of what analyzing it finds."""
    project = Project([tmp_path])
    assert screen(str(use), use.read_bytes(), project)[0]
    result = analyze_source(use.read_bytes(), str(use), project.config, Project([tmp_path]))
    return [(f.code, f.line) for f in result.findings]


def _kept(project: Project, tmp_path: Path, name: str) -> bool:
    path = tmp_path / "app" / name
    return screen(str(path), path.read_bytes(), project)[0]


@pytest.mark.parametrize("text, kept", [
    # a helper returning a body: naming it is enough
    ("from .client import get_bytes\n\ndef f(u):\n    return memoryview(get_bytes(u))\n", True),
    # an aiohttp session: only a file that reads a body from it (`.read()`, `.content`) can hold a finding
    ("from .client import get_session\n\nasync def f(u):\n    async with get_session() as s:\n"
     "        r = await s.get(u)\n        return await r.read()\n", True),
    ("from .client import get_session\n\nasync def f(u):\n    async with get_session() as s:\n"
     "        r = await s.get(u)\n        return await r.json()\n", False),
    # a requests response iterates its body: no member need be named
    ("from .client import get_sync_session\n\ndef f(u):\n    return b''.join(get_sync_session().get(u))\n", True),
    # through the module object: only the functions the file reaches count
    ("from app import client\n\ndef f(u):\n    return client.get_bytes(u)\n", True),
    ("from app import client\n\ndef f(u):\n    return client.get_session\n", False),
    ("import os\n\ndef f():\n    return os.getcwd()\n", False),
])
def test_what_a_helper_returns_decides_what_the_file_must_name(tmp_path, text, kept):
    project = _tree(tmp_path, {"user.py": text})
    assert _kept(project, tmp_path, "user.py") is kept


RECORDS = """\
import collections

import requests

Result = collections.namedtuple("Result", "url data")


def fetch(url):
    return Result(url, requests.get(url).content)
"""


@pytest.mark.parametrize("text, kept", [
    # a record holding a body in `data`: a file reading `.data` of what the helper returns may hold a finding
    ("from .records import fetch\n\ndef f(u, out):\n    out.write(fetch(u).data)\n", True),
    ("from .records import fetch\n\ndef f(u, out):\n    out.write(fetch(u).url.encode())\n", False),
])
def test_a_helper_returning_a_record_of_bodies_keeps_the_files_reading_its_fields(tmp_path, text, kept):
    project = _tree(tmp_path, {"records.py": RECORDS, "user.py": text})
    assert _kept(project, tmp_path, "user.py") is kept
    if kept:
        assert _kept_and_found(tmp_path, tmp_path / "app" / "user.py") == [("BFX201", 4)]


def test_reading_members_follow_the_catalog_types():
    catalog = Config().catalog()
    assert catalog.reading_members("aiohttp.ClientSession") == {"read", "_body", "content"}
    assert catalog.reading_members("aiohttp.StreamReader") is None  # iterating it yields bodies
    assert catalog.reading_members("requests.Session") >= {"get", "post"}  # the response iterates its body
    assert catalog.reading_members("boto.Client") == {"read", "iter_chunks", "iter_lines"}
    assert catalog.reading_members("re.Pattern") == frozenset()


def _results(root: Path) -> list:
    project = Project([root], Config(min_confidence="low"))
    out = []
    for path in sorted(root.rglob("*.py")):
        result = analyze_source(path.read_bytes(), str(path), project.config, project)
        out.append((path.name, sorted((f.code, f.line, f.column, f.confidence, f.message) for f in result.findings),
                    sorted(Path(p).name for p in result.depends_on)))
    return out


@pytest.mark.parametrize("name", ["xmod_project", "dispatch_project", "byname_project", "stored_project",
                                  "typed_project", "plugins_project", "handed_project", "constructed_project",
                                  "queued_project", "managed_project"])
def test_forgetting_parsed_modules_changes_no_result(monkeypatch, name):
    """The project forgets every parsed module once they pass its budget; with a budget of one character it
    forgets them after every file, and every finding, flow and dependency must stay the same."""
    root = FIXTURES / name
    remembered = _results(root)
    assert any(findings for _, findings, _ in remembered)
    monkeypatch.setattr(project_module, "MODULE_BUDGET", 1)
    assert _results(root) == remembered


def test_a_reader_of_an_attribute_filled_elsewhere_is_kept_and_depends_on_the_filler(tmp_path):
    """store/user.py names no body source: it reads `result.value` of a Result that store/request.py fills with
    `response.content` (through set_property). Stage 2 keeps it, and its findings depend on request.py, so a
    cached result is invalidated when that file changes. A reader of a class nothing fills is not kept."""
    root = tmp_path / "stored_project"
    shutil.copytree(FIXTURES / "stored_project", root)
    other = root / "store" / "other.py"
    other.write_text("from .result import Untouched\n\n\ndef f(handle):\n    handle.write(Untouched().data)\n")
    project = Project([root])
    assert not screen(str(other), other.read_bytes(), project)[0]
    user = root / "store" / "user.py"
    keep, _ = screen(str(user), user.read_bytes(), project)
    assert keep
    result = analyze_source(user.read_bytes(), str(user), project.config, project)
    assert {(f.code, f.line) for f in result.findings} == {("BFX201", 8), ("BFX104", 12), ("BFX102", 16)}
    assert {Path(p).name for p in result.depends_on} >= {"request.py", "result.py"}


def test_a_helper_in_a_namespace_package_is_followed(tmp_path):
    """`from lib.net import fetch` where lib/ has no __init__.py (a namespace package)."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "net.py").write_text("import requests\n\n\ndef fetch(u):\n    return requests.get(u).content\n")
    (tmp_path / "app.py").write_text("import hashlib\nfrom lib.net import fetch\n\nhashlib.sha256(fetch('u'))\n")
    (tmp_path / "other.py").write_text("import os\nfrom typing import List\n\nos.getcwd()\n")
    project = Project([tmp_path])
    assert screen(str(tmp_path / "app.py"), (tmp_path / "app.py").read_bytes(), project)[0]
    assert not screen(str(tmp_path / "other.py"), (tmp_path / "other.py").read_bytes(), project)[0]


def test_a_response_handed_to_a_helper_that_reads_it(tmp_path):
    """use.py names `response` but never reads it: it hands it to helpers.save, whose `.read()` reaches a sink."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "helpers.py").write_text(
        'def save(src, path):\n    with open(path, "wb") as f:\n        f.write(src.read())\n')
    (tmp_path / "app" / "use.py").write_text(
        'from .helpers import save\n\n\ndef download(client, path):\n    response = client.fetch("u")\n'
        '    save(response, path)\n')
    project = Project([tmp_path])
    use = tmp_path / "app" / "use.py"
    keep, used = screen(str(use), use.read_bytes(), project)
    assert keep and any(p.endswith("helpers.py") for p in used)
    finding = analyze_source(use.read_bytes(), str(use), project.config, project).findings
    assert [(f.code, f.line) for f in finding] == [("BFX201", 6)]
    assert finding[0].message.startswith("body of the response `response` reaches `f.write() in save()`")
    unrelated = tmp_path / "other.py"
    unrelated.write_text("import os\n\n\ndef log(response):\n    print(response.status_code)\n")
    assert not screen(str(unrelated), unrelated.read_bytes(), project)[0]


def test_the_method_index_is_the_same_scanned_in_parallel(monkeypatch):
    """Shards scanned in forked processes merge into exactly the index one process builds."""
    from buffix.analysis.prefilter import index
    from buffix.analysis.prefilter.tokens import screens

    screen = screens(Config().catalog())
    alone = index.MethodIndex([FIXTURES], screen, jobs=1)
    monkeypatch.setattr(index, "PARALLEL_FILES", 1)  # shard even a small tree
    parallel = index.MethodIndex([FIXTURES], screen, jobs=3)
    assert alone._bearing and alone._unique and alone._subclassing  # the comparison covers real facts
    def facts(built) -> dict:  # `_file` is only read for names defined once
        return {**vars(built), "_file": {name: built._file[name] for name in built._unique}}

    assert facts(parallel) == facts(alone)


def test_a_helper_class_reexported_by_its_package_is_followed(tmp_path):
    """`from app.files import File` where app/files/__init__.py only re-exports File from app/files/storage.py:
    the file that calls `File.read(url)` is kept by the prefilter, and the helper's body is found."""
    (tmp_path / "app" / "files").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "files" / "__init__.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .storage import File\n")
    (tmp_path / "app" / "files" / "storage.py").write_text(
        "import requests\n\n\nclass File:\n    @staticmethod\n    def read(url):\n"
        "        return requests.get(url).content\n")
    use = tmp_path / "app" / "use.py"
    use.write_text("import io\nfrom app.files import File\n\n\ndef f(url):\n    return io.BytesIO(File.read(url))\n")
    assert _kept_and_found(tmp_path, use) == [("BFX102", 6)]


def test_a_subclass_calling_a_method_its_base_inherits_is_kept(tmp_path):
    """`class Coverages(Collections)` where Collections inherits `_request()` (returning `response.content`) from
    API: the file calling `self._request(...)` is kept by stage 2 (owslib's ogcapi), and its sink is found."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text(
        "import requests\n\n\nclass API:\n    def _request(self, path, as_dict=True):\n"
        "        response = requests.get(path)\n        return response.json() if as_dict else response.content\n"
        "\n\nclass Collections(API):\n    pass\n")
    for index in range(3):  # other `_request()`s that make no body: the name alone is no body method
        (tmp_path / "app" / f"other{index}.py").write_text(
            "class Other:\n    def _request(self, path):\n        return {'path': path}\n")
    use = tmp_path / "app" / "coverages.py"
    use.write_text("from io import BytesIO\n\nfrom app import Collections\n\n\nclass Coverages(Collections):\n"
                   "    def coverage(self, path):\n        return BytesIO(self._request(path, as_dict=False))\n")
    assert _kept_and_found(tmp_path, use) == [("BFX102", 8)]


def test_a_module_level_instance_imported_from_the_tree_is_followed(tmp_path):
    """`from app.api import api` where app/api.py binds `api = Api()`, whose common-named `get()` returns a body:
    the file calling `api.get(url)` is kept by stage 2 and the body is found there."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "api.py").write_text(
        "import requests\n\n\nclass Api:\n    def get(self, url):\n        return requests.get(url).content\n"
        "\n\napi = Api()\n")
    for index in range(3):  # other `get()`s that make no body: the name alone is no body method
        (tmp_path / "app" / f"other{index}.py").write_text("class Other:\n    def get(self, key):\n        return key\n")
    use = tmp_path / "app" / "use.py"
    use.write_text("from app.api import api\n\n\ndef save(url, f):\n    f.write(api.get(url))\n")
    assert _kept_and_found(tmp_path, use) == [("BFX201", 5)]


def test_the_method_index_read_back_from_its_store_is_the_index_a_fresh_scan_builds(tmp_path):
    """Per-file facts kept by stat signature (buffix.cache.StatStore) give exactly a fresh scan's index, also after
    a file changes, appears or disappears between runs."""
    import os
    import shutil

    from buffix.analysis.prefilter import index
    from buffix.analysis.prefilter.tokens import screens
    from buffix.cache import StatStore

    screen = screens(Config().catalog())
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES, tree)
    store_dir = tmp_path / "cache"
    old = 1_600_000_000  # seconds: older than the racy window, so the store trusts the signatures

    def age_all() -> None:
        for number, path in enumerate(sorted(tree.rglob("*.py"))):
            os.utime(path, (old + number, old + number))

    def facts(built) -> dict:  # `_file` is only read for names defined once; stage 1 only of the files read
        return {**vars(built), "_file": {name: built._file[name] for name in built._unique}, "_first": None}

    def with_store() -> index.MethodIndex:
        store = StatStore(store_dir, salt="test")
        built = index.MethodIndex([tree], screen, jobs=1, store=store)
        assert store.entries  # the store holds the tree's facts after the build
        return built

    age_all()
    first = with_store()
    assert first._bearing and first._unique and first._subclassing
    assert facts(with_store()) == facts(first) == facts(index.MethodIndex([tree], screen, jobs=1))
    some = sorted(tree.rglob("*.py"))
    some[0].write_text(some[0].read_text() + "\n\nclass Added(Base):\n    def only_here_now(self):\n"
                       "        return requests.get(u).content\n")
    some[1].unlink()
    (tree / "new_module.py").write_text("class Fresh:\n    def brand_new_method(self):\n        pass\n")
    age_all()
    again = with_store()
    assert "only_here_now" in again._unique and "brand_new_method" in again._unique
    assert facts(again) == facts(index.MethodIndex([tree], screen, jobs=1))


DISPATCHED = {  # python-telegram-bot's shape: `.retrieve(` -> `._request_wrapper(` -> the abstract `.do_request(`
    "pkg/__init__.py": "",
    "pkg/request/__init__.py": "",
    "pkg/request/base.py": (
        "import abc\n\n\nclass BaseRequest(abc.ABC):\n"
        "    async def retrieve(self, url: str) -> bytes:\n"
        "        return await self._request_wrapper(url, 'GET')\n\n"
        "    async def _request_wrapper(self, url: str, method: str) -> bytes:\n"
        "        code, payload = await self.do_request(url, method)\n"
        "        if code != 200:\n            raise ValueError(code)\n        return payload\n\n"
        "    @abc.abstractmethod\n    async def do_request(self, url: str, method: str) -> tuple:\n"
        "        '''Made by a subclass.'''\n"),
    "pkg/request/httpx_request.py": (
        "import httpx\n\nfrom pkg.request.base import BaseRequest\n\n\nclass HTTPXRequest(BaseRequest):\n"
        "    def __init__(self) -> None:\n        self._client = httpx.AsyncClient()\n\n"
        "    async def do_request(self, url: str, method: str) -> tuple:\n"
        "        res = await self._client.request(method, url)\n        return res.status_code, res.content\n"),
    "pkg/bot.py": (
        "from pkg.request.base import BaseRequest\n\n\nclass Bot:\n"
        "    def __init__(self, request: BaseRequest) -> None:\n        self._request = request\n\n"
        "    @property\n    def request(self) -> BaseRequest:\n        return self._request\n"),
    "pkg/file.py": (
        "from pathlib import Path\n\nfrom pkg.bot import Bot\n\n\nclass File:\n"
        "    def __init__(self, bot: Bot, url: str) -> None:\n        self._bot = bot\n        self.url = url\n\n"
        "    def get_bot(self) -> Bot:\n        return self._bot\n\n"
        "    async def download(self, path: str) -> Path:\n"
        "        buf = await self.get_bot().request.retrieve(self.url)\n"
        "        Path(path).write_bytes(buf)\n        return Path(path)\n"),
}


def test_a_method_reaching_a_body_method_through_calls_is_a_body_method(tmp_path):
    """file.py names no body source; `.retrieve(` reaches a body only through two more method calls, the last one
    abstract. The prefilter keeps the file (the same findings as BUFFIX_NO_PREFILTER=1), and a cached run forgets
    the result when the override at the end of the chain stops reading the body."""
    import os
    import subprocess
    import sys

    for name, text in DISPATCHED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    def findings(*args: str, **env: str) -> list:
        done = subprocess.run([sys.executable, "-m", "buffix", "check", "--format", "json", *args, "."],
                              cwd=tmp_path, capture_output=True, text=True, env={**os.environ, **env}, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        return sorted((f["path"], f["line"], f["code"]) for f in json.loads(done.stdout)["findings"])

    expected = [("pkg/file.py", 16, "BFX201")]
    assert findings("--no-cache", BUFFIX_NO_PREFILTER="1") == expected
    assert findings("--no-cache") == expected
    assert findings() == expected  # fills the cache
    override = tmp_path / "pkg/request/httpx_request.py"
    override.write_text(override.read_text().replace("res.content", "b''"))
    assert findings() == [] == findings("--no-cache", BUFFIX_NO_PREFILTER="1")


def test_methods_of_the_same_name_in_another_package_keep_the_body_method(tmp_path):
    """Issue 10 §2.8: beside pkg, a package `other` defining `retrieve` and `_request_wrapper` twice makes them
    defined in more than CLOSURE_FILES files of the tree, but only once in pkg: the closure counts per top-level
    package, so pkg/file.py is still kept (the same findings as BUFFIX_NO_PREFILTER=1)."""
    import os
    import subprocess
    import sys

    other = ("class Local{n}:\n    def retrieve(self, key):\n        return self._request_wrapper(key)\n\n"
             "    def _request_wrapper(self, key):\n        return {{}}.get(key)\n")
    files = {**DISPATCHED, "other/__init__.py": "", "other/a.py": other.format(n=1), "other/b.py": other.format(n=2)}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    def findings(**env: str) -> list:
        done = subprocess.run([sys.executable, "-m", "buffix", "check", "--no-cache", "--format", "json", "."],
                              cwd=tmp_path, capture_output=True, text=True, env={**os.environ, **env}, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        return sorted((f["path"], f["line"], f["code"]) for f in json.loads(done.stdout)["findings"])

    assert findings(BUFFIX_NO_PREFILTER="1") == [("pkg/file.py", 16, "BFX201")]
    assert findings() == [("pkg/file.py", 16, "BFX201")]


def test_a_body_method_by_one_package_count_keeps_only_that_package_calling_it(tmp_path):
    """`retrieve` is a body method by pkg's count alone (`other` defines it twice): pkg's files calling
    `.retrieve(` are kept, another package's are not (a call there does not resolve by name to pkg's method: the
    tree defines it three times), nor is a file of `other` calling it."""
    other = ("class Local{n}:\n    def retrieve(self, key):\n        return self._request_wrapper(key)\n\n"
             "    def _request_wrapper(self, key):\n        return {{}}.get(key)\n")
    caller = "def fetch(store, url):\n    return store.retrieve(url)\n"
    files = {**DISPATCHED, "other/__init__.py": "", "other/a.py": other.format(n=1), "other/b.py": other.format(n=2),
             "other/use.py": caller, "third/__init__.py": "", "third/use.py": caller, "pkg/use.py": caller}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    project = Project([tmp_path])
    kept = {name: screen(str(tmp_path / name), (tmp_path / name).read_bytes(), project)[0]
            for name in ("pkg/use.py", "other/use.py", "third/use.py")}
    assert kept == {"pkg/use.py": True, "other/use.py": False, "third/use.py": False}


def test_stage_one_as_the_method_index_read_it_is_reused_only_while_the_file_is_unchanged(tmp_path):
    """The index's scan answers stage 1 for the files it read (the workers need not screen them again): the
    verdict is might_contain_sink's, and a file changed since is screened anew (None)."""
    import os

    from buffix.analysis import might_contain_sink
    from buffix.analysis.prefilter import index
    from buffix.analysis.prefilter.tokens import screens

    catalog = Config().catalog()
    built = index.MethodIndex([FIXTURES], screens(catalog), jobs=1)
    paths = sorted(FIXTURES.rglob("*.py"))
    verdicts = {str(p): built.first_stage(str(p)) for p in paths}
    assert set(verdicts.values()) == {True, False}
    assert verdicts == {str(p): might_contain_sink(p.read_bytes(), catalog) for p in paths}
    source = tmp_path / "mod.py"
    source.write_text("import requests\n\ndef f(u):\n    return memoryview(requests.get(u).content)\n")
    os.utime(source, (1_600_000_000, 1_600_000_000))
    built = index.MethodIndex([tmp_path], screens(catalog), jobs=1)
    assert built.first_stage(str(source)) is True
    source.write_text("import os\n")
    assert built.first_stage(str(source)) is None


STORE = """\
import requests


class Store:
    def retrieve(self, url):
        return requests.get(url).content
"""


@pytest.mark.parametrize("text, kept", [
    # a receiver of unknown type: `.retrieve(` may be the tree's one method of that name (found)
    ("def f(store):\n    return memoryview(store.retrieve(1))\n", "found"),
    # rooted in a name imported from outside the tree: the analyzer never resolves it by name
    ("from unittest import mock\n\ndef f():\n    return memoryview(mock.retrieve(1))\n", False),
    ("import unittest.mock as m\n\ndef f():\n    return memoryview(m.x.retrieve(1))\n", False),
    # the same name rebound (a parameter), bound only in a function or a string: kept, and found
    ("from unittest import mock\n\ndef f(mock):\n    return memoryview(mock.retrieve(1))\n", "found"),
    ("def f():\n    import mock\n    return memoryview(mock.retrieve(1))\n\ndef g():\n"
     "    return memoryview(mock.retrieve(1))\n", "found"),
    ('"""\nimport mock\n"""\n\ndef f():\n    return memoryview(mock.retrieve(1))\n', "found"),
    # imported from the tree: the import decides (kept here by the call: not proven otherwise)
    ("from app import client as mock\n\ndef f():\n    return memoryview(mock.retrieve(1))\n", True),
])
def test_a_body_method_called_on_an_imported_module_does_not_keep_the_file(tmp_path, text, kept):
    """Stage 2 counts a call of a body method by name only where the analyzer may resolve it by name; what it drops,
    analyzing finds nothing in (BUFFIX_NO_PREFILTER's answer)."""
    project = _tree(tmp_path, {"store.py": STORE, "user.py": text})
    path = tmp_path / "app" / "user.py"
    assert _kept(project, tmp_path, "user.py") is bool(kept)
    found = analyze_source(path.read_bytes(), str(path), project.config, Project([tmp_path])).findings
    assert bool(found) is (kept == "found")


def test_role_files_are_the_files_of_the_classes_whose_name_ends_with_the_role_in_any_case(tmp_path):
    """`self.transport.load(url)` may reach a class named `Transport`, `AsyncTransport`, `HTTPTRANSPORT`; not
    `TransportBase`, nor `Transports` and `Xtransporter` beside them in the sorted reversed names."""
    from buffix.analysis.prefilter import index
    from buffix.analysis.prefilter.tokens import screens

    classes = {"a.py": "Transport", "b.py": "AsyncTransport", "c.py": "HTTPTRANSPORT", "d.py": "TransportBase",
               "e.py": "Transports", "f.py": "Xtransporter", "g.py": "SqliteCache", "h.py": "Ransport"}
    for name, cls in classes.items():
        (tmp_path / name).write_text(f"class {cls}:\n    def load(self, url):\n        return url\n")
    built = index.MethodIndex([tmp_path], screens(Config().catalog()), jobs=1)
    files = {role: sorted(Path(f).name for f in built.role_files(role))
             for role in ("transport", "ransport", "cache", "zzzz", "Transport")}
    assert files == {"transport": ["a.py", "b.py", "c.py"], "ransport": ["a.py", "b.py", "c.py", "h.py"],
                     "cache": ["g.py"], "zzzz": [], "Transport": []}


def test_the_files_naming_a_class_are_those_whose_text_builds_or_type_checks_it(tmp_path):
    """MethodIndex.naming (from the scan) is what reading each file that may make bodies gives: the capitalized
    names it calls and those an `isinstance` checks, a name at most DISPATCH_FILES files spell."""
    import re

    from buffix.analysis.prefilter import index
    from buffix.analysis.prefilter.tokens import screens

    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES, tree)
    for number in range(index.DISPATCH_FILES + 1):  # one name too many files build
        (tree / f"many_{number}.py").write_text("import requests\n\n\ndef get(u):\n"
                                                "    return Everywhere(requests.get(u).content)\n")
    (tree / "checks.py").write_text("import requests\n\n\ndef get(u):\n    r = requests.get(u).content\n"
                                    "    return isinstance(r, (Checked, mod.Dotted)) and Built.make(r)\n")
    built = index.MethodIndex([tree], screens(Config().catalog()), jobs=1)
    expected: dict = {}
    for file in built.bearing_files():
        text = Path(file).read_bytes()
        checked = {w for m in re.findall(rb"isinstance\([^,()]+,[ \t]*([\w., \t(]+)", text)
                   for w in re.findall(rb"\b[A-Z]\w*", m)}
        for word in set(re.findall(rb"\b([A-Z]\w*)(?:\.\w+)?\(", text)) | checked:
            expected.setdefault(word.decode(), []).append(file)
    assert {"Checked", "Dotted", "Built", "Everywhere"} <= set(expected)
    words = {w.decode() for f in tree.rglob("*.py") for w in re.findall(rb"\b[A-Z]\w*", f.read_bytes())}
    for word in sorted(words):
        files = expected.get(word, [])
        assert built.naming(word) == (files if len(files) <= index.DISPATCH_FILES else []), word
    assert built.naming("Checked") == [str(tree / "checks.py")] and built.naming("Everywhere") == []


def test_a_user_of_a_relaying_helpers_module_is_kept_and_depends_on_the_module_behind_it():
    """media/app.py imports helpers.py, which names no client and only relays net.py: stage 2 keeps app.py, the
    analysis follows both hops, and the findings depend on net.py (a cached result goes when net.py changes)."""
    root = FIXTURES / "relay_project"
    app = root / "media" / "app.py"
    project = Project([root])
    assert screen(str(app), app.read_bytes(), project)[0]
    result = analyze_source(app.read_bytes(), str(app), project.config, project)
    assert sorted((f.code, f.line) for f in result.findings) == [("BFX102", 13), ("BFX102", 17), ("BFX104", 9)]
    assert {"helpers.py", "net.py"} <= {Path(p).name for p in result.depends_on}
