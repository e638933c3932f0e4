"""Find candidate targets in a source text with Python's `ast` (independent of the fixer's libcst parsing).

`call_argument_spans`: the first positional argument of every call (what an analyzer would flag at a sink);
`sanitized_spans`: every `x[:]`, `x.__getitem__(slice(None))` and `as_buffer(x)`: the sites after a fix.
Calls that are themselves part of a sanitizer are not sites, so a fixed file has the same sites as before.
Expressions inside f-strings are skipped: their `ast` positions are not reliable before Python 3.12.
"""

from __future__ import annotations

import ast
from typing import Iterator, List, Optional

from buffix.core.findings import Span
from buffix.fixer.rewrite import unwrap_sanitizer

from .cases import line_starts


class _Positions:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)

    def char_column(self, line: int, byte_column: int) -> int:
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return len(self.text[start:end].encode("utf-8")[:byte_column].decode("utf-8")) + 1

    def span(self, node: ast.AST) -> Span:
        return Span(
            node.lineno,
            self.char_column(node.lineno, node.col_offset),
            node.end_lineno,
            self.char_column(node.end_lineno, node.end_col_offset),
        )


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """ast.walk without descending into f-strings."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(child for child in ast.iter_child_nodes(current) if not isinstance(child, ast.JoinedStr))


def _sanitizer_calls(tree: ast.AST) -> set:
    """ids of the Call nodes that belong to sanitizers (`as_buffer(...)`, `.__getitem__(...)`, `slice(None)`)."""
    calls = set()
    for node in _walk(tree):
        inner = unwrap_sanitizer(node) if isinstance(node, ast.Call) else None
        if inner is not None:
            calls.add(id(node))
            if inner is not node.args[0]:  # `x.__getitem__(slice(None))`: `slice(None)` belongs to it too
                calls.add(id(node.args[0]))
    return calls


def call_argument_spans(text: str, tree: Optional[ast.AST] = None) -> List[Span]:
    tree = tree or ast.parse(text)
    positions = _Positions(text)
    skip = _sanitizer_calls(tree)
    return [
        positions.span(node.args[0])
        for node in _walk(tree)
        if isinstance(node, ast.Call) and node.args and id(node) not in skip
    ]


def sanitized_spans(text: str) -> List[Span]:
    tree = ast.parse(text)
    positions = _Positions(text)
    return [positions.span(node) for node in _walk(tree) if unwrap_sanitizer(node) is not None]
