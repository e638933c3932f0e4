"""`buffix check` run as a real subprocess: exit codes, text and json output, bad files and bad config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BAD_BODY = "import requests\nbody = requests.get('http://127.0.0.1/').content\nview = memoryview(body)\n"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "buffix", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def test_clean_tree_exits_0(tmp_path):
    (tmp_path / "ok.py").write_text("import requests\nprint(requests.get('u').content[:])\n")
    done = run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 file checked, 0 findings (0 fixable), 0 errors" in done.stdout


def test_findings_exit_1_with_positions(tmp_path):
    (tmp_path / "bad.py").write_text(BAD_BODY)
    done = run(tmp_path, ".")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith("bad.py:3:19: BFX101 ")
    assert "1 file checked, 1 finding (1 fixable), 0 errors" in done.stdout


def test_json_format(tmp_path):
    (tmp_path / "bad.py").write_text(BAD_BODY)
    done = run(tmp_path, "--format", "json", "bad.py")
    assert done.returncode == 1
    [item] = json.loads(done.stdout)["findings"]
    assert (item["code"], item["line"], item["column"], item["end_line"], item["end_column"]) == ("BFX101", 3, 19, 3, 23)
    assert item["confidence"] == "high"
    assert item["fix"] == {"applicability": "safe", "reason": "",
                           "edits": [{"line": 3, "column": 19, "end_line": 3, "end_column": 23,
                                      "replacement": "body[:]"}]}
    assert [step["line"] for step in item["flow"]][0] == 2 and item["flow"][-1]["line"] == 3


def test_syntax_error_is_reported_and_run_continues(tmp_path):
    (tmp_path / "a_broken.py").write_text("from requests import get\ndef f(:\n")
    (tmp_path / "b_bad.py").write_text(BAD_BODY)
    done = run(tmp_path)
    assert done.returncode == 2
    assert "a_broken.py: error: syntax error at line 2" in done.stderr
    assert "b_bad.py:3:19: BFX101" in done.stdout


def test_undecodable_file_is_reported(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"from requests import get\nx = '\xff\xfe'\n")
    done = run(tmp_path)
    assert done.returncode == 2
    assert "latin.py: error: cannot decode" in done.stderr


def test_select_ignore_and_min_confidence(tmp_path):
    (tmp_path / "m.py").write_text(BAD_BODY + "def f(response):\n    return bytes(response.content)\n")
    assert run(tmp_path, "--select", "BFX4").stdout.count("BFX401") == 1
    assert "BFX101" not in run(tmp_path, "--select", "BFX4").stdout
    assert run(tmp_path, "--ignore", "BFX1,BFX4").returncode == 0
    assert run(tmp_path, "--min-confidence", "high", "--select", "BFX401").returncode == 0


def test_config_error_exits_2_naming_file_and_key(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.buffix]\nmin-confidence = 'sometimes'\n")
    (tmp_path / "m.py").write_text(BAD_BODY)
    done = run(tmp_path)
    assert done.returncode == 2
    assert "pyproject.toml: min-confidence: expected one of low, medium, high" in done.stderr


def test_config_from_yaml_and_excluded_dirs(tmp_path):
    (tmp_path / ".buffix.yaml").write_text("ignore: [BFX101]\nextend-exclude: [generated]\n")
    (tmp_path / "m.py").write_text(BAD_BODY)
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "g.py").write_text(BAD_BODY.replace("memoryview", "bytearray"))
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "v.py").write_text(BAD_BODY.replace("memoryview", "bytearray"))
    done = run(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_declared_source_imported_relatively_inside_its_package(tmp_path):
    """`sources` names `myapp.net.fetch_bytes`; myapp/use.py says `from .net import fetch_bytes` (no `myapp` in it):
    the prefilter lets it through and the finding is reported."""
    (tmp_path / "pyproject.toml").write_text('[tool.buffix]\nsources = [{call = "myapp.net.fetch_bytes"}]\n')
    (tmp_path / "myapp").mkdir()
    (tmp_path / "myapp" / "__init__.py").write_text("")
    (tmp_path / "myapp" / "net.py").write_text("def fetch_bytes(url):\n    return _lib.get(url)\n")
    (tmp_path / "myapp" / "use.py").write_text(
        "import hashlib\nfrom .net import fetch_bytes\n\n\ndef digest(u):\n    return hashlib.sha256(fetch_bytes(u))\n")
    done = run(tmp_path, "--no-cache")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "myapp/use.py:6:27: BFX104" in done.stdout


TRANSPORT = "import requests\n\n\nclass Transport:\n    def download_blob(self, url):\n        return requests.get(url).content\n"
USER = ("import io\n\n\nclass Client:\n    def image(self, url):\n        data = self._state.http.download_blob(url)\n"
        "        return io.BytesIO(data)\n")


def test_an_excluded_copy_of_a_module_keeps_a_helper_method_unique(tmp_path):
    """The method index walks as discovery does: an ignored build/lib/ copy does not make `download_blob` ambiguous."""
    for package in (tmp_path / "pkg", tmp_path / "build" / "lib" / "pkg"):
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "http.py").write_text(TRANSPORT)
        (package / "use.py").write_text(USER)
    result = run(tmp_path, "--no-cache", "--jobs", "1", ".")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pkg/use.py:7:27: BFX102" in result.stdout
    assert "build" not in result.stdout


def test_no_prefilter_switch_analyzes_every_file(tmp_path):
    """BUFFIX_NO_PREFILTER=1 parses the files the prefilter would prove clean: a syntax error there now shows."""
    import os

    (tmp_path / "bad.py").write_text(BAD_BODY)
    (tmp_path / "broken.py").write_text("def f(:\n")  # names no body: the prefilter never parses it
    default = run(tmp_path, "--no-cache", ".")
    assert default.returncode == 1 and "broken.py" not in default.stdout + default.stderr
    unfiltered = subprocess.run([sys.executable, "-m", "buffix", "check", "--no-cache", "."], cwd=tmp_path,
                                capture_output=True, text=True, env={**os.environ, "BUFFIX_NO_PREFILTER": "1"})
    assert unfiltered.returncode == 2 and "broken.py" in unfiltered.stdout + unfiltered.stderr
    assert "bad.py:3:" in unfiltered.stdout


def test_a_project_under_a_folder_named_tests_is_not_test_code(tmp_path):
    """Test noise is decided from the module's own package and name, not from folders above the project."""
    source = (Path(__file__).resolve().parents[2] / "fixtures/analyzer/tests/test_mocked_responses.py").read_text()
    project = tmp_path / "tests" / "service"
    project.mkdir(parents=True)
    (project / "handlers.py").write_text(source, encoding="utf-8")
    (project / "test_handlers.py").write_text(source, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "buffix", "check", "--no-cache", "--format", "json",
                             "--min-confidence", "low", "tests/service"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    confidence = {(Path(f["path"]).name, f["line"]): f["confidence"] for f in findings}
    assert confidence[("test_handlers.py", 12)] == "low"
    assert confidence[("handlers.py", 12)] != "low"


def test_a_project_folder_below_the_checked_root_resolves_its_own_imports(tmp_path):
    """Checked from above a project (a monorepo's libs/, an unpacked sdist `shop-1.0/`), `import shop` resolves
    against the folder holding its pyproject.toml / setup.py, as an installed copy would."""
    for marker, project in (("setup.py", tmp_path / "shop-1.0"), ("pyproject.toml", tmp_path / "libs" / "cart")):
        package = project / project.name.split("-")[0]
        package.mkdir(parents=True)
        (project / marker).write_text("")
        (package / "__init__.py").write_text("")
        (package / "fetch.py").write_text("import requests\n\ndef download(url):\n"
                                         "    return requests.get(url).content\n")
        (project / "tests").mkdir()
        (project / "tests" / "test_it.py").write_text(f"import hashlib\nfrom {package.name}.fetch import download\n\n"
                                                      "def test_it():\n    hashlib.md5(download('u'))\n")
    done = run(tmp_path, "--format", "json", ".")
    found = sorted((item["path"], item["line"], item["code"]) for item in json.loads(done.stdout)["findings"])
    assert found == [("libs/cart/tests/test_it.py", 5, "BFX104"), ("shop-1.0/tests/test_it.py", 5, "BFX104")]
