"""Issue 12 items 6, 7 and 9: input is read with a bound and bad baselines are one error line, through the CLI."""

import json
import subprocess
import sys

BAD = "import io, requests\n\ndef f(u):\n    return io.BytesIO(requests.get(u).content)\n"


def buffix(*args, cwd, stdin=None):
    return subprocess.run([sys.executable, "-m", "buffix", *args, "--no-cache"], cwd=cwd, capture_output=True,
                          input=stdin)


def test_baseline_from_dev_zero_is_refused(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    done = buffix("check", "a.py", "--baseline", "/dev/zero", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode().count("\n") == 1 and b"/dev/zero" in done.stderr


def test_deeply_nested_baseline_is_one_error(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "b.json").write_text("[" * 100_000 + "]" * 100_000)
    done = buffix("check", "a.py", "--baseline", "b.json", cwd=tmp_path)
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert b"b.json: not a buffix baseline (JSON nested too deeply)" in done.stderr


def test_baseline_version_true_is_refused(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    assert buffix("check", "a.py", "--write-baseline", "b.json", cwd=tmp_path).returncode in (0, 1)
    document = json.loads((tmp_path / "b.json").read_text())
    document["version"] = True
    (tmp_path / "b.json").write_text(json.dumps(document))
    done = buffix("check", "a.py", "--baseline", "b.json", cwd=tmp_path)
    assert done.returncode == 2 and b"version True is not supported" in done.stderr


def test_stdin_over_the_size_limit_is_not_parsed(tmp_path):
    big = BAD.encode() + b"x = 1\n" * 3_000_000  # ~18 MB, over the 16 MiB limit
    done = buffix("check", "-", "--stdin-filename", "big.py", cwd=tmp_path, stdin=big)
    assert done.returncode == 2
    assert b"big.py: error: too large to analyze" in done.stderr
    fixed = buffix("fix", "-", "--stdin-filename", "big.py", cwd=tmp_path, stdin=big)
    assert fixed.returncode == 2 and fixed.stdout == big
