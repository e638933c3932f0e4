"""The `buffix` command. Each subcommand lives in `buffix.commands.<name>` and is imported only when run,
so `buffix --version` and a one-file pre-commit run stay fast."""

from __future__ import annotations

import importlib
import signal
import sys
from typing import Dict, List, Optional

import click

from buffix import __version__

# name -> "module:attribute"; listed here so `buffix --help` needs no imports
COMMANDS: Dict[str, str] = {
    "run": "buffix.commands.run:run",
    "check": "buffix.commands.check:check",
    "fix": "buffix.commands.fix:fix",
    "explain": "buffix.commands.explain:explain",
    "rules": "buffix.commands.rules:rules",
    "init": "buffix.commands.init:init",
    "server": "buffix.commands.server:server",
    "clean": "buffix.commands.clean:clean",
}


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context):
        """Ctrl-C exits 130 (not click's 1, which means "findings remain"); SIGTERM unwinds like Ctrl-C, so that
        `finally` blocks remove temporary files, and exits 143. `buffix run` leaves both to the program it runs."""
        if [*getattr(ctx, "_protected_args", ()), *ctx.args][:1] != ["run"]:
            signal.signal(signal.SIGTERM, _terminate)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None

    def list_commands(self, ctx: click.Context) -> List[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="buffix")
def main() -> None:
    """Find, fix and prove buffer-protocol bugs when HTTP response bodies are wrapped in proxies."""


def _terminate(signum: int, frame: object) -> None:
    sys.exit(128 + signum)
