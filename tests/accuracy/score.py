"""Score `buffix check` against the labelled real-code ground truth (packages/*.yaml).

    python tests/accuracy/score.py [--split dev|test|all] [--strict] [--compare-prefilter] [--cache DIR]
                                   [--labels DIR] [--findings FILE] [--buffix CMD]

Packages fall into a development and a test half by a seeded hash of their name (labelset.split_of); the default
scores the development half. Scoring the test half appends a line to test-split-scored.log: it is scored rarely.

Fetches the pinned packages (fetch.py; cached), runs `buffix check --format json .` inside each package (as its
users would: its imports resolve from itself, never from another package of the corpus), and matches each finding to a label by package, path and line (a finding whose line range covers a
label also matches). A finding reported at a call site, whose flow ends at a sink inside the called function, is
matched by that sink (the last step of its flow) when its own line is unlabelled, or silent (for another sink on
that line) while the sink is a positive label of the finding's code: labels name sinks. A finding
is correct when it sits on a positive label and its code equals the label's code,
or the label's code is a prefix of it. Every other finding is a false positive: on a `silent` label, with the
wrong code, or on an unlabelled line ("unlabelled - review": read the code, then label it either way).

    recall              = positive labels found / positive labels (review-added labels not counted)
    precision           = correct findings / findings on labelled sites
    precision over all  = correct findings / all findings (an unlabelled one counts as wrong until reviewed)

Exit status: 0, or with --strict 1 when recall < 0.95, precision < 0.97, or buffix failed on a file;
2 when the labels, the download or buffix itself cannot be used.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

if not __package__:  # run as a script: make `tests.accuracy` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.accuracy.fetch import DEFAULT_CACHE, fetch_all, source_root
from tests.accuracy.labelset import (
    CLIENTS,
    CODES,
    FLOWS,
    ORIGINS,
    PACKAGES_DIR,
    SPLITS,
    Label,
    LabelError,
    LabelSet,
    load_labelset,
)

RECALL_TARGET = 0.95
PRECISION_TARGET = 0.97
ALL_PRECISION_TARGET = 0.95
TEST_SPLIT_LOG = Path(__file__).with_name("test-split-scored.log")
FAMILIES = sorted({code[:4] for code in CODES})


class ScoreError(RuntimeError):
    pass


@dataclass(frozen=True)
class Finding:
    package: str  # "" when the path is outside the source root
    path: str
    line: int
    end_line: int
    code: str
    message: str
    sink: Optional[Tuple[str, str, int]] = None  # (package, path, line) of the flow's last step, when it has one
    call_line: Optional[int] = None  # first line of the sink call whose argument the finding is, when they differ

    def covers(self, label: Label) -> bool:
        return (label.package, label.path) == (self.package, self.path) and self.line <= label.line <= self.end_line

    @property
    def where(self) -> str:
        return f"{self.package}/{self.path}:{self.line}" if self.package else f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Verdict:
    finding: Finding
    label: Optional[Label]
    reason: str  # "correct", "silent", "wrong-code", "unlabelled"


@dataclass
class Run:
    """What buffix produced: findings, plus files it reported it could not read or parse, and its timing."""

    findings: List[Finding] = field(default_factory=list)
    file_errors: List[str] = field(default_factory=list)
    seconds: Optional[float] = None  # summed over the packages
    slowest: List[Tuple[float, str]] = field(default_factory=list)  # (seconds, package), the slowest first


# --- obtaining findings ----------------------------------------------------------------------------------


def buffix_command(spec: Optional[str]) -> List[str]:
    if spec:
        return shlex.split(spec)
    installed = shutil.which("buffix")
    return [installed] if installed else [sys.executable, "-m", "buffix"]


def run_buffix(command: Sequence[str], src: Path, packages: Iterable[str], timeout: float,
               env: Optional[Dict[str, str]] = None) -> Run:
    """`buffix check .` inside each package, as its users run it (a package's imports resolve from itself, never
    from another package of the corpus), as many at once as there are cores."""
    from concurrent.futures import ThreadPoolExecutor

    names = list(packages)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        runs = list(pool.map(lambda name: _run_in_package(command, src, name, timeout, env), names))
    whole = Run(seconds=sum(r.seconds or 0.0 for r in runs))
    for run in runs:
        whole.findings += run.findings
        whole.file_errors += run.file_errors
    whole.slowest = sorted(((r.seconds or 0.0, name) for r, name in zip(runs, names)), reverse=True)[:5]
    return whole


def _run_in_package(command: Sequence[str], src: Path, package: str, timeout: float,
                    env: Optional[Dict[str, str]]) -> Run:
    argv = [*command, "check", "--format", "json", "--no-cache", "--jobs", "1", "."]
    where = src / package
    started = time.perf_counter()
    try:
        result = subprocess.run(argv, cwd=where, capture_output=True, text=True, timeout=timeout,
                                env={**os.environ, **(env or {})})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScoreError(f"cannot run {shlex.join(argv)} in {where}: {exc}") from None
    seconds = time.perf_counter() - started
    tail = "\n".join(result.stderr.strip().splitlines()[-15:])
    if result.returncode not in (0, 1, 2) or "Traceback (most recent call last)" in result.stderr:
        raise ScoreError(f"{shlex.join(argv)} in {where} exited {result.returncode} (a crash, not a verdict):\n{tail}")
    if not result.stdout.strip():
        raise ScoreError(f"{shlex.join(argv)} in {where} exited {result.returncode} and printed no JSON:\n{tail}")
    run = parse_findings(result.stdout, src, origin=f"output of {shlex.join(argv)} in {where}", base=where)
    in_report = set(run.file_errors)  # the versioned JSON carries the file errors stderr also names
    run.file_errors += [f"{package}/{line}" for line in result.stderr.splitlines()
                        if line.strip() and f"{package}/{line.replace(': error: ', ': ', 1)}" not in in_report]
    run.seconds = seconds
    return run


def parse_findings(text: str, src: Path, origin: str, base: Optional[Path] = None) -> Run:
    """buffix's JSON: an array of finding objects (or an object holding `findings` and maybe `errors`), its
    relative paths relative to `base` (default: the source root)."""
    base = base or src
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScoreError(f"{origin} is not JSON ({exc}): {text[:200]!r}") from None
    errors: list = []
    if isinstance(data, dict):
        errors = data.get("errors") or []
        data = data.get("findings")
    if not isinstance(data, list):
        raise ScoreError(f"{origin}: expected a JSON array of findings")
    run = Run(file_errors=[_describe_error(e, src, base) for e in errors])
    for index, item in enumerate(data):
        try:
            package, path = split_path(str(item["path"]), src, base)
            line = int(item["line"])
            end_line = int(item.get("end_line") or line)
            column = int(item.get("column") or 0)
            run.findings.append(Finding(package, path, line, max(line, end_line), str(item["code"]),
                                        str(item.get("message", "")), _sink(item.get("flow"), src, base),
                                        enclosing_call_line(src / package / path, line, column) if package else None))
        except (KeyError, TypeError, ValueError) as exc:
            raise ScoreError(f"{origin}: finding #{index} lacks a usable path/line/code ({exc!r}): {item!r}") from None
    return run


def _sink(flow: object, src: Path, base: Path) -> Optional[Tuple[str, str, int]]:
    """Where the finding's flow ends: the sink, which lies in a called function when buffix reports a call site."""
    if not isinstance(flow, list) or not flow or not isinstance(flow[-1], dict):
        return None
    last = flow[-1]
    try:
        package, path = split_path(str(last["path"]), src, base)
        line = int(last["line"])
    except (KeyError, TypeError, ValueError):
        return None
    # the step is the body argument's span; a label names the line of the sink call, which may wrap its arguments
    call_line = enclosing_call_line(src / package / path, line, int(last.get("column") or 0)) if package else None
    return package, path, call_line or line


