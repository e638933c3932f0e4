"""`buffix run -- COMMAND`: run a program with the runtime in every Python process it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional, Tuple

import click

from buffix.runtime.settings import ENV_REPORT, POLICIES, PROFILES, Settings, parse_names

BOOT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runtime", "boot")
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def runtime_environment(settings: Settings, report: bool) -> dict:
    env = dict(os.environ)
    env.update(settings.to_env())
    env[ENV_REPORT] = "1" if report else "0"
    env["BUFFIX_RUNTIME_PATH"] = PACKAGE_PARENT
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = BOOT_DIR + (os.pathsep + existing if existing else "")
    return env


def configured_proxy_libraries() -> Tuple[str, ...]:
    """`proxy-libraries` of the nearest config above the current directory (a bad config: exit 2, one line)."""
    from buffix.config import ConfigError, load_config

    try:
        return load_config(Path.cwd()).proxy_libraries
    except ConfigError as error:
        click.echo(f"buffix run: {error}", err=True)
        sys.exit(2)


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--profile", type=click.Choice(PROFILES), default="wrapt", show_default=True,
              help="wrapt: behave like wrapt.ObjectProxy; strict: also refuse bytes(), + and iteration copies.")
@click.option("--release-on-close", is_flag=True,
              help="Leak hunting: free each body when its response closes; later use raises BodyReleasedError.")
@click.option("--buffer-export", is_flag=True, help="Python 3.12+: the proxy exports the buffer protocol (PEP 688).")
@click.option("--proxy-libraries", metavar="PKG,...", default="",
              help="Installed packages whose code gets proxies like the program's (to check a library you maintain; "
                   "default: `proxy-libraries` of the config found from the current directory).")
@click.option("--observe", "observe", metavar="FILE", default=None,
              help="Observe mode: the program runs unchanged and every unsafe use of a body is recorded; FILE gets "
                   "the confirmed findings (buffix JSON) for `buffix check/fix --observed FILE`.")
@click.option("--report", is_flag=True, help="Print the runtime's stats and leak suspects on stderr at exit.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run(profile: str, release_on_close: bool, buffer_export: bool, proxy_libraries: str, observe: Optional[str],
        report: bool, command: Tuple[str, ...]) -> None:
    """Run COMMAND with every HTTP response body wrapped in a tracking proxy.

    Every Python process the command starts gets the runtime (through a sitecustomize on PYTHONPATH), so an
    unsafe buffer conversion fails with the TypeError a production proxy would raise. Standard streams and the
    exit status pass through unchanged.

    \b
    Examples:
      buffix run -- python app.py
      buffix run --profile strict --report -- pytest -x
      buffix run --release-on-close -- python worker.py
    """
    policy = "release_on_close" if release_on_close else POLICIES[0]
    settings = Settings(profile=profile, policy=policy, buffer_export=buffer_export,
                        proxy_libraries=parse_names(proxy_libraries) or configured_proxy_libraries(),
                        observe=os.path.abspath(observe) if observe else "")
    if observe:
        from buffix.report import write_text_atomic
        from buffix.report.observed import render

        try:  # this run's processes merge into it: it starts empty, so a clean run leaves no findings
            write_text_atomic(settings.observe, render([]))
        except OSError as error:
            click.echo(f"buffix run: cannot write {observe}: {error.strerror or error}", err=True)
            sys.exit(2)
    env = runtime_environment(settings, report)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        if os.name == "posix":
            os.execvpe(command[0], list(command), env)  # the command becomes this process: signals and status pass
        sys.exit(subprocess.call(list(command), env=env))
    except FileNotFoundError:
        click.echo(f"buffix run: command not found: {command[0]}", err=True)
        sys.exit(127)
    except PermissionError:
        click.echo(f"buffix run: permission denied: {command[0]}", err=True)
        sys.exit(126)
