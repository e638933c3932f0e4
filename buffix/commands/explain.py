"""`buffix explain CODE`: a rule's full documentation."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, List, Tuple

import click

if TYPE_CHECKING:
    from buffix.knowledge.rules import Rule


@click.command(short_help="Show a rule's full documentation.")
@click.argument("codes", nargs=-1, required=True, metavar="CODE...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: the docs as Markdown; json: code, name, summary, fixable and docs of each rule.")
def explain(codes: Tuple[str, ...], fmt: str) -> None:
    """Show the full documentation of a rule: what it finds, why it breaks, an example, what to write
    instead, and whether its fix is safe.

    A family prefix (BFX1) explains every rule in it. Unknown codes exit with status 2.

    \b
    Examples:
      buffix explain BFX101
      buffix explain bfx203 BFX301
      buffix explain BFX1 --format json
    """
    from buffix.knowledge.rules import all_rules

    rules = all_rules()
    chosen: List[Rule] = []
    for code in codes:
        matching = [rule for key, rule in rules.items() if key.startswith(code.upper())] if code.strip() else []
        if not matching:
            raise click.BadParameter(
                f"unknown rule code {code!r}. Known codes: {', '.join(rules)} (see `buffix rules`).",
                param_hint="CODE",
            )
        chosen.extend(rule for rule in matching if rule not in chosen)
    if fmt == "json":
        objects = [{"code": r.code, "name": r.name, "summary": r.summary, "fixable": r.fixable, "docs": r.docs}
                   for r in chosen]
        click.echo(json.dumps(objects, indent=2))
        return
    click.echo("\n\n".join(f"{rule.docs}\n\nFixable: {'yes' if rule.fixable else 'no'}" for rule in chosen))
