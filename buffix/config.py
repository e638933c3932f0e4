"""Configuration: `[tool.buffix]` in pyproject.toml or `.buffix.yaml` (same keys), validated strictly.

An unknown key or a bad value is a ConfigError naming the file, the key and what is allowed; nothing is ignored.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Dict, Mapping, Optional, Tuple

from buffix.core.findings import CONFIDENCES
from buffix.discovery import DEFAULT_EXCLUDES
from buffix.knowledge.fix_styles import STYLE_NAMES

TARGET_VERSIONS = tuple(f"py3{minor}" for minor in range(9, 15))
DEFAULT_EXCLUDE = DEFAULT_EXCLUDES  # one list, owned by discovery


class ConfigError(ValueError):
    def __init__(self, file: str, key: str, message: str) -> None:
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")
        self.file = file
        self.key = key
        self.detail = message


@dataclass(frozen=True)
class Config:
    select: Tuple[str, ...] = ("BFX",)
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    sources: Tuple[str, ...] = ()  # JSON of each extra catalog entry (kept hashable)
    sinks: Tuple[str, ...] = ()
    sanitizers: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    src: Tuple[str, ...] = ()  # directories absolute imports resolve from (relative to `root`), before the defaults
    min_confidence: str = "medium"
    target_version: Optional[str] = None  # unset: no syntax is too new (docs/configuration.md)
    fix_style: str = "slice"
    unsafe_fixes: bool = False
    proxy_libraries: Tuple[str, ...] = ()  # runtime only (`buffix run`, the pytest plugin): not part of results
    path: Optional[str] = field(default=None, compare=False)  # the file it came from
    root: str = field(default=".", compare=False)  # directory that relative patterns are matched from

    @property
    def python_version(self) -> Optional[Tuple[int, int]]:
        """`target-version` as (major, minor): `py312` is (3, 12); None when it is not set."""
        return None if self.target_version is None else (3, int(self.target_version[len("py3"):]))

    def fingerprint(self) -> str:
        """Stable hash of everything that changes results (for result caches)."""
        data = {k: v for k, v in asdict(self).items() if k not in ("path", "root", "proxy_libraries")}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def enabled(self, code: str, path: Optional[str] = None) -> bool:
        """ruff-style: the longest matching prefix decides; on a tie, ignore wins."""
        ignores = list(self.ignore)
        if path is not None:
            ignores += [c for pattern, codes in self.per_file_ignores if self._matches(path, pattern) for c in codes]
        chosen = max((len(p) for p in (*self.select, *self.extend_select) if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in ignores if code.startswith(p)), default=-1)
        return chosen > ignored

    def reports(self, confidence: str) -> bool:
        return CONFIDENCES.index(confidence) >= CONFIDENCES.index(self.min_confidence)

    def _matches(self, path: str, pattern: str) -> bool:
        """A per-file-ignores glob against the path relative to the config root, or against any path component.
        (Excludes are discovery's: buffix.discovery, with gitignore semantics.)"""
        absolute, root = os.path.abspath(path), os.path.abspath(self.root)  # no syscalls: this runs per file
        inside = absolute.startswith(root.rstrip(os.sep) + os.sep)
        relative = PurePosixPath(Path(os.path.relpath(absolute, root) if inside else path).as_posix())
        text = str(relative)
        if fnmatch.fnmatch(text, pattern) or fnmatch.fnmatch(text, pattern.rstrip("/") + "/*"):
            return True
        return any(fnmatch.fnmatch(part, pattern) for part in relative.parts)

    def catalog(self):  # -> buffix.knowledge.catalog.Catalog
        return _catalog(self.sources, self.sinks, self.sanitizers)

    def with_options(self, **changes: Any) -> "Config":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


@lru_cache(maxsize=8)
def _catalog(sources: Tuple[str, ...], sinks: Tuple[str, ...], sanitizers: Tuple[str, ...]):
    from buffix.knowledge.catalog import load_catalog

    extra = {"sources": [json.loads(s) for s in sources], "sinks": [json.loads(s) for s in sinks],
             "sanitizers": list(sanitizers)}
    return load_catalog(extra, "")


# ---- loading --------------------------------------------------------------------------------------------------
CONFIG_NAMES = (".buffix.yaml", "pyproject.toml")  # in one directory the first wins (a warning says so)


def config_in(folder: Path) -> Optional[Path]:
    """The config file of one directory: `.buffix.yaml`, else a pyproject.toml with a [tool.buffix] table."""
    yaml_file = folder / ".buffix.yaml"
    if yaml_file.is_file():
        return yaml_file
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and _has_table(pyproject):
        return pyproject
    return None


def _has_table(pyproject: Path) -> bool:
    tool = _read_toml(pyproject).get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(str(pyproject), "tool", f"expected a table ([tool.NAME] sections), got {tool!r}")
    return "buffix" in tool


def shadowed(yaml_file: Path) -> Optional[str]:
    """The warning for a directory holding both config files: `.buffix.yaml` wins, [tool.buffix] is ignored."""
    pyproject = yaml_file.with_name("pyproject.toml")
    if yaml_file.name == ".buffix.yaml" and pyproject.is_file() and _has_table(pyproject):
        return f"{pyproject}: [tool.buffix] is ignored: {yaml_file} in the same directory takes precedence"
    return None


def find_config(start: Path) -> Optional[Path]:
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for folder in (directory, *directory.parents):
        found = config_in(folder)
        if found is not None:
            return found
    return None


def load_config(start: Optional[Path] = None, explicit: Optional[Path] = None) -> Config:
    """The config for `start` (walking up from it), or from `explicit`; defaults when there is none."""
    path = explicit if explicit is not None else find_config(start or Path.cwd())
    if path is None:
        return Config(root=str((start or Path.cwd()).resolve() if (start or Path.cwd()).is_dir()
                               else (start or Path.cwd()).resolve().parent))
    return load_file(path)


def load_file(path: Path) -> Config:
    """One config file, with the files it `extend`s (a chain, each relative to the file naming it)."""
    if not path.is_file():
        raise ConfigError(str(path), "", "no such config file")
    data = _merged(path, ())
    return parse_config(data, str(path), root=str(path.resolve().parent))


def _table(path: Path) -> Dict[str, Any]:
    if not path.name.endswith(".toml"):
        return _read_yaml(path)
    data = _read_toml(path)
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(str(path), "tool", f"expected a table ([tool.NAME] sections), got {tool!r}")
    table = tool.get("buffix", {})
    if not isinstance(table, dict):
        raise ConfigError(str(path), "tool.buffix", f"expected a table of settings, got {table!r}")
    if path.name != "pyproject.toml" and not table and "tool" not in data:
        return data  # a plain TOML file of settings (a base to `extend`)
    return table


def _merged(path: Path, seen: Tuple[Path, ...]) -> Dict[str, Any]:
    """The file's settings over those of the file it extends (validated on its own first, so an error names it)."""
    resolved = path.resolve()
    if resolved in seen:
        raise ConfigError(str(path), "extend", "extends itself (a cycle: "
                          + " -> ".join(str(p) for p in (*seen, resolved)) + ")")
    data = dict(_table(path))
    base = data.pop("extend", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ConfigError(str(path), "extend", f"expected the path of a config file, got {base!r}")
    base_path = (path.parent / base) if not os.path.isabs(base) else Path(base)
    if not base_path.is_file():
        raise ConfigError(str(path), "extend", f"no such config file: {base_path}")
    inherited = _merged(base_path, (*seen, resolved))
    parse_config(inherited, str(base_path), root=str(base_path.resolve().parent))
    return {**inherited, **data}


class Resolver:
    """The config of each file: the nearest config file above it (like ruff), `explicit` for all, or the defaults
    (`isolated`). Answers are cached per directory; `warnings` collects each shadowed pyproject once."""

    def __init__(self, explicit: Optional[Path] = None, isolated: bool = False, cwd: Optional[Path] = None) -> None:
        self.cwd = (cwd or Path.cwd()).resolve()
        self.fixed: Optional[Config] = None
        if explicit is not None:
            self.fixed = load_file(explicit)
        elif isolated:
            self.fixed = Config(root=str(self.cwd))
        self._by_dir: Dict[str, Optional[Path]] = {}
        self._loaded: Dict[Optional[Path], Config] = {}
        self.warnings: list = []

    def for_path(self, path: Any) -> Config:
        if self.fixed is not None:
            return self.fixed
        absolute = os.path.abspath(os.fspath(path))
        return self._for_directory(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))

    def for_file(self, path: Any) -> Config:
        """`for_path` of a path known to be a file (discovery found it): no stat to tell it from a directory."""
        if self.fixed is not None:
            return self.fixed
        return self._for_directory(os.path.dirname(os.path.abspath(os.fspath(path))))

    def _for_directory(self, directory: str) -> Config:
        found = self._nearest(directory)
        config = self._loaded.get(found)
        if config is None:
            config = load_file(found) if found is not None else Config(root=str(self.cwd))
            if found is not None:
                warning = shadowed(found)
                if warning:
                    self.warnings.append(warning)
            self._loaded[found] = config
        return config

    def _nearest(self, directory: str) -> Optional[Path]:
        walked = []
        current = directory
        while True:
            if current in self._by_dir:
                found = self._by_dir[current]
                break
            walked.append(current)
            found = config_in(Path(current))
            parent = os.path.dirname(current)
            if found is not None or parent == current:
                break
            current = parent
        for folder in walked:
            self._by_dir[folder] = found
        return found


def _read_toml(path: Path) -> Dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(path), "", f"cannot read TOML: {exc}") from None


