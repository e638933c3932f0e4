"""The fix styles: how `buffix fix` spells a sanitized argument. The fixer, the config's `fix-style`, the CLI's
`--fix-style` and the rule docs all read this one table; adding a style is adding an entry (and its fixer goldens)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet

HELPER_NAME = "as_buffer"
HELPER_MODULE = "buffix.safe"
HELPER_IMPORT = f"from {HELPER_MODULE} import {HELPER_NAME}"


@dataclass(frozen=True)
class FixStyle:
    name: str
    template: str  # the sanitized form of the expression `{}`
    calls: FrozenSet[str]  # names the spelling calls: refused in a file that rebinds one
    docs: str  # the rule docs' bullet after the spelling (Markdown, wrapped as printed)

    @property
    def example(self) -> str:
        return self.template.format("x")


FIX_STYLES: Dict[str, FixStyle] = {style.name: style for style in (
    FixStyle("slice", "{}[:]", frozenset(),
             " — no dependency; free on `bytes`; works through every proxy that forwards\n"
             "  `__getitem__` (wrapt, lazy-object-proxy, werkzeug, Django)."),
    FixStyle("getitem", "{}.__getitem__(slice(None))", frozenset({"slice"}),
             " — also reaches through getattr-only (JS-like) proxies; unidiomatic,\n"
             "  and refused in a module that rebinds `slice`."),
    FixStyle("helper", HELPER_NAME + "({})", frozenset({HELPER_NAME}),
             f" with `{HELPER_IMPORT}` added once — evaluates `x` once, slices,\n"
             "  falls back to `__getitem__` and then unwrapping, and raises for `str`/`None`/`int`; needs buffix at "
             "run time."),
)}
DEFAULT_STYLE = "slice"
STYLE_NAMES = tuple(FIX_STYLES)


def check_style(style: str) -> None:
    """ValueError naming the styles when `style` is not one."""
    if style not in FIX_STYLES:
        raise ValueError(f"unknown fix style {style!r}; expected one of {', '.join(STYLE_NAMES)}")


def option_help() -> str:
    """`--fix-style`'s help: each style's spelling of `x`."""
    return "; ".join(f"{s.name}: {s.example}{' (default)' if s.name == DEFAULT_STYLE else ''}"
                     for s in FIX_STYLES.values()) + "."


def docs() -> str:
    """The styles' bullets in the rule docs."""
    return "\n".join(f"- `{s.name}`{' (default)' if s.name == DEFAULT_STYLE else ''}: `sink({s.example})`{s.docs}"
                     for s in FIX_STYLES.values())
