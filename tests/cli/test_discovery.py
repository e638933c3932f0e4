"""buffix.discovery on real temp trees and real git repositories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from buffix.discovery import discover


def tree(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def found(result, root: Path) -> list:
    return [str(Path(f).relative_to(root)) for f in result.files]


def test_python_files_sorted_and_default_excludes(tmp_path):
    tree(tmp_path, {"b.py": "", "a/x.pyi": "", "a/y.txt": "", ".venv/lib/z.py": "", "pkg/__pycache__/c.py": "",
                    "node_modules/n.py": "", "build/b.py": "", ".buffix_cache/q.py": ""})
    result = discover([str(tmp_path)], root=str(tmp_path))
    assert found(result, tmp_path) == ["a/x.pyi", "b.py"]
    assert result.skipped == () and result.errors == ()


def test_nested_gitignore_negation_and_info_exclude(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("secret.py\n")
    tree(tmp_path, {".gitignore": "gen_*.py\n/top_only.py\n", "gen_a.py": "", "top_only.py": "", "secret.py": "",
                    "sub/.gitignore": "!gen_keep.py\nlocal.py\n", "sub/gen_keep.py": "", "sub/gen_b.py": "",
                    "sub/local.py": "", "sub/top_only.py": "", "other/local.py": "", "keep.py": ""})
    result = discover([str(tmp_path)], root=str(tmp_path))
    assert found(result, tmp_path) == ["keep.py", "other/local.py", "sub/gen_keep.py", "sub/top_only.py"]


def test_gitignore_of_parent_applies_to_a_subdirectory_argument(tmp_path):
    tree(tmp_path, {".gitignore": "*_pb2.py\n", "src/a.py": "", "src/a_pb2.py": ""})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = discover([str(tmp_path / "src")], root=str(tmp_path))
    assert found(result, tmp_path) == ["src/a.py"]


def test_exclude_replaces_defaults_and_extend_exclude_adds(tmp_path):
    tree(tmp_path, {"a.py": "", "migrations/m.py": "", "docs/conf.py": "", "build/b.py": ""})
    base = dict(root=str(tmp_path))
    assert found(discover([str(tmp_path)], extend_exclude=["migrations/"], **base), tmp_path) == [
        "a.py", "docs/conf.py"]
    assert found(discover([str(tmp_path)], exclude=["/docs"], **base), tmp_path) == [
        "a.py", "build/b.py", "migrations/m.py"]


def test_explicit_file_is_checked_unless_force_exclude(tmp_path):
    tree(tmp_path, {".gitignore": "ignored.py\n", "ignored.py": "", "build/gen.py": "", "ok.py": ""})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    names = [str(tmp_path / n) for n in ("ignored.py", "build/gen.py", "ok.py")]
    plain = discover(names, root=str(tmp_path))
    assert len(plain.files) == 3 and plain.skipped == ()
    forced = discover(names, force_exclude=True, root=str(tmp_path))
    assert found(forced, tmp_path) == ["ok.py"]
    reasons = {Path(s.path).name: s.reason for s in forced.skipped}
    assert reasons["ignored.py"].startswith("excluded by .gitignore") and "ignored.py" in reasons["ignored.py"]
    assert reasons["gen.py"] == "matches exclude pattern 'build'"


def test_explicit_paths_that_give_nothing_say_why(tmp_path):
    tree(tmp_path, {"notes.txt": "", "empty/readme.md": ""})
    result = discover([str(tmp_path / "missing.py"), str(tmp_path / "notes.txt"), str(tmp_path / "empty"), "-"],
                      root=str(tmp_path))
    assert result.files == () and result.stdin
    assert [s.reason.split(" (")[0] for s in result.skipped] == [
        "does not exist", "not a Python file", "no Python files found under this directory"]


def test_symlink_loops_and_broken_links_are_warnings_pipes_are_errors_none_hang(tmp_path):
    tree(tmp_path, {"pkg/a.py": ""})
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg")  # a directory link back to its parent
    (tmp_path / "pkg" / "self.py").symlink_to(tmp_path / "pkg" / "self.py")
    (tmp_path / "pkg" / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    os.mkfifo(tmp_path / "pkg" / "pipe.py")
    (tmp_path / "alias").symlink_to(tmp_path / "pkg")  # a second route to a walked directory adds nothing
    result = discover([str(tmp_path)], root=str(tmp_path))
    assert found(result, tmp_path) == ["alias/a.py"] or found(result, tmp_path) == ["pkg/a.py"]
    warnings = {Path(e.path).name: e.message for e in result.warnings}
    assert warnings["loop"].startswith("symlink loop")
    assert warnings["self.py"].startswith("symlink loop")
    assert warnings["dangling.py"].startswith("broken symlink")
    assert {Path(e.path).name: e.message for e in result.errors} == {"pipe.py": "not a regular file (a named pipe)"}
    named = discover([str(tmp_path / "pkg" / "dangling.py"), str(tmp_path / "pkg" / "self.py")], root=str(tmp_path))
    assert [Path(e.path).name for e in named.errors] == ["dangling.py", "self.py"] and not named.warnings


def test_relative_paths_are_shown_as_given(tmp_path, monkeypatch):
    tree(tmp_path, {"src/m.py": ""})
    monkeypatch.chdir(tmp_path)
    assert [str(f) for f in discover(["."]).files] == ["src/m.py"]
    assert [str(f) for f in discover(["./src/"]).files] == ["src/m.py"]
