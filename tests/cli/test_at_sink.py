"""A body that crosses modules is reported at its sink too (issue 10 §2.1): the real CLI on a temporary package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BUFFIX = str(Path(sys.executable).with_name("buffix"))

HELPER = """import hashlib


def checksum(blob):
    return hashlib.md5(blob).hexdigest()
"""

CALLER = """import requests

from pkg.helper import checksum


def first(url):
    return checksum(requests.get(url).content)
"""

OTHER = """import requests

from pkg import helper


def second(url):
    body = requests.get(url).content
    return helper.checksum(body)
"""


def package(root: Path, helper: str = HELPER) -> Path:
    return files(root, {"helper.py": helper, "caller.py": CALLER, "other.py": OTHER})


def files(root: Path, modules: dict) -> Path:
    """A package `pkg` under `root` holding `modules` (file name to text)."""
    pkg = root / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, text in modules.items():
        (pkg / name).write_text(text)
    return pkg


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BUFFIX, "check", "--isolated", "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"})


def findings(cwd: Path, *args: str) -> list:
    run = check(cwd, "--format", "json", *args)
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)["findings"]


def test_the_sink_gets_one_finding_naming_every_caller(tmp_path):
    package(tmp_path)
    found = findings(tmp_path, ".")
    at_callers = sorted((f["path"], f["line"]) for f in found if f["path"] != "pkg/helper.py")
    assert at_callers == [("pkg/caller.py", 7), ("pkg/other.py", 8)]
    at_sink = [f for f in found if f["path"] == "pkg/helper.py"]
    assert len(at_sink) == 1
    sink = at_sink[0]
    assert (sink["code"], sink["line"], sink["column"]) == ("BFX104", 5, 24)
    assert sink["fix"] is None  # the fix belongs at the callers
    assert "2 callers" in sink["message"]
    callers = {(s["path"], s["line"]) for s in sink["flow"] if s.get("path") != "pkg/helper.py"}
    assert callers == {("pkg/caller.py", 7), ("pkg/other.py", 8)}


def test_fix_edits_only_the_callers(tmp_path):
    pkg = package(tmp_path)
    run = subprocess.run([BUFFIX, "fix", "--isolated", "--no-cache", "."], cwd=tmp_path, capture_output=True,
                         text=True)
    assert run.returncode in (0, 1), run.stderr
    assert (pkg / "helper.py").read_text() == HELPER
    assert "content[:]" in (pkg / "caller.py").read_text() and "body[:]" in (pkg / "other.py").read_text()
    # the callers fixed, nothing reaches the sink any more
    assert [f for f in findings(tmp_path, ".") if f["code"].startswith("BFX1")] == []


def test_a_suppression_at_the_sink_is_used_not_reported_unused(tmp_path):
    package(tmp_path, HELPER.replace("hexdigest()", "hexdigest()  # buffix: ignore[BFX104]"))
    found = findings(tmp_path, ".")
    assert [f for f in found if f["path"] == "pkg/helper.py"] == []
    assert len([f for f in found if f["code"] == "BFX104"]) == 2  # the callers' findings stay


def test_an_unused_suppression_of_another_code_still_shows(tmp_path):
    package(tmp_path, HELPER.replace("hexdigest()", "hexdigest()  # buffix: ignore[BFX104, BFX201]"))
    found = [f for f in findings(tmp_path, ".") if f["path"] == "pkg/helper.py"]
    assert [(f["code"], f["message"]) for f in found] == [("BFX901", "unused suppression: no BFX201 finding here")]


def test_only_checked_files_get_sink_findings(tmp_path):
    package(tmp_path)
    found = findings(tmp_path, "pkg/caller.py")
    assert [(f["path"], f["line"]) for f in found] == [("pkg/caller.py", 7)]


def test_per_file_ignores_of_the_sink_file_apply(tmp_path):
    package(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.buffix]\nper-file-ignores = {"pkg/helper.py" = ["BFX104"]}\n')
    run = subprocess.run([BUFFIX, "check", "--no-cache", "--format", "json", "."], cwd=tmp_path,
                         capture_output=True, text=True)
    found = json.loads(run.stdout)["findings"]
    assert [f for f in found if f["path"] == "pkg/helper.py"] == []
    assert len(found) == 2


def test_two_sinks_of_one_code_in_one_file_each_get_a_finding(tmp_path):
    pkg = package(tmp_path, HELPER + "\n\ndef digest(blob):\n    return hashlib.sha1(blob).hexdigest()\n")
    (pkg / "other.py").write_text(OTHER + "\n\ndef third(url):\n    return helper.digest(requests.get(url).content)\n")
    at_sink = [(f["code"], f["line"]) for f in findings(tmp_path, ".") if f["path"] == "pkg/helper.py"]
    assert at_sink == [("BFX104", 5), ("BFX104", 9)]


HANDLERS = """import io


