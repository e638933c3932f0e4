"""Prove a fixed file before it is written: it parses (LibCST and CPython), it compiles wherever the original
did, and its syntax tree is the original's with nothing but sanitizers added.
"""

from __future__ import annotations

import ast
from typing import Optional

import libcst as cst

from buffix.fixer.rewrite import HELPER_MODULE, HELPER_NAME, unwrap_sanitizer


def rebound_names(tree: ast.AST, names: frozenset) -> frozenset:
    """Which of `names` the module binds itself (so `slice(None)` or `as_buffer(x)` would not mean ours)."""
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
    """Why the fixed file must not be written, or None when it is proven. Consumes `old_tree`."""
    try:
        cst.parse_module(new_text)
    except cst.ParserSyntaxError as error:
        return f"LibCST cannot parse the result: {_first_line(str(error))}"
    try:
        new_tree = compile(new_data, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return f"Python cannot parse the result: {_first_line(str(error))}"
    problem = _compile_problem(new_tree, path)
    if problem is not None and problem != _compile_problem(old_tree, path):
        return f"the result does not compile: {problem}"
    if ast.dump(_canonical(new_tree)) != ast.dump(_canonical(old_tree)):
        return "the result differs from the original by more than the added sanitizers"
    return None


def parse_original(data: bytes, path: str) -> ast.Module:
    """The original's tree; raises SyntaxError/ValueError when Python cannot parse it."""
    return compile(data, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)


def _compile_problem(tree: ast.Module, path: str) -> Optional[str]:
    try:
        compile(tree, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return _first_line(str(error))
    return None


class _StripSanitizers(ast.NodeTransformer):
    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        inner = unwrap_sanitizer(node)
        return node if inner is None else inner


def _canonical(tree: ast.Module) -> ast.Module:
    """The tree without sanitizers and without the helper import, in place: compares as the unfixed code."""
    tree.body = [statement for statement in tree.body if not _is_helper_import(statement)]
    return _StripSanitizers().visit(tree)


def _is_helper_import(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.ImportFrom)
        and node.module == HELPER_MODULE
        and node.level == 0
        and [(a.name, a.asname) for a in node.names] == [(HELPER_NAME, None)]
    )


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unknown error"
