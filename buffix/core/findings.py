"""The result types every stage shares: analyzer → fixer → reporters.

Positions are 1-based; columns count characters (code points) and `end_column` is exclusive, as in ruff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

CONFIDENCES = ("low", "medium", "high")


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class FlowStep:
    """One hop of a body from its source to the sink, e.g. `body = resp.content`."""

    span: Span
    description: str
    path: Optional[str] = None  # set when the hop is in another module than the finding


@dataclass(frozen=True)
class Fix:
    """Slice each target expression (`sink(x)` → `sink(x[:])`); the style is chosen at fix time."""

    applicability: str  # "safe" | "unsafe"
    targets: Tuple[Span, ...]  # argument expressions to rewrite
    reason: str = ""  # why unsafe, shown to the user


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    path: str
    span: Span
    confidence: str  # "high" | "medium" | "low"
    flow: Tuple[FlowStep, ...] = ()
    fix: Optional[Fix] = None
    # flows of the same finding that end at other sinks in other files: a body handed to `handler.m(data)`, a
    # method several classes define, reaches each one's (each sink gets its own finding there: analysis.at_sink)
    also: Tuple[Tuple[FlowStep, ...], ...] = ()

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    @property
    def end_line(self) -> int:
        return self.span.end_line

    @property
    def end_column(self) -> int:
        return self.span.end_column


@dataclass(frozen=True)
class FileError:
    """A file that could not be read, decoded or parsed: reported, and the run goes on."""

    path: str
    message: str


@dataclass(frozen=True)
class FileResult:
    path: str
    findings: Tuple[Finding, ...] = field(default_factory=tuple)
    error: Optional[FileError] = None
    # other files of the analyzed tree the result was computed from (summaries, classes, prefilter stage 2):
    # a cached result is stale when one of them changed
    depends_on: Tuple[str, ...] = ()
