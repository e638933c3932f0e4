"""Fix files through the analyzer: analyze → apply the chosen fixes → analyze again to see what remains.

Nothing here writes: `fix_file` returns the fixed bytes and the findings that remain, and the caller decides
to write them (atomically), print a diff, or send them to stdout.
"""

from __future__ import annotations

import difflib
import gc
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence, Tuple

from buffix.core.findings import FileError, FileResult, Finding, Span
from buffix.core.heap import trim
from buffix.core.packed import PackedSpans
from buffix.fixer.apply import Edit, Refusal, fix_source
from buffix.fixer.source import SourceError, decode_source

Analyze = Callable[[bytes, str], FileResult]
_MAX_PASSES = 4  # a fix may reveal a finding that depended on it; stop well before any loop
COLLECT_BYTES = 256 * 1024  # files analyzed in pieces (analysis/bounded.py)


@dataclass(frozen=True)
class FileFix:
    path: str
    original: bytes
    fixed: Optional[bytes]  # None: nothing changes
    applied: Sequence[Edit] = ()  # packed (fixer.apply.PackedEdits)
    refused: Tuple[Refusal, ...] = ()
    remaining: Sequence[Finding] = ()  # findings of the fixed file (of the original when nothing changed)
    error: Optional[FileError] = None

    @property
    def changed(self) -> bool:
        return self.fixed is not None

    @property
    def unsafe_remaining(self) -> int:
        return sum(1 for f in self.remaining if f.fix is not None and f.fix.applicability == "unsafe")


def fix_targets(findings: Iterable[Finding], unsafe: bool) -> Sequence[Span]:
    """The argument spans to rewrite: those of safe fixes, and of unsafe ones when asked for. Packed: held while
    the file is fixed."""
    chosen = {}
    for finding in findings:
        if finding.fix is not None and (finding.fix.applicability == "safe" or unsafe):
            chosen.update(dict.fromkeys(finding.fix.targets))
    return PackedSpans(chosen)


def fix_file(data: bytes, path: str, analyze: Analyze, style: str, unsafe: bool) -> FileFix:
    result = analyze(data, path)
    if result.error is not None:
        return FileFix(path, data, None, remaining=result.findings, error=result.error)
    current = data
    applied: List[Sequence[Edit]] = []  # each pass's edits, packed
    refused: List[Refusal] = []
    for _ in range(_MAX_PASSES):
        targets = fix_targets(result.findings, unsafe)
        if not targets:
            break
        if len(current) > COLLECT_BYTES:
            # the analysis leaves cycles (a worker collects the oldest objects rarely) scattered over its heap: freed
            # here, the fixer reuses that heap instead of growing past it (a 1 MB file: ~3 MiB)
            gc.collect()
            trim()
        outcome = fix_source(current, targets, style, path)
        del targets
        refused.extend(outcome.refused)
        if outcome.new_source is None:  # nothing changed
            break
        applied.append(outcome.applied)
        current = outcome.new_source
        del result, outcome  # the old findings go before the next analysis
        if len(current) > COLLECT_BYTES:
            trim()
        result = analyze(current, path)
        if result.error is not None:  # never hand back a file the analyzer cannot read any more
            error = FileError(path, f"not fixed: the fixed file does not analyze: {result.error.message}")
            return FileFix(path, data, None, refused=tuple(refused), error=error)
    fixed = current if current != data else None
    edits = applied[0] if len(applied) == 1 else tuple(edit for done in applied for edit in done)
    return FileFix(path, data, fixed, edits, tuple(refused), result.findings)


def needs_fix(unsafe: bool, observed: Sequence[Finding] = ()) -> Callable[[FileResult], bool]:
    """For the pipeline's `refresh`: a cached result with a fix to apply (or a file with observed findings) must be
    analyzed, and fixed, again."""
    import os

    observed_files = {os.path.realpath(f.path) for f in observed}

    def stale(result: FileResult) -> bool:
        return bool(fix_targets(result.findings, unsafe)) or (
            bool(observed_files) and os.path.realpath(result.path) in observed_files)

    return stale


