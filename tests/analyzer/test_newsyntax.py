"""Syntax newer than the running interpreter is analyzed (LibCST's parser decides, the source is rewritten in place
for `ast`), through the real CLI; a real syntax error says so, with no tail about Python versions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from buffix.core.newsyntax import downgrade

BUFFIX = str(Path(sys.executable).with_name("buffix"))
SINK = "import io, requests\n\ndef load(u):\n    return io.BytesIO(requests.get(u).content)\n"
NEWER = {  # each needs a newer Python than some supported one; the sink after it must still be found at line 4
    "pep695_def": "def first[T](x: T) -> T: return x\n",
    "pep695_class": "class Box[T: (int, str)]:\n    pass\n",
    "pep695_alias": "type Pair[T] = tuple[T, T]\n",
    "pep701_fstring": 'label = f"{ {"a": 1}["a"]} {"\\n".join([])}"\n',
    "pep701_multiline": 'label = f"{\n    1 + 1\n}"\n',
    "pep701_concatenated": 'label = (\n    f"{\n        1\n    }"\n    "tail"\n)\n',
    "pep695_multiline": "def wrap[\n    T,\n\n](x: T) -> T:\n    return x\n",
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
    downgraded = downgrade(text)
    assert downgraded is not None
    rewritten = downgraded.text
    assert rewritten.count("\n") == text.count("\n")
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


# Layouts the statement split must see through: a decorator above the rejected line, text at column 0 inside a
# docstring, `else:` at column 0, a backslash continuation, comments, several rejected statements, CRLF and \f.
LAYOUTS = {
    "decorated": "import functools\n\n@functools.cache\ndef f[T](x: T) -> T:\n    return x\n",
    "docstring_col0": ('def g():\n    """Usage:\nx = 1\n    """\n    return f"{x["a"]}"\n\nclass Box[T]:\n'
                       '    pass\n'),
    "else_col0": "if flag:\n    def f[T](): pass\nelse:\n    def f(): pass\ny = 2\n",
    "continuation": "x = 1 + \\\n2\ntype Alias = int\nz = f'{x!r}'\n",
    "many": "".join(f"# {i}\ndef f{i}[T](x: T) -> T:\n    return f\"{{x[\"k\"]}}\"\n\n" for i in range(20)),
    "crlf_formfeed": "\x0c\r\nimport io\r\n\x0c\r\ntype X = int\r\ndef h[T]():\r\n    pass\r\n",
    "first_and_last": "type A = int\nx = 1\n" * 3 + "class C[T]: pass\n",
}
# Files the fast path (no LibCST) rewrites: the same text as LibCST's rewrite, or (a parenthesized `type` value
# across lines, where that rewrite dropped the line breaks) every line kept.
QUICK = {
    "any_order": "def deco[T: int, **P, R](f: T) -> R:\n    return f\n",
    "string_bound": 'class Box[T: "Entity", *Ts]:\n    pass\n',
    "alias_comment": 'type Kind = Literal["#", ";"]  # a comment; with [brackets]\n',
    "except_tuple": "try:\n    pass\nexcept ValueError, (TypeError):\n    pass\n",
    "async_nested": "class C:\n    async def f[T](self) -> T: ...\n    type A[K] = dict[K, int]\n",
}


@pytest.mark.parametrize("case", sorted(QUICK))
def test_the_fast_path_rewrites_what_libcst_does(case):
    from buffix.core import newsyntax

    text = QUICK[case] + SINK
    quick = newsyntax._quick(text)
    assert quick is not None, "the fast path should take this file"
    assert (quick.text, quick.uses) == newsyntax._rewrite(text)


def test_a_type_value_across_lines_keeps_its_lines(tmp_path):
    prefix = "type Json = (\n    dict[str, Json] | list[Json] | None\n)\n"
    assert downgrade(prefix + SINK).text.count("\n") == (prefix + SINK).count("\n")
    done = check(tmp_path, "new.py", prefix + SINK)
    [finding] = json.loads(done.stdout)["findings"]
    assert finding["line"] == prefix.count("\n") + 4


def test_text_in_a_string_is_not_rewritten_by_the_fast_path():
    from buffix.core import newsyntax

    text = 'DOC = """\ndef f[T](): pass\n"""\ntype X = int\n' + SINK
    assert newsyntax._quick(text) is None  # a `def` the tree does not hold: LibCST reads the file
    assert downgrade(text).text.startswith('DOC = """\ndef f[T](): pass\n"""\nX = int     \n')


def test_invalid_type_parameters_are_still_a_syntax_error():
    assert downgrade("def f[](): pass\n" + SINK) is None
    assert downgrade("def f[1](): pass\n" + SINK) is None


@pytest.mark.parametrize("case", sorted(LAYOUTS))
def test_the_statement_split_rewrites_what_the_whole_file_rewrite_does(case):
    from buffix.core import newsyntax

    text = LAYOUTS[case] + SINK
    by_statements = newsyntax._by_statements(text)
    assert by_statements is not None, "the file should split into statements"
    assert by_statements == newsyntax._rewrite(text)
    assert downgrade(text).text == by_statements[0]


def test_a_syntax_error_after_newer_syntax_is_still_an_error():
    assert downgrade("def f[T](): pass\nx = (\n" + SINK) is None
    assert downgrade("type X = int\n" + SINK + "def broken(:\n    pass\n") is None


ADDED = {"pep695_def": "3.12", "pep695_class": "3.12", "pep695_alias": "3.12", "pep701_fstring": "3.12",
         "pep701_multiline": "3.12", "pep701_concatenated": "3.12", "pep695_multiline": "3.12", "pep758_except": "3.14", "except_star": "3.11", "tstring": "3.14",
         "match": "3.10"}


@pytest.mark.parametrize("target", ["py39", "py311", "py314"])
def test_syntax_newer_than_target_version_is_a_syntax_error_of_the_file(tmp_path, target):
    """One line per file naming the line, the construct and the version that added it; exit 2; the file is still
    analyzed (its finding is reported)."""
    (tmp_path / "pyproject.toml").write_text(f'[tool.buffix]\ntarget-version = "{target}"\n')
    for case, prefix in NEWER.items():
        (tmp_path / f"{case}.py").write_text(prefix + SINK)
    done = subprocess.run([BUFFIX, "check", "--no-cache", "--format", "json", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    target_minor = int(target[3:])
    too_new = {case for case, added in ADDED.items() if int(added.split(".")[1]) > target_minor}
    assert done.returncode == (2 if too_new else 1), done.stderr
    report = json.loads(done.stdout)
    assert sorted(f["path"] for f in report["findings"]) == sorted(f"{case}.py" for case in NEWER)
    assert {e["path"][: -len(".py")] for e in report["errors"]} == too_new
    errors = {line.split(":")[0][: -len(".py")]: line for line in done.stderr.splitlines()}
    assert set(errors) == too_new, done.stderr
    for case in too_new:
        line = {"pep758_except": 3, "except_star": 3, "pep701_concatenated": 2}.get(case, 1)
        assert errors[case].startswith(f"{case}.py: error: syntax error at line {line}: "), errors[case]
        assert f"needs Python {ADDED[case]}, target-version is {target}" in errors[case]


def test_without_target_version_no_syntax_is_too_new(tmp_path):
    (tmp_path / "new.py").write_text(NEWER["pep695_def"] + NEWER["match"] + SINK)
    done = subprocess.run([BUFFIX, "check", "--no-cache", "--format", "json", "new.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr == "", done.stderr


@pytest.mark.parametrize("text", [
    'DOC = """\ndef f[T](): pass\ntype X = int\n"""\n',  # spelled only in a string: `ast` parses the text as it is
    "try:\n    pass\nexcept (ValueError, TypeError):\n    pass\n",  # already parenthesized
    "type = 5\nprint(type)\n",
])
def test_a_text_that_parses_as_it_is_is_not_rewritten_before_the_parse(text):
    from buffix.analysis.parse import parse

    assert parse((text + SINK).encode()).rewritten == ()


@pytest.mark.parametrize("case", sorted(QUICK))
def test_the_fast_path_asked_before_the_parse_gives_the_tree_the_failed_parse_gave(case, monkeypatch):
    import ast

    from buffix.analysis import parse as parsing

    source = (QUICK[case] + SINK).encode()
    try:
        ast.parse(source)
    except SyntaxError:
        pass
    else:
        pytest.skip("this Python parses it as it is")
    first = parsing.parse(source)
    monkeypatch.setattr(parsing, "downgrade_generic", lambda text: None)  # ast.parse fails, then downgrade
    after_failure = parsing.parse(source)
    assert first.rewritten == after_failure.rewritten != ()
    assert ast.dump(first.tree, include_attributes=True) == ast.dump(after_failure.tree, include_attributes=True)
