"""Which files a run checks: `.py` and `.pyi` under the given paths, minus what git and the config exclude.

Rules, as users know them from ruff and git:
- every `.gitignore` applies relative to its own directory, deeper files win, negations re-include, and
  `.git/info/exclude` comes last; an excluded directory is pruned, so nothing under it is re-included (git does
  the same);
- `exclude` replaces the default excludes and `extend-exclude` adds to them; both are gitignore-style patterns relative
  to the project root;
- a file named on the command line is always checked, unless `force_exclude` (pre-commit passes every staged file);
- an explicitly named path that yields nothing is reported in `skipped` with the reason, never a silent "0 files";
- `-` means stdin and is passed through as `Discovery.stdin`;
- a broken symlink or a symlink loop met while walking is a warning and skipped, as in ruff (whose walk reports it and
  goes on); the same link named on the command line is an error;
- with gitignore respected, git's global excludes file (`core.excludesFile`, default `$XDG_CONFIG_HOME/git/ignore`)
  applies below the top of every repository, before `.git/info/exclude` and the `.gitignore` files.

The walk uses `os.scandir` and stats only symlinks: directory and file kinds come from the directory listing.
"""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence, Set, Tuple, cast

from buffix.core.findings import FileError

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

DEFAULT_EXCLUDES: Tuple[str, ...] = (
    ".git", ".hg", ".svn", ".venv", "venv", "build", "dist", "node_modules", "site-packages", "__pycache__", ".tox",
    ".nox", ".buffix_cache", ".mypy_cache", ".eggs",
)
PYTHON_SUFFIXES = (".py", ".pyi")
_GLOB_CHARS = frozenset("*?[]!\\")
_KINDS = {stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device"}


@dataclass(frozen=True)
class Skipped:
    """An explicitly named path that contributes no file, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Discovery:
    files: Tuple[Path, ...]  # sorted by their string form, deduplicated
    skipped: Tuple[Skipped, ...] = ()
    errors: Tuple[FileError, ...] = ()  # unreadable directories, pipes named *.py, named broken links
    warnings: Tuple[FileError, ...] = ()  # broken links and symlink loops met while walking, skipped
    stdin: bool = False  # `-` was among the paths


class _Rules:
    """Gitignore-style patterns relative to `base`, indexed so that a path touches few regexes.

    Without negations any match excludes, so plain names (`.venv`, `build/`) are a dict lookup and anchored
    patterns (`docs/_build/`) are grouped by their first component; only the rest go through pathspec for every
    path. Files consult only patterns that can match a `.py`/`.pyi` name: directories are checked as the walk
    enters them, so directory-only and other-suffix patterns never decide for a file. With a negation anywhere
    the whole file goes through pathspec, which keeps git's last-match-wins order.
    """

    def __init__(self, base: str, lines: Sequence[str]) -> None:
        self.base = base
        self.lines = tuple(lines)
        self.ordered = _spec(self.lines) if any(p.startswith("!") for p in self.lines) else None
        self._full: Optional[GitIgnoreSpec] = None
        self.names: Dict[str, Tuple[bool, str]] = {}  # name -> (directory only, pattern)
        self.dirs = self._index(self.lines)
        self.files = self._index([p for p in self.lines if _can_match_python(p)])

    def _index(self, lines: Sequence[str]) -> Tuple[Dict[str, _Spec], Optional[_Spec]]:
        anchored: Dict[str, List[str]] = {}
        rest: List[str] = []
        for line in lines:
            core = line.rstrip().rstrip("/")
            if "/" not in core and not (_GLOB_CHARS & set(core)):
                self.names.setdefault(core, (line.rstrip().endswith("/"), line))
                continue
            first = core.lstrip("/").split("/", 1)[0]
            if "/" in core.lstrip("/") or core.startswith("/"):
                if not (_GLOB_CHARS & set(first)):
                    anchored.setdefault(first, []).append(line)
                    continue
            rest.append(line)
        return ({k: _Spec(v) for k, v in anchored.items()}, _Spec(rest) if rest else None)

    def match(self, path: str, name: str, is_dir: bool, walked: bool = True) -> Optional[str]:
        """The pattern that excludes `path` (absolute), or None. `walked`: the walk has entered every directory
        above `path`, so none of them is excluded; otherwise (a path named on the command line) every pattern is
        tried on the whole path, parents included."""
        if self.ordered is None and walked:
            hit = self.names.get(name)
            if hit is not None and (is_dir or not hit[0]):
                return hit[1]
        base = self.base
        rel = path[len(base) + 1:] if path.startswith(base + os.sep) else path.lstrip(os.sep)
        candidate = rel + "/" if is_dir else rel
        if self.ordered is not None or not walked:
            spec = self.ordered or self.full
            result = spec.check_file(candidate)
            return self.lines[cast(int, result.index)] if result.include else None
        anchored, rest = self.dirs if is_dir else self.files
        group = anchored.get(rel.split("/", 1)[0]) if anchored else None
        found = group.match(candidate) if group is not None else None
        if found is None and rest is not None:
            found = rest.match(candidate)
        return found

    @property
    def full(self) -> GitIgnoreSpec:
        if self._full is None:
            self._full = _spec(self.lines)
        return self._full

    def names_only(self) -> "_Rules":
        return _Rules(self.base, [p for p in self.lines if "/" not in p.rstrip().rstrip("/")
                                  and not (_GLOB_CHARS & set(p))])


class _Spec:
    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = tuple(lines)
        self.spec = _spec(self.lines)

    def match(self, rel: str) -> Optional[str]:
        result = self.spec.check_file(rel)
        return self.lines[cast(int, result.index)] if result.include else None


def _spec(lines: Sequence[str]) -> GitIgnoreSpec:
    from pathspec import GitIgnoreSpec  # imported on first use: plain-name patterns (the defaults) never need it

    return GitIgnoreSpec.from_lines(lines)


def _can_match_python(pattern: str) -> bool:
    """False when no `.py`/`.pyi` file can match `pattern` by its own name: directory-only patterns (`build/`) and
    names ending in another literal suffix (`*.log`, `.env`)."""
    body = pattern[1:] if pattern.startswith("!") else pattern
    if body.rstrip().endswith("/"):
        return False
    last = body.rstrip().rsplit("/", 1)[-1]
    literal = last[max(last.rfind(c) for c in "*?]") + 1:]
    return not literal or any(s.endswith(literal) or literal.endswith(s) for s in PYTHON_SUFFIXES)


@dataclass(frozen=True)
class _Ignore:
    source: str  # the file the patterns came from, for messages
    rules: _Rules


def _load_ignore(base: str, file: str) -> Optional[_Ignore]:
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    patterns = [line for line in lines if line.strip() and not line.startswith("#")]
    return _Ignore(file, _Rules(base, patterns)) if patterns else None


def _ignored_by(chain: Tuple[_Ignore, ...], path: str, is_dir: bool, walked: bool = True) -> Optional[str]:
    """'<file>: <pattern>' of the gitignore rule that excludes `path`, else None."""
    name = path.rpartition(os.sep)[2]
    for ignore in reversed(chain):  # the deepest file decides first
        rules = ignore.rules
        if not path.startswith(rules.base + os.sep):
            continue
        if rules.ordered is not None:  # negations: this file's answer may be "included", which also decides
            rel = path[len(rules.base) + 1:]
            result = rules.ordered.check_file(rel + "/" if is_dir else rel)
            if result.include is not None:
                return f"{ignore.source}: {rules.lines[cast(int, result.index)]}" if result.include else None
            continue
        pattern = rules.match(path, name, is_dir, walked)
        if pattern is not None:
            return f"{ignore.source}: {pattern}"
    return None


@lru_cache(maxsize=None)
def global_excludes_file(top: str) -> Optional[str]:
    """Git's global excludes file for the repository at `top`: `core.excludesFile`, else
    `$XDG_CONFIG_HOME/git/ignore` (default `~/.config/git/ignore`), as git does. Only when a config file git reads
    may set it (it names the key, or includes other files) does `git config` run (~10 ms); no git: the default."""
    if _may_set_excludes_file(top):
        try:
            done: Optional[subprocess.CompletedProcess] = subprocess.run(
                ["git", "config", "--path", "--get", "core.excludesFile"], cwd=top, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
        except OSError:
            done = None
        if done is not None and done.returncode == 0 and done.stdout.strip():
            return os.path.join(top, os.path.expanduser(done.stdout.strip()))  # a relative setting is from the top
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config_home, "git", "ignore")


def _may_set_excludes_file(top: str) -> bool:
    if any(name in os.environ for name in ("GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG", "GIT_DIR")):
        return True
    if not os.path.isdir(os.path.join(top, ".git")):  # a worktree or submodule: its config is elsewhere
        return True
    files = [os.path.join(top, ".git", "config")]
    if not os.environ.get("GIT_CONFIG_NOSYSTEM"):
        files.append(os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig")
    if "GIT_CONFIG_GLOBAL" in os.environ:
        files.append(os.environ["GIT_CONFIG_GLOBAL"])
    else:
        config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        files += [os.path.join(config_home, "git", "config"), os.path.join(os.path.expanduser("~"), ".gitconfig")]
    for file in files:
        try:
            with open(file, "rb") as handle:
                text = handle.read().lower()
        except OSError:
            continue
        if b"excludesfile" in text or b"[include" in text:
            return True
    return False


def _git_top(directory: str) -> Optional[str]:
    current = directory
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


class _Walker:
    def __init__(self, excludes: _Rules, respect_gitignore: bool, root: str) -> None:
        self.excludes = excludes
        self.respect_gitignore = respect_gitignore
        self.root = root
        self.files: Set[str] = set()
        self.errors: List[FileError] = []
        self.warnings: List[FileError] = []
        self.walked: Set[Tuple[int, int]] = set()  # real identities of walked directories
        self._chains: Dict[str, Tuple[_Ignore, ...]] = {}

    # -- gitignore context -------------------------------------------------------------------------------------
    def chain_above(self, directory: str) -> Tuple[_Ignore, ...]:
        """The ignore files that apply to entries of `directory` (its own included), from its git top (or the
        project root) down."""
        if not self.respect_gitignore:
            return ()
        cached = self._chains.get(directory)
        if cached is not None:
            return cached
        top = _git_top(directory)
        chain: List[_Ignore] = []
        if top is not None:
            excludes_file = global_excludes_file(top)
            for ignore_file in ([excludes_file] if excludes_file else []) + [os.path.join(top, ".git", "info",
                                                                                          "exclude")]:
                loaded = _load_ignore(top, ignore_file)
                if loaded:
                    chain.append(loaded)
        elif directory == self.root or directory.startswith(self.root + os.sep):
            top = self.root
        else:  # outside any repository and the project: no ignore files apply from above
            self._chains[directory] = ()
            return ()
        parts = [] if directory == top else directory[len(top) + 1:].split(os.sep)
        current = top
        for part in [None, *parts]:
            if part is not None:
                current = os.path.join(current, part)
            ignore = _load_ignore(current, os.path.join(current, ".gitignore"))
            if ignore:
                chain.append(ignore)
        self._chains[directory] = result = tuple(chain)
        return result

    def exclusion(self, path: str, name: str, is_dir: bool, chain: Tuple[_Ignore, ...],
                  excludes: Optional[_Rules] = None, walked: bool = True) -> Optional[str]:
        pattern = (excludes or self.excludes).match(path, name, is_dir, walked)
        if pattern is not None:
            return f"matches exclude pattern {pattern!r}"
        rule = _ignored_by(chain, path, is_dir, walked) if chain else None
        return f"excluded by .gitignore ({rule})" if rule else None

    def explicit_exclusion(self, path: str, is_dir: bool) -> Optional[str]:
        """For --force-exclude: is `path`, or a directory above it, excluded?"""
        parent = os.path.dirname(path)
        return self.exclusion(path, os.path.basename(path), is_dir, self.chain_above(parent), walked=False)

    # -- the walk ------------------------------------------------------------------------------------------------
    def walk(self, shown: str, absolute: str, identity: Tuple[int, int]) -> None:
        """Collect Python files under a directory; `shown` is the path as the user will see it."""
        self.walked.add(identity)
        # A directory named on the command line is walked even when a rule above excludes it (like a named file):
        # rules that match it would match everything below it, so they are left out of this walk.
        chain = self.chain_above(absolute)
        if chain and _ignored_by(chain, absolute, True, walked=False):
            chain = tuple(i for i in chain if i.rules.base == absolute)
        excludes = self.excludes
        if excludes.match(absolute, "", True, walked=False):
            excludes = excludes.names_only()
        # the start directory's own .gitignore is in `chain` already; children load theirs when listed
        stack = [(shown, absolute, identity, chain, (identity,), True)]
        while stack:
            shown, absolute, identity, chain, ancestors, loaded = stack.pop()
            try:
                with os.scandir(absolute) as listing:
                    entries = list(listing)
            except OSError as exc:
                self.errors.append(FileError(shown, f"cannot list directory: {exc.strerror or exc}"))
                continue
            if self.respect_gitignore and not loaded and any(e.name == ".gitignore" for e in entries):
                ignore = _load_ignore(absolute, os.path.join(absolute, ".gitignore"))
                if ignore:
                    chain = chain + (ignore,)
            for entry in entries:
                self._entry(entry, shown, absolute, identity, chain, ancestors, stack, excludes)

    def _entry(self, entry: os.DirEntry, shown: str, absolute: str, identity: Tuple[int, int],
               chain: Tuple[_Ignore, ...], ancestors: Tuple[Tuple[int, int], ...], stack: list,
               excludes: _Rules) -> None:
        exclusion = partial(self.exclusion, chain=chain, excludes=excludes)
        name = entry.name
        child_shown = name if shown == "." else os.path.join(shown, name)
        child_abs = os.path.join(absolute, name)
        is_python = name.endswith(PYTHON_SUFFIXES)
        if entry.is_dir(follow_symlinks=False):
            child_id = (identity[0], entry.inode())
            if child_id not in self.walked and exclusion(child_abs, name, True) is None:
                self.walked.add(child_id)
                stack.append((child_shown, child_abs, child_id, chain, ancestors + (child_id,), False))
            return
        if entry.is_file(follow_symlinks=False):
            if is_python and exclusion(child_abs, name, False) is None:
                self.files.add(child_shown)
            return
        if not entry.is_symlink():
            if is_python and exclusion(child_abs, name, False) is None:
                self.errors.append(FileError(child_shown, f"not a regular file ({_kind(entry.stat().st_mode)})"))
            return
        try:
            target = os.stat(child_abs)
        except OSError as exc:
            if is_python and exclusion(child_abs, name, False) is None:
                self.warnings.append(FileError(child_shown, _link_problem(exc)))
            return
        if stat.S_ISDIR(target.st_mode):
            if exclusion(child_abs, name, True) is not None:
                return
            target_id = (target.st_dev, target.st_ino)
            if target_id in ancestors:
                self.warnings.append(FileError(
                    child_shown, f"symlink loop: points back to {os.readlink(child_abs)}"))
            elif target_id not in self.walked:  # a second link to a walked directory adds nothing
                self.walked.add(target_id)
                stack.append((child_shown, child_abs, target_id, chain, ancestors + (target_id,), False))
        elif is_python and exclusion(child_abs, name, False) is None:
            if stat.S_ISREG(target.st_mode):
                self.files.add(child_shown)
            else:
                self.errors.append(FileError(child_shown, f"not a regular file ({_kind(target.st_mode)})"))


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a file")


def _link_problem(exc: OSError) -> str:
    if exc.errno == 40:  # ELOOP
        return "symlink loop: the link resolves to itself"
    if isinstance(exc, FileNotFoundError):
        return "broken symlink: its target does not exist"
    return f"cannot read: {exc.strerror or exc}"


def exclusion_reason(path: str, *, exclude: Optional[Sequence[str]] = None, extend_exclude: Sequence[str] = (),
                     root: Optional[str] = None, respect_gitignore: bool = True) -> Optional[str]:
    """Why `--force-exclude` leaves out `path` (a file named on the command line or `--stdin-filename`), or None."""
    root_abs = os.path.abspath(root or os.getcwd())
    patterns = list(DEFAULT_EXCLUDES if exclude is None else exclude) + list(extend_exclude)
    walker = _Walker(_Rules(root_abs, patterns), respect_gitignore, root_abs)
    return walker.explicit_exclusion(os.path.abspath(path), os.path.isdir(path))


def discover(
    paths: Iterable[str],
    *,
    exclude: Optional[Sequence[str]] = None,
    extend_exclude: Sequence[str] = (),
    force_exclude: bool = False,
    root: Optional[str] = None,
    respect_gitignore: bool = True,
) -> Discovery:
    """Python files under `paths`. `exclude=None` means DEFAULT_EXCLUDES; `root` is the project root
    (the config file's directory), default the current directory."""
    root_abs = os.path.abspath(root or os.getcwd())
    patterns = list(DEFAULT_EXCLUDES if exclude is None else exclude) + list(extend_exclude)
    walker = _Walker(_Rules(root_abs, patterns), respect_gitignore, root_abs)
    skipped: List[Skipped] = []
    stdin = False
    for given in dict.fromkeys(str(p) for p in paths):  # dedupe, keep order
        if given == "-":
            stdin = True
            continue
        shown = os.path.normpath(given)
        absolute = os.path.abspath(shown)
        try:
            info = os.stat(absolute)
        except OSError as exc:
            if os.path.lexists(absolute):
                walker.errors.append(FileError(shown, _link_problem(exc)))
            else:
                skipped.append(Skipped(shown, "does not exist"))
            continue
        is_dir = stat.S_ISDIR(info.st_mode)
        if force_exclude:
            reason = walker.explicit_exclusion(absolute, is_dir)
            if reason:
                skipped.append(Skipped(shown, reason))
                continue
        if is_dir:
            before = len(walker.files)
            identity = (info.st_dev, info.st_ino)
            if identity not in walker.walked:
                walker.walk(shown, absolute, identity)
            if len(walker.files) == before and not any(f.startswith(shown) for f in walker.files):
                skipped.append(Skipped(shown, "no Python files found under this directory (after excludes)"))
        elif not stat.S_ISREG(info.st_mode):
            walker.errors.append(FileError(shown, f"not a regular file ({_kind(info.st_mode)})"))
        elif not shown.endswith(PYTHON_SUFFIXES):
            skipped.append(Skipped(shown, "not a Python file (expected .py or .pyi)"))
        else:
            walker.files.add(shown)
    files = tuple(Path(f) for f in sorted(walker.files))
    errors = tuple(sorted(walker.errors, key=lambda e: e.path))
    warnings = tuple(sorted(walker.warnings, key=lambda e: e.path))
    return Discovery(files, tuple(skipped), errors, warnings=warnings, stdin=stdin)
