"""`# buffix: ignore[CODE, ...]` comments: on the finding's line, or alone on the line above it; and
`# buffix: ignore-file[CODE, ...]` anywhere in the file, on a line of its own, for every finding of those codes in
it. Text after the marker (`# reason: ...`) is free-form. `buffix check --add-suppressions` writes these comments
(buffix.analysis.add_suppressions)."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Iterable, List, Set, Tuple

from buffix.core.findings import Span

PATTERN = re.compile(
    r"""
    (?P<marker>\#\s*buffix:\s*ignore(?P<file>-file)?\b)  # the marker; -file: the whole file
    (?:\[(?P<codes>[^\]]*)\])?        # [CODE, ...]; required, a bare marker is reported
    """,
    re.VERBOSE | re.IGNORECASE,
)


@dataclass
class Suppression:
    line: int
    span: Span
    codes: Tuple[str, ...]
    own_line: bool
    used: Set[str] = field(default_factory=set)
    whole_file: bool = False

    def covers(self, code: str, lines: Iterable[int]) -> bool:
        if self.whole_file:
            return any(code.startswith(c) for c in self.codes)
        reach = {self.line, self.line + 1} if self.own_line else {self.line}
        return bool(reach & set(lines)) and any(code.startswith(c) for c in self.codes)

    def mark(self, code: str) -> None:
        self.used.update(c for c in self.codes if code.startswith(c))


def find(text: str) -> List[Suppression]:
    if "buffix" not in text or not PATTERN.search(text):
        return []
    found = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = PATTERN.search(token.string)
        if not match:
            continue
        line, column = token.start
        start = column + match.start()
        span = Span(line, start + 1, line, column + match.end() + 1)
        raw = match.group("codes")
        codes = tuple(c.strip().upper() for c in raw.split(",") if c.strip()) if raw is not None else ()
        own_line = not token.line[:column].strip()
        whole_file = bool(match.group("file")) and own_line  # after code, `ignore-file` would read as a line's
        found.append(Suppression(line, span, codes, own_line, whole_file=whole_file))
    return found
