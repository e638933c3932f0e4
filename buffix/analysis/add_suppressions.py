"""Write `# buffix: ignore[CODE]  # reason: TODO` comments for a file's findings (`check --add-suppressions`), as
ruff's `--add-noqa` does: one comment per line, codes merged into a suppression the line already has, nothing else
of the file touched; a second run finds nothing to add.

Where the comment goes, first that works (buffix honours a comment on the finding's line, on its statement's first
line, and alone on the line above either, buffix.analysis.suppress):
1. the end of the finding's line;
2. the end of its statement's first line, when the finding's line ends inside a string or a backslash continuation;
3. a line of its own above the statement, when that line cannot end in a comment either (a string opens on it).

The result is verified before it is returned: the code tokens are unchanged, the file still parses, and the comments
cover every finding. BFX9 findings (about suppression comments themselves) get none.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from buffix.analysis.parse import ParseFailure, parse
from buffix.analysis.suppress import PATTERN, Suppression, find
from buffix.config import Config
from buffix.core.findings import Finding
from buffix.core.source import NEWLINE, SourceError, decode

SELF_CODES = "BFX9"  # findings about suppressions: a suppression for them would only hide a stale comment
DEFAULT_REASON = "TODO"


@dataclass(frozen=True)
class Added:
    """The file with its new comments (`data` is None when nothing changed), and the findings left without one."""

    path: str
    original: bytes
    data: Optional[bytes]
    comments: int  # lines whose comment was written or extended
    refused: Tuple[Tuple[Finding, str], ...] = ()
    error: Optional[str] = None  # the file could not be edited safely; nothing was changed


@dataclass(frozen=True)
class _Layout:
    """What the tokenizer says about each line: where a comment may end it, where a line starts inside a string."""

    free_end: Set[int]  # a comment may be appended at the end of these lines
    starts_inside: Set[int]  # lines that begin inside a multi-line string (nothing may be inserted above them)
    code: Tuple[Tuple[int, str], ...]  # the tokens that are code (not comments or blank-line breaks)


def add_suppressions(data: bytes, path: str, findings: Sequence[Finding], reason: str = DEFAULT_REASON,
                     config: Optional[Config] = None) -> Added:
    """`data` with a suppression comment for each of `findings` (reported in this file); see the module docstring.
    With `config`, the edited file is also analyzed again: none of the findings may remain."""
    wanted = [f for f in findings if not f.code.startswith(SELF_CODES)]
    about_comments = tuple((f, "it is about a suppression comment: edit that comment") for f in findings
                           if f.code.startswith(SELF_CODES))
    if not wanted:
        return Added(path, data, None, 0, about_comments)
    try:
        decoded = decode(data)
        parsed = parse(data)
    except (SourceError, ParseFailure) as error:
        return Added(path, data, None, 0, error=f"cannot add suppressions: {error}")
    text = decoded.text
    lines, ends = NEWLINE.split(text), NEWLINE.findall(text)
    normal = "\n".join(lines)  # the tokenizer splits at "\n" only; line numbers then match `lines`
    try:
        layout = _layout(normal)
    except (tokenize.TokenError, SyntaxError) as error:
        return Added(path, data, None, 0, error=f"cannot add suppressions: the tokenizer fails: {error}")
    existing = find(normal)
    statements = _statement_lines(parsed.tree, lines)

    at_end: Dict[int, List[str]] = {}  # line -> codes for a comment at its end
    above: Dict[int, List[str]] = {}  # line -> codes for an own-line comment above it
    refused: List[Tuple[Finding, str]] = list(about_comments)
    for finding in wanted:
        first = statements(finding)
        if finding.line in layout.free_end:
            at_end.setdefault(finding.line, []).append(finding.code)
        elif first in layout.free_end:
            at_end.setdefault(first, []).append(finding.code)
        elif first not in layout.starts_inside:
            previous = _own_line_suppression(existing, first - 1)
            if previous is not None:
                at_end.setdefault(first - 1, []).append(finding.code)
            else:
                above.setdefault(first, []).append(finding.code)
        else:
            refused.append((finding, "no line of its statement can take a comment"))

    for number, codes in at_end.items():
        lines[number - 1] = _with_codes(lines[number - 1], codes, _line_suppression(existing, number), reason)
    if not at_end and not above:
        return Added(path, data, None, 0, tuple(refused))
    out: List[str] = []
    fallback_end = ends[0] if ends else "\n"
    for index, line in enumerate(lines):
        number = index + 1
        if number in above:
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            ending = ends[index] if index < len(ends) else fallback_end
            out.append(indent + _comment(sorted(dict.fromkeys(above[number])), reason) + ending)
        out.append(line + (ends[index] if index < len(ends) else ""))
    new_text = "".join(out)
    try:
        new_data = decoded.bom + new_text.encode(decoded.encoding)
    except UnicodeEncodeError:
        return Added(path, data, None, 0, tuple(refused),
                     error=f"cannot add suppressions: the reason cannot be written in the file's encoding "
                           f"({decoded.encoding})")
    problem = _verify(new_data, new_text, layout, wanted, refused, statements, sorted(above))
    if problem is None and config is not None:
        problem = _reanalyze(new_data, path, config, wanted, refused, sorted(above))
    if problem:
        return Added(path, data, None, 0, tuple(refused), error=f"cannot add suppressions safely: {problem}")
    return Added(path, data, new_data, len(at_end) + len(above), tuple(refused))


def _comment(codes: Sequence[str], reason: str) -> str:
    tail = f"  # reason: {reason}" if reason else ""
    return f"# buffix: ignore[{', '.join(codes)}]{tail}"


def _with_codes(line: str, codes: Sequence[str], present: Optional[Suppression], reason: str) -> str:
    """`line` ending in a suppression of `codes`: merged into the one it has, else a new comment at its end."""
    if present is None:
        return line.rstrip(" \t") + "  " + _comment(sorted(dict.fromkeys(codes)), reason)
    match = PATTERN.search(line, present.span.column - 1)
    assert match is not None  # `present` was found on this line by the same pattern
    merged = list(dict.fromkeys([*present.codes, *sorted(codes)]))
    marker = match.group("marker")
    rest = line[match.end():]
    if reason and "reason:" not in rest:
        rest = rest.rstrip(" \t") + f"  # reason: {reason}"
    return f"{line[:match.start()]}{marker}[{', '.join(merged)}]{rest}"


def _line_suppression(existing: Sequence[Suppression], line: int) -> Optional[Suppression]:
    """The suppression for single lines written on `line`, if any (a file-wide one is not extended)."""
    return next((s for s in existing if s.line == line and not s.whole_file), None)


def _own_line_suppression(existing: Sequence[Suppression], line: int) -> Optional[Suppression]:
    found = _line_suppression(existing, line)
    return found if found is not None and found.own_line else None


def _layout(text: str) -> _Layout:
    free_end: Set[int] = set()
    starts_inside: Set[int] = set()
    code: List[Tuple[int, str]] = []
    fstring_depth = 0  # a comment inside an f-string's replacement field needs Python 3.12
    start_types = {getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "TSTRING_START", -1)}
    end_types = {getattr(tokenize, "FSTRING_END", -1), getattr(tokenize, "TSTRING_END", -1)}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        kind, (line, _), (end_line, _) = token.type, token.start, token.end
        if kind in start_types:
            fstring_depth += 1
        elif kind in end_types:
            fstring_depth -= 1
        if kind in (tokenize.NEWLINE, tokenize.NL):
            if not fstring_depth:
                free_end.add(line)
            if kind == tokenize.NL:
                continue
        elif kind == tokenize.COMMENT:
            continue
        if end_line > line:  # a string across lines: no comment at the end of the first lines, nothing above the rest
            starts_inside.update(range(line + 1, end_line + 1))
        if fstring_depth and kind not in start_types:
            starts_inside.add(end_line)
        code.append((kind, token.string))
    return _Layout(free_end, starts_inside, tuple(code))


def _statement_lines(tree: ast.Module, lines: Sequence[str]):
    """finding -> the first line of the innermost statement holding it."""
    statements = [(node.lineno, node.col_offset, getattr(node, "end_lineno", node.lineno) or node.lineno,
                   getattr(node, "end_col_offset", 0) or 0)
                  for node in ast.walk(tree) if isinstance(node, ast.stmt)]

    def first_line(finding: Finding) -> int:
        text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        position = (finding.line, len(text[: finding.column - 1].encode("utf-8")))
        holding = [s for s in statements if (s[0], s[1]) <= position <= (s[2], s[3])]
        return max(holding)[0] if holding else finding.line

    return first_line


def _verify(new_data: bytes, new_text: str, layout: _Layout, findings: Sequence[Finding],
            refused: Sequence[Tuple[Finding, str]], first_line, inserted_above: Sequence[int]) -> Optional[str]:
    """Why the edited file is not right, or None: it must parse, hold the same code tokens, and suppress each
    finding that got a comment, at its new line numbers."""
    try:
        parse(new_data)
    except ParseFailure as error:
        return f"the edited file does not parse: {error}"
    normal = "\n".join(NEWLINE.split(new_text))
    try:
        if _layout(normal).code != layout.code:
            return "the edit would change code, not only comments"
    except (tokenize.TokenError, SyntaxError) as error:
        return f"the edited file does not tokenize: {error}"

    moved = _mover(inserted_above)
    suppressions = find(normal)
    skipped = {id(f) for f, _ in refused}
    for finding in findings:
        if id(finding) in skipped:
            continue
        lines = {moved(finding.line), moved(first_line(finding))}
        if not any(s.covers(finding.code, lines) for s in suppressions):
            return f"{finding.code} at line {finding.line} would stay unsuppressed"
    return None


def _mover(inserted_above: Sequence[int]):
    """old line number -> its number after the own-line comments were inserted above the lines listed"""
    return lambda line: line + sum(1 for above in inserted_above if above <= line)


def _reanalyze(new_data: bytes, path: str, config: Config, findings: Sequence[Finding],
               refused: Sequence[Tuple[Finding, str]], inserted_above: Sequence[int]) -> Optional[str]:
    from buffix.analysis.analyze import analyze_source

    moved = _mover(inserted_above)
    skipped = {id(f) for f, _ in refused}
    remaining = {(f.code, f.line, f.column) for f in analyze_source(new_data, path, config).findings}
    for finding in findings:
        if id(finding) not in skipped and (finding.code, moved(finding.line), finding.column) in remaining:
            return f"{finding.code} at line {finding.line} is still found after the edit"
    return None
