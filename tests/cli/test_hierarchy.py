"""Per-file config through the real CLI on fixtures/monorepo (three nested configs, see its README): every file uses
the config nearest to it, whatever the other paths on the command line, their order, or the staged set."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUFFIX = str(Path(sys.executable).with_name("buffix"))
PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))
EXPECTED = {"tools/sink.py": {"BFX103"}, "svc/api/sink.py": {"BFX201"}, "svc/worker/sink.py": {"BFX201"}}


@pytest.fixture()
def mono(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "fixtures" / "monorepo", tmp_path / "mono")
    return tmp_path / "mono"


def buffix(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([BUFFIX, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def findings(cwd: Path, *args: str) -> dict:
    done = buffix(cwd, "check", "--no-cache", "--format", "json", *args)
    assert done.returncode in (0, 1), done.stderr
    by_file: dict = {}
    for finding in json.loads(done.stdout)["findings"]:
        by_file.setdefault(finding["path"], set()).add(finding["code"])
    return by_file


def test_each_directory_gets_its_nearest_config(mono):
    assert findings(mono, ".") == EXPECTED  # svc/api's exclude keeps legacy/old.py out even when walking from .


def test_argument_order_does_not_change_findings(mono):
    for order in itertools.permutations(["tools", "svc/api", "svc/worker"]):
        assert findings(mono, *order) == EXPECTED, order


def test_the_staged_set_does_not_change_a_files_findings(mono):
    files = sorted(EXPECTED)
    together = findings(mono, "--force-exclude", *files)
    assert together == EXPECTED
    for file in files:  # pre-commit passes some files: each alone must give the same answer
        assert findings(mono, "--force-exclude", file) == {file: EXPECTED[file]}
    # a file named explicitly is checked; with --force-exclude the nested config's exclude applies to it
    assert findings(mono, "svc/api/legacy/old.py") == {"svc/api/legacy/old.py": {"BFX201"}}
    assert findings(mono, "--force-exclude", "svc/api/legacy/old.py") == {}


def test_from_a_subdirectory_the_same_configs_apply(mono):
    assert findings(mono / "svc", ".") == {"api/sink.py": {"BFX201"}, "worker/sink.py": {"BFX201"}}


def test_config_overrides_every_file_and_isolated_ignores_them(mono):
    assert findings(mono, "--config", "pyproject.toml", ".") == {
        "tools/sink.py": {"BFX103"}, "svc/api/sink.py": {"BFX103"}, "svc/api/legacy/old.py": {"BFX103"},
        "svc/worker/sink.py": {"BFX103"}}
    isolated = findings(mono, "--isolated", ".")
    assert set(isolated) == {*EXPECTED, "svc/api/legacy/old.py"}
    assert all(codes == {"BFX103", "BFX201"} for codes in isolated.values())


def test_command_line_overrides_apply_on_top_of_each_files_config(mono):
    assert findings(mono, "--ignore", "BFX201", ".") == {"tools/sink.py": {"BFX103"}}


def test_show_files_lists_what_would_be_checked_with_its_config(mono):
    done = buffix(mono, "check", "--show-files", ".")
    assert done.returncode == 0, done.stderr
    rows = dict(line.split("\t") for line in done.stdout.splitlines())
    assert rows == {"svc/api/sink.py": os.path.join("svc", "api", ".buffix.yaml"),
                    "svc/worker/sink.py": os.path.join("svc", "worker", "pyproject.toml"),
                    "tools/sink.py": "pyproject.toml"}


def test_show_settings_names_the_file_and_the_inherited_values(mono):
    done = buffix(mono, "check", "--show-settings", "svc/worker/sink.py")
    assert done.returncode == 0, done.stderr
    assert f"Settings from {mono / 'svc' / 'worker' / 'pyproject.toml'}" in done.stdout
    assert "select = ['BFX1']" in done.stdout  # from the root, through extend
    assert "ignore = ['BFX103']" in done.stdout and "extend-select = ['BFX201']" in done.stdout
    assert "target-version = (unset)" in done.stdout  # no file sets it: no version check, not `None`


def test_fix_uses_each_files_config(mono):
    done = buffix(mono, "fix", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audio[:])" in (mono / "tools" / "sink.py").read_text().splitlines()[-1]  # BFX103 fixed at the root
    worker = (mono / "svc" / "worker" / "sink.py").read_text()
    assert "out.write(audio[:])" in worker and "b64encode(audio)" in worker  # BFX103 ignored there


@pytest.mark.parametrize("where, text, fragment", [
    ("pyproject.toml", '[tool.buffix]\nexclude = ["!"]\n', "exclude: invalid gitignore-style pattern '!'"),
    ("pyproject.toml", '[tool.buffix]\nextend-exclude = ["\\\\"]\n', "extend-exclude: invalid gitignore-style"),
    ("pyproject.toml", 'tool = "buffix"\n', "tool: expected a table"),
    ("pyproject.toml", '[tool]\nbuffix = 3\n', "tool.buffix: expected a table of settings"),
    ("pyproject.toml", '[tool.buffix.per-file-ignores]\n"tests/[" = ["BFX1"]\n', "unbalanced [ ]"),
    ("pyproject.toml", '[tool.buffix.per-file-ignores]\n"" = ["BFX1"]\n', "an empty glob"),
    ("pyproject.toml", '[tool.buffix]\nextend = "pyproject.toml"\n', "extends itself"),
    ("pyproject.toml", '[tool.buffix]\nextend = "nowhere.toml"\n', "extend: no such config file"),
    ("svc/worker/pyproject.toml", '[tool.buffix]\nextend = "../../base.toml"\n', "no such config file"),
])
def test_bad_config_is_one_line_and_exit_2(mono, where, text, fragment):
    (mono / where).write_text(text)
    done = buffix(mono, "check", "--no-cache", ".")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("buffix: error: ") and where.split("/")[-1] in lines[0]


def test_an_extended_files_own_error_names_that_file(mono):
    (mono / "base.toml").write_text('[tool.buffix]\nmin-confidence = "sure"\n')
    (mono / "pyproject.toml").write_text('[tool.buffix]\nextend = "base.toml"\n')
    done = buffix(mono, "check", "--no-cache", "tools")
    assert done.returncode == 2 and "base.toml: min-confidence" in done.stderr, done.stderr


@pytest.mark.parametrize("value", [",", " , ", ""])
def test_empty_select_is_a_usage_error(mono, value):
    done = buffix(mono, "check", "--select", value, ".")
    assert done.returncode == 2 and "--select: expected comma-separated rule codes" in done.stderr, done.stderr


def test_yaml_beside_a_pyproject_table_wins_with_a_warning(mono):
    (mono / "svc" / "api" / "pyproject.toml").write_text('[tool.buffix]\nselect = ["BFX1"]\n')
    done = buffix(mono, "check", "--no-cache", "svc/api")
    assert done.returncode == 1
    assert "BFX201" in done.stdout and "BFX103" not in done.stdout  # .buffix.yaml's selection
    warning = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and "[tool.buffix] is ignored" in warning[0] and ".buffix.yaml" in warning[0]
    assert "warning" not in buffix(mono, "check", "-q", "--no-cache", "svc/api").stderr


def _why_not_precommit() -> str:
    if not Path(PRE_COMMIT).exists() or shutil.which("git") is None:
        return "pre-commit or git is not installed"
    untracked = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "buffix", "pyproject.toml"],
                               cwd=REPO, capture_output=True, text=True)
    if untracked.returncode != 0 or untracked.stdout.strip():
        return "try-repo sees only tracked, committed files"
    return ""


def test_precommit_findings_do_not_depend_on_the_staged_set(mono):
    reason = _why_not_precommit()
    if reason:
        pytest.skip(reason)
    subprocess.run(["git", "init", "-q"], cwd=mono, check=True)
    subprocess.run(["git", "add", "."], cwd=mono, check=True)
    env = dict(os.environ, PRE_COMMIT_HOME=str(REPO / ".buffix_cache" / "pre-commit"), PRE_COMMIT_COLOR="never")
    env.pop("VIRTUAL_ENV", None)

    def hook(*files: str) -> str:
        done = subprocess.run([PRE_COMMIT, "try-repo", str(REPO), "buffix-check", "--files", *files], cwd=mono,
                              env=env, capture_output=True, text=True, timeout=900)
        return done.stdout

    together = hook(*EXPECTED)
    for file, codes in EXPECTED.items():
        alone = hook(file)
        for code in ("BFX103", "BFX201"):
            assert (f"{file}:" in alone and code in alone.split(f"{file}:", 1)[1].split("\n", 1)[0]) == (code in codes)
        line = [row for row in together.splitlines() if row.startswith(f"{file}:")]
        assert line and line == [row for row in alone.splitlines() if row.startswith(f"{file}:")]
