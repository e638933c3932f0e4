"""Observe mode: the program runs unchanged (the proxy exports what the unsafe sites need), and every export is
recorded at the first program frame's exact position. At exit the sites are written as confirmed findings in
buffix's JSON format, one per call site, merged with what other processes of the same run wrote there.

Python 3.12+ records every family (PEP 688 `__buffer__`); 3.11 records the proxy-dependent (`bytes(body)`,
concatenation) and slow-copy (iteration) families only, and says so.
"""

from __future__ import annotations

import ast
import builtins
import linecache
import sys
import threading
from dataclasses import dataclass
from types import FrameType
from typing import Any, Dict, List, Optional, Tuple

from buffix.core.findings import Finding, Fix, FlowStep, Span

CONFIRMED = "confirmed"
ALL_FAMILIES = sys.version_info >= (3, 12)
LIMITATION = ("buffix observe: Python < 3.12 has no __buffer__ (PEP 688); only the proxy-dependent (BFX4) and "
              "slow-copy (BFX5) families are recorded")

# how an export reached the body -> the rule when the callee is not in the catalog (None: no rule, no fix)
KIND_CODES: Dict[str, Optional[str]] = {"bytes": "BFX401", "add": "BFX402", "radd": "BFX402", "iter": "BFX501",
                                        "buffer": None}
KIND_TEXT = {"bytes": "bytes()", "add": "concatenation", "radd": "concatenation", "iter": "iteration",
             "buffer": "the buffer protocol"}


@dataclass(frozen=True)
class Site:
    path: str
    span: Span  # the call expression that consumed the body
    kind: str


