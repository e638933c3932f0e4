"""Tests of the running Python's version, decided for every Python 3 (`if six.PY2:`, `sys.version_info[0] == 2`,
`IS_PYTHON2 = sys.version < '3'`): code on the Python 2 branch never runs, so a body it would decode is not a body
the other branch keeps."""

from __future__ import annotations

import ast
import operator
from typing import Any, Callable, Dict, Optional, Tuple

# the oldest and the newest Python 3 each kind of version value can describe: a test is decided only when both agree
_VERSION_INFO = ((3, 0, 0, "final", 0), (3, 99, 99, "final", 0))
_VERSIONS: Dict[str, Tuple[Any, Any]] = {
    "sys.version_info": _VERSION_INFO,
    "sys.version": ("3.0.0", "3.99.99"),
    "sys.hexversion": (0x030000F0, 0x036363F0),
}
_MAJOR = (3, 3)
_FLAGS = {"six.PY2": False, "six.PY3": True, "future.utils.PY2": False, "future.utils.PY3": True}
_OPERATORS: dict = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
                    ast.Gt: operator.gt, ast.GtE: operator.ge}

Qualname = Callable[[ast.AST], str]
Named = Callable[[str], Optional[bool]]  # the fact a constant of the tree names (`const.IS_PYTHON2`), if any


def truth(test: ast.expr, qualname: Qualname, named: Named) -> Optional[bool]:
    """True or False when `test` has that value on every Python 3, else None."""
    if isinstance(test, (ast.Name, ast.Attribute)):
        spelled = qualname(test)
        return _FLAGS[spelled] if spelled in _FLAGS else (named(spelled) if spelled else None)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = truth(test.operand, qualname, named)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [truth(v, qualname, named) for v in test.values]
        if isinstance(test.op, ast.And):
            return False if False in values else (True if all(v is True for v in values) else None)
        return True if True in values else (False if all(v is False for v in values) else None)
    if isinstance(test, ast.Compare):
        return _compared(test, qualname)
    return None


def _compared(test: ast.Compare, qualname: Qualname) -> Optional[bool]:
    operands = (test.left, *test.comparators)
    sides = [_side(e, qualname) for e in operands]
    if None in sides or all(isinstance(e, (ast.Constant, ast.Tuple)) for e in operands):
        return None  # some side is unknown, or nothing here is the version
    result = True
    for op, left, right in zip(test.ops, sides, sides[1:]):
        compare = _OPERATORS.get(type(op))
        if compare is None or left is None or right is None:
            return None
        try:
            answers = {bool(compare(a, b)) for a in left for b in right}
        except TypeError:
            return None
        if len(answers) != 1:
            return None
        result = result and answers.pop()
    return result


def _side(expr: ast.expr, qualname: Qualname) -> Optional[Tuple[Any, Any]]:
    """The values a side of a comparison can take: a literal's own, or the oldest and newest Python 3's."""
    if isinstance(expr, ast.Constant):
        return (expr.value, expr.value)
    if isinstance(expr, ast.Tuple) and all(isinstance(e, ast.Constant) for e in expr.elts):
        value = tuple(e.value for e in expr.elts)  # type: ignore[attr-defined]
        return (value, value)
    if isinstance(expr, ast.Attribute) and expr.attr == "major" and qualname(expr.value) == "sys.version_info":
        return _MAJOR
    if isinstance(expr, ast.Subscript) and qualname(expr.value) == "sys.version_info":
        index = expr.slice
        if isinstance(index, ast.Constant) and index.value == 0:
            return _MAJOR
        if (isinstance(index, ast.Slice) and index.lower is None and index.step is None
                and isinstance(index.upper, ast.Constant) and isinstance(index.upper.value, int)):
            oldest, newest = _VERSION_INFO
            return (oldest[:index.upper.value], newest[:index.upper.value])
        return None
    if isinstance(expr, (ast.Name, ast.Attribute)):
        return _VERSIONS.get(qualname(expr))
    return None