_TREES: Dict[Path, Optional[ast.AST]] = {}


def enclosing_call_line(path: Path, line: int, column: int) -> Optional[int]:
    """The first line of the innermost call that has the finding's expression (line, 1-based column) as an argument:
    labels name the sink call's line, findings the argument's span, and a call may wrap its arguments."""
    if path not in _TREES:
        try:
            _TREES[path] = ast.parse(path.read_bytes())
        except (OSError, SyntaxError, ValueError):
            _TREES[path] = None
    tree = _TREES[path]
    if tree is None or column < 1:
        return None
    best: Optional[ast.Call] = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or node.lineno >= line:
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if (arg.lineno, arg.col_offset) == (line, column - 1):
                if best is None or (node.lineno, node.col_offset) > (best.lineno, best.col_offset):
                    best = node
    return best.lineno if best is not None else None


def _describe_error(error: object, src: Path, base: Path) -> str:
    if isinstance(error, dict):
        package, path = split_path(str(error.get("path", "?")), src, base)
        return f"{package}/{path}: {error.get('message', error)}" if package else f"{path}: {error.get('message')}"
    return str(error)


def split_path(path: str, src: Path, base: Optional[Path] = None) -> Tuple[str, str]:
    """(package, path inside it) for a path relative to `base` (default: the source root) or absolute."""
    absolute = Path(path) if os.path.isabs(path) else (base or src) / path
    try:
        parts = absolute.resolve().relative_to(src.resolve()).parts
    except ValueError:
        return "", path
    if len(parts) < 2:
        return "", path
    return parts[0], "/".join(parts[1:])


