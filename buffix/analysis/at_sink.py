"""Report a body that crosses modules at its sink too (issue 10 §2.1).

The analyzer follows a body from the caller into a helper of another module and reports it at the caller's argument,
where the fix belongs. A reader of the helper must see it as well, so once every file of a run is analyzed, each
distinct sink reached that way gets one finding in its own file, listing every caller in its flow. Such a finding has
no fix (the fix is at the callers), and obeys the sink file's suppressions and config like any other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from buffix.analysis.results import unused_message
from buffix.analysis.suppress import find
from buffix.core.findings import CONFIDENCES, FileResult, Finding, FlowStep, Span
from buffix.knowledge.families import family_of

MAX_CALLERS = 20  # callers listed in one sink finding's flow


@dataclass(frozen=True)
class _Caller:
    finding: Finding
    tail: Tuple[FlowStep, ...]  # the steps of its flow inside the sink's file


def _sink_of(finding: Finding, flow: Tuple[FlowStep, ...]) -> Optional[Tuple[str, Span]]:
    """The file and position of the sink a flow of `finding` ends at, when that is in another file."""
    last = flow[-1] if flow else None
    if last is None or last.path is None or last.path == finding.path:
        return None
    return last.path, last.span


def sink_findings(results: Sequence[FileResult], settings: Callable[[str], Optional[object]],
                  read_text: Callable[[str], Optional[str]]) -> List[FileResult]:
    """`results` with a finding added at each sink in a checked file that bodies from other files reach.
    `settings(path)` is the Config of a checked file (None: not checked here); `read_text(path)` its text."""
    by_path = {os.path.abspath(result.path): index for index, result in enumerate(results)}
    reached: Dict[Tuple[str, str, Span], List[_Caller]] = {}
    for result in results:
        for finding, flow in ((f, flow) for f in result.findings for flow in (f.flow, *f.also)):
            sink = _sink_of(finding, flow)
            index = by_path.get(os.path.abspath(sink[0])) if sink is not None else None
            if sink is None or index is None:
                continue
            tail = tuple(replace(s, path=None) for s in flow if s.path == sink[0])
            path = results[index].path  # flows name other files absolutely, results as they were found
            reached.setdefault((path, finding.code, sink[1]), []).append(_Caller(finding, tail))
    if not reached:
        return list(results)
    out = list(results)
    for path in sorted({key[0] for key in reached}):
        index = by_path[os.path.abspath(path)]
        config = settings(path)
        if config is None or out[index].error is not None:
            continue
        text = read_text(path)
        if text is None:
            continue
        own = {(f.code, f.span): f for f in out[index].findings}
        raised: Dict[Finding, str] = {}  # own findings that callers in other files make surer
        suppressions = find(text)
        added: List[Finding] = []
        used: Dict[Span, set] = {}
        here = sorted((k for k in reached if k[0] == path), key=lambda k: (k[2].line, k[2].column, k[1]))
        for key in here:  # by position (a Span has no order)
            _, code, span = key
            callers = reached[key]
            if (code, span) in own:
                surest = max((c.finding.confidence for c in callers), key=CONFIDENCES.index)
                if CONFIDENCES.index(surest) > CONFIDENCES.index(own[(code, span)].confidence):
                    raised[own[(code, span)]] = surest  # guessed here, known from a caller
                continue
            if not config.enabled(code, path):  # type: ignore[attr-defined]
                continue
            finding = _at_sink(path, code, span, callers)
            covering = [s for s in suppressions if s.covers(code, {span.line})]
            if covering:
                for suppression in covering:
                    used.setdefault(suppression.span, set()).update(c for c in suppression.codes
                                                                    if code.startswith(c))
                continue
            if config.reports(finding.confidence):  # type: ignore[attr-defined]
                added.append(finding)
        findings = [replace(f, confidence=raised[f]) if f in raised else f for f in out[index].findings]
        kept = [f for f in (_still_unused(f, used) for f in findings) if f is not None] + added
        out[index] = replace(out[index], findings=tuple(sorted(kept, key=lambda f: (f.line, f.column, f.code))))
    return out


def _still_unused(finding: Finding, used: Dict[Span, set]) -> Optional[Finding]:
    """A BFX901 "unused suppression" without the codes a sink finding now uses (None: all of them are used)."""
    if finding.code != "BFX901" or finding.span not in used:
        return finding
    listed = finding.message.partition(": no ")[2].rpartition(" finding")[0]
    unused = [c.strip() for c in listed.split(",") if c.strip() and c.strip() not in used[finding.span]]
    if not unused:
        return None
    return replace(finding, message=unused_message(unused))


def _at_sink(path: str, code: str, span: Span, callers: List[_Caller]) -> Finding:
    callers = sorted(callers, key=lambda c: (-CONFIDENCES.index(c.finding.confidence), c.finding.path,
                                             c.finding.line, c.finding.column))
    best = callers[0]
    confidence = best.finding.confidence
    flow = tuple(FlowStep(c.finding.span, "a response body is passed here", c.finding.path)
                 for c in callers[:MAX_CALLERS]) + best.tail
    label = best.tail[-1].description.removeprefix("reaches ") if best.tail else "this sink"
    family = family_of(code)
    effect = family.effect if family is not None else "a proxied body fails here"
    count = len(callers)
    origin = f"{count} callers in other modules" if count > 1 else f"a caller in {best.finding.path}"
    message = f"response body from {origin} reaches {label}: {effect}"
    return Finding(code, message, path, span, confidence, flow, None)
