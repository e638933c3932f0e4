"""Rule-code selectors — a code (`BFX101`) or a prefix of codes (`BFX1`, `BFX`) — as `select`, `ignore`, the
command line and `# buffix: ignore[...]` name them: the one place that says which are known."""

from __future__ import annotations

from typing import Iterable, List

PREFIX = "BFX"  # every code starts with it; a selector that does not names nothing


def is_known(selector: str) -> bool:
    """Whether `selector` is a rule's code or a prefix of one."""
    from buffix.knowledge.rules import all_rules

    return selector.startswith(PREFIX) and any(code.startswith(selector) for code in all_rules())


def unknown(selectors: Iterable[str]) -> List[str]:
    """The selectors that name no rule, in order."""
    return [selector for selector in selectors if not is_known(selector)]


def unknown_message(selector: str) -> str:
    """What a config file and the command line say about an unknown selector."""
    from buffix.knowledge.rules import all_rules

    return f"unknown rule code or prefix {selector!r}; known codes: {', '.join(all_rules())}"
