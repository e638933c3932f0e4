"""`--statistics`: one row per code — count, code, fixable marker, rule name — most frequent first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import List, Sequence

from buffix.core.findings import FileResult
from buffix.report.common import ReportOptions, applies, rule_table


@dataclass(frozen=True)
class Row:
    count: int
    code: str
    fixable: bool  # some finding of this code has a fix that applies under the current --unsafe-fixes setting
    name: str


def rows(results: Sequence[FileResult], options: ReportOptions) -> List[Row]:
    findings = [f for r in results for f in r.findings]
    counts = Counter(f.code for f in findings)
    fixable = {f.code for f in findings if applies(f, options.unsafe_fixes)}
    rules = rule_table(options)
    named = {code: getattr(rules.get(code), "name", "") for code in counts}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Row(n, code, code in fixable, named[code]) for code, n in ordered]


def render(results: Sequence[FileResult], options: ReportOptions) -> str:
    table = rows(results, options)
    if not table:
        return ""
    count_width = max(len(str(row.count)) for row in table)
    code_width = max(len(row.code) for row in table)
    return "".join(
        f"{row.count:>{count_width}}  {row.code:<{code_width}}  {'[*]' if row.fixable else '[ ]'} {row.name}".rstrip()
        + "\n"
        for row in table
    )


def render_json(results: Sequence[FileResult], options: ReportOptions) -> str:
    """The JSON report's document (buffix.report.json) with `statistics` in place of `findings`."""
    from buffix.report.json import VERSION, dumps, error_objects

    table = [{"count": r.count, "code": r.code, "name": r.name, "fixable": r.fixable} for r in rows(results, options)]
    return dumps({"version": VERSION, "statistics": table, "errors": error_objects(results, options)})
