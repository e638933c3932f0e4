"""Bad input through the real `buffix check` / `buffix fix`: each bad file gets ONE line on stderr naming it and the
cause, the good files are still checked (and fixed), the exit status is 2, and no bad file is written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict

import pytest

from buffix.pipeline import MAX_BYTES
from tests.cli.test_check_e2e import CLEAN, UNSAFE, buffix

FIXED = UNSAFE.replace("sha256(resp.content)", "sha256(resp.content[:])")
PREFIX = b"import hashlib\nimport requests\nfrom requests import get\n"  # lets the prefilter through: the file must be parsed
# file name -> (bytes, words the one stderr line must hold)
BAD_FILES: Dict[str, tuple] = {
    "bad_utf8.py": (PREFIX + b"x = '\xff\xfe caf\xe9'\nhashlib.sha256(requests.get('u').content)\n", "decode"),
    "bad_cookie.py": (b"# -*- coding: klingon -*-\n" + PREFIX, "klingon"),
    "syntax.py": (PREFIX + b"def broken(:\n    hashlib.sha256(requests.get('u').content)\n", "syntax error"),
    "nested.py": (PREFIX + b"x = " + b"(" * 100_000 + b"1" + b")" * 100_000 + b"\n", "nest"),
    "unary.py": (PREFIX + b"x = " + b"-" * 100_000 + b"1\n", "parser"),
    "huge.py": (PREFIX + b"hashlib.sha256(requests.get('u').content)\n" + b"x = 1  # padding\n" * 1_100_000,
                "too large"),
}


def make_tree(root: Path) -> Dict[str, bytes]:
    (root / "good.py").write_text(UNSAFE)
    (root / "clean.py").write_text(CLEAN)
    for name, (data, _) in BAD_FILES.items():
        (root / name).write_bytes(data)
    os.symlink("loop.py", root / "loop.py")
    os.symlink("missing.py", root / "dangling.py")
    return {name: data for name, (data, _) in BAD_FILES.items()}


CAUSES = {name: cause for name, (_, cause) in BAD_FILES.items()}
WARNED = {"loop.py": "symlink loop", "dangling.py": "broken symlink"}  # met while walking: skipped, as in ruff


def assert_one_line_each(stderr: str) -> None:
    lines = stderr.splitlines()
    for name, cause in CAUSES.items():
        mine = [line for line in lines if line.startswith(f"{name}: error: ")]
        assert len(mine) == 1, (name, lines)
        assert cause in mine[0].lower(), mine[0]
    for name, cause in WARNED.items():
        mine = [line for line in lines if line.startswith(f"buffix: warning: {name}: ")]
        assert len(mine) == 1 and cause in mine[0], (name, lines)
    assert len(lines) == len(CAUSES) + len(WARNED), lines
    assert not any("Traceback" in line for line in lines)


@pytest.fixture(scope="module")
def bad_tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad")
    make_tree(root)
    return root


def test_huge_file_is_really_over_the_limit():
    assert len(BAD_FILES["huge.py"][0]) > MAX_BYTES


def test_check_reports_each_bad_file_once_and_goes_on(bad_tree):
    done = buffix("check", "--no-cache", cwd=bad_tree, timeout=30)
    assert done.returncode == 2
    assert_one_line_each(done.stderr)
    assert done.stdout.startswith("good.py:8:27: BFX104 [*] ")  # the good file is still checked
    assert done.stdout.splitlines()[-1] == f"{2 + len(CAUSES)} files checked, 1 finding (1 fixable), " \
                                           f"{len(CAUSES)} errors"
    cached = buffix("check", cwd=bad_tree)  # the same through the cache, twice (errors are cached too)
    assert cached.returncode == 2 and cached.stdout == done.stdout
    assert buffix("check", cwd=bad_tree).stderr == cached.stderr
    assert_one_line_each(cached.stderr)
    two = buffix("check", "--no-cache", "--jobs", "2", "--format", "json", cwd=bad_tree)
    assert two.returncode == 2 and '"path": "good.py"' in two.stdout
    assert_one_line_each(two.stderr)


def test_fix_writes_nothing_to_bad_files_and_fixes_the_good_ones(tmp_path):
    bad = make_tree(tmp_path)
    done = buffix("fix", "--no-cache", cwd=tmp_path, timeout=30)
    assert done.returncode == 2
    assert_one_line_each(done.stderr)
    assert (tmp_path / "good.py").read_text() == FIXED
    assert done.stdout.splitlines()[-1] == \
        f"Fixed 1 site in 1 file; nothing remains; {len(CAUSES)} files with errors left as they were"
    for name, data in bad.items():
        assert (tmp_path / name).read_bytes() == data, name
    assert os.readlink(tmp_path / "loop.py") == "loop.py" and not (tmp_path / "missing.py").exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and p.name != ".buffix_cache"]
    assert leftovers == []  # no temporary file left behind


@pytest.mark.parametrize("name", ["nested.py", "unary.py", "syntax.py", "bad_utf8.py"])
def test_stdin_bad_source_is_one_line_and_exit_2(tmp_path, name):
    data = BAD_FILES[name][0]
    checked = buffix("check", "-", "--stdin-filename", name, cwd=tmp_path, stdin=data)
    assert checked.returncode == 2 and len(checked.stderr.splitlines()) == 1
    assert checked.stderr.startswith(f"{name}: error: ") and BAD_FILES[name][1] in checked.stderr.lower()
    fixed = buffix("fix", "-", "--stdin-filename", name, cwd=tmp_path, stdin=data)
    assert fixed.returncode == 2 and fixed.stderr == checked.stderr
    assert fixed.stdout.encode("utf-8", "surrogateescape") == data  # passed through unchanged


def test_bad_config_is_one_line_naming_file_and_key(tmp_path):
    (tmp_path / "good.py").write_text(UNSAFE)
    cases = {
        "unknown.yaml": ("select: [BFX1]\nfrobnicate: true\n", "frobnicate"),
        "badvalue.yaml": ("min-confidence: certain\n", "min-confidence"),
        "badcode.yaml": ("ignore: [E501]\n", "ignore"),
        "notyaml.yaml": ("select: [BFX1\n", "cannot read YAML"),
    }
    for name, (text, key) in cases.items():
        (tmp_path / name).write_text(text)
        for command in ("check", "fix"):
            done = buffix(command, "--config", name, cwd=tmp_path)
            assert done.returncode == 2 and done.stdout == "", (name, command)
            (line,) = done.stderr.splitlines()
            assert name in line and key in line, line
    assert (tmp_path / "good.py").read_text() == UNSAFE  # fix wrote nothing


@pytest.mark.parametrize("command", ["check", "fix"])
def test_named_pipe_is_reported_never_read(tmp_path, command):
    """A FIFO named *.py: reading it would block forever, so nothing (discovery, pipeline, analyzer) may open it."""
    (tmp_path / "good.py").write_text(UNSAFE)
    os.mkfifo(tmp_path / "fifo.py")
    done = buffix(command, "--no-cache", cwd=tmp_path, timeout=10)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["fifo.py: error: not a regular file (a named pipe)"]
    assert (tmp_path / "good.py").read_text() == (UNSAFE if command == "check" else FIXED)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    (tmp_path / "good.py").write_text(UNSAFE)
    secret = tmp_path / "secret.py"
    secret.write_text(UNSAFE)
    secret.chmod(0)
    done = buffix("check", "--no-cache", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr == "secret.py: error: cannot read: Permission denied\n"
    assert done.stdout.startswith("good.py:8:27: BFX104")
