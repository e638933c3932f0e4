"""Syntax newer than the running interpreter is analyzed (LibCST's parser decides, the source is rewritten in place
for `ast`), through the real CLI; a real syntax error says so, with no tail about Python versions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from buffix.analysis.newsyntax import downgrade

BUFFIX = str(Path(sys.executable).with_name("buffix"))
SINK = "import io, requests\n\ndef load(u):\n    return io.BytesIO(requests.get(u).content)\n"
NEWER = {  # each needs a newer Python than some supported one; the sink after it must still be found at line 4
    "pep695_def": "def first[T](x: T) -> T: return x\n",
    "pep695_class": "class Box[T: (int, str)]:\n    pass\n",
    "pep695_alias": "type Pair[T] = tuple[T, T]\n",
    "pep701_fstring": 'label = f"{ {"a": 1}["a"]} {"\\n".join([])}"\n',
    "pep701_multiline": 'label = f"{\n    1 + 1\n}"\n',
    "pep758_except": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
    "except_star": "try:\n    pass\nexcept* ValueError:\n    pass\n",
    "tstring": 'greeting = t"hello {name}"\n',
    "match": "match command:\n    case [verb, obj] if verb:\n        pass\n    case _:\n        pass\n",
}


def check(tmp_path: Path, name: str, text: str) -> subprocess.CompletedProcess:
    (tmp_path / name).write_text(text)
    return subprocess.run([BUFFIX, "check", "--no-cache", "--isolated", "--format", "json", name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", sorted(NEWER))
def test_newer_syntax_is_analyzed_with_true_positions(tmp_path, case):
    prefix = NEWER[case]
    done = check(tmp_path, "new.py", prefix + SINK)
    assert done.returncode == 1, done.stdout + done.stderr
    [finding] = json.loads(done.stdout)["findings"]
    lines = prefix.count("\n")
    assert (finding["code"], finding["line"], finding["column"]) == ("BFX102", lines + 4, 23)


@pytest.mark.parametrize("case", sorted(NEWER))
def test_the_rewrite_keeps_every_line_and_parses(case):
    text = NEWER[case] + SINK
    rewritten = downgrade(text)
    assert rewritten is not None and rewritten.count("\n") == text.count("\n")
    assert rewritten.splitlines()[-1] == text.splitlines()[-1]


def test_a_real_syntax_error_names_the_line_and_no_python_version(tmp_path):
    done = check(tmp_path, "bad.py", "x = 1\ndef broken(:\n    pass\n" + SINK)
    assert done.returncode == 2
    message = done.stderr.strip()
    assert "bad.py" in message and "syntax error at line 2" in message, message
    assert "newer" not in message and "Python 3" not in message
    assert "Traceback" not in done.stderr


def test_null_bytes_are_not_blamed_on_the_python_version(tmp_path):
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\n" + SINK.encode())
    done = subprocess.run([BUFFIX, "check", "--no-cache", "--isolated", "nul.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "null bytes" in done.stderr and "newer" not in done.stderr, done.stderr