# --- matching and figures -------------------------------------------------------------------------------


def judge(findings: Iterable[Finding], labels: Iterable[Label]) -> List[Verdict]:
    by_file: Dict[Tuple[str, str], Dict[int, Label]] = defaultdict(dict)
    for label in labels:
        by_file[(label.package, label.path)][label.line] = label
    verdicts = []
    for finding in findings:
        in_file = by_file.get((finding.package, finding.path), {})
        label = in_file.get(finding.line)
        if label is None:  # a multi-line finding covering a labelled line
            covered = [in_file[n] for n in sorted(in_file) if finding.line <= n <= finding.end_line]
            label = covered[0] if covered else None
        if label is None and finding.call_line is not None:  # the argument of a call that starts lines earlier
            label = in_file.get(finding.call_line)
        at_sink = by_file.get(finding.sink[:2], {}).get(finding.sink[2]) if finding.sink is not None else None
        if label is None or (not label.positive and at_sink is not None and at_sink.positive
                             and finding.code.startswith(at_sink.expect)):
            # a call site: judge the sink its flow reaches (also when the call's line is silent for another
            # sink on it: `buf.extend(self._prepare_decrypt(body))`, the body reaching the decryptor inside)
            label = at_sink if at_sink is not None else label
        if label is None:
            reason = "unlabelled"
        elif not label.positive:
            reason = "silent"
        elif finding.code.startswith(label.expect):
            reason = "correct"
        else:
            reason = "wrong-code"
        verdicts.append(Verdict(finding, label, reason))
    return verdicts


def ratio(numerator: int, denominator: int) -> Optional[float]:
    return numerator / denominator if denominator else None


