"""rewrite(): precedence decided on the parse tree, one evaluation, idempotent, refusals with reasons."""

from __future__ import annotations

import ast

import pytest

from buffix.fixer import RewriteRefused, is_sanitized, rewrite

CASES = [
    # source, slice, getitem, helper
    ("x", "x[:]", "x.__getitem__(slice(None))", "as_buffer(x)"),
    ("resp.content", "resp.content[:]", "resp.content.__getitem__(slice(None))", "as_buffer(resp.content)"),
    ("r.read()", "r.read()[:]", "r.read().__getitem__(slice(None))", "as_buffer(r.read())"),
    ("await r.read()", "(await r.read())[:]", "(await r.read()).__getitem__(slice(None))", "as_buffer(await r.read())"),
    ("a or b", "(a or b)[:]", "(a or b).__getitem__(slice(None))", "as_buffer(a or b)"),
    ("a + b", "(a + b)[:]", "(a + b).__getitem__(slice(None))", "as_buffer(a + b)"),
    ("-x", "(-x)[:]", "(-x).__getitem__(slice(None))", "as_buffer(-x)"),
    ("a < b", "(a < b)[:]", "(a < b).__getitem__(slice(None))", "as_buffer(a < b)"),
    ("x if c else y", "(x if c else y)[:]", "(x if c else y).__getitem__(slice(None))", "as_buffer(x if c else y)"),
    ("y := r.read()", "(y := r.read())[:]", "(y := r.read()).__getitem__(slice(None))", "as_buffer(y := r.read())"),
    ("yield x", "(yield x)[:]", "(yield x).__getitem__(slice(None))", "as_buffer((yield x))"),
    ("(yield)", "(yield)[:]", "(yield).__getitem__(slice(None))", "as_buffer((yield))"),
    ("'a' 'b'", "('a' 'b')[:]", "('a' 'b').__getitem__(slice(None))", "as_buffer('a' 'b')"),
    ("(a or b)", "(a or b)[:]", "(a or b).__getitem__(slice(None))", "as_buffer((a or b))"),
    ("f(x)[0]", "f(x)[0][:]", "f(x)[0].__getitem__(slice(None))", "as_buffer(f(x)[0])"),
    ("[a, b]", "[a, b][:]", "[a, b].__getitem__(slice(None))", "as_buffer([a, b])"),
    ("(1, 2)", "(1, 2)[:]", "(1, 2).__getitem__(slice(None))", "as_buffer((1, 2))"),
    ("b'ab'", "b'ab'[:]", "b'ab'.__getitem__(slice(None))", "as_buffer(b'ab')"),
    ("a  # c\n  or b", "(a  # c\n  or b)[:]", "(a  # c\n  or b).__getitem__(slice(None))", "as_buffer(a  # c\n  or b)"),
    ("a \\\n or b", "(a \\\n or b)[:]", "(a \\\n or b).__getitem__(slice(None))", "as_buffer(a \\\n or b)"),
]
STYLES = ("slice", "getitem", "helper")


@pytest.mark.parametrize("source, expected", [(c[0], c[1:]) for c in CASES])
def test_rewrite(source, expected):
    for style, want in zip(STYLES, expected):
        assert rewrite(source, style) == want


@pytest.mark.parametrize("source, expected", [(c[0], c[1:]) for c in CASES])
def test_the_argument_is_evaluated_once_and_is_the_operand(source, expected):
    original = ast.dump(ast.parse(f"({source})", mode="eval").body)
    for fixed in expected:
        tree = ast.parse(f"({fixed})", mode="eval").body
        operand = tree.value if isinstance(tree, ast.Subscript) else tree.args[0]
        if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Attribute):
            operand = tree.func.value
        assert ast.dump(operand) == original
        assert ast.dump(tree).count(original[:-1]) == 1  # the argument appears once: no temporary, no guard


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("source", [c[0] for c in CASES])
def test_idempotent(source, style):
    once = rewrite(source, style)
    assert is_sanitized(once)
    for other in STYLES:
        assert rewrite(once, other) == once


@pytest.mark.parametrize(
    "source", ["x[:]", "x[::]", "(x)[:]", "x.__getitem__(slice(None))", "as_buffer(x)", "buffix.safe.as_buffer(x)"]
)
def test_sanitized_forms_are_left_alone(source):
    assert is_sanitized(source)
    assert all(rewrite(source, style) == source for style in STYLES)


@pytest.mark.parametrize("source", ["x[1:]", "x[:2]", "x[::2]", "x[0]", "x.__getitem__(0)", "slice(None)", "buffer(x)"])
def test_near_misses_are_not_sanitizers(source):
    assert not is_sanitized(source)
    assert rewrite(source) != source


@pytest.mark.parametrize(
    "source, reason",
    [
        ("*chunks", "starred"),
        ("**options", "starred"),
        ("c for c in chunks", "generator"),
        ("(c for c in chunks)", "generator"),
        ("a) + (b", "not one expression"),
        ("source=x", "not one expression"),
        (" x", "blank"),
        ("", "blank"),
        ("x y", "not one expression"),
    ],
)
def test_refusals_say_why(source, reason):
    with pytest.raises(RewriteRefused, match=reason):
        rewrite(source)


@pytest.mark.parametrize("source", ["1", "lambda: x", "None", "1.5", "{1: 2}"])
def test_compiler_warnings_refuse_the_slice_form(source):
    if source in ("1", "lambda: x", "None", "1.5"):
        with pytest.raises(RewriteRefused, match="not subscriptable"):
            rewrite(source, "slice")
    else:
        assert rewrite(source, "slice") == "{1: 2}[:]"


def test_integer_literal_is_parenthesized_for_getitem():
    assert rewrite("1", "getitem") == "(1).__getitem__(slice(None))"


def test_unknown_style():
    with pytest.raises(ValueError, match="unknown fix style"):
        rewrite("x", "hasattr")


def test_never_emits_a_guard():
    for _source, *expected in CASES:
        for fixed in expected:
            assert "hasattr" not in fixed and "isinstance" not in fixed and "__wrapped__" not in fixed
