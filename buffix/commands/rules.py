"""`buffix rules`: every rule's code, name, fixability and one-line summary."""

from __future__ import annotations

import json

import click


@click.command(short_help="List the rules: code, name, fixability, summary.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: an aligned table; json: an array of {code, name, fixable, summary}.")
def rules(fmt: str) -> None:
    """List the rules: code, name, whether `buffix fix` can fix it, and what it finds.

    Codes group by family: BFX1 buffer consumers, BFX2 writers, BFX3 re-uploads, BFX4 proxy-dependent
    conversions, BFX5 slow copies, BFX6 type checks, BFX9 suppression comments. Select them by prefix
    (`--select BFX1`); read one with `buffix explain CODE`.

    \b
    Examples:
      buffix rules
      buffix rules --format json | jq -r '.[] | select(.fixable) | .code'
    """
    from buffix.knowledge.rules import all_rules

    table = list(all_rules().values())
    if fmt == "json":
        objects = [{"code": r.code, "name": r.name, "fixable": r.fixable, "summary": r.summary} for r in table]
        click.echo(json.dumps(objects, indent=2))
        return
    rows = [("CODE", "NAME", "FIX", "SUMMARY")] + [
        (r.code, r.name, "yes" if r.fixable else "no", r.summary) for r in table
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
