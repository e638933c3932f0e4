"""Raw flow hits -> Findings: messages, fix applicability, suppressions and the config's filters."""

from __future__ import annotations

import io
import tokenize
from typing import Any, Dict, List, Tuple

from buffix.analysis.flow.model import BODY, CHUNKS, CONTAINER, OBJECT, Raw
from buffix.analysis.parse import Parsed
from buffix.analysis.suppress import Suppression, find
from buffix.core.findings import Finding, Fix, FlowStep, Span
from buffix.knowledge.families import family_of
from buffix.knowledge.rules import all_rules
from buffix.knowledge.selectors import unknown as unknown_selectors

# what the snippet holds, by the kind of value that reaches the sink (OBJECT: a response a helper reads the body of)
_SUBJECTS = {BODY: "response body", CHUNKS: "chunks of a response body", CONTAINER: "a container of response bodies",
             OBJECT: "body of the response"}


def _message(raw: Raw) -> str:
    rule = all_rules()[raw.code]
    subject = _SUBJECTS.get(raw.value.kind, "response body")
    snippet = " ".join(raw.snippet.split())
    snippet = snippet if len(snippet) <= 32 else snippet[:31] + "…"
    family = family_of(raw.code)  # the family says what goes wrong in a few words; the message names the sink once
    return f"{subject} `{snippet}` reaches `{raw.label}`: {family.effect if family else rule.summary}"


def _has_comment(parsed: Parsed, raw: Raw) -> bool:
    for target in raw.targets:
        text = parsed.segment(target)
        if "#" not in text:
            continue
        try:
            tokens = tokenize.generate_tokens(io.StringIO("(" + text + "\n)").readline)
            if any(t.type == tokenize.COMMENT for t in tokens):
                return True
        except (tokenize.TokenError, SyntaxError):
            return True
    return False


def _fix(parsed: Parsed, raw: Raw, share: "_Shared") -> "Fix | None":
    if not raw.fixable or not raw.targets or not all_rules()[raw.code].fixable:
        return None
    reasons = []
    if raw.value.confidence != "high":
        reasons.append(f"the body's origin is guessed ({raw.value.confidence} confidence)")
    if _has_comment(parsed, raw):
        reasons.append("a comment sits inside the rewritten expression")
    if raw.shadowable:
        reasons.append("a star import may shadow the called name")
    return Fix("unsafe" if reasons else "safe", share.targets(raw.targets), share("; ".join(reasons)))


def _other_sinks(own: Tuple[FlowStep, ...], flows: List[Tuple[FlowStep, ...]]) -> Tuple[Tuple[FlowStep, ...], ...]:
    """The flows among `flows` that end at a sink in another file than `own` and each other do."""
    seen = {(own[-1].path, own[-1].span)} if own else set()
    kept = []
    for flow in sorted(flows, key=lambda f: (f[-1].path or "", f[-1].span.line, f[-1].span.column) if f else ("",)):
        end = (flow[-1].path, flow[-1].span) if flow else None
        if end is None or end[0] is None or end in seen:
            continue
        seen.add(end)
        kept.append(flow)
    return tuple(kept[:MAX_OTHER_SINKS])


def _strip(flow: Tuple[FlowStep, ...], path: str, share: "_Shared") -> Tuple[FlowStep, ...]:
    return share(tuple(share(FlowStep(share.span(s.span), share(s.description), None if s.path == path else s.path))
                       for s in flow))


class _Shared(dict):
    """One file's findings keep each equal part once (a file can have a finding every 77 bytes, each with ~5 spans,
    4 flow steps and their texts, mostly equal to a neighbour's): `share(x)` is a value equal to `x` seen before.
    Equal parts are near each other (a finding's own, its function's), so only the last _SHARED_MAX are looked
    up: the table of every part would cost as much as the findings."""

    def __call__(self, value: Any) -> Any:
        kept = self.get(value)
        if kept is None:
            if len(self) >= _SHARED_MAX:
                self.clear()
            kept = self[value] = value
        return kept

    def span(self, span: Span) -> Span:
        kept = self.get(span)
        if kept is None:  # its line numbers too: above 256 each is an object of its own
            kept = self(Span(self(span.line), span.column, self(span.end_line), span.end_column))
        return kept

    def targets(self, spans: Tuple[Span, ...]) -> Tuple[Span, ...]:
        return self(tuple(self.span(span) for span in spans))


_SHARED_MAX = 4096
MAX_OTHER_SINKS = 8  # flows kept beside a finding's own that end at other files' sinks (Finding.also)


def build(raws: List[Raw], parsed: Parsed, path: str, config) -> List[Finding]:
    best: Dict[tuple, Raw] = {}
    alike: Dict[tuple, List[Raw]] = {}
    for raw in raws:
        key = (raw.code, raw.span)
        alike.setdefault(key, []).append(raw)
        if key not in best or _rank(raw) > _rank(best[key]):
            best[key] = raw
    findings: List[Tuple[Finding, Raw]] = []
    share = _Shared()
    for key, raw in best.items():
        flow = _strip(raw.value.flow, path, share)
        others = _other_sinks(flow, [_strip(r.value.flow, path, share) for r in alike[key] if r is not raw])
        finding = Finding(raw.code, share(_message(raw)), path, share.span(raw.span), raw.value.confidence, flow,
                          _fix(parsed, raw, share), share(others))
        findings.append((finding, raw))

    suppressions = find(parsed.text)
    kept = []
    for finding, raw in findings:
        if not config.enabled(finding.code, path):
            continue
        lines = {raw.span.line, raw.stmt_line}
        covering = [s for s in suppressions if s.covers(finding.code, lines)]
        for suppression in covering:
            suppression.mark(finding.code)
        if not covering and config.reports(finding.confidence):
            kept.append(finding)
    kept.extend(f for f in _meta(suppressions, path) if config.enabled(f.code, path))
    return sorted(kept, key=lambda f: (f.line, f.column, f.code))


def _meta(suppressions: List[Suppression], path: str) -> List[Finding]:
    out = []
    for s in suppressions:
        unknown = unknown_selectors(s.codes)
        if not s.codes:
            out.append(Finding("BFX902", "suppression names no code: write `# buffix: ignore[CODE]`", path, s.span,
                               "high"))
        elif unknown:
            out.append(Finding("BFX902", f"unknown code(s) in suppression: {', '.join(unknown)}", path, s.span,
                               "high"))
        unused = [c for c in s.codes if c not in s.used and c not in unknown]
        if unused:
            out.append(Finding("BFX901", unused_message(unused), path, s.span,
                               "high"))
    return out


def unused_message(codes: List[str]) -> str:
    return f"unused suppression: no {', '.join(codes)} finding here"


def _rank(raw: Raw) -> Tuple[int, int]:
    from buffix.core.findings import CONFIDENCES

    return (CONFIDENCES.index(raw.value.confidence), len(raw.targets))
