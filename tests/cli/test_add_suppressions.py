"""`buffix check --add-suppressions`: the real CLI in a subprocess on temporary files; each run is followed by a
second one that must change nothing and a plain `check` that must find nothing."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

BUFFIX = str(Path(sys.executable).with_name("buffix"))

HEAD = 'import hashlib\nimport requests\nresp = requests.get("u")\n'


def buffix(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BUFFIX, "check", "--isolated", "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"})


def add(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return buffix(cwd, "--add-suppressions", *args)


def rollout(tmp_path: Path, source: str, *args: str) -> str:
    """Add suppressions, then prove: it parses, a second run adds nothing, `check` finds nothing."""
    (tmp_path / "a.py").write_text(source)
    first = add(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    text = (tmp_path / "a.py").read_text()
    ast.parse(text)
    again = add(tmp_path, *args)
    assert again.returncode == 0 and "Added 0 suppression comments in 0 files." in again.stderr, again.stderr
    assert (tmp_path / "a.py").read_text() == text
    final = buffix(tmp_path)
    assert final.returncode == 0, final.stdout
    return text


def test_one_comment_per_line_with_codes_merged_and_a_count(tmp_path):
    source = HEAD + "memoryview(resp.content); hashlib.sha256(resp.content)\nmemoryview(resp.content)\n"
    (tmp_path / "b.py").write_text(HEAD + "memoryview(resp.content)\n")
    (tmp_path / "a.py").write_text(source)
    result = add(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Added 3 suppression comments in 2 files." in result.stderr
    assert result.stdout == ""  # the findings are suppressed, not reported
    lines = (tmp_path / "a.py").read_text().splitlines()
    assert lines[3] == ("memoryview(resp.content); hashlib.sha256(resp.content)"
                        "  # buffix: ignore[BFX101, BFX104]  # reason: TODO")
    assert lines[4] == "memoryview(resp.content)  # buffix: ignore[BFX101]  # reason: TODO"
    assert buffix(tmp_path).returncode == 0


def test_merges_into_the_suppression_a_line_has_and_keeps_other_comments(tmp_path):
    source = (HEAD + "memoryview(resp.content); hashlib.sha256(resp.content)  # buffix: ignore[BFX101]  # reason: old\n"
              "memoryview(resp.content)  # noqa: E501\n")
    text = rollout(tmp_path, source, "--reason", "JIRA-7")
    lines = text.splitlines()
    assert lines[3].endswith("  # buffix: ignore[BFX101, BFX104]  # reason: old")  # its own reason stays
    assert lines[4] == "memoryview(resp.content)  # noqa: E501  # buffix: ignore[BFX101]  # reason: JIRA-7"
    assert text.count("buffix: ignore") == 2


def test_empty_reason_writes_codes_only(tmp_path):
    text = rollout(tmp_path, HEAD + "memoryview(resp.content)\n", "--reason", "")
    assert text.splitlines()[3] == "memoryview(resp.content)  # buffix: ignore[BFX101]"


def test_findings_inside_multiline_strings_get_a_line_where_a_comment_is_legal(tmp_path):
    source = HEAD + (
        'a = """x\n""" + str(memoryview(resp.content))\n'  # the finding's line ends after the string: there
        'b = str(memoryview(resp.content)) + """x\ny"""\n'  # its line ends inside a string: a line of its own above
        'c = """x\n%s""" % memoryview(\n    resp.content)\n'  # inside parentheses: the finding's line
        'd = f"""{memoryview(resp.content)}\ny"""\n'  # inside the string itself: above
        'e = memoryview(resp.content) + \\\n    b""\n'  # a backslash continuation: above
        'if True:\n    f = [\n        """s""", hashlib.sha256(resp.content), \\\n        1]\n'  # the first line
    )
    assert rollout(tmp_path, source).splitlines()[3:] == [
        'a = """x',
        '""" + str(memoryview(resp.content))  # buffix: ignore[BFX101]  # reason: TODO',
        '# buffix: ignore[BFX101]  # reason: TODO',
        'b = str(memoryview(resp.content)) + """x',
        'y"""',
        'c = """x',
        '%s""" % memoryview(',
        '    resp.content)  # buffix: ignore[BFX101]  # reason: TODO',
        '# buffix: ignore[BFX101]  # reason: TODO',
        'd = f"""{memoryview(resp.content)}',
        'y"""',
        '# buffix: ignore[BFX101]  # reason: TODO',
        'e = memoryview(resp.content) + \\',
        '    b""',
        'if True:',
        '    f = [  # buffix: ignore[BFX104]  # reason: TODO',
        '        """s""", hashlib.sha256(resp.content), \\',
        '        1]',
    ]


