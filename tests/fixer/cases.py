"""Golden cases of fixtures/fixer: `NAME.before.py`, `NAME.targets.yaml`, and one `NAME.<style>.after.py` per style.

A target is written as the line it starts on and its exact text (an `occurrence` picks among repeats on that
line), so the fixtures stay readable and no marker leaks into the compared bytes. Spans are computed here
without the fixer's own helpers: 1-based line, 1-based column in characters, end column exclusive.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from buffix.core.findings import Span
from buffix.fixer import STYLES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fixer"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Case:
    name: str
    before: bytes
    targets: Tuple[Span, ...]
    unchanged: bool  # no style changes the file
    refused: Dict[str, int]  # style -> how many targets it must refuse

    def refused_for(self, style: str) -> int:
        return self.refused.get(style, 0)

    def after_path(self, style: str) -> Path:
        return FIXTURES / f"{self.name}.{style}.after.py"


def case_names() -> List[str]:
    return sorted(path.name[: -len(".before.py")] for path in FIXTURES.glob("*.before.py"))


def load_case(name: str) -> Case:
    before = (FIXTURES / f"{name}.before.py").read_bytes()
    spec = yaml.safe_load((FIXTURES / f"{name}.targets.yaml").read_text(encoding="utf-8"))
    text = decode(before)
    targets = tuple(locate(text, t["line"], t["text"], t.get("occurrence")) for t in spec["targets"])
    refused = spec.get("refused", 0)  # a count for every style, or {style: count}
    by_style = refused if isinstance(refused, dict) else {style: refused for style in STYLES}
    return Case(name, before, targets, bool(spec.get("unchanged", False)), by_style)


def decode(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)  # "utf-8-sig" drops the BOM, as Python does


def line_starts(text: str) -> List[int]:
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


def position(text: str, offset: int) -> Tuple[int, int]:
    starts = line_starts(text)
    line = max(i for i, start in enumerate(starts) if start <= offset)
    return line + 1, offset - starts[line] + 1


def locate(text: str, line: int, needle: str, occurrence=None) -> Span:
    starts = line_starts(text)
    line_start = starts[line - 1]
    line_end = starts[line] if line < len(starts) else len(text)
    found = [m.start() for m in re.finditer(re.escape(needle), text) if line_start <= m.start() < line_end]
    if occurrence is None and len(found) != 1:
        raise AssertionError(f"{needle!r} occurs {len(found)} times on line {line}; give an occurrence")
    start = found[(occurrence or 1) - 1]
    start_line, start_column = position(text, start)
    end_line, end_column = position(text, start + len(needle))
    return Span(start_line, start_column, end_line, end_column)
