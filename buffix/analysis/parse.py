"""Decode (buffix.core.source) and parse a file; map AST positions to 1-based character spans.

The analyzer reads the tree with the standard `ast` module: it only reads, and `ast.parse` costs about a fifth of
`libcst.parse_module` plus positions (docs/performance.md). Only when `ast` cannot parse a file does LibCST's
parser, whose grammar does not depend on the running Python, decide: syntax newer than this interpreter is rewritten
in place to an older equivalent (buffix.core.newsyntax) and analyzed; anything else is a syntax error.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from buffix.analysis import bounded
from buffix.core.findings import Span
from buffix.core.newsyntax import Use, downgrade_generic, first_newer
from buffix.core.source import SourceError, character_column, decode, segment, split_lines


class ParseFailure(Exception):
    """The file cannot be decoded or parsed; the message names the cause."""


@dataclass
class Parsed:
    text: str
    tree: ast.Module
    lines: Sequence[str]
    rewritten: Tuple[Use, ...] = ()  # the newer constructs this interpreter's `ast` could not parse, rewritten

    def span(self, node: ast.AST) -> Span:
        """ast columns are UTF-8 byte offsets; findings count characters. `node` has a position (an expression,
        statement, argument...): the analyzer spans nothing else."""
        line: int = node.lineno  # type: ignore[attr-defined]
        column: int = node.col_offset  # type: ignore[attr-defined]
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None)
        if end_col is None:
            end_col = column
        lines, count = self.lines, len(self.lines)
        return Span(line, character_column(lines[line - 1] if 0 < line <= count else "", column),
                    end_line, character_column(lines[end_line - 1] if 0 < end_line <= count else "", end_col))

    def segment(self, span: Span) -> str:
        return segment(self.lines, span)

    def may_contain(self, node: ast.AST, pattern: "re.Pattern[str]") -> bool:
        """False only when the lines of `node` (a statement) cannot hold what `pattern` finds: a cheap test before
        walking its subtree. True for non-ASCII lines, whose identifiers `ast` normalizes (NFKC)."""
        text = self.lines_of(node)
        return not text.isascii() or pattern.search(text) is not None

    def lines_of(self, node: ast.AST) -> str:
        """The lines of `node` (a statement), joined."""
        first, end = node.lineno - 1, getattr(node, "end_lineno", None) or len(self.lines)  # type: ignore
        lines = self.lines
        return lines.joined(first, end) if isinstance(lines, bounded.Lines) else "\n".join(lines[first:end])

    def newer_than(self, version: Tuple[int, int]) -> Optional[Use]:
        """The first use of syntax that Python `version` cannot parse (whichever Python runs buffix)."""
        return first_newer(self.text, self.tree, self.rewritten, version)


def parse(source: bytes) -> Parsed:
    try:
        text = decode(source).text
    except SourceError as error:
        raise ParseFailure(f"cannot decode: {error.cause}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text) > bounded.BOUNDED_MIN_CHARS:  # a large file: its tree is parsed one statement at a time
        try:
            return Parsed(text, *bounded.parse_in_pieces(text))
        except bounded.NotBounded as why:  # the whole-file parse decides, and words the error, unless too costly
            if isinstance(why, bounded.TooLarge) or len(text) > bounded.MAX_STATEMENT_CHARS:
                raise ParseFailure(f"too large to analyze ({why})") from None
    generic = downgrade_generic(text)
    if generic is not None:
        return Parsed(text, generic.tree, split_lines(text), generic.uses)
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        from buffix.core.newsyntax import downgrade

        downgraded = downgrade(text)
        if downgraded is None:
            raise ParseFailure(_explain(exc)) from None
        return Parsed(text, downgraded.tree, split_lines(text), downgraded.uses)
    except ValueError as exc:  # null bytes
        raise ParseFailure(f"cannot parse: {exc}") from None
    except RecursionError:
        raise ParseFailure("syntax error: expression nested too deeply to parse") from None
    return Parsed(text, tree, split_lines(text))


def _explain(exc: SyntaxError) -> str:
    """One line naming the cause; both parsers rejected the file, so it is not a matter of Python versions."""
    where = f" at line {exc.lineno}" if exc.lineno else ""
    return f"syntax error{where}: {exc.msg}"
