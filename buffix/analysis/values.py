"""Abstract values the flow analysis tracks: what an expression holds, how sure we are, and how it got there."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Optional, Tuple

from buffix.core.findings import CONFIDENCES, FlowStep, Span

BODY = "body"  # a response body: what a proxy wraps
CHUNKS = "chunks"  # an iterable yielding bodies (iter_content(), a generator over chunks)
CONTAINER = "container"  # a list/deque/tuple holding bodies
OBJECT = "object"  # a client, response, stream... of catalog type `type`
CLEAN = "clean"  # known not to be (or hold) a body
TAINTED = (BODY, CHUNKS, CONTAINER, OBJECT)


@dataclass(frozen=True)
class Val:
    kind: str
    confidence: str = "high"
    flow: Tuple[FlowStep, ...] = ()
    type: str = ""  # OBJECT: the catalog type
    entries: Tuple[Span, ...] = ()  # CHUNKS/CONTAINER: where each body entered (the fix targets)
    param: int = -1  # >= 0 while summarizing a function: derived from this parameter
    slot: int = -1  # CONTAINER: a tuple whose item `slot` is the body; CHUNKS: each item is such a tuple
    attrs: Tuple[Tuple[str, "Val"], ...] = ()  # OBJECT of a tree class (type "class:<qualname>"): tainted self.*

    @property
    def tainted(self) -> bool:
        return self.kind in TAINTED

    def step(self, span: Span, description: str, path: Optional[str]) -> "Val":
        if self.flow and self.flow[-1].span == span and self.flow[-1].path == path:
            return self
        return replace(self, flow=self.flow + (FlowStep(span, description, path),))

    def at_most(self, confidence: str) -> "Val":
        return replace(self, confidence=weakest(self.confidence, confidence))


CLEAN_VAL = Val(CLEAN)


def weakest(*confidences: str) -> str:
    return min(confidences, key=CONFIDENCES.index)


def carries(value: Optional[Val]) -> bool:
    """Tainted, and more than a type: an instance of a tree class known only from an annotation holds no body yet
    (calls on it are resolved; passing it on is not followed)."""
    return (value is not None and value.tainted
            and not (value.kind == OBJECT and value.type.startswith("class:") and not value.attrs))


def is_body(value: Optional[Val]) -> bool:
    return value is not None and value.kind == BODY


def merge(values: Iterable[Optional[Val]]) -> Optional[Val]:
    """Join the values of several branches: a body on any branch is a body; entries add up."""
    best: Optional[Val] = None
    seen_unknown = False
    for value in values:
        if value is None:
            seen_unknown = True
            continue
        if best is None or _rank(value) > _rank(best):
            entries = best.entries if best is not None and best.kind == value.kind else ()
            best = replace(value, entries=_union(value.entries, entries))
        elif value.kind == best.kind and value.entries:
            best = replace(best, entries=_union(best.entries, value.entries))
    if best is not None and best.kind == CLEAN and seen_unknown:
        return None
    return best


def _rank(value: Val) -> Tuple[int, int]:
    return (1 if value.tainted else 0, CONFIDENCES.index(value.confidence))


def _union(a: Tuple[Span, ...], b: Tuple[Span, ...]) -> Tuple[Span, ...]:
    return a + tuple(s for s in b if s not in a)
