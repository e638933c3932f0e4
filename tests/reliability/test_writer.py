"""Issue 12 items 4, 5 and 8: the one writer writes through links and devices, keeps a fixed file's metadata and
links, refuses read-only files, and the fix summary counts only files written. Through the real CLI."""

import os
import stat
import subprocess
import sys

import pytest

BAD = "import io, requests\n\ndef f(u):\n    return io.BytesIO(requests.get(u).content)\n"


def buffix(*args, cwd):
    return subprocess.run([sys.executable, "-m", "buffix", *args, "--no-cache"], cwd=cwd, capture_output=True,
                          text=True)


def test_output_through_a_symlink_keeps_the_link(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "real.json").write_text("old")
    os.symlink("real.json", tmp_path / "link.json")
    done = buffix("check", "a.py", "--format", "json", "-o", "link.json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert os.path.islink(tmp_path / "link.json")
    assert "BFX102" in (tmp_path / "real.json").read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_output_to_a_device_writes_through(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for option in (("-o", "null"), ("--write-baseline", "null")):
        done = buffix("check", "a.py", *option, cwd=tmp_path)
        assert "Traceback" not in done.stderr
        assert stat.S_ISCHR(os.lstat(device).st_mode), option
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "null"]


def test_fix_keeps_hard_links_and_mode(tmp_path):
    target = tmp_path / "a.py"
    target.write_text(BAD)
    os.chmod(target, 0o640)
    os.link(target, tmp_path / "b.txt")
    done = buffix("fix", "a.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b.txt").read_text() == target.read_text() != BAD
    info = os.stat(target)
    assert info.st_nlink == 2 and stat.S_IMODE(info.st_mode) == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_fix_as_root_keeps_the_owner(tmp_path):
    target = tmp_path / "a.py"
    target.write_text(BAD)
    os.chown(target, 1234, 4321)
    done = buffix("fix", "a.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    info = os.stat(target)
    assert (info.st_uid, info.st_gid) == (1234, 4321) and target.read_text() != BAD


def test_fix_refuses_a_read_only_file_and_counts_only_files_written(tmp_path):
    target = tmp_path / "a.py"
    target.write_text(BAD)
    os.chmod(target, 0o444)
    done = buffix("fix", "a.py", cwd=tmp_path)
    assert done.returncode == 2
    assert "a.py: error: not written: read-only file" in done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_text() == BAD and os.listdir(tmp_path) == ["a.py"]
    assert "in 0 files" in done.stdout


def test_a_file_and_a_symlink_to_it_are_fixed_once(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    os.symlink("a.py", tmp_path / "b.py")
    done = buffix("fix", "a.py", "b.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Fixed 1 site in 1 file" in done.stdout
    assert os.path.islink(tmp_path / "b.py")


def test_report_for_a_non_utf8_file_name(tmp_path):
    """Issue 12 item 6: `-o` for a file whose name is not UTF-8 crashed with UnicodeEncodeError."""
    (tmp_path / os.fsdecode(b"caf\xe9.py")).write_bytes(BAD.encode())
    done = subprocess.run([sys.executable, "-m", "buffix", "check", "--no-cache", "-o", "out.txt",
                           os.fsdecode(b"caf\xe9.py")], cwd=tmp_path, capture_output=True)
    assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").startswith("caf\\udce9.py:4:23: BFX102")
