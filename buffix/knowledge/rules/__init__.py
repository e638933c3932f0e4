"""Rules: one module per family (buffix.knowledge.families), each rule carrying its docs and its tested examples.

    all_rules()["BFX101"].docs     # what it does / why it is bad / example / use instead / fix safety

A family module tells everything about its codes: `RULES`, `FAMILY` (a buffix.knowledge.families.Family, or None),
`LEVEL` (the SARIF level of its findings) and `SINKS` (its buffix.knowledge.model.SinkGroup entries, the sink catalog).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Dict, Optional, Tuple


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

- `slice` (default): `sink(x[:])` — no dependency; free on `bytes`; works through every proxy that forwards
  `__getitem__` (wrapt, lazy-object-proxy, werkzeug, Django).
- `getitem`: `sink(x.__getitem__(slice(None)))` — also reaches through getattr-only (JS-like) proxies; unidiomatic,
  and refused in a module that rebinds `slice`.
- `helper`: `sink(as_buffer(x))` with `from buffix.safe import as_buffer` added once — evaluates `x` once, slices,
  falls back to `__getitem__` and then unwrapping, and raises for `str`/`None`/`int`; needs buffix at run time."""


FAMILY_MODULES = ("buffer_consumer", "binary_writer", "reupload", "proxy_dependent", "slow_copy", "type_check", "meta")


@lru_cache(maxsize=1)
def family_modules() -> Tuple[ModuleType, ...]:
    """The family modules, in FAMILY_MODULES order."""
    from importlib import import_module

    return tuple(import_module(f"buffix.knowledge.rules.{name}") for name in FAMILY_MODULES)


@lru_cache(maxsize=1)
def all_rules() -> Dict[str, Rule]:
    """Every rule by code, in code order."""
    rules: Dict[str, Rule] = {}
    for module in family_modules():
        for rule in module.RULES:
            rules[rule.code] = rule
    return dict(sorted(rules.items()))


def family_module(code: str) -> Optional[ModuleType]:
    """The module of the family a code (`BFX101`) or code prefix (`BFX1`) belongs to; None for an unknown family."""
    for module in family_modules():
        if any(code.startswith(rule.code[:4]) for rule in module.RULES):
            return module
    return None


def level_of(code: str) -> str:
    """The SARIF level of a code's findings: its family module's LEVEL ("warning" for an unknown family)."""
    module = family_module(code)
    return module.LEVEL if module is not None else "warning"
