"""The labelled ground truth in labels.yaml: loading and validation, shared by fetch.py, score.py and the tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Dict, List, Tuple

import yaml

LABELS_PATH = Path(__file__).with_name("labels.yaml")
SILENT = "silent"

# The rule codes a label may expect; families (prefixes) live in buffix/families.py.
CODES: Dict[str, str] = {
    "BFX101": "memoryview",
    "BFX102": "io.BytesIO (and loaders reached through it)",
    "BFX103": "base64 / binascii",
    "BFX104": "hashlib / hmac / crc32, and .update",
    "BFX105": "decompression",
    "BFX106": "struct / numpy.frombuffer",
    "BFX107": "str(x, encoding) / codecs.decode",
    "BFX108": "pickle / XML parsers / re with bytes",
    "BFX201": "binary write / writelines",
    "BFX202": "os.write / socket send",
    "BFX203": "bytes.join",
    "BFX301": "re-upload as request data",
    "BFX401": "bytes(body)",
    "BFX402": "concatenation",
    "BFX501": "bytearray / array.array iteration copies",
    "BFX601": "proxy-blind type check",
}

# How the body travels from source to sink; the hardest hop decides.
FLOWS: Tuple[str, ...] = (
    "direct",
    "variable",
    "chunk-loop",
    "attribute",
    "helper-return",
    "cross-module",
    "parameter",
    "container",
    "comprehension",
    "conditional",
    "other",
)

PACKAGE_KEYS = {"name", "version", "file", "sha256", "pip_args"}
PACKAGE_REQUIRED = PACKAGE_KEYS - {"pip_args"}
LABEL_KEYS = {"package", "path", "line", "expect", "flow", "note"}
SHA256 = re.compile(r"[0-9a-f]{64}")
ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz")
DEFAULT_PIP_ARGS = ("--only-binary", ":all:")


class LabelError(ValueError):
    """labels.yaml is malformed; the message names the file and every problem found."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    file: str  # the exact distribution file pip must produce
    sha256: str
    pip_args: Tuple[str, ...] = DEFAULT_PIP_ARGS

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class Label:
    package: str
    path: str  # inside the extracted distribution, POSIX separators
    line: int
    expect: str  # a code from CODES, or SILENT
    flow: str
    note: str

    @property
    def key(self) -> Tuple[str, str, int]:
        return (self.package, self.path, self.line)

    @property
    def positive(self) -> bool:
        return self.expect != SILENT


@dataclass(frozen=True)
class LabelSet:
    packages: Tuple[Package, ...]
    labels: Tuple[Label, ...]

    @property
    def positives(self) -> Tuple[Label, ...]:
        return tuple(label for label in self.labels if label.positive)

    @property
    def negatives(self) -> Tuple[Label, ...]:
        return tuple(label for label in self.labels if not label.positive)


def load_labelset(path: Path = LABELS_PATH) -> LabelSet:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LabelError(f"{path}: cannot read labels: {exc}") from None
    problems: List[str] = []
    labelset = _parse(data, problems)
    if problems:
        raise LabelError("\n".join(f"{path}: {problem}" for problem in problems))
    return labelset


def _parse(data: object, problems: List[str]) -> LabelSet:
    if not isinstance(data, dict) or set(data) != {"version", "packages", "labels"}:
        problems.append("top level must be a mapping with exactly: version, packages, labels")
        return LabelSet((), ())
    if data["version"] != 1:
        problems.append(f"version must be 1, not {data['version']!r}")
    packages = _parse_packages(data["packages"], problems)
    labels = _parse_labels(data["labels"], {p.name for p in packages}, problems)
    return LabelSet(tuple(packages), tuple(labels))


def _parse_packages(entries: object, problems: List[str]) -> List[Package]:
    if not isinstance(entries, list):
        problems.append("packages must be a list")
        return []
    packages: List[Package] = []
    for index, entry in enumerate(entries):
        where = f"packages[{index}]"
        if not isinstance(entry, dict) or not PACKAGE_REQUIRED <= set(entry) <= PACKAGE_KEYS:
            problems.append(f"{where}: needs {sorted(PACKAGE_REQUIRED)} and optionally pip_args, got {entry!r}")
            continue
        if not all(isinstance(entry[k], str) and entry[k] for k in PACKAGE_REQUIRED):
            problems.append(f"{where}: {sorted(PACKAGE_REQUIRED)} must be non-empty strings")
            continue
        pip_args = entry.get("pip_args", list(DEFAULT_PIP_ARGS))
        if not isinstance(pip_args, list) or not all(isinstance(a, str) for a in pip_args):
            problems.append(f"{where}: pip_args must be a list of strings")
            continue
        if not SHA256.fullmatch(entry["sha256"]):
            problems.append(f"{where}: sha256 must be 64 lowercase hex digits, got {entry['sha256']!r}")
        if not entry["file"].endswith(ARCHIVE_SUFFIXES) or "/" in entry["file"]:
            problems.append(f"{where}: file must be a bare {'/'.join(ARCHIVE_SUFFIXES)} name, got {entry['file']!r}")
        if any(p.name == entry["name"] for p in packages):
            problems.append(f"{where}: package {entry['name']!r} is pinned twice")
        packages.append(Package(entry["name"], entry["version"], entry["file"], entry["sha256"], tuple(pip_args)))
    return packages


def _parse_labels(entries: object, package_names: set, problems: List[str]) -> List[Label]:
    if not isinstance(entries, list):
        problems.append("labels must be a list")
        return []
    labels: List[Label] = []
    seen: Dict[Tuple[str, str, int], int] = {}
    for index, entry in enumerate(entries):
        where = f"labels[{index}]"
        if not isinstance(entry, dict) or set(entry) != LABEL_KEYS:
            problems.append(f"{where}: needs exactly the keys {sorted(LABEL_KEYS)}, got {entry!r}")
            continue
        before = len(problems)
        package, path, line = entry["package"], entry["path"], entry["line"]
        expect, flow, note = entry["expect"], entry["flow"], entry["note"]
        if package not in package_names:
            problems.append(f"{where}: package {package!r} is not pinned under packages")
        if not _is_relative_source_path(path):
            problems.append(f"{where}: path must be a relative POSIX path to a .py/.pyi file, got {path!r}")
        if not isinstance(line, int) or isinstance(line, bool) or line < 1:
            problems.append(f"{where}: line must be a positive integer, got {line!r}")
        if expect != SILENT and expect not in CODES:
            problems.append(f"{where}: expect must be {SILENT!r} or one of {sorted(CODES)}, got {expect!r}")
        if flow not in FLOWS:
            problems.append(f"{where}: flow must be one of {list(FLOWS)}, got {flow!r}")
        if not isinstance(note, str) or not note.strip():
            problems.append(f"{where}: note must say why (a non-empty string)")
        if len(problems) > before:
            continue
        label = Label(package, path, line, expect, flow, note)
        if label.key in seen:
            problems.append(f"{where}: {package}:{path}:{line} is already labelled by labels[{seen[label.key]}]")
        else:
            seen[label.key] = index
        labels.append(label)
    return labels


def _is_relative_source_path(path: object) -> bool:
    if not isinstance(path, str) or "\\" in path:
        return False
    posix = PurePosixPath(path)
    return not posix.is_absolute() and ".." not in posix.parts and posix.suffix in (".py", ".pyi")
