"""A rule: its code, its docs (ruff's headings) and its tested examples (Fixit's VALID/INVALID)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Optional, Tuple

from buffix.knowledge.fix_styles import docs as fix_style_docs


@dataclass(frozen=True)
class Invalid:
    """An example that must produce a finding of the rule, at `line`:`column` when given."""

    source: str
    line: Optional[int] = None
    column: Optional[int] = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str  # one line; also the finding message's explanation
    what: str
    why: str
    example: str
    use_instead: str
    fix_safety: str
    fixable: bool = True
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Invalid, ...] = ()

    @property
    def docs(self) -> str:
        def code(text: str) -> str:
            return "```python\n" + textwrap.dedent(text).strip() + "\n```"

        return "\n\n".join(
            [
                f"# {self.code} {self.name}",
                f"## What it does\n{self.what.strip()}",
                f"## Why is this bad?\n{self.why.strip()}",
                f"## Example\n{code(self.example)}",
                f"## Use instead\n{code(self.use_instead)}",
                f"## Fix safety\n{self.fix_safety.strip()}",
            ]
            + ([FIX_STYLES] if self.fixable else [])
        )


FIX_STYLES = """## Where the fix goes, and its styles
The fix edits only the argument that carries the body. A body returned by a helper is sliced at the sink in the
caller (the helper may have other callers that need no copy); a chunk is sliced where it enters its container or
writer. `--fix-style` (or `fix-style` in the config) chooses the spelling — never the JS-style
`x[:] if hasattr(x, "__getitem__") else bytes(x)`, which `hasattr` fools, lets a `str` through and evaluates `x` twice
(a second `urlopen().read()` returns an empty body):

""" + fix_style_docs()
