"""The labelled ground truth: one YAML file per pinned package under packages/. Loading, validation and the
dev/test split, shared by fetch.py, score.py and the tests."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional, Tuple

import yaml

PACKAGES_DIR = Path(__file__).with_name("packages")
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
    "BFX108": "pickle / XML parsers / re with bytes / C parsers and ciphers",
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
    "direct", "variable", "chunk-loop", "attribute", "helper-return", "cross-module", "parameter", "container",
    "comprehension", "conditional", "other",
)
CLIENTS: Tuple[str, ...] = (
    "requests", "niquests", "httpx", "httpx2", "aiohttp", "urllib", "urllib3", "boto3", "aiobotocore",
    "none", "unknown",
)
# How a package was labelled: `blind` by reading its code before any buffix output was seen; `tool-assisted` for
# the first corpus, labelled with the tool in hand. A label added while reviewing buffix's output says origin: review.
LABELLING = ("blind", "tool-assisted")
ORIGINS = ("blind", "tool-assisted", "review")
SPLITS = ("dev", "test")
SPLIT_SEED = "buffix-accuracy-split-v1"

PACKAGE_REQUIRED = {"name", "version", "file", "sha256", "category", "labelling", "labels"}
PACKAGE_KEYS = PACKAGE_REQUIRED | {"pip_args", "note_package"}
LABEL_REQUIRED = {"path", "line", "expect", "flow", "note"}
LABEL_KEYS = LABEL_REQUIRED | {"client", "origin", "mock"}
SHA256 = re.compile(r"[0-9a-f]{64}")
ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz")
DEFAULT_PIP_ARGS = ("--only-binary", ":all:")


class LabelError(ValueError):
    """A label file is malformed; the message names the file and every problem found."""


def split_of(name: str) -> str:
    """The fixed half a package belongs to: a seeded hash of its name, never chosen by hand."""
    digest = hashlib.sha256(f"{SPLIT_SEED}:{name.lower()}".encode("utf-8")).digest()
    return SPLITS[digest[0] % 2]


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    file: str  # the exact distribution file pip must produce
    sha256: str
    pip_args: Tuple[str, ...] = DEFAULT_PIP_ARGS
    category: str = ""
    labelling: str = "blind"
    note: str = ""  # why a package holds no positive site, when it holds none

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def split(self) -> str:
        return split_of(self.name)


@dataclass(frozen=True)
class Label:
    package: str
    path: str  # inside the extracted distribution, POSIX separators
    line: int
    expect: str  # a code from CODES, or SILENT
    flow: str
    note: str
    client: str = "unknown"
    origin: str = "blind"
    mock: bool = False  # test code whose only source is a mocked or hand-built response

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

    def only(self, split: Optional[str]) -> "LabelSet":
        """The packages of one split (None: all) and their labels."""
        if split is None:
            return self
        packages = tuple(p for p in self.packages if p.split == split)
        names = {p.name for p in packages}
        return LabelSet(packages, tuple(label for label in self.labels if label.package in names))


def load_labelset(path: Path = PACKAGES_DIR) -> LabelSet:
    """Every `*.yaml` of a directory (or one package file)."""
    path = Path(path)
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise LabelError(f"{path}: no package label files")
    packages: List[Package] = []
    labels: List[Label] = []
    problems: List[str] = []
    for file in files:
        before = len(problems)
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{file}: cannot read labels: {exc}")
            continue
        found: List[str] = []
        package, own = _parse_package(data, found)
        if package is not None and any(p.name == package.name for p in packages):
            found.append(f"package {package.name!r} is pinned twice")
        problems += [f"{file}: {problem}" for problem in found]
        if package is not None and len(problems) == before:
            packages.append(package)
            labels += own
    if problems:
        raise LabelError("\n".join(problems))
    return LabelSet(tuple(packages), tuple(labels))


def _parse_package(data: object, problems: List[str]) -> Tuple[Optional[Package], List[Label]]:
    if not isinstance(data, dict) or not PACKAGE_REQUIRED <= set(data) <= PACKAGE_KEYS:
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        problems.append(f"needs {sorted(PACKAGE_REQUIRED)} and optionally pip_args, note_package; got {keys}")
        return None, []
    strings = PACKAGE_REQUIRED - {"labels"}
    if not all(isinstance(data[k], str) and data[k] for k in strings):
        problems.append(f"{sorted(strings)} must be non-empty strings")
        return None, []
    pip_args = data.get("pip_args", list(DEFAULT_PIP_ARGS))
    if not isinstance(pip_args, list) or not all(isinstance(a, str) for a in pip_args):
        problems.append("pip_args must be a list of strings")
    if not SHA256.fullmatch(data["sha256"]):
        problems.append(f"sha256 must be 64 lowercase hex digits, got {data['sha256']!r}")
    if not data["file"].endswith(ARCHIVE_SUFFIXES) or "/" in data["file"]:
        problems.append(f"file must be a bare {'/'.join(ARCHIVE_SUFFIXES)} name, got {data['file']!r}")
    if data["labelling"] not in LABELLING:
        problems.append(f"labelling must be one of {list(LABELLING)}, got {data['labelling']!r}")
    if problems:
        return None, []
    package = Package(data["name"], data["version"], data["file"], data["sha256"], tuple(pip_args),
                      data["category"], data["labelling"], str(data.get("note_package", "")))
    return package, _parse_labels(data["labels"], package, problems)


def _parse_labels(entries: object, package: Package, problems: List[str]) -> List[Label]:
    if not isinstance(entries, list):
        problems.append("labels must be a list")
        return []
    labels: List[Label] = []
    seen: Dict[Tuple[str, str, int], int] = {}
    for index, entry in enumerate(entries):
        where = f"labels[{index}]"
        if not isinstance(entry, dict) or not LABEL_REQUIRED <= set(entry) <= LABEL_KEYS:
            problems.append(f"{where}: needs the keys {sorted(LABEL_REQUIRED)} (optionally client, origin, mock), "
                            f"got {entry!r}")
            continue
        before = len(problems)
        path, line, expect, flow, note = (entry[k] for k in ("path", "line", "expect", "flow", "note"))
        client = entry.get("client", "unknown")
        origin = entry.get("origin", package.labelling)
        mock = entry.get("mock", False)
        if not _is_relative_source_path(path):
            problems.append(f"{where}: path must be a relative POSIX path to a .py/.pyi file, got {path!r}")
        if not isinstance(line, int) or isinstance(line, bool) or line < 1:
            problems.append(f"{where}: line must be a positive integer, got {line!r}")
        if expect != SILENT and expect not in CODES:
            problems.append(f"{where}: expect must be {SILENT!r} or one of {sorted(CODES)}, got {expect!r}")
        if flow not in FLOWS:
            problems.append(f"{where}: flow must be one of {list(FLOWS)}, got {flow!r}")
        if client not in CLIENTS:
            problems.append(f"{where}: client must be one of {list(CLIENTS)}, got {client!r}")
        if origin not in ORIGINS:
            problems.append(f"{where}: origin must be one of {list(ORIGINS)}, got {origin!r}")
        if not isinstance(mock, bool) or (mock and expect != SILENT):
            problems.append(f"{where}: mock must be true or false, and true only on a silent label")
        if not isinstance(note, str) or not note.strip():
            problems.append(f"{where}: note must say why (a non-empty string)")
        if len(problems) > before:
            continue
        label = Label(package.name, path, line, expect, flow, note, client, origin, mock)
        if label.key in seen:
            problems.append(f"{where}: {package.name}:{path}:{line} is already labelled by labels[{seen[label.key]}]")
        else:
            seen[label.key] = index
        labels.append(label)
    return labels


def _is_relative_source_path(path: object) -> bool:
    if not isinstance(path, str) or "\\" in path:
        return False
    posix = PurePosixPath(path)
    return not posix.is_absolute() and ".." not in posix.parts and posix.suffix in (".py", ".pyi")