def test_line_endings_encoding_and_file_mode_survive(tmp_path):
    path = tmp_path / "a.py"
    source = "# -*- coding: latin-1 -*-\r\n" + HEAD.replace("\n", "\r\n") + "memoryview(resp.content)  # café\r\n"
    path.write_bytes(source.encode("latin-1"))
    path.chmod(0o640)
    result = add(tmp_path)
    assert result.returncode == 0, result.stderr
    data = path.read_bytes()
    assert data.endswith("memoryview(resp.content)  # café  # buffix: ignore[BFX101]  # reason: TODO\r\n"
                         .encode("latin-1"))
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    # a reason the file's encoding cannot hold: a clear error, the file unchanged
    path.write_bytes(source.encode("latin-1"))
    refused = add(tmp_path, "--reason", "日本")
    assert refused.returncode == 2
    assert "a.py: error: cannot add suppressions: the reason cannot be written in the file's encoding" in refused.stderr
    assert path.read_bytes() == source.encode("latin-1")


def test_suppression_findings_are_left_to_the_user(tmp_path):
    (tmp_path / "a.py").write_text("x = 1  # buffix: ignore[BFX101]\n")
    result = add(tmp_path)
    assert result.returncode == 0
    assert "a.py:1:8: BFX901 not suppressed: it is about a suppression comment: edit that comment" in result.stderr
    assert (tmp_path / "a.py").read_text() == "x = 1  # buffix: ignore[BFX101]\n"


def test_usage_errors(tmp_path):
    (tmp_path / "a.py").write_text(HEAD + "memoryview(resp.content)\n")
    for args, message in [(["--reason", "x"], "--reason needs --add-suppressions"),
                          (["--add-suppressions", "--diff"], "cannot be combined with --diff"),
                          (["--add-suppressions", "--reason", "a\nb"], "the reason must be one line")]:
        result = buffix(tmp_path, *args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    stdin = subprocess.run([BUFFIX, "check", "--add-suppressions", "-"], input="x = 1\n", capture_output=True,
                           text=True, cwd=tmp_path)
    assert stdin.returncode == 2 and "cannot read stdin" in stdin.stderr
    assert (tmp_path / "a.py").read_text() == HEAD + "memoryview(resp.content)\n"


def test_read_only_file_is_an_error_and_other_files_are_written(tmp_path):
    (tmp_path / "a.py").write_text(HEAD + "memoryview(resp.content)\n")
    (tmp_path / "b.py").write_text(HEAD + "memoryview(resp.content)\n")
    (tmp_path / "a.py").chmod(0o444)
    result = add(tmp_path)
    assert result.returncode == 2
    assert "a.py: error: not written: read-only file" in result.stderr
    assert "Added 1 suppression comment in 1 file." in result.stderr
    assert "buffix: ignore" in (tmp_path / "b.py").read_text()


def test_ignore_file_suppresses_the_whole_file(tmp_path):
    (tmp_path / "a.py").write_text("# buffix: ignore-file[BFX101]\n" + HEAD + "memoryview(resp.content)\n"
                                   "memoryview(resp.content)\nhashlib.sha256(resp.content)\n")
    result = buffix(tmp_path)
    assert result.returncode == 1
    assert [line.split(" ")[1] for line in result.stdout.splitlines() if line.startswith("a.py:")] == ["BFX104"]


def test_an_own_line_suppression_above_a_statement_is_extended(tmp_path):
    source = HEAD + ('# buffix: ignore[BFX104]  # reason: known\n'
                     'd = f"""{memoryview(resp.content)}\n{hashlib.sha256(resp.content)}"""\n')
    text = rollout(tmp_path, source)
    assert text.splitlines()[3:] == ['# buffix: ignore[BFX104, BFX101]  # reason: known',
                                     'd = f"""{memoryview(resp.content)}', '{hashlib.sha256(resp.content)}"""']


def test_select_limits_what_is_suppressed(tmp_path):
    (tmp_path / "a.py").write_text(HEAD + "memoryview(resp.content)\nhashlib.sha256(resp.content)\n")
    assert add(tmp_path, "--select", "BFX104").returncode == 0
    assert (tmp_path / "a.py").read_text().splitlines()[3:] == [
        "memoryview(resp.content)", "hashlib.sha256(resp.content)  # buffix: ignore[BFX104]  # reason: TODO"]
    left = buffix(tmp_path)
    assert left.returncode == 1 and left.stdout.startswith("a.py:4:12: BFX101 ")