class Handler:
    def deserialize(self, data):
        raise NotImplementedError

    def register(self):
        REGISTRY.append(self)


class CSVHandler(Handler):
    def deserialize(self, data):
        return io.BytesIO(data)


class ParquetHandler(Handler):
    def deserialize(self, data):
        return io.BytesIO(data).getbuffer()


REGISTRY = []
CSVHandler().register()
ParquetHandler().register()
"""

ENTRY = """import requests

from pkg.handlers import REGISTRY


def load(url, ext):
    data = requests.get(url).content
    handler = [h for h in REGISTRY if h][0]
    return handler.deserialize(data)
"""


def test_a_body_handed_to_a_method_several_classes_define_is_reported_at_each_sink(tmp_path):
    files(tmp_path, {"handlers.py": HANDLERS, "entry.py": ENTRY})
    cold = findings(tmp_path, ".")
    sinks = sorted((f["code"], f["line"]) for f in cold if f["path"] == "pkg/handlers.py")
    assert sinks == [("BFX102", 14), ("BFX102", 19)], cold
    caller = [f for f in cold if f["path"] == "pkg/entry.py"]
    assert len(caller) == 1 and len(caller[0]["other_flows"]) == 1, caller  # one finding at the call, two flows
    ends = {caller[0]["flow"][-1]["line"], caller[0]["other_flows"][0][-1]["line"]}
    assert ends == {14, 19}
    run = subprocess.run([BUFFIX, "check", "--isolated", "--format", "json", "."], cwd=tmp_path,
                         capture_output=True, text=True)
    rerun = subprocess.run([BUFFIX, "check", "--isolated", "--format", "json", "."], cwd=tmp_path,
                           capture_output=True, text=True)  # from the cache: the other flows are kept
    assert json.loads(run.stdout)["findings"] == json.loads(rerun.stdout)["findings"] == cold


WRAPPER = """class Body:
    def __init__(self, raw):
        self._raw = raw

    def chunks(self, out):
        for chunk in self._raw.iter_raw():
            out.write(chunk)
"""

BUILDER = """import httpx

from pkg.wrapper import Body


def download(url, out):
    with httpx.stream("GET", url) as response:
        Body(response).chunks(out)
"""


def test_a_sink_guessed_in_its_file_takes_the_confidence_a_caller_gives_it(tmp_path):
    pkg = files(tmp_path, {"wrapper.py": WRAPPER, "builder.py": BUILDER})
    # alone: `self._raw` is typed only by the store builder.py makes (`Body(response)`), seen from afar: medium
    alone = findings(pkg, "--min-confidence", "low", "wrapper.py")
    assert [(f["line"], f["confidence"]) for f in alone] == [(7, "medium")]
    whole = findings(tmp_path, "--min-confidence", "low", ".")
    assert [(f["line"], f["confidence"]) for f in whole if f["path"] == "pkg/wrapper.py"] == [(7, "high")], whole


def test_a_sink_method_handed_to_a_helper_is_reported_where_the_helper_calls_it(tmp_path):
    """`fetch(url, callback=h.update)` in a file that names no body: the prefilter keeps it for the callable it
    hands on, and the helper's `callback(data)` is a sink for that caller."""
    helper = ("import requests\n\n\ndef fetch(url, callback):\n    data = requests.get(url).content\n"
              "    callback(data)\n    return len(data)\n")
    caller = ("import hashlib\n\nfrom pkg.helper import fetch\n\n\ndef digest(url):\n    h = hashlib.md5()\n"
              "    fetch(url, callback=h.update)\n    return h.hexdigest()\n\n\ndef count(url, sizes):\n"
              "    fetch(url, callback=sizes.append)\n")
    files(tmp_path, {"helper.py": helper, "caller.py": caller})
    found = sorted((f["path"], f["line"], f["code"]) for f in findings(tmp_path, "."))
    assert found == [("pkg/caller.py", 8, "BFX104"), ("pkg/helper.py", 6, "BFX104")]
