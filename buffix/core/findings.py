"""The result types every stage shares: analyzer → fixer → reporters.

Positions are 1-based; columns count characters (code points) and `end_column` is exclusive, as in ruff.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Dict, Optional, Sequence, Tuple, Type, TypeVar, cast

CONFIDENCES = ("low", "medium", "high")
T = TypeVar("T")


def slotted(cls: Type[T]) -> Type[T]:
    """Above `@dataclass(frozen=True)`: the class again with `__slots__` (dataclass's `slots=True`, which Python 3.9
    lacks). No per-instance dict, so a file's thousands of findings and spans cost about half (and pickling one
    no longer gives it a dict); pickled by its fields (a frozen class cannot take a pickled state by setattr)."""
    made: Any = cls
    names = tuple(f.name for f in fields(made) if f.name not in _slots_of(made.__mro__[1:]))
    namespace = {key: value for key, value in made.__dict__.items()
                 if key not in names and key not in ("__dict__", "__weakref__")}
    namespace["__slots__"] = names
    namespace["__reduce__"] = _reduce
    return cast(Type[T], type(made)(made.__name__, made.__bases__, namespace))


def _slots_of(classes: Tuple[type, ...]) -> Tuple[str, ...]:
    return tuple(name for klass in classes for name in getattr(klass, "__slots__", ()))


def _reduce(self: Any) -> Tuple[type, Tuple[Any, ...]]:
    cls = type(self)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return cls, tuple(getattr(self, name) for name in names)


_FIELD_NAMES: Dict[type, Tuple[str, ...]] = {}


@slotted
@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@slotted
@dataclass(frozen=True)
class FlowStep:
    """One hop of a body from its source to the sink, e.g. `body = resp.content`."""

    span: Span
    description: str
    path: Optional[str] = None  # set when the hop is in another module than the finding


@slotted
@dataclass(frozen=True)
class Fix:
    """Slice each target expression (`sink(x)` → `sink(x[:])`); the style is chosen at fix time."""

    applicability: str  # "safe" | "unsafe"
    targets: Tuple[Span, ...]  # argument expressions to rewrite
    reason: str = ""  # why unsafe, shown to the user


@slotted
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


@slotted
@dataclass(frozen=True)
class FileError:
    """A file that could not be read, decoded or parsed: reported, and the run goes on."""

    path: str
    message: str


@slotted
@dataclass(frozen=True)
class FileResult:
    path: str
    findings: Sequence[Finding] = field(default_factory=tuple)  # a tuple, or packed (core.packed) by the analyzer
    error: Optional[FileError] = None
    # other files of the analyzed tree the result was computed from (summaries, classes, prefilter stage 2):
    # a cached result is stale when one of them changed
    depends_on: Tuple[str, ...] = ()
