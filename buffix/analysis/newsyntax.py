"""Syntax newer than the running interpreter: LibCST's native parser (its grammar does not depend on the running
Python) reads the file, and the constructs the stdlib `ast` cannot parse here are rewritten in place to older
equivalents that keep every other character where it was, so the analyzer's positions stay true.

What each becomes, and what the analysis loses by it (nothing a response body flows through, except match captures):
- PEP 695 type parameters `def f[T]()` / `class C[T]:` -> blanked;  `type X[T] = v` -> `X = v` (padded);
- f-strings that need PEP 701 (same quotes nested, backslashes, comments, newlines) -> an empty string of the same
  size; t-strings likewise;
- `except* E` -> `except E`;  3.14's `except A, B:` -> `except (A, B):`;
- `match` (3.10, for 3.9) -> `if subject:` and each `case p if g:` -> `if 1:` (captured names are not bound).
Only called after `ast.parse` failed, so the fast path never imports LibCST.
"""

from __future__ import annotations

import ast
from typing import List, Optional, Tuple

Edit = Tuple[int, int, Optional[str]]  # (start offset, end offset, replacement; None: blank it) in the text


def downgrade(text: str) -> Optional[str]:
    """`text` rewritten so this interpreter's `ast` parses it, or None when LibCST cannot parse it either (a real
    syntax error) or the rewrite still does not parse."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        module = cst.parse_module(text)
    except Exception:  # libcst.ParserSyntaxError, or its native parser's own errors
        return None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    starts = _line_starts(text)

    def offsets(node: "cst.CSTNode") -> Tuple[int, int]:
        where = positions[node]
        return (starts[where.start.line - 1] + where.start.column, starts[where.end.line - 1] + where.end.column)

    edits: List[Edit] = []

    class Finder(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            parameters = getattr(node, "type_parameters", None)
            if parameters is not None:
                edits.append((*offsets(parameters), None))

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            parameters = getattr(node, "type_parameters", None)
            if parameters is not None:
                edits.append((*offsets(parameters), None))

        def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
            start, end = offsets(node)
            name = node.name.value
            value = text[slice(*offsets(node.value))]
            edits.append((start, end, f"{name} = {value}"))

        def visit_FormattedString(self, node: cst.FormattedString) -> bool:
            start, end = offsets(node)
            if not _parses(text[start:end]):
                edits.append((start, end, None))
                return False
            return True

        def visit_TemplatedString(self, node: "cst.CSTNode") -> bool:
            edits.append((*offsets(node), None))
            return False

        def visit_Try(self, node: cst.Try) -> None:
            for handler in node.handlers:
                kind = handler.type
                if isinstance(kind, cst.Tuple) and not kind.lpar:
                    start, end = offsets(kind)
                    edits.append((start, end, f"({text[start:end]})"))

        def visit_TryStar(self, node: "cst.CSTNode") -> None:
            for handler in node.handlers:  # type: ignore[attr-defined]
                start, _ = offsets(handler)
                star = text.index("*", start)
                edits.append((star, star + 1, " "))

        def visit_Match(self, node: "cst.CSTNode") -> None:
            start, _ = offsets(node)
            edits.append((start, start + len("match"), "if   "))
            for case in node.cases:  # type: ignore[attr-defined]
                begin, _ = offsets(case)
                body, _ = offsets(case.body)  # the header's `:` is the last one before the body
                colon = text.rfind(":", begin, body)
                edits.append((begin, colon, "if 1"))

    wrapper.visit(Finder())
    rewritten = _apply(text, edits)
    try:
        ast.parse(rewritten)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return rewritten


def _parses(snippet: str) -> bool:
    try:
        ast.parse(snippet, mode="eval")
        return True
    except (SyntaxError, ValueError):
        return False


def _line_starts(text: str) -> List[int]:
    starts, offset = [0], 0
    for line in text.splitlines(keepends=True):
        offset += len(line)
        starts.append(offset)
    return starts


def _blank(segment: str) -> str:
    """An empty string literal of the same size; across lines, parenthesized so the newlines stay (later lines do
    not move)."""
    if "\n" not in segment and "\r" not in segment:
        return '""' + " " * (len(segment) - 2)
    middle = "".join(c if c in "\r\n" else " " for c in segment[3:-1])
    return '(""' + middle + ")"


def _apply(text: str, edits: List[Edit]) -> str:
    pieces, last = [], 0
    for start, end, new in sorted(edits, key=lambda e: e[0]):
        if start < last:  # nested in an edit already made
            continue
        segment = text[start:end]
        if new is None:  # blank: a string literal for an expression, spaces for type parameters
            new = _blank(segment) if segment[:1] not in "[" else "".join(c if c in "\r\n" else " " for c in segment)
        elif len(new) < len(segment) and "\n" not in segment:
            new = new + " " * (len(segment) - len(new))
        pieces.append(text[last:start])
        pieces.append(new)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)