@dataclass(frozen=True)
class Fixing:
    """The pipeline's `analyze_one` for `fix`: analyze a file, and fix it right there in the worker (fix, prove,
    analyze the fixed text again), so no process holds other files' results while it analyzes. A file with nothing
    to fix gets its plain result; otherwise a `Reworked` whose payload is the FileFix (nothing is written here)."""

    analyze: Callable[[str, bytes], FileResult]
    style: str
    unsafe: bool
    observed: Tuple[Finding, ...] = ()  # `fix --observed`: joins the first analysis only

    def __call__(self, path: str, data: bytes) -> FileResult:
        from buffix.pipeline import Reworked, analyze_guarded, guarded

        plain = self.analyze(path, data)  # the pipeline guards this call, as it guards `check`'s
        first = [plain]
        if self.observed:
            from buffix.report.observed import merge_into

            first = merge_into(first, self.observed)
        if first[0].error is not None or not fix_targets(first[0].findings, self.unsafe):
            if first[0] is plain:
                return plain  # nothing to fix: the result `check` would cache
            merged = first[0]  # observed findings are this run's, not the file's: never cached
            return Reworked(path, merged.findings, merged.error, payload=FileFix(
                path, b"", None, remaining=merged.findings, error=merged.error), of_bytes_read=False)
        del plain
        depends = first[0].depends_on

        def analyze(source: bytes, name: str) -> FileResult:
            return first.pop() if first else analyze_guarded(self.analyze, name, source)

        fix = guarded(partial(fix_file, data, path, analyze, self.style, self.unsafe), partial(_unfixed, path, data))
        kept = not fix.changed and fix.error is None  # the findings are still those of the bytes read
        return Reworked(path, fix.remaining, fix.error, depends if kept else (), payload=fix, of_bytes_read=kept)


def fix_results(results: Sequence[FileResult], fixing: "Fixing",
                prepare: Optional[Callable[[int], Any]] = None) -> Iterator[FileFix]:
    """The FileFix of every file of `results` with an error, a fix or a finding. A result of `check_run(fixing=True)`
    carries its FileFix (made in the worker that analyzed it). A plain one (`check --diff`, the API's `fix_run`) with
    a fix that applies is fixed the same way: its file goes through the pipeline again with `fixing` (in a worker: a
    parser killed by a signal costs only its file; no cache, no prefilter: it is known to have a fix). `prepare` is
    the pipeline's."""
    import os

    from buffix.pipeline import Reworked, check_files

    seen = set()  # a file reached through a symlink and as itself is one file: fixed once
    chosen: List[FileResult] = []  # each file's first result, in order
    again: List[str] = []  # the plain results' files to fix
    for result in results:
        if isinstance(result, Reworked) or (result.error is None and fix_targets(result.findings, fixing.unsafe)):
            real = os.path.realpath(result.path)
            if real in seen:
                continue
            seen.add(real)
            if not isinstance(result, Reworked):
                again.append(result.path)
        chosen.append(result)
    refixed = {fixed.path: fixed for fixed in check_files(again, fixing, prepare=prepare)} if again else {}
    for result in chosen:
        result = refixed.get(result.path, result)
        if isinstance(result, Reworked):
            yield result.payload
        elif result.error is not None:
            yield FileFix(result.path, b"", None, error=result.error)
        elif result.findings:  # nothing to fix (any more): what remains
            yield FileFix(result.path, b"", None, remaining=result.findings)


def _unfixed(path: str, data: bytes, message: str) -> FileFix:
    return FileFix(path, data, None, error=FileError(path, message))


def edits_by_target(style: str, results: Sequence[FileResult] = ()) -> Callable[[Finding], Tuple[Edit, ...]]:
    """For reports: the edits a finding's fix makes, in `style`. Each file is fixed (and verified) once, with the
    targets of all its findings in `results`; a finding gets the edits of its own targets."""
    targets_by_path: dict = {}
    for result in results:
        for finding in result.findings:
            if finding.fix is not None:
                targets_by_path.setdefault(result.path, {}).update(dict.fromkeys(finding.fix.targets))
    edits_by_path: dict = {}

    def edits(finding: Finding) -> Tuple[Edit, ...]:
        if finding.fix is None:
            return ()
        if finding.path not in edits_by_path:
            targets = tuple(targets_by_path.get(finding.path, {})) or finding.fix.targets
            try:
                data = Path(finding.path).read_bytes()
            except OSError:
                edits_by_path[finding.path] = {}
            else:
                applied = fix_source(data, targets, style, finding.path).applied
                edits_by_path[finding.path] = {edit.span: edit for edit in applied}
        by_span = edits_by_path[finding.path]
        return tuple(by_span[target] for target in finding.fix.targets if target in by_span)

    return edits


def unified_diff(fix: FileFix) -> str:
    """The change as a unified diff of the decoded text (lines keep their own endings)."""
    if fix.fixed is None:
        return ""
    try:
        before, after = decode_source(fix.original).text, decode_source(fix.fixed).text
    except SourceError:  # cannot happen for a file the fixer produced; show bytes rather than fail
        before, after = fix.original.decode("latin-1"), fix.fixed.decode("latin-1")
    lines: List[str] = list(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{fix.path}", f"b/{fix.path}"
        )
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)
