"""Prove a fixed file before it is written: it parses (LibCST and CPython), it compiles wherever the original
did, and its syntax tree is the original's with nothing but sanitizers added.
"""

from __future__ import annotations
import __future__

import ast
import warnings
from collections import Counter
from typing import Any, List, Optional, Tuple, Union

import libcst as cst

from buffix.core.newsyntax import downgrade
from buffix.core.source import SourceError, decode
from buffix.fixer.rewrite import unwrap_sanitizer
from buffix.knowledge.fix_styles import HELPER_MODULE, HELPER_NAME

# LibCST needs ~430 bytes of memory per byte of source (a 1 MB file: 430 MB, 14 s); above this size the proof is
# CPython's parse, compile and tree comparison alone, which is what decides what the file means.
LIBCST_MAX_BYTES = 256 * 1024


def rebound_names(tree: ast.AST, names: frozenset) -> frozenset:
    """Which of `names` the module binds itself (so `slice(None)` or `as_buffer(x)` would not mean ours)."""
    if not names:  # the default style calls nothing: no need to walk a large tree
        return frozenset()
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and not _is_helper_import(node):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return frozenset(bound) & names


def check_fixed(old_tree: ast.Module, old_data: bytes, new_text: str, new_data: bytes, path: str) -> Optional[str]:
    """Why the fixed file must not be written, or None when it is proven."""
    problem = _libcst_problem(old_data, new_text) if len(new_data) <= LIBCST_MAX_BYTES else None
    return problem or _python_problem(old_tree, new_data, path, 0)


def check_fragment(
    old_tree: ast.Module, old_text: str, new_text: str, first_line: int, path: str, future_flags: int, libcst: bool
) -> Optional[str]:
    """Why a fixed fragment (whole top-level statements starting on `first_line`) must not be written, or None:
    the proof of `check_fixed`, under the module's `from __future__` flags; `old_tree` is `parse_fragment`'s.
    `libcst`: whether the whole file is small enough that `check_fixed` would have LibCST parse it."""
    problem = _libcst_problem(old_text, new_text) if libcst else None
    return problem or _python_problem(old_tree, _padded(new_text, first_line), path, future_flags)


def parse_fragment(text: str, first_line: int, path: str) -> ast.Module:
    """The tree of a fragment, with the line numbers it has in its file; raises as `parse_original`."""
    return parse_original(_padded(text, first_line), path)


def future_flags(tree: ast.Module) -> int:
    """The compiler flags of the module's `from __future__` imports: a fragment is compiled under them."""
    flags = 0
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__" and not statement.level:
            for alias in statement.names:
                feature = getattr(__future__, alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
    return flags


def _libcst_problem(old_source: Union[str, bytes], new_text: str) -> Optional[str]:
    try:
        cst.parse_module(new_text)
    except cst.ParserSyntaxError as error:
        also = " (nor the original)" if _libcst_fails(old_source) else ""
        return f"LibCST cannot parse the result{also}: {_first_line(str(error))}"
    return None


def _python_problem(old_tree: ast.Module, new_source: Union[str, bytes], path: str, flags: int) -> Optional[str]:
    try:
        new_tree = parse_original(new_source, path)
    except (SyntaxError, ValueError) as error:
        return f"Python cannot parse the result: {_first_line(str(error))}"
    failure, warned = _compile(new_tree, path, flags)
    if failure is not None or warned:
        old_failure, old_warned = _compile(old_tree, path, flags)
        if failure is not None and failure != old_failure:
            return f"the result does not compile: {failure}"
        new_warnings = sorted((warned - old_warned).elements())
        if new_warnings:  # e.g. `(lambda: x)[:]`: the compiler knows it raises
            return f"the compiler warns about the result: {new_warnings[0]}"
    if not _same_but_sanitizers(old_tree, new_tree):
        return "the result differs from the original by more than the added sanitizers"
    return None


def _padded(text: str, first_line: int) -> str:
    return "\n" * (first_line - 1) + text  # positions and messages name the file's lines


def parse_original(data: Union[str, bytes], path: str) -> ast.Module:
    """The tree of the file; raises SyntaxError/ValueError when Python cannot parse it. Warnings stay quiet.
    (A `from __future__` import in the file does not change how it parses, only how it compiles.)
    Syntax newer than this interpreter is read as the analyzer reads it (buffix.core.newsyntax): the tree of its
    in-place rewrite, so the original and the fixed file are compared the same way whichever Python runs buffix."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = compile(data, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except SyntaxError:
            text = _text(data)
            downgraded = downgrade(text) if text is not None else None
            if downgraded is None:  # a real syntax error: the interpreter's message says where
                raise
            tree = downgraded.tree
    assert isinstance(tree, ast.Module)  # what "exec" mode with PyCF_ONLY_AST gives
    return tree


def _text(data: Union[str, bytes]) -> Optional[str]:
    """The source as text without a BOM; None when it does not decode."""
    if isinstance(data, bytes):
        try:
            return decode(data).text
        except SourceError:
            return None
    return data[1:] if data.startswith("\ufeff") else data


def _libcst_fails(data: Union[str, bytes]) -> bool:
    try:
        cst.parse_module(data)
    except cst.ParserSyntaxError:
        return True
    return False


def _compile(tree: ast.Module, path: str, flags: int) -> Tuple[Optional[str], Counter]:
    """The error that compiling the tree raises, and the SyntaxWarnings it gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SyntaxWarning)
        try:
            compile(tree, path, "exec", flags=flags, dont_inherit=True)
        except SyntaxError as error:  # compared without its line: the helper import shifts lines
            return _first_line(error.msg), Counter()
        except ValueError as error:
            return _first_line(str(error)), Counter()
    return None, Counter(str(w.message) for w in caught if issubclass(w.category, SyntaxWarning))


def _same_but_sanitizers(old: ast.Module, new: ast.Module) -> bool:
    """Whether the trees are equal (as ast.dump compares them) once sanitizers and the helper import are taken
    out of both. Iterative: code nested as deep as CPython compiles (a 900-term sum) must not exhaust the stack."""
    def body(tree: ast.Module) -> list:
        return [statement for statement in tree.body if not _is_helper_import(statement)]

    stack: List[Tuple[Any, Any]] = [(body(old), body(new))]
    while stack:
        a, b = stack.pop()
        if isinstance(a, ast.AST):
            a, b = _strip(a), _strip(b)
            if type(a) is not type(b):
                return False
            stack.extend((getattr(a, name, None), getattr(b, name, None)) for name in a._fields)
        elif isinstance(a, list):
            if not isinstance(b, list) or len(a) != len(b):
                return False
            stack.extend(zip(a, b))
        elif type(a) is not type(b) or a != b:
            return False
    return True


def _strip(node: ast.AST) -> ast.AST:
    """The node without the sanitizers wrapped around it (`x[:][:]` is `x`)."""
    inner = unwrap_sanitizer(node)
    while inner is not None:
        node, inner = inner, unwrap_sanitizer(inner)
    return node


def _is_helper_import(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.ImportFrom)
        and node.module == HELPER_MODULE
        and node.level == 0
        and [(a.name, a.asname) for a in node.names] == [(HELPER_NAME, None)]
    )


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unknown error"