class Observer:
    """Collects exports by site; thread-safe; a site is resolved (callee, argument span) once."""

    def __init__(self, runtime: Any, output: str) -> None:
        self.runtime = runtime
        self.output = output
        self.lock = threading.Lock()
        self.sites: Dict[Site, Dict[str, Any]] = {}
        self._resolved: Dict[Tuple[Any, int, str], Optional[Site]] = {}

    # --- recording (called from the proxy's exporting dunders) ----------------------------------------------
    def export(self, kind: str, record: Any) -> None:
        frame: Optional[FrameType] = sys._getframe(2)
        internal = self.runtime.classifier.is_internal_frame
        while frame is not None and internal(frame):
            frame = frame.f_back
        if frame is None:
            return
        key = (frame.f_code, frame.f_lasti, kind)
        site = self._resolved.get(key)
        if key not in self._resolved:
            site = self._resolved[key] = self._site(frame, kind)
        if site is None:
            return
        with self.lock:
            entry = self.sites.get(site)
            if entry is None:
                entry = self.sites[site] = {"count": 0, "source": record.source, "created_at": record.created_at,
                                            "sink": _callee(frame, site)}
            entry["count"] += 1

    @staticmethod
    def _site(frame: Any, kind: str) -> Optional[Site]:
        code = frame.f_code
        try:
            line, end_line, column, end_column = list(code.co_positions())[frame.f_lasti // 2]
        except (AttributeError, IndexError, ValueError):  # no positions (3.10, -X no_debug_ranges)
            line, end_line, column, end_column = frame.f_lineno, frame.f_lineno, None, None
        if line is None:
            return None
        if column is None:
            column, end_column, end_line = 0, len(linecache.getline(code.co_filename, line).rstrip("\n")), line
        return Site(code.co_filename, Span(line, column + 1, end_line or line, end_column + 1), kind)

    # --- writing -------------------------------------------------------------------------------------------
    def findings(self) -> List[Finding]:
        found = []
        with self.lock:
            items = list(self.sites.items())
        for site, entry in items:
            call = _call_node(site)
            sink = entry["sink"]
            code, arg = sink_code(sink, call, site.kind)
            if code is None:
                code = KIND_CODES.get(site.kind) or "BFX1"
            target = _argument_span(site, call, arg)
            fix = Fix("safe", (target,)) if target is not None else None
            reason = "" if fix else ("; no fix: the callee is not in the catalog, so which argument is the body is "
                                     "unknown")
            message = (f"response body ({entry['source']}) reached `{sink or '?'}` through {KIND_TEXT[site.kind]} "
                       f"{entry['count']} time(s) at run time (observed){reason}")
            created_path, _, created_line = entry["created_at"].rpartition(":")
            flow = (FlowStep(Span(int(created_line or 0), 1, int(created_line or 0), 1),
                             f"body received from {entry['source']}", created_path),)
            found.append(Finding(code, message, site.path, site.span, CONFIRMED, flow, fix))
        return sorted(found, key=lambda f: (f.path, f.line, f.column, f.code))

    def write(self) -> None:
        """Merge this process's sites into the output file (other processes of the run may write it too)."""
        from buffix.report.observed import merge_write

        merge_write(self.output, self.findings())


_CATALOG: List[Any] = []


def sink_code(sink: str, call: Optional[ast.Call], kind: str) -> Tuple[Optional[str], Optional[Any]]:
    """(rule code, which argument is the body: index or keyword) from the catalog, (None, None) if unknown."""
    if not sink or kind != "buffer":
        return None, (0 if kind in ("bytes", "iter") else None)
    if not _CATALOG:
        from buffix.knowledge.catalog import load_catalog

        _CATALOG.append(load_catalog())
    catalog = _CATALOG[0]
    specs = catalog.call_sinks.get(sink) or catalog.method_sinks.get(("*", sink[2:]) if sink.startswith("*.") else
                                                                     ("", ""), [])
    for spec in specs:
        if spec.accepts != "body":  # a container of chunks: sliced where each chunk enters it, not here
            return spec.code, None
        if call is not None and spec.arg is not None and spec.arg < len(call.args):
            return spec.code, spec.arg
        for keyword in spec.keywords:
            if call is not None and any(kw.arg == keyword for kw in call.keywords):
                return spec.code, keyword
        return spec.code, None
    return None, None


def _call_node(site: Site) -> Optional[ast.Call]:
    lines = [linecache.getline(site.path, n) for n in range(site.span.line, site.span.end_line + 1)]
    if not lines or not lines[0]:
        return None
    if len(lines) == 1:
        text = lines[0][site.span.column - 1:site.span.end_column - 1]
    else:
        text = lines[0][site.span.column - 1:] + "".join(lines[1:-1]) + lines[-1][:site.span.end_column - 1]
    try:
        node = ast.parse("(" + text + ")", mode="eval").body
    except SyntaxError:
        return None
    return node if isinstance(node, ast.Call) else None


def _argument_span(site: Site, call: Optional[ast.Call], arg: Optional[Any]) -> Optional[Span]:
    """The span of the argument that carried the body, in file coordinates (the text was parsed after a "(")."""
    if call is None or arg is None:
        return None
    node = None
    if isinstance(arg, int) and arg < len(call.args) and not isinstance(call.args[arg], ast.Starred):
        node = call.args[arg]
    elif isinstance(arg, str):
        node = next((kw.value for kw in call.keywords if kw.arg == arg), None)
    if node is None or node.end_lineno is None or node.end_col_offset is None:
        return None

    def place(line: int, col: int) -> Tuple[int, int]:  # parsed line 1 starts one "(" later, at span.column
        if line == 1:
            return site.span.line, site.span.column + col - 1
        return site.span.line + line - 1, col + 1

    start, end = place(node.lineno, node.col_offset), place(node.end_lineno, node.end_col_offset)
    return Span(start[0], start[1], end[0], end[1])


def _callee(frame: Any, site: Site) -> str:
    """The consumer's qualified name where the frame can tell it (`io.BytesIO`, `*.write`), else ""."""
    call = _call_node(site)
    if call is None:
        return ""
    parts: List[str] = []
    node: Any = call.func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return f"*.{parts[0]}" if parts else ""
    parts.reverse()
    head = frame.f_locals.get(node.id, frame.f_globals.get(node.id, getattr(builtins, node.id, None)))
    if head is None:
        return ".".join([node.id, *parts])
    module = getattr(head, "__name__", None) if type(head).__name__ == "module" else None
    if module:
        return ".".join([module, *parts])
    if not parts and callable(head):
        owner = getattr(head, "__module__", None) or "builtins"
        return f"{owner}.{getattr(head, '__qualname__', node.id)}"
    return f"*.{parts[-1]}" if parts else node.id
