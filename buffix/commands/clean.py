"""`buffix clean [PATHS...]`: remove the result cache of the project (and any .buffix_cache/ left below it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import List, Optional, Tuple

import click


@click.command("clean")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--cache-dir", envvar="BUFFIX_CACHE_DIR", metavar="DIR",
              help="The cache directory to remove [env: BUFFIX_CACHE_DIR].")
def clean(paths: Tuple[Path, ...], cache_dir: Optional[str]) -> None:
    """Remove the cache: .buffix_cache/ in the project root (or --cache-dir), and every .buffix_cache/ below
    the given paths (default: .) that buffix made (its CACHEDIR.TAG says so; nothing else is touched)."""
    from buffix.cache import CACHE_DIR, cache_directory, is_cache
    from buffix.config import find_config

    found: List[Path] = []
    for start in paths or (Path("."),):
        try:
            config = find_config(start.resolve() if start.is_dir() else start.resolve().parent)
        except Exception:  # a broken config must not keep the cache from being removed
            config = None
        found.append(cache_directory(str(config) if config else None, str(start), cache_dir))
        for directory, names, _ in os.walk(start):
            if CACHE_DIR in names:
                found.append(Path(directory) / CACHE_DIR)
            names[:] = [n for n in names if n not in (CACHE_DIR, ".git")]
    removed = 0
    for cache in dict.fromkeys(p.resolve() for p in found):
        if cache.is_dir() and is_cache(cache):
            shutil.rmtree(cache, ignore_errors=True)
            click.echo(f"Removed {cache}")
            removed += 1
    if not removed:
        click.echo("No cache to remove.")