def percent(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def f1(precision: Optional[float], recall: Optional[float]) -> Optional[float]:
    if not precision or not recall:
        return None
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class Score:
    labelset: LabelSet
    verdicts: Tuple[Verdict, ...]

    @property
    def found(self) -> set:
        return {v.label.key for v in self.verdicts if v.reason == "correct"}

    @property
    def scored_positives(self) -> Tuple[Label, ...]:
        """Positives labelled before buffix's output was read: recall counts these only (review-added sites were
        found by the tool, so counting them would flatter it)."""
        return tuple(label for label in self.labelset.positives if label.origin != "review")

    @property
    def misses(self) -> List[Label]:
        return [label for label in self.labelset.positives if label.key not in self.found]

    @property
    def false_positives(self) -> List[Verdict]:
        return [v for v in self.verdicts if v.reason != "correct"]

    @property
    def labelled(self) -> List[Verdict]:
        return [v for v in self.verdicts if v.label is not None]

    @property
    def recall(self) -> Optional[float]:
        positives = self.scored_positives
        return ratio(sum(1 for label in positives if label.key in self.found), len(positives))

    @property
    def precision(self) -> Optional[float]:
        """Over findings on labelled sites."""
        labelled = self.labelled
        return ratio(sum(1 for v in labelled if v.reason == "correct"), len(labelled))

    @property
    def precision_all(self) -> Optional[float]:
        """Over every finding: one on an unlabelled line counts as wrong until a review labels it."""
        return ratio(len(self.verdicts) - len(self.false_positives), len(self.verdicts))


def _table(out, title: str, groups: Sequence[str], score: Score, label_group, finding_group) -> None:
    """Recall, precision and F1 per group; a finding belongs to the group of its label, else finding_group's."""
    found = score.found
    out(f"\nper {title}:")
    out(f"  {title:14} {'pos':>4} {'found':>5} {'recall':>7} {'reported':>8} {'correct':>7} {'precision':>9} "
        f"{'F1':>6}")
    for group in groups:
        pos = [label for label in score.scored_positives if label_group(label) == group]
        mine = [v for v in score.verdicts
                if (label_group(v.label) if v.label is not None else finding_group(v.finding)) == group]
        if not pos and not mine:
            continue
        hit = sum(1 for label in pos if label.key in found)
        good = sum(1 for v in mine if v.reason == "correct")
        rec, prec = ratio(hit, len(pos)), ratio(good, len(mine))
        out(f"  {group:14} {len(pos):4} {hit:5} {percent(rec):>7} {len(mine):8} {good:7} {percent(prec):>9} "
            f"{percent(f1(prec, rec)):>6}")


def report(score: Score, run: Run, src: Path, title: str = "all packages", out=print) -> None:
    positives, negatives = score.labelset.positives, score.labelset.negatives
    scored = score.scored_positives
    hit = sum(1 for label in scored if label.key in score.found)
    reviewed = len(positives) - len(scored)
    out(f"== {title}: {len(score.labelset.packages)} packages, {len(positives)} positive labels "
        f"({reviewed} added in review, not counted for recall), {len(negatives)} silent")
    if run.seconds is not None:
        slowest = ", ".join(f"{name} {seconds:.0f} s" for seconds, name in run.slowest)
        out(f"buffix check: {run.seconds:.1f} s summed over the packages of {src} (slowest: {slowest})")
    unlabelled = sum(1 for v in score.verdicts if v.reason == "unlabelled")
    out(f"findings: {len(score.verdicts)}, correct {len(score.verdicts) - len(score.false_positives)}, "
        f"on labelled sites {len(score.labelled)}, unlabelled (to review) {unlabelled}")
    out(f"RECALL    {percent(score.recall)}  ({hit}/{len(scored)}; target {RECALL_TARGET})")
    out(f"PRECISION {percent(score.precision)}  (labelled sites; target {PRECISION_TARGET})")
    out(f"F1        {percent(f1(score.precision, score.recall))}")
    out(f"PRECISION over all findings {percent(score.precision_all)}  (target {ALL_PRECISION_TARGET}"
        f"{'; final only when nothing is left to review' if unlabelled else ''})")

    _table(out, "flow", FLOWS, score, lambda label: label.flow, lambda finding: "(unlabelled)")
    _table(out, "family", FAMILIES, score, lambda label: label.expect[:4] if label.positive else None,
           lambda finding: finding.code[:4])
    _table(out, "client", CLIENTS, score, lambda label: label.client, lambda finding: "(unlabelled)")
    _table(out, "labelling", ORIGINS, score, lambda label: label.origin, lambda finding: "(unlabelled)")

    shown = os.path.relpath(src) if not os.path.relpath(src).startswith("..") else str(src)
    out(f"\nmisses ({len(score.misses)}), paths under {shown}/:")
    for label in sorted(score.misses, key=lambda lb: lb.key):
        out(f"  {label.package}/{label.path}:{label.line}: expected {label.expect} [{label.flow}, {label.client}] "
            f"{label.note}")
    out(f"\nfalse positives ({len(score.false_positives)}):")
    titles = {"silent": "on a silent label", "wrong-code": "wrong code", "unlabelled": "unlabelled - review"}
    for v in sorted(score.false_positives, key=lambda v: (v.reason, v.finding.where)):
        why = titles[v.reason]
        if v.label is not None and not v.finding.covers(v.label):
            why += f" of the sink {v.label.package}/{v.label.path}:{v.label.line}"
        if v.reason == "wrong-code":
            why += f", expected {v.label.expect}"
        if v.reason == "silent":
            why += f"{' (mocked response in tests)' if v.label.mock else ''}: {v.label.note}"
        out(f"  {v.finding.where}: {v.finding.code} {v.finding.message} ({why})")
    out(f"\nfiles buffix could not read or parse ({len(run.file_errors)}):")
    for line in run.file_errors:
        out(f"  {line}")


def stale_labels(labelset: LabelSet, src: Path) -> List[str]:
    """Labels whose file or line no longer exists in the fetched sources (a pin changed under them)."""
    stale = []
    for label in labelset.labels:
        path = src / label.package / label.path
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            stale.append(f"{label.package}/{label.path}:{label.line}: cannot read ({exc})")
            continue
        if label.line > len(lines) or not lines[label.line - 1].strip():
            stale.append(f"{label.package}/{label.path}:{label.line}: no code on that line")
    return stale


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"cache folder (default {DEFAULT_CACHE})")
    parser.add_argument("--labels", type=Path, default=PACKAGES_DIR,
                        help="folder of package label files, or one file (default: packages/ here)")
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="dev",
                        help="which half to score (default dev); scoring `test` is logged in test-split-scored.log")
    parser.add_argument("--log", type=Path, default=TEST_SPLIT_LOG, help=argparse.SUPPRESS)
    parser.add_argument("--why", default="", help="with --split test: why the test half is scored now (logged)")
    parser.add_argument("--findings", type=Path, help="score this saved `buffix check --format json` output "
                        "(paths relative to the source root) instead of running buffix; nothing is fetched")
    parser.add_argument("--buffix", help="command that runs buffix (default: `buffix` on PATH, else python -m buffix)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds buffix may take on one package (default 1800)")
    parser.add_argument("--compare-prefilter", action="store_true",
                        help="also run buffix with BUFFIX_NO_PREFILTER=1 and exit 1 unless the findings are the same")
    parser.add_argument("--strict", action="store_true", help="exit 1 below the targets or on files buffix failed on")
    args = parser.parse_args(argv)

    src = source_root(args.cache)
    split = None if args.split == "all" else args.split
    try:
        labelset = load_labelset(args.labels).only(split)
        if args.findings:
            run = parse_findings(args.findings.read_text(encoding="utf-8"), src, origin=str(args.findings))
        else:
            failures = fetch_all(labelset, args.cache, log=lambda line: None)
            if failures:
                raise ScoreError("cannot fetch the pinned packages:\n" + "\n".join(failures))
            stale = stale_labels(labelset, src)
            if stale:
                raise ScoreError("labels that no longer match the sources:\n" + "\n".join(stale))
            packages = sorted(p.name for p in labelset.packages)
            run = run_buffix(buffix_command(args.buffix), src, packages, args.timeout)
            if args.compare_prefilter:
                unfiltered = run_buffix(buffix_command(args.buffix), src, packages, args.timeout,
                                        env={"BUFFIX_NO_PREFILTER": "1"})
                differences = prefilter_differences(run, unfiltered)
    except (LabelError, ScoreError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if split == "test" and not args.findings:
        log_test_scoring(args.log, args.why)

    score = Score(labelset, tuple(judge(run.findings, labelset.labels)))
    report(score, run, src, title=f"split {args.split}")
    below = [
        name for name, value, target in
        (("recall", score.recall, RECALL_TARGET), ("precision", score.precision, PRECISION_TARGET))
        if value is not None and value < target
    ]
    if score.recall is None or not score.verdicts:
        below.append("no findings")
    if run.file_errors:
        below.append("files buffix failed on")
    if args.compare_prefilter and not args.findings:
        print(f"\nprefilter off vs on: {len(differences)} differences")
        for line in differences:
            print(f"  {line}")
        if differences:
            print("\nthe prefilter changes findings")
            return 1
    if below:
        print(f"\nbelow target: {', '.join(below)}")
        return 1 if args.strict else 0
    print("\ntargets met")
    return 0


def prefilter_differences(with_prefilter: Run, without: Run) -> List[str]:
    def keys(run: Run) -> set:
        return {(f.package, f.path, f.line, f.code) for f in run.findings}
    on, off = keys(with_prefilter), keys(without)
    return ([f"only without the prefilter: {p}/{path}:{line} {code}" for p, path, line, code in sorted(off - on)]
            + [f"only with the prefilter: {p}/{path}:{line} {code}" for p, path, line, code in sorted(on - off)])


def log_test_scoring(log_path: Path, why: str) -> None:
    """The test half is scored rarely, and every time is on record (committed with the figures it gave)."""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"{stamp}\t{why or 'no reason given'}\n")


if __name__ == "__main__":
    sys.exit(main())
