"""The piecewise proof (files above PIECEWISE_MIN_BYTES) gives exactly what the whole-file proof gives.

Every golden case is fixed both ways; so are the cases padded past the threshold (through `fix_source`, which
picks the piecewise proof by size), a generated large module, and large modules where a module-wide rule decides:
`slice` rebound far from every target (getitem), the helper import placed once for the whole file, `from __future__`
flags that change how a distant statement parses, and a unit that does not stand alone (the whole-file fallback).
"""

from __future__ import annotations
import __future__

import random
import sysconfig
from pathlib import Path

import pytest

from buffix.core.findings import Span
from buffix.fixer import STYLES, fix_source
from buffix.fixer.apply import fix_in_pieces, fix_whole_file
from buffix.fixer.imports import helper_import, imports_helper
from buffix.fixer.piecewise import (
    PIECEWISE_MIN_BYTES,
    NotSeparable,
    check_pieces,
    outline,
    read_in_pieces,
    statement_lines,
)
from buffix.fixer.source import Replacement, decode_source
from buffix.fixer.verify import parse_original, rebound_names
from buffix.knowledge.fix_styles import HELPER_IMPORT

from .cases import case_names, load_case

CASES = case_names()
# Statements past the threshold, cheap to parse (whole-file mode stays fast): long strings, a few per 64 KiB.
_PADDING = b"".join(b"_pad_%d = '%s'\n" % (i, b"x" * 65536) for i in range(PIECEWISE_MIN_BYTES // 65536 + 1))
FUNCTION = "def f{0}(u):\n    data = requests.get(u).content\n    return memoryview(data)\n\n\n"


def _large(head: str, functions: int = 0, tail: str = "") -> tuple:
    """A module past the threshold: `head`, generated functions (each with one target), padding, `tail`;
    with the spans of every `data` passed to memoryview."""
    body = head + "".join(FUNCTION.format(i) for i in range(functions))
    text = body + _PADDING.decode("ascii") + tail
    assert len(text) > PIECEWISE_MIN_BYTES
    spans = []
    for number, line in enumerate(text.splitlines(), 1):
        if "memoryview(data)" in line:
            column = line.index("memoryview(data)") + len("memoryview(") + 1
            spans.append(Span(number, column, number, column + len("data")))
    return text.encode("utf-8"), tuple(spans)


def _padded(data: bytes) -> bytes:
    """The case's bytes with ASCII statements appended past the threshold (its targets keep their positions)."""
    return data + b"\n" + _PADDING


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", CASES)
def test_golden_cases_in_pieces_as_whole(name, style):
    case = load_case(name)
    path = f"{name}.before.py"
    pieces = fix_in_pieces(case.before, case.targets, style, path)
    assert pieces == fix_whole_file(case.before, case.targets, style, path)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", CASES)
def test_golden_cases_padded_past_the_threshold(name, style):
    case = load_case(name)
    data = _padded(case.before)
    assert len(data) > PIECEWISE_MIN_BYTES
    path = f"{name}.before.py"
    assert fix_source(data, case.targets, style, path) == fix_whole_file(data, case.targets, style, path)


def test_golden_cases_concatenated_past_the_threshold():
    """The cases one after another, their targets moved with them: many edited units in one file."""
    pieces, targets, lines = [], [], 0
    for name in CASES:
        case = load_case(name)
        try:
            text = case.before.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if text.startswith("\ufeff") or "__future__" in text or not text.endswith("\n") or "\r" in text:
            continue  # only cases that stay themselves in the middle of a file
        try:
            parse_original(case.before, name)
        except (SyntaxError, ValueError):
            continue
        pieces.append(text)
        targets += [Span(s.line + lines, s.column, s.end_line + lines, s.end_column) for s in case.targets]
        lines += text.count("\n")
    data = "".join(pieces).encode("utf-8")
    data = _padded(data)
    assert len(pieces) > len(CASES) // 2
    for style in STYLES:
        whole = fix_whole_file(data, targets, style, "all.py")
        assert fix_source(data, targets, style, "all.py") == whole
    assert fix_whole_file(data, targets, "slice", "all.py").applied


@pytest.mark.parametrize("style", STYLES)
def test_generated_large_module_both_ways(style):
    data, spans = _large("import requests\n\n\n", functions=3000)
    pieces = fix_source(data, spans, style, "big.py")
    assert pieces == fix_whole_file(data, spans, style, "big.py")
    assert len(pieces.applied) == len(spans) == 3000 and not pieces.refused
    again = fix_source(pieces.new_source, spans, style, "big.py")  # the same spans: now sanitized (slice style)
    assert again == fix_whole_file(pieces.new_source, spans, style, "big.py")


def test_getitem_refused_when_slice_is_rebound_far_from_every_target():
    data, spans = _large("import requests\n", functions=20, tail="\n\ndef slice(*args):\n    return args\n")
    outcome = fix_source(data, spans, "getitem", "big.py")
    assert outcome == fix_whole_file(data, spans, "getitem", "big.py")
    assert outcome.new_source is None and len(outcome.refused) == len(spans)
    assert all("rebinds slice" in refusal.reason for refusal in outcome.refused)
    assert fix_source(data, spans, "slice", "big.py").changed  # the other spellings do not call slice()


def test_helper_import_added_once_for_the_whole_file():
    head = '"""Docs."""\nimport os\nimport requests\n\n\n'
    data, spans = _large(head, functions=40)
    outcome = fix_source(data, spans, "helper", "big.py")
    assert outcome == fix_whole_file(data, spans, "helper", "big.py")
    text = outcome.new_source.decode("utf-8")
    assert text.count(HELPER_IMPORT) == 1
    assert text.startswith('"""Docs."""\nimport os\nimport requests\n' + HELPER_IMPORT)
    assert len(outcome.applied) == len(spans)


def test_helper_import_not_added_when_the_file_imports_it_far_from_every_target():
    data, spans = _large("import requests\n", functions=10, tail="from buffix.safe import as_buffer\n")
    outcome = fix_source(data, spans, "helper", "big.py")
    assert outcome == fix_whole_file(data, spans, "helper", "big.py")
    assert outcome.new_source.count(b"from buffix.safe import as_buffer") == 1


def test_helper_import_misplaced_inside_a_statement_is_refused_as_in_whole_file_mode():
    """`from x import (a,\\n# c\\nb); f()`: the import shares its line with code, so the helper goes above the
    comment right above `f()`, inside the parentheses; the proof must catch it in pieces too."""
    head = "from os import (sep,\n# comment\npathsep); x = 1\n"
    data, spans = _large(head, functions=5)
    outcome = fix_source(data, spans, "helper", "big.py")
    assert outcome == fix_whole_file(data, spans, "helper", "big.py")
    assert outcome.new_source is None and not outcome.applied
    assert all("Python cannot parse the result" in refusal.reason for refusal in outcome.refused)


def test_future_flags_apply_to_every_piece():
    """`from __future__ import annotations` changes how every statement compiles; a distant piece is compiled
    under it, and proven alone (no fallback to the whole file)."""
    head = "from __future__ import annotations\nimport requests\n\n"
    tail = "def g(u) -> Undefined[1:2]:\n    data = requests.get(u).content\n    return memoryview(data)\n"
    data, spans = _large(head, functions=3, tail=tail)
    decoded = decode_source(data)
    pieces = outline(decoded, parse_original(data, "big.py"))
    assert pieces.future_flags == __future__.annotations.compiler_flag
    outcome = fix_source(data, spans, "slice", "big.py")
    assert outcome == fix_whole_file(data, spans, "slice", "big.py") and len(outcome.applied) == 4
    edits = [Replacement(*decoded.span_offsets(edit.span), edit.after) for edit in outcome.applied]
    assert check_pieces(decoded, pieces, edits, len(outcome.new_source), "big.py") is None


def test_a_unit_that_does_not_stand_alone_falls_back_to_the_whole_file():
    """`x = 1 \\` continued onto a blank line: the unit ends in a backslash alone, which does not parse."""
    head = "import requests\nx = 1 \\\n\ny = 2\n"
    data, spans = _large(head, functions=5)
    decoded = decode_source(data)
    pieces = outline(decoded, parse_original(data, "big.py"))
    with pytest.raises(NotSeparable):
        check_pieces(decoded, pieces, [Replacement(pieces.starts[1], pieces.starts[1], "")], len(data), "big.py")
    outcome = fix_source(data, spans, "slice", "big.py")
    assert outcome == fix_whole_file(data, spans, "slice", "big.py")
    assert len(outcome.applied) == len(spans) and outcome.new_source.startswith(head.encode())


def test_statements_sharing_a_line_are_one_unit():
    head = "import requests\n"
    tail = "a = 1; data = requests.get('u').content; m = memoryview(data)\n"
    data, spans = _large(head, tail=tail)
    assert len(spans) == 1
    pieces = outline(decode_source(data), parse_original(data, "big.py"))
    assert pieces.statements[-1] == 3
    outcome = fix_source(data, spans, "slice", "big.py")
    assert outcome == fix_whole_file(data, spans, "slice", "big.py") and outcome.new_source.endswith(
        b"memoryview(data[:])\n")


# -- reading the module one statement at a time (read_in_pieces): the same facts as the whole tree -------------------

_NAMES = frozenset({"slice", "as_buffer"})  # what the getitem and helper styles call


def _whole_facts(data: bytes):
    decoded = decode_source(data)
    tree = parse_original(data, "m.py")
    return (outline(decoded, tree), rebound_names(tree, _NAMES), any(imports_helper(s) for s in tree.body),
            helper_import(decoded, tree))


def _piece_facts(data: bytes):
    decoded = decode_source(data)
    facts = read_in_pieces(decoded, "m.py", _NAMES)
    return facts.outline, facts.rebound, facts.imports_helper, helper_import(decoded, facts.head)


SHAPES = {
    "decorators": "import os\n@a\n@b(1)\ndef f():\n    pass\n\n@c\nclass C:\n    x = 1\n",
    "clauses": "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\ntry:\n    x\nexcept E:\n    y\nfinally:\n    z\n"
               "for i in x:\n    pass\nelse:\n    pass\nwhile x:\n    pass\nelse:\n    pass\n",
    "semicolons": "import io; io.BytesIO(x)\ny = 1; z = (\n    2)\n",
    "comments and blank lines": "# head\n\n\nx = 1  # trailing\n\n# about f\ndef f():\n    # inside\n    pass\n"
                                "    # dedented comment\n# end\n",
    "no final newline": "x = 1\ny = memoryview(x)",
    "CR and CRLF line endings": "x = 1\ry = (1,\r\n  2)\r\ndef f():\r    pass\r",
    "strings across lines": 'x = """\nelse:\n@d\n"""\ny = f(\n"""\n"""\n)\n',
    "backslash continuations": "x = 1 + \\\n    2\nif x: \\\n    pass\n",
    "docstring, future, helper import": '"""Doc."""\nfrom __future__ import annotations\n'
                                         "from buffix.safe import as_buffer\nslice = 1\ndef as_buffer(x): pass\n",
    "match and async": "match x:\n    case 1:\n        pass\nasync def f():\n    async with a as slice:\n        pass\n",
    "form feed and tabs": "\x0cx = 1\nif x:\n\tpass\n\x0cy = 2\n",
    "only comments": "# nothing here\n\n",
    "empty": "",
    "one-line compound statements": "if x: pass\nelse: y = 1\nclass C: pass\n",
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_read_in_pieces_gives_the_facts_of_the_whole_tree(name):
    data = SHAPES[name].encode("utf-8")
    assert _piece_facts(data) == _whole_facts(data)


def test_read_in_pieces_on_a_stdlib_sample():
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    for path in random.Random(12).sample(files, 40):
        data = path.read_bytes()
        try:
            whole = _whole_facts(data)
        except (SyntaxError, ValueError):
            continue
        assert _piece_facts(data) == whole, path


def test_read_in_pieces_refuses_what_does_not_cut_into_statements():
    for text in ("x = (\n", "def f():\n  pass\n pass\n", "x = 1\n  y = 2\n", "else:\n    pass\n", "x = $\n"):
        with pytest.raises(NotSeparable):
            read_in_pieces(decode_source(text.encode()), "m.py", _NAMES)


def test_a_syntax_error_is_reported_as_in_whole_file_mode():
    data, spans = _large("import requests\n", functions=3, tail="def broken(:\n    pass\n")
    outcome = fix_source(data, spans, "slice", "big.py")
    assert outcome == fix_whole_file(data, spans, "slice", "big.py")
    assert outcome.refused and "cannot fix this file: line" in outcome.refused[0].reason


def test_statement_lines_cover_the_file():
    text = SHAPES["comments and blank lines"] + SHAPES["decorators"]
    lines = statement_lines(text, len(decode_source(text.encode()).line_starts))
    assert list(lines) == [(1, 4), (5, 9), (10, 12), (13, 16), (17, 20)]
