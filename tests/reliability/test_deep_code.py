"""Issue 12 item 2: code as deep as CPython compiles is checked and fixed, through the real CLI, no traceback."""

import subprocess
import sys

import pytest

HEADER = "import io, requests\ndef f(u):\n    r = requests.get(u)\n"
TAIL = "    return io.BytesIO(r.content)\n"
DEEP = {
    "sum400": "    x = " + " + ".join(["1"] * 400) + "\n",
    "sum500": "    x = " + " + ".join(["1"] * 500) + "\n",
    "attr900": "    x = a" + ".b" * 900 + "\n",
    "elif300": "    if u == 0:\n        pass\n" + "".join(f"    elif u == {i}:\n        pass\n" for i in range(1, 300)),
}


def buffix(*args, cwd):
    return subprocess.run([sys.executable, "-m", "buffix", *args, "--no-cache"], cwd=cwd, capture_output=True,
                          text=True)


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_code_is_checked_and_fixed(tmp_path, name):
    source = HEADER + DEEP[name] + TAIL
    compile(source, name, "exec")  # CPython accepts it, so buffix must
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    checked = buffix("check", path.name, cwd=tmp_path)
    assert checked.returncode == 1, checked.stderr
    assert "BFX102" in checked.stdout and "Traceback" not in checked.stderr
    fixed = buffix("fix", path.name, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert "Traceback" not in fixed.stderr
    assert path.read_text() == source.replace("r.content)", "r.content[:])")
