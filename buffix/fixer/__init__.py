"""The fixer: rewrite flagged argument expressions into a sanitized form, minimally and provably.

    outcome = fix_source(data, targets, style="slice", path=path)   # targets: Span of each argument expression
    if outcome.changed:
        write_atomic(path, outcome.new_source, expected_original=data)
"""

from buffix.fixer.apply import Edit, FixOutcome, Refusal, fix_source
from buffix.fixer.rewrite import STYLES, RewriteRefused, is_sanitized, rewrite
from buffix.fixer.write import FileChangedError, write_atomic

__all__ = [
    "STYLES",
    "Edit",
    "FileChangedError",
    "FixOutcome",
    "Refusal",
    "RewriteRefused",
    "fix_source",
    "is_sanitized",
    "rewrite",
    "write_atomic",
]
