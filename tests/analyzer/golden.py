"""Reading the `# expect:` annotations of fixtures/analyzer (format in fixtures/analyzer/README.md).

`BUFFIX_REGENERATE=1 pytest tests/analyzer/test_fixtures.py` rewrites each fixture's annotations from what the
analyzer finds (then review the diff by hand: a regenerated golden is only as right as the analyzer)."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import List, Optional, Set, Tuple

from buffix.analysis import analyze_source
from buffix.analysis.project import Project
from buffix.config import Config

REGENERATE = os.environ.get("BUFFIX_REGENERATE") == "1"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer"
_EXPECT = re.compile(r"#\s*expect:\s*(?P<items>.*)$")
_ITEM = re.compile(r"^(?P<code>BFX\d{3})(?:\s+(?P<start>\d+)-(?P<end>\d+))?(?:\s+(?P<confidence>low|medium|high))?$")

Expectation = Tuple[str, int, Optional[int], Optional[int], Optional[str]]


def expectations(path: Path) -> List[Expectation]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = _EXPECT.search(line)
        if not match:
            continue
        for item in match.group("items").split(";"):
            parsed = _ITEM.match(item.strip())
            assert parsed, f"{path.name}:{number}: bad expectation {item!r}"
            start, end = parsed.group("start"), parsed.group("end")
            found.append((parsed.group("code"), number, int(start) if start else None, int(end) if end else None,
                          parsed.group("confidence")))
    return found


def cases() -> List[Path]:
    return sorted(p for p in FIXTURES.rglob("*.py"))


def analyze(path: Path):
    config = Config(min_confidence="low")
    project_root = next((p for p in path.parents if p.name.endswith("_project")), None)
    project = Project([project_root], config) if project_root is not None else None
    return analyze_source(path.read_bytes(), str(path), config, project)


def actual(path: Path) -> Set[Tuple[str, int, int, int, str]]:
    result = analyze(path)
    assert result.error is None, result.error
    return {(f.code, f.line, f.column, f.end_column, f.confidence) for f in result.findings}


def regenerate(path: Path) -> None:
    """Replace `path`'s `# expect:` annotations with the analyzer's findings, each on its own line (atomic, and only
    when the result still parses: a comment after a line continuation would not)."""
    found: dict = {}
    for code, line, start, end, confidence in sorted(actual(path)):
        found.setdefault(line, []).append(f"{code} {start}-{end} {confidence}")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for number, text in enumerate(lines, 1):
        body = text.rstrip("\r\n")
        ending = text[len(body):]
        body = _EXPECT.sub("", body).rstrip() if _EXPECT.search(body) else body
        if number in found:
            body = f"{body}  # expect: {'; '.join(found[number])}"
        lines[number - 1] = body + ending
    text = "".join(lines)
    ast.parse(text, str(path))
    temporary = path.with_name(path.name + ".regenerating")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
