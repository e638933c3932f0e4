"""Where `from buffix.safe import as_buffer` goes when the `helper` style is used.

Once per file, after the module docstring, `from __future__` imports and the leading block of import lines,
so it runs before any statement that can use the helper, and never above a shebang or encoding cookie on
lines 1–2. Placement works on line numbers from `ast` (LibCST drops a form feed at the start of a line when
it regenerates code, so its code offsets cannot be trusted to the character).
"""

from __future__ import annotations

import ast
import re
from typing import List, Optional

from buffix.fixer.source import DecodedSource, Replacement
from buffix.knowledge.fix_styles import HELPER_IMPORT, HELPER_MODULE, HELPER_NAME

_COMMENT_LINE = re.compile(r"[ \t\f]*#")


def helper_import(source: DecodedSource, tree: ast.Module) -> Optional[Replacement]:
    """The insertion that imports the helper, or None when the module already imports it."""
    if any(imports_helper(statement) for statement in tree.body):
        return None
    leading = []
    for index, statement in enumerate(tree.body):
        if not _is_leading(statement, index):
            break
        leading.append(statement)
    following = tree.body[len(leading)] if len(leading) < len(tree.body) else None
    while leading and following is not None and _end_line(leading[-1]) >= _first_line(following):
        leading.pop()  # `import io; io.BytesIO(x)`: the import shares its line with code
    if leading:
        line = _end_line(leading[-1]) + 1
    elif following is not None:
        line = _above_comments(source, _first_line(following))
    else:
        line = len(source.line_starts) + 1
    offset = source.line_starts[line - 1] if line <= len(source.line_starts) else len(source.text)
    offset = max(offset, _after_cookie_lines(source))
    if offset and source.text[offset - 1] not in "\r\n":  # the last line has no line break: add one before
        return Replacement(offset, offset, source.newline_before(offset) + HELPER_IMPORT)
    return Replacement(offset, offset, HELPER_IMPORT + source.newline_before(offset))


class HeadBuilder:
    """The part of the module `helper_import` reads, from the top-level statements in order: the leading
    docstring and imports, then the first other statement's lines only (its body may be large)."""

    def __init__(self) -> None:
        self.body: List[ast.stmt] = []
        self.done = False

    def add(self, statement: ast.stmt, index: int) -> None:
        if self.done:
            return
        if _is_leading(statement, index):
            self.body.append(statement)
            return
        stand_in = ast.Pass(lineno=_first_line(statement), col_offset=0, end_lineno=_end_line(statement),
                            end_col_offset=0)
        self.body.append(stand_in)
        self.done = True

    def module(self) -> ast.Module:
        return ast.Module(body=self.body, type_ignores=[])


def _is_leading(statement: ast.stmt, index: int) -> bool:
    """A statement of the leading block the helper import goes after: imports, and a docstring first."""
    return isinstance(statement, (ast.Import, ast.ImportFrom)) or (index == 0 and _is_docstring(statement))


def imports_helper(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.ImportFrom)
        and statement.module == HELPER_MODULE
        and statement.level == 0
        and any(alias.name == HELPER_NAME and alias.asname in (None, HELPER_NAME) for alias in statement.names)
    )


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _first_line(statement: ast.stmt) -> int:
    decorators = getattr(statement, "decorator_list", [])
    return min([statement.lineno] + [decorator.lineno for decorator in decorators])


def _above_comments(source: DecodedSource, line: int) -> int:
    """The first line of the comment block right above `line` (comments there describe that statement)."""
    while line > 1 and _COMMENT_LINE.match(source.line_text(line - 1)):
        line -= 1
    return line


def _after_cookie_lines(source: DecodedSource) -> int:
    """End of the comment lines among lines 1–2 (shebang, PEP 263 cookie): nothing may be inserted above them."""
    end = 0
    for line in (1, 2):
        if line > len(source.line_starts) or not _COMMENT_LINE.match(source.line_text(line)):
            break
        end = source.line_starts[line - 1] + len(source.line_text(line))
    return end


def _end_line(statement: ast.stmt) -> int:
    return statement.end_lineno or statement.lineno  # set by ast.parse; Optional only for hand-built nodes