def _read_yaml(path: Path) -> Dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(str(path), "", f"cannot read YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), "", "expected a mapping of settings at the top level")
    return data


def _codes(file: str, key: str, value: Any) -> Tuple[str, ...]:
    from buffix.knowledge.selectors import unknown, unknown_message

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(file, key, "expected a list of rule codes or prefixes, e.g. [\"BFX1\", \"BFX203\"]")
    bad = unknown(value)
    if bad:
        raise ConfigError(file, key, unknown_message(bad[0]))
    return tuple(value)


def _strings(file: str, key: str, value: Any) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(file, key, "expected a list of strings")
    return tuple(value)


def _patterns(file: str, key: str, value: Any) -> Tuple[str, ...]:
    """Gitignore-style patterns, each compiled now so that a bad one is this file's error, not a traceback later."""
    from pathspec import GitIgnoreSpec

    patterns = _strings(file, key, value)
    for pattern in patterns:
        try:
            GitIgnoreSpec.from_lines([pattern])
        except Exception as exc:  # pathspec raises GitIgnorePatternError, or ValueError in older versions
            raise ConfigError(file, key, f"invalid gitignore-style pattern {pattern!r} ({exc})") from None
    return patterns


def _glob(file: str, key: str, pattern: str) -> str:
    """A per-file-ignores glob: non-empty, relative, brackets closed (fnmatch would take a lone `[` literally)."""
    problem = None
    if not pattern.strip():
        problem = "an empty glob matches nothing"
    elif pattern.startswith("/") or os.path.isabs(pattern):
        problem = "expected a glob relative to the config's directory"
    elif pattern.count("[") != pattern.count("]"):
        problem = "unbalanced [ ] in the glob"
    if problem:
        raise ConfigError(file, key, problem)
    return pattern


def _choice(file: str, key: str, value: Any, allowed: Tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(file, key, f"expected one of {', '.join(allowed)}, got {value!r}")
    return value


def _entries(file: str, key: str, value: Any) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(file, key, "expected a list of tables (mappings), see docs/configuration.md for the schema")
    return tuple(json.dumps(v, sort_keys=True) for v in value)


def parse_config(data: Mapping[str, Any], file: str, root: str = ".") -> Config:
    if not isinstance(data, Mapping):
        raise ConfigError(file, "", "expected a table of settings")
    values: Dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).replace("-", "_")
        if key in ("select", "ignore", "extend-select"):
            values[name] = _codes(file, key, value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(file, key, "expected a table of glob = [codes]")
            values[name] = tuple((_glob(file, f"{key}.{g}", str(g)), _codes(file, f"{key}.{g}", c))
                                 for g, c in sorted(value.items()))
        elif key in ("sources", "sinks"):
            values[name] = _entries(file, key, value)
        elif key in ("sanitizers", "proxy-libraries"):
            values[name] = _strings(file, key, value)
        elif key in ("exclude", "extend-exclude"):
            values[name] = _patterns(file, key, value)
        elif key == "src":
            values[name] = _strings(file, key, value)
            missing = [entry for entry in values[name] if not (Path(root) / entry).is_dir()]
            if missing:
                raise ConfigError(file, key, f"not a directory (relative to {root}): {', '.join(missing)}")
        elif key == "min-confidence":
            values[name] = _choice(file, key, value, CONFIDENCES)
        elif key == "target-version":
            values[name] = _choice(file, key, value, TARGET_VERSIONS)
        elif key == "fix-style":
            values[name] = _choice(file, key, value, STYLE_NAMES)
        elif key == "unsafe-fixes":
            if not isinstance(value, bool):
                raise ConfigError(file, key, f"expected true or false, got {value!r}")
            values[name] = value
        else:
            allowed = ("select, ignore, extend-select, per-file-ignores, sources, sinks, sanitizers, exclude, "
                       "extend-exclude, src, min-confidence, target-version, fix-style, unsafe-fixes, proxy-libraries, "
                       "extend")
            raise ConfigError(file, str(key), f"unknown setting; allowed: {allowed}")
    config = Config(path=file, root=root, **values)
    if config.sources or config.sinks or config.sanitizers:
        from buffix.knowledge.catalog import CatalogError

        try:
            config.catalog()
        except CatalogError as exc:
            raise ConfigError(file, exc.where.lstrip("."), exc.detail) from None
    return config
