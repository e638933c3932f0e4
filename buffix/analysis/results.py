"""Raw flow hits -> Findings: messages, fix applicability, suppressions and the config's filters."""

from __future__ import annotations

import io
import tokenize
from array import array
from dataclasses import replace
from typing import Dict, List, Sequence, Tuple

from buffix.analysis.flow.model import BODY, CHUNKS, CONTAINER, OBJECT, Raw
from buffix.analysis.parse import Parsed
from buffix.analysis.suppress import Suppression, find
from buffix.core.findings import Finding, Fix, FlowStep
from buffix.core.packed import PackedFindings, Packer
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


def _fix(parsed: Parsed, raw: Raw) -> "Fix | None":
    if not raw.fixable or not raw.targets or not all_rules()[raw.code].fixable:
        return None
    reasons = []
    if raw.value.confidence != "high":
        reasons.append(f"the body's origin is guessed ({raw.value.confidence} confidence)")
    if _has_comment(parsed, raw):
        reasons.append("a comment sits inside the rewritten expression")
    if raw.shadowable:
        reasons.append("a star import may shadow the called name")
    return Fix("unsafe" if reasons else "safe", raw.targets, "; ".join(reasons))


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


def _strip(flow: Sequence[FlowStep], path: str) -> Tuple[FlowStep, ...]:
    return tuple(FlowStep(s.span, s.description, None if s.path == path else s.path) for s in flow)


MAX_OTHER_SINKS = 8  # flows kept beside a finding's own that end at other files' sinks (Finding.also)


class Collected:
    """The module's raw hits (`Module.raw`), each made into its finding and packed as it is reported: a Raw holds
    its value's whole state (~1.4 KB), and a file can have one every 77 bytes. Does what the module does with its
    list: append, len, and cut back to a mark (`del raw[mark:]`: a class's methods run again)."""

    def __init__(self, parsed: Parsed, path: str) -> None:
        self.parsed, self.path = parsed, path
        self.found = Packer()
        self.stmt_lines = array("q")
        self.ranks = array("q")  # _rank, as one int

    def append(self, raw: Raw) -> None:
        path = self.path
        self.found.add(Finding(raw.code, _message(raw), path, raw.span, raw.value.confidence,
                               _strip(raw.value.flow, path), _fix(self.parsed, raw)))
        self.stmt_lines.append(raw.stmt_line)
        confidence, targets = _rank(raw)
        self.ranks.append(confidence << 32 | targets)

    def __len__(self) -> int:
        return len(self.found)

    def __delitem__(self, index: slice) -> None:
        assert index.stop is None and index.step is None, "only a cut back to a mark"
        count = index.indices(len(self))[0]
        self.found.cut(count)
        del self.stmt_lines[count:], self.ranks[count:]


def build(collected: Collected, parsed: Parsed, path: str, config) -> PackedFindings:
    found, ranks = collected.found, collected.ranks
    best: Dict[bytes, int] = {}  # by (code, span): the index of the best raw, the first of the best rank
    alike: Dict[bytes, List[int]] = {}  # every raw of a (code, span) that has several
    for index in range(len(found)):
        key = found.key(index)
        kept = best.get(key)
        if kept is None:
            best[key] = index
            continue
        alike.setdefault(key, [kept]).append(index)
        if ranks[index] > ranks[kept]:
            best[key] = index

    suppressions = find(parsed.text)
    chosen: List[int] = []  # the raws reported, in the order they were found; then ~n: the n-th of `meta`
    for index in best.values():
        finding = found.finding(index)
        if not config.enabled(finding.code, path):
            continue
        lines = {finding.span.line, collected.stmt_lines[index]}
        covering = [s for s in suppressions if s.covers(finding.code, lines)]
        for suppression in covering:
            suppression.mark(finding.code)
        if not covering and config.reports(finding.confidence):
            chosen.append(index)
    meta = [f for f in _meta(suppressions, path) if config.enabled(f.code, path)]
    chosen.extend(~n for n in range(len(meta)))
    # sorted by (line, column, code), ties in the order found: two stable sorts with keys that cost no memory
    chosen.sort(key=lambda n: meta[~n].code if n < 0 else found.code(n))
    chosen.sort(key=lambda n: meta[~n].line << 32 | meta[~n].column if n < 0 else found.position(n))
    if not alike and len(chosen) == len(found) and all(n == i for i, n in enumerate(chosen)):  # every raw reported,
        # in order: packed already (compared without a list of as many ints)
        del chosen
        return found.packed()
    out = Packer()
    for which in chosen:
        if which < 0:
            out.add(meta[~which])
            continue
        finding = found.finding(which)
        same = alike.get(found.key(which))
        if same:
            others = [found.finding(i).flow for i in same if i != which]
            finding = replace(finding, also=_other_sinks(finding.flow, others))
        out.add(finding)
    return out.packed()


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
