"""fix_source() and write_atomic(): composition, refusals with reasons, verification, atomic writes."""

from __future__ import annotations

import ast
import dataclasses
import os
import stat

import pytest

from buffix.core.atomic import FileChangedError
from buffix.core.atomic import write_bytes_atomic as write_atomic
from buffix.core.findings import Span
from buffix.fixer import fix_source
from buffix.fixer.verify import check_fixed, parse_original

from .cases import locate

SOURCE = b"import hashlib\n\n\ndef f(resp, a, b):\n    return hashlib.sha256(resp.content), bytes(memoryview(a))\n"


def span(source: bytes, line: int, text: str, occurrence=None) -> Span:
    return locate(source.decode(), line, text, occurrence)


def test_outcome_is_frozen():
    outcome = fix_source(SOURCE, [span(SOURCE, 5, "resp.content")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.new_source = b""


def test_no_targets_no_change():
    outcome = fix_source(SOURCE, [])
    assert outcome.new_source is None and not outcome.changed


def test_the_same_site_twice_is_one_edit():
    target = span(SOURCE, 5, "resp.content")
    outcome = fix_source(SOURCE, [target, target])
    assert len(outcome.applied) == 1
    assert outcome.new_source.count(b"resp.content[:]") == 1


def test_three_nested_targets_compose_inside_out():
    source = b"x = bytes(memoryview(io.BytesIO(body).getbuffer()))\n"
    targets = [
        span(source, 1, "memoryview(io.BytesIO(body).getbuffer())"),
        span(source, 1, "io.BytesIO(body).getbuffer()"),
        span(source, 1, "body"),
    ]
    outcome = fix_source(source, targets)
    assert outcome.new_source == b"x = bytes(memoryview(io.BytesIO(body[:]).getbuffer()[:])[:])\n"
    assert len(outcome.applied) == 3


def test_nested_target_under_a_refused_one_is_still_applied():
    source = b"x = f(g(a) for a in bytes(body))\n"
    outer, inner = span(source, 1, "g(a) for a in bytes(body)"), span(source, 1, "body")
    outcome = fix_source(source, [outer, inner])
    assert outcome.new_source == b"x = f(g(a) for a in bytes(body[:]))\n"
    assert [r.span for r in outcome.refused] == [outer] and "generator" in outcome.refused[0].reason


def test_crossing_targets_are_both_refused_and_the_others_applied():
    source = b"x = h(a + b + c, d)\n"
    first, second, other = span(source, 1, "a + b"), span(source, 1, "b + c"), span(source, 1, "d")
    outcome = fix_source(source, [first, second, other])
    assert outcome.new_source == b"x = h(a + b + c, d[:])\n"
    assert {r.span for r in outcome.refused} == {first, second}
    assert all("overlaps" in r.reason for r in outcome.refused)


def test_a_crossing_pair_does_not_taint_a_disjoint_target():
    source = b"x = h(a + b + c, d + e)\n"
    first, second = span(source, 1, "a + b"), span(source, 1, "b + c")  # cross each other
    disjoint, inner = span(source, 1, "d + e"), span(source, 1, "e")  # after both, nested
    outcome = fix_source(source, [first, second, disjoint, inner])
    assert outcome.new_source == b"x = h(a + b + c, (d + e[:])[:])\n"
    assert {r.span for r in outcome.refused} == {first, second}


@pytest.mark.parametrize(
    "target, reason",
    [
        (Span(9, 1, 9, 2), "line 9 is outside"),
        (Span(5, 80, 5, 81), "column 80 is outside line 5"),
        (Span(5, 10, 5, 10), "empty or reversed"),
        (Span(5, 12, 5, 10), "empty or reversed"),
        (Span(5, 5, 5, 11), "not one expression"),  # `return`
    ],
)
def test_bad_spans_are_refused_with_a_reason(target, reason):
    good = span(SOURCE, 5, "resp.content")
    outcome = fix_source(SOURCE, [target, good])
    assert [r.span for r in outcome.refused] == [target]
    assert reason in outcome.refused[0].reason
    assert b"resp.content[:]" in outcome.new_source


def test_getitem_style_refuses_when_slice_is_rebound():
    source = b"def f(x, slice=None):\n    return bytes(memoryview(x))\n"
    target = span(source, 2, "x")
    assert fix_source(source, [target], "slice").changed
    outcome = fix_source(source, [target], "getitem")
    assert not outcome.changed and "rebinds slice" in outcome.refused[0].reason


def test_helper_style_refuses_when_as_buffer_is_rebound():
    source = b"def as_buffer(x):\n    return x\n\nmemoryview(data)\n"
    outcome = fix_source(source, [span(source, 4, "data")], "helper")
    assert not outcome.changed and "rebinds as_buffer" in outcome.refused[0].reason


@pytest.mark.parametrize(
    "source, reason",
    [
        (b"def f(:\n    memoryview(x)\n", "cannot fix this file"),
        (b"memoryview(x)  # \xff\xfe not utf-8\n", "cannot fix this file"),
        (b"# -*- coding: no-such-codec -*-\nmemoryview(x)\n", "cannot fix this file"),
    ],
)
def test_files_that_cannot_be_read_are_refused_whole(source, reason):
    outcome = fix_source(source, [Span(1, 1, 1, 2)], path="bad.py")
    assert not outcome.changed
    assert outcome.refused[0].span is None and reason in outcome.refused[0].reason


def test_a_change_that_does_not_compile_is_refused_where_the_original_compiled():
    source = b"def f(x):\n    return memoryview(x)\n"
    old = parse_original(source, "t.py")
    broken = "def f(x):\n    return memoryview(x[:])\nreturn 1\n"
    assert "does not compile" in check_fixed(old, source, broken, broken.encode(), "t.py")


def test_a_change_beyond_sanitizers_is_refused():
    source = b"def f(x):\n    return memoryview(x)\n"
    different = "def f(x):\n    return memoryview(y[:])\n"
    reason = check_fixed(parse_original(source, "t.py"), source, different, different.encode(), "t.py")
    assert "more than the added sanitizers" in reason


def test_a_result_libcst_cannot_parse_is_refused():
    source = b"x = 1\n"
    reason = check_fixed(parse_original(source, "t.py"), source, "x = (\n", b"x = (\n", "t.py")
    assert "LibCST cannot parse" in reason


def test_code_that_never_compiled_is_fixed_without_making_it_worse():
    source = b"memoryview(x)\nreturn 1\n"  # `return` outside a function: compile() fails before and after
    outcome = fix_source(source, [span(source, 1, "x")])
    assert outcome.new_source == b"memoryview(x[:])\nreturn 1\n"


def test_write_atomic_keeps_mode_and_leaves_no_temp(tmp_path):
    path = tmp_path / "app.py"
    path.write_bytes(SOURCE)
    os.chmod(path, 0o754)
    outcome = fix_source(SOURCE, [span(SOURCE, 5, "resp.content")], path=str(path))
    write_atomic(str(path), outcome.new_source, expected_original=SOURCE)
    assert path.read_bytes() == outcome.new_source
    assert stat.S_IMODE(path.stat().st_mode) == 0o754
    assert os.listdir(tmp_path) == ["app.py"]
    ast.parse(path.read_bytes())


def test_write_atomic_refuses_a_file_changed_since_it_was_read(tmp_path):
    path = tmp_path / "app.py"
    path.write_bytes(SOURCE + b"# edited meanwhile\n")
    with pytest.raises(FileChangedError, match="changed since it was read"):
        write_atomic(str(path), b"new", expected_original=SOURCE)
    assert path.read_bytes() == SOURCE + b"# edited meanwhile\n"
    assert os.listdir(tmp_path) == ["app.py"]


def test_write_atomic_follows_a_symlink(tmp_path):
    real = tmp_path / "real.py"
    real.write_bytes(SOURCE)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    write_atomic(str(link), b"new\n", expected_original=SOURCE)
    assert link.is_symlink() and real.read_bytes() == b"new\n"


def test_the_order_of_the_targets_changes_nothing():
    """The fixer orders the targets itself (in arrays: a dense file has one every 77 bytes): nested, crossing,
    adjacent and disjoint targets given in any order give the same file, edits and refusals."""
    import itertools

    source = b"x = h(a + b + c, bytes(memoryview(d)), z)\n"
    targets = [span(source, 1, text) for text in ("a + b", "b + c", "bytes(memoryview(d))", "memoryview(d)", "(d)", "z")]
    targets[4] = Span(1, targets[4].column + 1, 1, targets[4].end_column - 1)  # `d`
    outcomes = {tuple(order): fix_source(source, list(order)) for order in itertools.permutations(targets)}
    first = outcomes[tuple(targets)]
    assert first.new_source == b"x = h(a + b + c, bytes(memoryview(d[:])[:])[:], z[:])\n"
    assert all(o.new_source == first.new_source and o.applied == first.applied for o in outcomes.values())
    assert all(sorted(o.refused, key=repr) == sorted(first.refused, key=repr) for o in outcomes.values())


def test_packed_replacements_keep_the_order_of_the_text():
    from buffix.fixer.source import PackedReplacements, Replacement, in_order

    given = [Replacement(40, 44, "b[:]"), Replacement(3, 7, "a[:]"), Replacement(3, 3, "import x\n"),
             Replacement(40, 44, "c[:]"), Replacement(2**31 - 2, 2**31 - 1, "é")]
    packed = PackedReplacements(given)
    assert tuple(packed) == tuple(sorted(given, key=lambda r: (r.start, r.end)))  # ties stay in the order added
    assert in_order(packed) is packed and list(in_order(given)) == list(packed)
    assert packed._texts == ["b[:]", "a[:]", "import x\n", "c[:]", "é"] and len(packed) == 5
