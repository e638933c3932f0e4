"""Rules: one module per family (buffix.knowledge.families), each rule carrying its docs and its tested examples.

    all_rules()["BFX101"].docs     # what it does / why it is bad / example / use instead / fix safety

A family module tells everything about its codes: `RULES`, `FAMILY` (a buffix.knowledge.families.Family, or None),
`LEVEL` (the SARIF level of its findings), `PRECISION` (SARIF's rule precision: "very-high", "high", "medium" or
"low") and `SINKS` (its buffix.knowledge.model.SinkGroup entries, the sink catalog).
"""

from __future__ import annotations

from functools import lru_cache
from types import ModuleType
from typing import Dict, Optional, Tuple

from buffix.knowledge.rules.rule import FIX_STYLES, Invalid, Rule

__all__ = ["FAMILY_MODULES", "FIX_STYLES", "Invalid", "Rule", "all_rules", "family_module", "family_modules",
           "level_of", "precision_of"]

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


def precision_of(code: str) -> str:
    """How often a code's findings are right, in SARIF's words: its family module's PRECISION ("medium" for an
    unknown family)."""
    module = family_module(code)
    return module.PRECISION if module is not None else "medium"
