"""Rewrite one argument expression into its sanitized form, in one of the styles of buffix.knowledge.fix_styles.

- `slice` (default):  `x`  →  `x[:]`
- `getitem`:          `x`  →  `x.__getitem__(slice(None))`   (also reaches through getattr-only proxies)
- `helper`:           `x`  →  `as_buffer(x)`                 (`from buffix.safe import as_buffer`)

Every form evaluates `x` exactly once. Precedence is decided on the parsed expression (libcst), never on
the text: `await r.read()` becomes `(await r.read())[:]`, not `await r.read()[:]`. The result is checked
with Python's own parser to be the sanitizer applied to exactly the original expression.
"""

from __future__ import annotations

import ast
import warnings
from typing import Optional

import libcst as cst

from buffix.knowledge.fix_styles import FIX_STYLES, HELPER_NAME, check_style

# Expressions that bind tighter than a trailing `[...]` or `.attr`: no parentheses needed before them.
_PRIMARY = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.SimpleString,
    cst.FormattedString,
    cst.List,
    cst.ListComp,
    cst.Set,
    cst.SetComp,
    cst.Dict,
    cst.DictComp,
    cst.Ellipsis,
    cst.Float,
    cst.Imaginary,
    cst.Integer,
)


class RewriteRefused(ValueError):
    """The expression cannot be sanitized by slicing; the message says why."""


def rewrite(expr_source: str, style: str = "slice") -> str:
    """The sanitized form of `expr_source`; an already-sanitized expression is returned unchanged."""
    check_style(style)
    node = parse_argument(expr_source)
    original = _parse_ast(expr_source)
    if unwrap_sanitizer(original) is not None:
        return expr_source
    if isinstance(node, cst.GeneratorExp):
        raise RewriteRefused("a generator cannot be sliced; sanitize the element it yields instead")
    operand = f"({expr_source})" if _needs_parens(node, style) else expr_source
    result = FIX_STYLES[style].template.format(operand)
    _prove(original, result)
    return result


def is_sanitized(expr_source: str) -> bool:
    """True when the expression already is `x[:]`, `x.__getitem__(slice(None))` or `as_buffer(x)`."""
    try:
        parse_argument(expr_source)
        return unwrap_sanitizer(_parse_ast(expr_source)) is not None
    except RewriteRefused:
        return False


def parse_argument(expr_source: str) -> cst.BaseExpression:
    """Parse the text of one argument expression (it may span lines or hold comments, as inside a call)."""
    if expr_source.lstrip().startswith("*"):
        raise RewriteRefused("a starred argument (*args / **kwargs) cannot be sliced")
    if not expr_source or expr_source != expr_source.strip():
        raise RewriteRefused(f"the target {expr_source!r} is not exactly one expression (blank at its edges)")
    try:
        # Wrapped in parentheses, as inside the call it comes from, so line breaks and comments parse.
        node = cst.parse_expression(f"({expr_source})")
    except cst.ParserSyntaxError:
        raise RewriteRefused(f"the target {_short(expr_source)} is not one expression") from None
    if not node.lpar:  # `a) + (b`: our parentheses did not enclose one expression
        raise RewriteRefused(f"the target {_short(expr_source)} is not one expression")
    return node


def _needs_parens(node: cst.BaseExpression, style: str) -> bool:
    if len(node.lpar) > 1:  # the target carries its own parentheses: `(a or b)`
        return False
    if style == "helper":  # an argument of as_buffer(...): only `yield` must be parenthesized there
        return isinstance(node, cst.Yield)
    if style == "getitem" and isinstance(node, cst.Integer):  # `1.__getitem__` is a float literal `1.`
        return True
    return not isinstance(node, _PRIMARY)


def _parse_ast(expr_source: str) -> ast.expr:
    try:
        return ast.parse(f"({expr_source})", mode="eval").body
    except SyntaxError as error:
        raise RewriteRefused(f"Python cannot parse {_short(expr_source)}: {error.msg}") from None


def _prove(original: ast.expr, result: str) -> None:
    """Python's parser must read `result` as the sanitizer around exactly the original expression."""
    inner = unwrap_sanitizer(_parse_ast(result))
    if inner is None or ast.dump(inner) != ast.dump(original):
        raise RewriteRefused(f"{_short(result)} would not sanitize exactly the original expression")
    warning = _compiler_warning(result)
    if warning is not None:
        raise RewriteRefused(f"the compiler says {_short(result)} fails: {warning}")


def _compiler_warning(expression: str) -> Optional[str]:
    """The SyntaxWarning CPython gives for the expression, such as "'int' object is not subscriptable"."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SyntaxWarning)
        try:
            compile(f"({expression})", "<fix>", "eval", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        except SyntaxError:  # `yield` outside a function: the file-level check compiles it in place
            return None
    messages = [str(w.message) for w in caught if issubclass(w.category, SyntaxWarning)]
    return messages[0] if messages else None


def unwrap_sanitizer(node: ast.AST) -> Optional[ast.expr]:
    """The expression inside `x[:]`, `x.__getitem__(slice(None))` or `as_buffer(x)` (an ast node), else None."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        index = node.slice
        if isinstance(index, ast.Slice) and index.lower is None and index.upper is None and index.step is None:
            return node.value
        return None
    if not isinstance(node, ast.Call) or len(node.args) != 1 or node.keywords:
        return None
    func, arg = node.func, node.args[0]
    if isinstance(arg, ast.Starred):
        return None
    if (isinstance(func, ast.Name) and func.id == HELPER_NAME) or (
        isinstance(func, ast.Attribute) and func.attr == HELPER_NAME
    ):
        return arg
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "__getitem__"
        and isinstance(arg, ast.Call)
        and isinstance(arg.func, ast.Name)
        and arg.func.id == "slice"
        and len(arg.args) == 1
        and not arg.keywords
        and isinstance(arg.args[0], ast.Constant)
        and arg.args[0].value is None
    ):
        return func.value
    return None


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
