"""Module resolution: which file of the analyzed tree a dotted module name means, and the reverse. Nothing parsed."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple


def package_root(directory: Path) -> Path:
    """The first ancestor of `directory` that is not a package (has no __init__.py)."""
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        directory = directory.parent
    return directory


def module_name(path: str, bases: Sequence[str] = ()) -> Tuple[str, bool]:
    """The dotted module name of a file, from its package chain (`pkg/sub/mod.py` -> `pkg.sub.mod`). Below one of
    `bases` (where the tree's absolute imports resolve), the folders without `__init__.py` between it and the chain
    are namespace packages (PEP 420): `google/cloud/storage/blob.py` is `google.cloud.storage.blob`, the name its
    importers spell."""
    stem = os.path.splitext(os.path.basename(path))[0]
    is_package = stem == "__init__"
    directory, packages = _package_chain(os.path.dirname(os.path.abspath(path)))
    packages = _namespaces(directory, bases) + packages
    parts = list(packages) if is_package else [*packages, stem]
    if is_package and not parts:
        parts = [os.path.basename(directory)]
    return ".".join(parts) or stem, is_package


def _namespaces(directory: str, bases: Sequence[str]) -> Tuple[str, ...]:
    """The namespace packages from the nearest base holding `directory` down to it (none when a folder on the way
    cannot be imported: `pkg-1.0/`)."""
    for base in sorted(bases, key=len, reverse=True):  # the nearest base
        if directory == base:
            return ()
        if directory.startswith(base + os.sep):
            names = tuple(directory[len(base) + 1:].split(os.sep))
            return names if all(n.isidentifier() for n in names) else ()
    return ()


@functools.lru_cache(maxsize=4096)
def _package_chain(directory: str) -> Tuple[str, Tuple[str, ...]]:
    """(first non-package ancestor, package names below it) of a directory; cached: every file of a directory
    shares it, and the stage-2 prefilter asks for every file of the tree."""
    if not os.path.isfile(os.path.join(directory, "__init__.py")) or os.path.dirname(directory) == directory:
        return directory, ()
    top, names = _package_chain(os.path.dirname(directory))
    return top, names + (os.path.basename(directory),)


def search_bases(roots: Iterable[Path], root: str, src: Iterable[str]) -> List[Path]:
    """The directories absolute imports are resolved against: the config's `src` entries (relative to its `root`)
    first, as they name what the defaults cannot guess; then, for each root, its package root, itself and its src/."""
    bases: List[Path] = []
    for entry in src:
        base = (Path(root) / entry).resolve()
        if base.is_dir() and base not in bases:
            bases.append(base)
    given_directories = []
    for given in roots:
        resolved = Path(given).resolve()
        directory = resolved if resolved.is_dir() else resolved.parent
        given_directories.append(directory)
        for base in (package_root(directory), directory, directory / "src"):
            if base.is_dir() and base not in bases:
                bases.append(base)
    for directory in given_directories:  # last: what the roots themselves hold wins
        for project in distribution_roots(directory):
            for base in (project, project / "src"):
                if base.is_dir() and base not in bases:
                    bases.append(base)
    return bases


PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")
MAX_DISTRIBUTIONS = 64  # the most project folders below a root searched as import bases (a monorepo's packages)


def distribution_roots(directory: Path, depth: int = 2) -> List[Path]:
    """Folders up to `depth` levels below `directory` that hold a Python project of their own (a pyproject.toml,
    setup.py or setup.cfg): where an installed or `pip install -e` copy would import from. A check run from above
    them (a monorepo's `libs/foo/`, an unpacked `pkg-1.0/` sdist) resolves `import foo` as that project does.
    Hidden folders (`.venv`, `.git`) are not searched."""
    found: List[Path] = []
    level = [directory]
    for _ in range(depth):
        below: List[Path] = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith(".") or not _is_directory(entry):
                    continue
                child = Path(entry.path)
                below.append(child)
                if any(os.path.isfile(os.path.join(entry.path, marker)) for marker in PROJECT_MARKERS):
                    found.append(child)
                    if len(found) >= MAX_DISTRIBUTIONS:
                        return found
        level = below
    return found


def _is_directory(entry: "os.DirEntry[str]") -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


class ModuleFinder:
    def __init__(self, bases: List[Path]) -> None:
        self.bases = bases
        self._files: Dict[str, Optional[Path]] = {}
        self._listings: Dict[str, FrozenSet[str]] = {}
        self._top_level: Optional[FrozenSet[bytes]] = None

    def locate(self, name: str) -> Optional[Path]:
        """The file of module `name` in the tree (cached), or None."""
        if name not in self._files:
            self._files[name] = self._find_file(name)
        return self._files[name]

    def has_module(self, name: str) -> bool:
        """Is `name` a module of the analyzed tree? (a file lookup, nothing parsed)"""
        return self.locate(name) is not None

    def text(self, name: str) -> Optional[bytes]:
        """The bytes of module `name` of the tree; None when it is not in the tree or cannot be read (that file
        reports it when it is checked itself)."""
        file = self.locate(name)
        try:
            return file.read_bytes() if file is not None else None
        except OSError:
            return None

    def _find_file(self, name: str) -> Optional[Path]:
        if not name:
            return None
        *packages, last = name.split(".")
        for base in map(str, self.bases):  # strings and cached listings, not Paths: stage 2 asks ~8 names per file
            directory = os.path.join(base, *packages)
            entries = self._listing(directory)
            if f"{last}.py" in entries and os.path.isfile(os.path.join(directory, f"{last}.py")):
                return Path(directory, f"{last}.py")
            if last in entries and "__init__.py" in self._listing(os.path.join(directory, last)):
                return Path(directory, last, "__init__.py")
        return None

    def top_level_names(self) -> FrozenSet[bytes]:
        """What an absolute import of the tree can start with: the entries of the bases (modules, packages, namespace
        packages; a superset). An import of anything else (`os`, `aiohttp`) is not the tree's."""
        if self._top_level is None:
            entries = (e for base in map(str, self.bases) for e in self._listing(base))
            # fsencode: a file name that is not UTF-8 keeps its bytes (it can never be imported, but must not crash)
            self._top_level = frozenset(os.fsencode(e[:-3] if e.endswith(".py") else e) for e in entries)
        return self._top_level

    def _listing(self, directory: str) -> FrozenSet[str]:
        """A directory's entry names, listed once: module lookups ask the same directories again and again."""
        if directory not in self._listings:
            try:
                self._listings[directory] = frozenset(os.listdir(directory))
            except OSError:
                self._listings[directory] = frozenset()
        return self._listings[directory]
