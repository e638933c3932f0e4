"""`buffix init`: write a commented starter configuration, never over an existing one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

# Prose comments are sentences; a commented example starts with `# key:` (YAML) or `# key =` (TOML), so a
# test can uncomment every example and check that buffix.config accepts the result.
YAML_TEMPLATE = """\
# buffix configuration. Every setting is optional; `buffix rules` lists the codes, `buffix explain CODE` explains one.
# The same settings can live in pyproject.toml under [tool.buffix] (see `buffix init --pyproject`).

# Rules to report, by code or prefix (BFX1 = every buffer-consumer rule). The longest matching prefix decides.
select: ["BFX"]
# extend-select: ["BFX6"]
# ignore: ["BFX5"]

# Codes to ignore in some files (globs relative to this file's directory).
# per-file-ignores:
#   "tests/*": ["BFX6"]

# Lowest confidence reported: low, medium or high.
min-confidence: medium

# Paths never checked: extend-exclude adds to the defaults (.git, .venv, build, dist, ...), exclude replaces them.
# extend-exclude: ["generated/", "*_pb2.py"]

# Where `import mypkg` is found when a body crosses modules (like ruff's src): by default each checked path's package
# root, the path itself and its src/. Name each project's root in a tree of several projects.
# src: ["services/api", "services/worker/src"]

# The Python version your code targets (py39 ... py314), and how fixes sanitize an argument.
# target-version: py39
# fix-style: slice
# unsafe-fixes: false

# Your own body sources: a function returning a body, or a class attribute holding one.
# sources:
#   - {call: mypkg.http.fetch_bytes, returns: body}
#   - {attribute: mypkg.client.Download.payload}

# Your own operations that need a real buffer (argument position and/or keyword, and the code to report).
# sinks:
#   - {call: mypkg.storage.put_blob, arg: 1, keyword: data, code: BFX301}

# Functions that always return a real bytes object.
# sanitizers: ["mypkg.util.as_bytes"]
"""

TOML_TEMPLATE = """\
[tool.buffix]
# buffix configuration. Every setting is optional; `buffix rules` lists the codes, `buffix explain CODE` explains one.

# Rules to report, by code or prefix (BFX1 = every buffer-consumer rule). The longest matching prefix decides.
select = ["BFX"]
# extend-select = ["BFX6"]
# ignore = ["BFX5"]

# Codes to ignore in some files (globs relative to this file's directory).
# per-file-ignores = { "tests/*" = ["BFX6"] }

# Lowest confidence reported: low, medium or high.
min-confidence = "medium"

# Paths never checked: extend-exclude adds to the defaults (.git, .venv, build, dist, ...), exclude replaces them.
# extend-exclude = ["generated/", "*_pb2.py"]

# Where `import mypkg` is found when a body crosses modules (like ruff's src): by default each checked path's package
# root, the path itself and its src/. Name each project's root in a tree of several projects.
# src = ["services/api", "services/worker/src"]

# The Python version your code targets (py39 ... py314), and how fixes sanitize an argument.
# target-version = "py39"
# fix-style = "slice"
# unsafe-fixes = false

# Your own body sources: a function returning a body, or a class attribute holding one.
# sources = [{ call = "mypkg.http.fetch_bytes", returns = "body" }, { attribute = "mypkg.client.Download.payload" }]

# Your own operations that need a real buffer (argument position and/or keyword, and the code to report).
# sinks = [{ call = "mypkg.storage.put_blob", arg = 1, keyword = "data", code = "BFX301" }]

# Functions that always return a real bytes object.
# sanitizers = ["mypkg.util.as_bytes"]
"""


def _fail(message: str) -> None:
    click.echo(f"buffix init: {message}", err=True)
    sys.exit(2)


def _has_buffix_table(pyproject: Path) -> bool:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.9/3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        _fail(f"{pyproject}: cannot read it as TOML ({error}); nothing written")
    tool = data.get("tool")
    return isinstance(tool, dict) and "buffix" in tool


@click.command(short_help="Write a commented starter config (never overwrites).")
@click.argument("directory", default=".", type=click.Path(file_okay=False, dir_okay=True, exists=True))
@click.option("--pyproject", is_flag=True,
              help="Add a [tool.buffix] table to DIRECTORY/pyproject.toml (created if missing) instead of "
                   "writing .buffix.yaml.")
def init(directory: str, pyproject: bool) -> None:
    """Write a commented starter configuration to DIRECTORY (default: the current one).

    Writes .buffix.yaml, or with --pyproject appends [tool.buffix] to pyproject.toml. An existing buffix
    configuration in DIRECTORY is never overwritten: the command exits with status 2 instead.

    \b
    Examples:
      buffix init
      buffix init --pyproject
      buffix init services/api
    """
    from buffix.core.atomic import write_text_atomic

    folder = Path(directory)
    yaml_file, toml_file = folder / ".buffix.yaml", folder / "pyproject.toml"
    if yaml_file.exists():
        _fail(f"{yaml_file} already exists; not overwritten")
    if toml_file.is_file() and _has_buffix_table(toml_file):
        _fail(f"{toml_file} already has a [tool.buffix] table; not overwritten")
    if not pyproject:
        try:
            write_text_atomic(str(yaml_file), YAML_TEMPLATE, exclusive=True)
        except FileExistsError:
            _fail(f"{yaml_file} already exists; not overwritten")
        except OSError as error:
            _fail(f"{yaml_file}: cannot write it ({error.strerror or error})")
        click.echo(f"Wrote {yaml_file}. Edit it, then run `buffix check`.")
        return
    try:
        existing = toml_file.read_text(encoding="utf-8") if toml_file.exists() else ""
        separator = "" if not existing else ("\n" if existing.endswith("\n") else "\n\n")
        write_text_atomic(str(toml_file), existing + separator + TOML_TEMPLATE, exclusive=not existing)
    except FileExistsError:
        _fail(f"{toml_file} appeared while writing; not overwritten")
    except OSError as error:
        _fail(f"{toml_file}: cannot write it ({error.strerror or error})")
    click.echo(f"{'Added [tool.buffix] to' if existing else 'Wrote'} {toml_file}. Edit it, then run `buffix check`.")
