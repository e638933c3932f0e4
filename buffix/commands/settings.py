"""`check --show-settings` and `check --show-files`: what a run would use, without analyzing anything."""

from __future__ import annotations

import os
from dataclasses import fields

import click

from buffix.api import Run

_HIDDEN = ("path", "root", "sources", "sinks")  # shown as their own lines (where from) or counted


def _where(config: object) -> str:
    return getattr(config, "path", None) or "(defaults: no config file)"


def print_settings(run: Run) -> int:
    """Each config in use: the file it came from, its root, and every setting (`-` joins the words as in files)."""
    for group in run.groups:
        config = group.config
        click.echo(f"Settings from {_where(config)}")
        click.echo(f"  root = {config.root}")
        click.echo(f"  files = {len(group.files)}")
        for field in fields(config):
            if field.name in _HIDDEN:
                continue
            value = getattr(config, field.name)
            if isinstance(value, tuple):
                value = list(value)
            shown = "(unset)" if value is None else repr(value)  # a file cannot say None: the key is absent
            click.echo(f"  {field.name.replace('_', '-')} = {shown}")
        for name in ("sources", "sinks"):
            click.echo(f"  {name} = {len(getattr(config, name))} extra catalog entries")
    return 0


def print_files(run: Run) -> int:
    """The files that would be checked, one a line, each with the config file it uses (sorted by path)."""
    config_of = {path: group.config for group in run.groups for path in group.files}
    for path in sorted(config_of):
        config = config_of[path]
        where = getattr(config, "path", None)
        click.echo(f"{path}\t{os.path.relpath(where) if where else '(defaults)'}")
    for error in run.discovery_errors:
        click.echo(f"{error.path}: error: {error.message}", err=True)
    return 2 if run.discovery_errors else 0
