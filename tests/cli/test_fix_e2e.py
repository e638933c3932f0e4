"""`buffix fix` end to end: the real executable rewrites temporary trees; exit codes, --diff, --unsafe-fixes, stdin."""

from __future__ import annotations

import json

from tests.cli.test_check_e2e import CLEAN, GUESSED, NO_FIX, UNSAFE, buffix, tree

FIXED = UNSAFE.replace("sha256(resp.content)", "sha256(resp.content[:])")


def test_fix_writes_safe_fixes_and_exits_0_when_nothing_remains(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE, "pkg/b.py": UNSAFE, "clean.py": CLEAN})
    done = buffix("fix", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Fixed 2 sites in 2 files; nothing remains\n"
    assert (tmp_path / "a.py").read_text() == FIXED and (tmp_path / "pkg/b.py").read_text() == FIXED
    assert (tmp_path / "clean.py").read_text() == CLEAN
    again = buffix("fix", cwd=tmp_path)  # idempotent
    assert again.returncode == 0 and again.stdout == "Fixed 0 sites in 0 files; nothing remains\n"
    assert (tmp_path / "a.py").read_text() == FIXED
    assert buffix("check", cwd=tmp_path).returncode == 0


def test_fix_never_exits_0_while_findings_remain(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE, "b.py": GUESSED, "c.py": NO_FIX})
    done = buffix("fix", cwd=tmp_path)
    assert done.returncode == 1
    assert (tmp_path / "a.py").read_text() == FIXED  # the safe fix is applied...
    assert (tmp_path / "b.py").read_text() == GUESSED and (tmp_path / "c.py").read_text() == NO_FIX  # ...only it
    lines = done.stdout.splitlines()
    assert lines[0].startswith("b.py:2:16: BFX101 ") and lines[1].startswith("c.py:4:4: BFX601 ")
    assert lines[2] == "Fixed 1 site in 1 file; 2 findings remain (1 with an unsafe fix: --unsafe-fixes applies them)"

    unsafe = buffix("fix", "--unsafe-fixes", cwd=tmp_path)
    assert unsafe.returncode == 1  # BFX601 has no fix: it remains
    assert (tmp_path / "b.py").read_text() == GUESSED.replace("(response.content)", "(response.content[:])")
    assert unsafe.stdout.splitlines()[-1] == "Fixed 1 site in 1 file; 1 finding remains"
    (tmp_path / "c.py").unlink()
    assert buffix("fix", "--unsafe-fixes", cwd=tmp_path).returncode == 0
    # the low-confidence finding was below --min-confidence all along; lowering it shows (and fixes) it
    low = buffix("fix", "--unsafe-fixes", "--min-confidence", "low", "--fix-style", "getitem", cwd=tmp_path)
    assert low.returncode == 0 and "thing.content.__getitem__(slice(None))" in (tmp_path / "b.py").read_text()


def test_fix_diff_writes_nothing_and_exits_1_when_it_would_change(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE, "clean.py": CLEAN})
    before = (tmp_path / "a.py").stat()
    done = buffix("fix", "--diff", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[:2] == ["--- a/a.py", "+++ b/a.py"]
    assert "-    return hashlib.sha256(resp.content).hexdigest()\n" in done.stdout
    assert "+    return hashlib.sha256(resp.content[:]).hexdigest()\n" in done.stdout
    assert done.stderr == "Would fix 1 site in 1 file; nothing remains\n"
    after = (tmp_path / "a.py").stat()
    assert (tmp_path / "a.py").read_text() == UNSAFE and after.st_mtime_ns == before.st_mtime_ns
    clean = buffix("fix", "--diff", "clean.py", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout == ""


def test_fix_stdin(tmp_path):
    done = buffix("fix", "-", "--stdin-filename", "app.py", cwd=tmp_path, stdin=UNSAFE.encode())
    assert done.returncode == 0 and done.stdout == FIXED and done.stderr == ""
    crlf = UNSAFE.replace("\n", "\r\n").encode()
    kept = buffix("fix", "-", cwd=tmp_path, stdin=crlf)
    assert kept.returncode == 0 and kept.stdout.encode("utf-8", "surrogateescape") == FIXED.replace(
        "\n", "\r\n").encode()
    remains = buffix("fix", "-", "--stdin-filename", "c.py", cwd=tmp_path, stdin=NO_FIX.encode())
    assert remains.returncode == 1 and remains.stdout == NO_FIX and remains.stderr.startswith("c.py:4:4: BFX601 ")
    (tmp_path / ".buffix.yaml").write_text("extend-exclude: [vendor]\n")
    excluded = buffix("fix", "-", "--force-exclude", "--stdin-filename", "vendor/x.py", cwd=tmp_path,
                      stdin=UNSAFE.encode())
    assert excluded.returncode == 0 and excluded.stdout == UNSAFE  # passed through unchanged
    assert "skipped vendor/x.py: matches exclude pattern 'vendor'" in excluded.stderr
    assert not list(tmp_path.glob("*.py"))  # stdin mode writes no file


def test_fix_respects_selection_and_check_json_agrees(tmp_path):
    tree(tmp_path, {"a.py": UNSAFE, "b.py": "import io\nimport requests\n\nio.BytesIO(requests.get('u').content)\n"})
    report = json.loads(buffix("check", "--format", "json", cwd=tmp_path).stdout)
    edits = {f["path"]: f["fix"]["edits"] for f in report["findings"]}
    done = buffix("fix", "--select", "BFX104", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "Fixed 1 site in 1 file; nothing remains\n"
    assert (tmp_path / "a.py").read_text() == FIXED and (tmp_path / "b.py").read_text().count("[:]") == 0
    assert buffix("fix", cwd=tmp_path).returncode == 0
    (edit,) = edits["b.py"]  # the edit check --format json announced is the one fix made
    line = (tmp_path / "b.py").read_text().splitlines()[edit["line"] - 1]
    assert line[edit["column"] - 1:edit["column"] - 1 + len(edit["replacement"])] == edit["replacement"]
