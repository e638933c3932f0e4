"""Stage 1 of `buffix check`: which files to look at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator

SUFFIXES = (".py", ".pyi")


def discover(paths: Iterable[Path], config) -> Iterator[Path]:
    """Python files under `paths`, skipping excluded directories; a file named explicitly is always checked."""
    seen = set()
    for root in paths:
        if root.is_file() or not root.exists():
            if root not in seen:  # a missing path is reported by the read stage
                seen.add(root)
                yield root
            continue
        for directory, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not config.excluded(os.path.join(directory, d), str(root)))
            for name in sorted(filenames):
                path = Path(directory, name)
                if name.endswith(SUFFIXES) and path not in seen and not config.excluded(str(path), str(root)):
                    seen.add(path)
                    yield path
