"""Issue 12: the real CLI on a generated hostile tree (odd names, links, loops, FIFOs, devices, huge, deep and broken
files, a corrupt cache). No traceback; one line per problem naming the file; exit 2 because some input is bad;
every good file checked and fixed; nothing written where it should not be."""

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

BAD = "import io, requests\n\ndef f(u):\n    return io.BytesIO(requests.get(u).content)\n"
GOOD = {  # files that must be checked and fixed whatever is around them
    "good.py": BAD,
    "with space.py": BAD,
    "-dash.py": BAD,
    "deep.py": BAD + "x = " + " + ".join(["1"] * 500) + "\n",
    "pkg/__init__.py": "",
    "pkg/mod.py": BAD,
}
BROKEN = {  # name -> what its error line says
    "nul.py": "null bytes",
    "latin.py": "cannot decode",
    "syntax.py": "syntax error",
    "huge.py": "too large",
}
SKIPPED = {  # met while walking: a warning, and the run goes on (as in ruff)
    "loop.py": "symlink loop",
    "dangling.py": "broken symlink",
    "pkg/self": "symlink loop",
}


def build(root: Path) -> None:
    for name, text in GOOD.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "nul.py").write_bytes(BAD.encode() + b"x = 1\0\n")
    (root / "latin.py").write_bytes(b"# -*- coding: utf-8 -*-\n" + BAD.encode() + b"s = '\xe9'\n")
    (root / "syntax.py").write_text(BAD + "def (:\n")
    (root / "huge.py").write_text(BAD + "x = 1\n" * 3_000_000)  # over pipeline.MAX_BYTES
    os.symlink("loop.py", root / "loop.py")
    os.symlink("missing.py", root / "dangling.py")
    os.symlink("good.py", root / "alias.py")  # the same file twice: fixed once
    os.symlink(".", root / "pkg" / "self")  # a directory loop
    (root / os.fsdecode(b"caf\xe9.py")).write_text(BAD)  # not UTF-8: checked, no crash
    os.mkfifo(root / "fifo.py")
    if os.geteuid() == 0:
        os.mknod(root / "null.py", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    (root / ".git").mkdir()


def corrupt_cache(root: Path) -> None:
    for index in (root / ".buffix_cache").glob("*/*.json"):
        index.write_bytes(index.read_bytes()[:-40] + b"\xff garbage")


def snapshot(root: Path):
    """Every entry's kind and, for regular files, content hash: what `fix` may change is listed apart."""
    seen = {}
    for directory, names, files in os.walk(root):
        names[:] = [n for n in names if n not in (".buffix_cache", ".git")]
        for name in names + files:
            path = Path(directory, name)
            info = os.lstat(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else None
            seen[str(path.relative_to(root))] = (stat.S_IFMT(info.st_mode), digest)
    return seen


def buffix(*args, cwd):
    return subprocess.run([sys.executable, "-m", "buffix", *args], cwd=cwd, capture_output=True)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_hostile_tree(tmp_path):
    build(tmp_path)
    buffix("check", ".", cwd=tmp_path)
    corrupt_cache(tmp_path)
    before = snapshot(tmp_path)
    checked = buffix("check", ".", cwd=tmp_path)
    err = checked.stderr.decode(errors="replace")
    assert b"Traceback" not in checked.stderr and checked.returncode == 2, err
    out = checked.stdout.decode(errors="replace")
    for name in list(GOOD)[:4] + ["pkg/mod.py"]:
        assert f"{name}:4:23: BFX102" in out, name
    for name, cause in BROKEN.items():
        lines = [line for line in err.splitlines() if line.startswith(f"{name}: ")]
        assert len(lines) == 1 and cause in lines[0], (name, err)
    for name, cause in SKIPPED.items():
        lines = [line for line in err.splitlines() if line.startswith(f"buffix: warning: {name}: ")]
        assert len(lines) == 1 and cause in lines[0] and lines[0].endswith("; skipped"), (name, err)
    assert "corrupt cache discarded" in err
    assert "fifo.py" in err  # said, not read (a read would block)
    assert snapshot(tmp_path) == before  # check writes nothing in the tree

    fixed = buffix("fix", ".", cwd=tmp_path)
    err = fixed.stderr.decode(errors="replace")
    assert b"Traceback" not in fixed.stderr and fixed.returncode == 2, err
    after = snapshot(tmp_path)
    changed = {name for name in before if after.get(name) != before[name]}
    assert changed == {n for n in GOOD if GOOD[n]} | {os.fsdecode(b"caf\xe9.py")}
    assert set(after) == set(before)  # no temporary file left, nothing replaced by a regular file
    assert (tmp_path / "good.py").read_text() == BAD.replace(".content)", ".content[:])")
    assert buffix("fix", ".", cwd=tmp_path).stdout.decode().startswith("Fixed 0 sites in 0 files")
