"""Where `from buffix.safe import as_buffer` goes when the `helper` style is used.

Once per file, after the module docstring, `from __future__` imports and the leading block of import lines,
so it runs before any statement that can use the helper and never moves an encoding cookie off lines 1–2.
"""

from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from buffix.fixer.rewrite import HELPER_IMPORT, HELPER_MODULE, HELPER_NAME
from buffix.fixer.source import DecodedSource, Replacement

_COMMENT_LINE = re.compile(r"[ \t\f]*#")


def helper_import(source: DecodedSource, module: cst.Module) -> Optional[Replacement]:
    """The insertion that imports the helper, or None when the module already imports it."""
    if any(_imports_helper(statement) for statement in module.body):
        return None
    leading = 0
    for index, statement in enumerate(module.body):
        if not (_is_import_line(statement) or (index == 0 and _is_docstring(statement))):
            break
        leading = index + 1
    prefix = module.with_changes(body=module.body[:leading], footer=()).code
    if not source.text.startswith(prefix):  # libcst round-trips its input; refuse rather than guess
        raise ValueError("cannot place the helper import: the module does not round-trip through libcst")
    offset = max(len(prefix), _after_cookie_lines(source))
    if offset and source.text[offset - 1] not in "\r\n":  # the last line has no line break: add one before
        return Replacement(offset, offset, source.newline_before(offset) + HELPER_IMPORT)
    return Replacement(offset, offset, HELPER_IMPORT + source.newline_before(offset))


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _imports_helper(statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if (
            isinstance(small, cst.ImportFrom)
            and not small.relative
            and small.module is not None
            and cst.Module([]).code_for_node(small.module) == HELPER_MODULE
            and not isinstance(small.names, cst.ImportStar)
            and any(
                alias.name.value == HELPER_NAME and (alias.asname is None or _alias(alias) == HELPER_NAME)
                for alias in small.names
            )
        ):
            return True
    return False


def _alias(alias: cst.ImportAlias) -> Optional[str]:
    name = alias.asname.name if alias.asname else None
    return name.value if isinstance(name, cst.Name) else None


def _after_cookie_lines(source: DecodedSource) -> int:
    """End of the comment lines among lines 1–2 (shebang, PEP 263 cookie): nothing may be inserted above them."""
    end = 0
    for line in (1, 2):
        if line > len(source.line_starts) or not _COMMENT_LINE.match(source.line_text(line)):
            break
        end = source.line_starts[line - 1] + len(source.line_text(line))
    return end
