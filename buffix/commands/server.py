"""`buffix server`: the language server over stdio (see buffix.server)."""

from __future__ import annotations

import click


@click.command(short_help="Run the language server (LSP over stdio) for editors.")
def server() -> None:
    """Run a Language Server on stdin/stdout: diagnostics as `buffix check` finds them (each file with its nearest
    config), quick fixes, "fix all", "add suppression" and rule documentation on hover.

    \b
    Editors start it themselves; see the README for VS Code, Neovim and Helix.
    """
    try:
        from buffix.server import main
    except ImportError as error:
        click.echo(f"buffix: error: buffix server needs pygls ({error}); install it with pip install 'pygls>=2'",
                   err=True)
        raise SystemExit(2) from None
    main()
