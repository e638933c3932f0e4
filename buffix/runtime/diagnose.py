"""Explain a TypeError caused by a response body proxy: which rule family, and the fix.

Used by `buffix run` (an excepthook) and the pytest plugin, so a failure at run time names the same codes
`buffix check` reports.
"""

from __future__ import annotations

import linecache
import re
from functools import lru_cache
from types import TracebackType
from typing import Optional, Tuple

from buffix.knowledge.families import BUFFER_CONSUMER, FAMILIES, REUPLOAD, Family
from buffix.runtime.registry import line_of


@lru_cache(maxsize=1)
def line_patterns() -> Tuple[Tuple["re.Pattern[str]", Family], ...]:
    """The program line that failed says which family it is; first match wins. The patterns are the sink catalog's
    `failing_line`s (buffix/knowledge/model.SinkGroup), joined per family, in family order. Built on the first
    failure explained, not when the runtime starts."""
    from buffix.knowledge.sinks import failing_lines

    lines = failing_lines()
    return tuple((re.compile("|".join(lines[f.code])), f) for f in FAMILIES if f.code in lines)


_CODE_IN_MESSAGE = re.compile(r"\b(BFX\d)\b")


def _involves_proxy(exc: BaseException, tb: Optional[TracebackType]) -> bool:
    from buffix.runtime import runtime
    from buffix.runtime.proxy import HINT, BodyProxy

    message = str(exc)
    if HINT in message or "response body proxy" in message:
        return True
    sites = {(site[0].co_filename, line_of(site)) for site in set(runtime.registry.recent_sites)}
    buffer_complaint = _BUFFER_COMPLAINT.search(message) is not None
    while tb is not None:  # a proxy handed to a library (requests data=...) fails deep inside it
        if any(issubclass(type(value), BodyProxy) for value in tb.tb_frame.f_locals.values()):
            return True
        # no local holds it (an inline `hashlib.md5(requests.get(u).content)`): the failing line received a body
        if buffer_complaint and (tb.tb_frame.f_code.co_filename, tb.tb_lineno) in sites:
            return True
        tb = tb.tb_next
    return False


_BUFFER_COMPLAINT = re.compile(r"buffer|bytes-like|bytes or bytearray|bytes, not|must be bytes")


def _column(tb: TracebackType) -> Optional[int]:
    """1-based column of the failing expression in its line (Python 3.11+ positions)."""
    positions = getattr(tb.tb_frame.f_code, "co_positions", None)
    if positions is None or tb.tb_lasti < 0:
        return None
    try:
        column = list(positions())[tb.tb_lasti // 2][2]
    except (IndexError, TypeError):
        return None
    return None if column is None else column + 1


def _program_line(tb: Optional[TracebackType]) -> Tuple[str, int, str]:
    """The innermost frame of the program (not the standard library, a client library or buffix)."""
    from buffix.runtime import runtime

    found = ("<unknown>", 0, "")
    while tb is not None:
        code = tb.tb_frame.f_code
        if not runtime.classifier.is_internal_frame(tb.tb_frame):
            line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
            column = _column(tb)
            found = (f"{code.co_filename}:{tb.tb_lineno}" + (f":{column}" if column else ""), tb.tb_lineno, line)
        tb = tb.tb_next
    return found


def family_for(message: str, line: str) -> Family:
    patterns = line_patterns()
    if any(family is REUPLOAD and pattern.search(line) for pattern, family in patterns):
        return REUPLOAD  # a re-upload fails inside the client, whatever refused there
    match = _CODE_IN_MESSAGE.search(message)
    if match:
        for family in FAMILIES:
            if family.code == match.group(1):
                return family
    for pattern, family in patterns:
        if pattern.search(line):
            return family
    return BUFFER_CONSUMER


def explain(exc: BaseException, tb: Optional[TracebackType] = None) -> Optional[str]:
    """A few lines naming the rule family and the fix, or None when the error has nothing to do with a proxy."""
    tb = tb if tb is not None else exc.__traceback__
    if not isinstance(exc, TypeError) or not _involves_proxy(exc, tb):
        return None
    path, lineno, line = _program_line(tb)
    family = family_for(str(exc), line)
    where = f"{path}: {line}" if lineno else "(no program frame in the traceback)"
    return (
        f"buffix: this TypeError comes from a response body proxy ({family.code} {family.name}).\n"
        f"  at {where}\n"
        f"  why: {family.behaviour}\n"
        f"  fix: {family.safe_form}; `buffix fix` rewrites such sites, `buffix check` finds them all"
    )
