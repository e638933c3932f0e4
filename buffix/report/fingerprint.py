"""A finding's fingerprint: the same while lines above it are added or removed, so CI tools can track it.

    sha256(code NUL path NUL line-text NUL occurrence), first 32 hex digits

`path` is the report's path of the file (relative to the report's base), `line-text` the finding's first source
line with runs of whitespace turned into one space and the ends stripped, and `occurrence` the index of the finding
among the findings of the same file with the same code and line text, in source order (two identical lines stay
two findings). Editing the flagged line, renaming the file or changing the code gives a new fingerprint. SARIF
carries it as `partialFingerprints["buffix/v1"]`, GitLab Code Quality as `fingerprint`, JSON as `fingerprint`.
"""

from __future__ import annotations

import hashlib
import linecache
from collections import Counter
from typing import Iterable, List, Tuple

from buffix.core.findings import Finding

KEY = "buffix/v1"  # the SARIF partialFingerprints key; a new scheme gets a new version


def line_text(path: str, line: int) -> str:
    """The finding's source line, whitespace-normalised; "" when the file cannot be read (stdin, a deleted file).
    linecache decodes as Python does (PEP 263 coding cookie, else UTF-8)."""
    try:
        return " ".join(linecache.getline(path, line).split())
    except (OSError, UnicodeDecodeError, SyntaxError):
        return ""


def fingerprints(findings: Iterable[Tuple[Finding, str]]) -> List[str]:
    """One fingerprint per (finding, report path), in the order given (source order within a file)."""
    seen: Counter = Counter()
    out = []
    for finding, path in findings:
        key = (finding.code, path, line_text(finding.path, finding.line))
        occurrence = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join((*key, str(occurrence))).encode("utf-8", "backslashreplace"))
        out.append(digest.hexdigest()[:32])
    return out
