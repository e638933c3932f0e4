"""Decode (BOM, PEP 263) and parse a file; map AST positions to 1-based character spans.

The analyzer reads the tree with the standard `ast` module: it only reads, and `ast.parse` costs about a fifth of
`libcst.parse_module` plus positions (anchors §6). Only when `ast` cannot parse a file does LibCST's parser, whose
grammar does not depend on the running Python, decide: syntax newer than this interpreter is rewritten in place to
an older equivalent (buffix.analysis.newsyntax) and analyzed; anything else is a syntax error.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from typing import List

from buffix.core.findings import Span

_NEWLINE = re.compile(r"\r\n|\r|\n")


class ParseFailure(Exception):
    """The file cannot be decoded or parsed; the message names the cause."""


@dataclass
class Parsed:
    text: str
    tree: ast.Module
    lines: List[str]

    def span(self, node: ast.AST) -> Span:
        end_line = getattr(node, "end_lineno", None) or node.lineno
        end_col = getattr(node, "end_col_offset", None)
        if end_col is None:
            end_col = node.col_offset
        return Span(node.lineno, self._column(node.lineno, node.col_offset),
                    end_line, self._column(end_line, end_col))

    def _column(self, line: int, utf8_offset: int) -> int:
        """ast columns are UTF-8 byte offsets; findings count characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return utf8_offset + 1
        return len(text.encode("utf-8")[:utf8_offset].decode("utf-8", "replace")) + 1

    def segment(self, span: Span) -> str:
        if span.line == span.end_line:
            return self.lines[span.line - 1][span.column - 1 : span.end_column - 1]
        first = self.lines[span.line - 1][span.column - 1 :]
        middle = self.lines[span.line : span.end_line - 1]
        last = self.lines[span.end_line - 1][: span.end_column - 1]
        return "\n".join([first, *middle, last])


def decode(source: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        return source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise ParseFailure(f"cannot decode: {exc}") from None


def parse(source: bytes) -> Parsed:
    text = decode(source)
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        tree = _newer_syntax(text)
        if tree is None:
            raise ParseFailure(_explain(exc)) from None
    except ValueError as exc:  # null bytes
        raise ParseFailure(f"cannot parse: {exc}") from None
    except RecursionError:
        raise ParseFailure("syntax error: expression nested too deeply to parse") from None
    return Parsed(text, tree, _NEWLINE.split(text))


def _newer_syntax(text: str) -> "ast.Module | None":
    from buffix.analysis.newsyntax import downgrade

    rewritten = downgrade(text)
    return ast.parse(rewritten) if rewritten is not None else None


def _explain(exc: SyntaxError) -> str:
    """One line naming the cause; both parsers rejected the file, so it is not a matter of Python versions."""
    where = f" at line {exc.lineno}" if exc.lineno else ""
    return f"syntax error{where}: {exc.msg}"
