"""Issue 13 item 2 and issue 12 items 6 and 8: where the cache lives, `buffix clean`, pruning, and a corrupt cache
(flipped bytes, wrong field types, an empty .gitignore after a full disk) handled through the real CLI."""

import os
import subprocess
import sys
from pathlib import Path

from buffix.cache import prune, read_index, write_index

BAD = "import io, requests\n\ndef f(u):\n    return io.BytesIO(requests.get(u).content)\n"


def buffix(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "buffix", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def project(root: Path) -> Path:
    (root / ".git").mkdir()
    package = root / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "a.py").write_text(BAD)
    return package


def caches(root: Path):
    return sorted(str(p.relative_to(root)) for p in root.rglob(".buffix_cache"))


def test_cache_at_the_repository_root_not_in_the_source_folder(tmp_path):
    project(tmp_path)
    assert buffix("check", "src/pkg", cwd=tmp_path).returncode == 1
    assert buffix("check", "pkg", cwd=tmp_path / "src").returncode == 1
    assert caches(tmp_path) == [".buffix_cache"]


def test_cache_beside_the_config(tmp_path):
    package = project(tmp_path)
    (tmp_path / "src" / ".buffix.yaml").write_text("min-confidence: medium\n")
    assert buffix("check", "pkg", cwd=tmp_path / "src").returncode == 1
    assert buffix("check", "src/pkg/a.py", cwd=tmp_path).returncode == 1
    assert caches(tmp_path) == ["src/.buffix_cache"] and package.exists()


def test_cache_dir_option_and_environment(tmp_path):
    project(tmp_path)
    assert buffix("check", "src", "--cache-dir", "elsewhere", cwd=tmp_path).returncode == 1
    assert buffix("check", "src", cwd=tmp_path, env={"BUFFIX_CACHE_DIR": str(tmp_path / "env")}).returncode == 1
    assert caches(tmp_path) == []
    assert list((tmp_path / "elsewhere").glob("*/*.json")) and list((tmp_path / "env").glob("*/*.json"))


def test_clean_removes_only_buffix_caches(tmp_path):
    package = project(tmp_path)
    buffix("check", "src", cwd=tmp_path)
    stray = package / ".buffix_cache"  # left by an older buffix
    stray.mkdir()
    (stray / "CACHEDIR.TAG").write_text((tmp_path / ".buffix_cache" / "CACHEDIR.TAG").read_text())
    foreign = tmp_path / "data" / ".buffix_cache"  # not ours: no tag
    foreign.mkdir(parents=True)
    done = buffix("clean", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert caches(tmp_path) == ["data/.buffix_cache"]
    assert buffix("clean", cwd=tmp_path).stdout == "No cache to remove.\n"


def _index(root: Path) -> Path:
    (index,) = (root / ".buffix_cache").glob("*/*.json")
    return index


def test_flipped_bytes_are_found_and_the_cache_rebuilt(tmp_path):
    project(tmp_path)
    expected = buffix("check", "src", "--no-cache", cwd=tmp_path).stdout
    buffix("check", "src", cwd=tmp_path)
    index = _index(tmp_path)
    data = bytearray(index.read_bytes())
    for offset in range(70, len(data), max(1, len(data) // 7)):  # flips in the payload, none in the checksum
        data[offset] ^= 0x01
        index.write_bytes(bytes(data))
        done = buffix("check", "src", cwd=tmp_path)
        assert done.stdout == expected
        assert done.stderr.count("\n") == 1 and "corrupt cache discarded" in done.stderr
        assert buffix("check", "src", cwd=tmp_path).stderr == ""  # rebuilt
        data = bytearray(index.read_bytes())


def test_entries_of_the_wrong_type_are_a_warning(tmp_path):
    project(tmp_path)
    buffix("check", "src", cwd=tmp_path)
    index = _index(tmp_path)
    entries = read_index(index)
    for entry in entries.values():
        entry[3] = ["not", "a", "digest"]
    write_index(index, entries)
    done = buffix("check", "src", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "an entry has fields of the wrong type" in done.stderr


def test_an_empty_gitignore_left_by_a_full_disk_is_rewritten(tmp_path):
    project(tmp_path)
    buffix("check", "src", cwd=tmp_path)
    ignore = tmp_path / ".buffix_cache" / ".gitignore"
    ignore.write_text("")
    (tmp_path / "src" / "pkg" / "b.py").write_text(BAD)  # something new to save
    buffix("check", "src", cwd=tmp_path)
    assert ignore.read_text().splitlines()[-1] == "*"


def test_prune_removes_the_oldest_indexes(tmp_path):
    for number in range(5):
        folder = tmp_path / f"0.{number}"
        folder.mkdir()
        (folder / "x.json").write_bytes(b"x" * 1000)
        os.utime(folder / "x.json", ns=(number * 10**9, number * 10**9))
    assert prune(tmp_path, keep=tmp_path / "0.0" / "x.json", max_bytes=2500) == 3
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("*/*.json")) == ["0.0/x.json", "0.4/x.json"]
