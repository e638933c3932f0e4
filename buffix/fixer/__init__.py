"""The fixer: rewrite flagged argument expressions into a sanitized form, minimally and provably.

    outcome = fix_source(data, targets, style="slice", path=path)   # targets: Span of each argument expression
    if outcome.changed:   # buffix.core.atomic is the one writer
        write_bytes_atomic(path, outcome.new_source, expected_original=data)
"""

from buffix.fixer.apply import Edit, FixOutcome, Refusal, fix_source
from buffix.fixer.rewrite import RewriteRefused, is_sanitized, rewrite
from buffix.knowledge.fix_styles import STYLE_NAMES as STYLES

__all__ = [
    "STYLES",
    "Edit",
    "FixOutcome",
    "Refusal",
    "RewriteRefused",
    "fix_source",
    "is_sanitized",
    "rewrite",
]
