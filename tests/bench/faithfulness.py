"""Faithfulness of the runtime on a real test suite (a script; tests/runtime/test_faithfulness.py runs a part of it):

    .venv/bin/python tests/bench/faithfulness.py --suite aiohttp [--modes wrapt,strict,release] [--subset client]
    .venv/bin/python tests/bench/faithfulness.py [--modes ...] -- PYTEST_ARGS...      (the suite in this directory)
    .venv/bin/python tests/bench/faithfulness.py --suite aiohttp --subset client-functional --pairs 3   (ratio only)

`--suite aiohttp` runs aiohttp's own test suite, with its conftest's blockbuster on, against the aiohttp this venv
has installed: the sdist of that version (it ships `tests/`) is fetched with `pip download`, and a venv cached
under .buffix_cache/faithfulness/ gets that aiohttp wheel plus aiohttp's pinned test requirements
(requirements/test.txt, without the linters, coverage and xdist). aiohttp's tests are the program there, the
installed aiohttp the library, as for any user. `--subset client` keeps the test files that use aiohttp's client
(the only ones a hook can reach); without it the whole suite runs (5,700+ tests; long on 2 cores).

Runs the suite plainly and under `buffix run` in each mode, each with --junitxml, and prints, per mode, the tests
whose outcome differs, with the first line of the failure, and the wall-time ratio (target <= 1.10x). Each
difference is run again alone, both ways (`--no-confirm` skips this): one that does not repeat is reported as
flaky, not as a difference. Exit 1 when a confirmed difference is not a known buffer-protocol site
(KNOWN_SITES: test id -> the line and why; each must be a real site of the suite, never a runtime bug).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".buffix_cache" / "faithfulness"

# mode -> the `buffix run` options it adds
MODES: Dict[str, Tuple[str, ...]] = {
    "wrapt": ("--profile", "wrapt"),
    "strict": ("--profile", "strict"),
    "release": ("--profile", "wrapt", "--release-on-close"),
}

Outcomes = Dict[str, Tuple[str, str]]  # test id -> (passed|failed|error|skipped, first line of the message)


@dataclass(frozen=True)
class Suite:
    """A third-party suite run from its sdist against the installed distribution of the same version."""

    distribution: str
    copied: Tuple[str, ...]  # what of the sdist the run needs (never the package source: the installed one is used)
    requirements: str  # the sdist's pinned test requirements
    unwanted: FrozenSet[str]  # requirements the run does not use (linters, coverage, parallelism)
    extra: Tuple[str, ...]  # requirements the suite's configuration names but its requirements file does not
    args: Tuple[str, ...]  # pytest options replacing the suite's addopts (coverage, xdist, doctests of the source)
    subsets: Mapping[str, Tuple[str, ...]]


AIOHTTP_CLIENT_FILES = tuple(f"tests/{name}.py" for name in (
    "test_client_functional", "test_client_middleware", "test_client_middleware_digest_auth", "test_client_request",
    "test_client_response", "test_client_session", "test_client_ws", "test_client_ws_functional", "test_connector",
    "test_formdata", "test_proxy_functional", "test_pytest_plugin", "test_run_app", "test_test_utils",
    "test_web_app", "test_web_exceptions", "test_web_functional", "test_web_log", "test_web_middleware",
    "test_web_sendfile_functional", "test_web_server", "test_web_urldispatcher", "test_web_websocket_functional",
    "test_benchmarks_client", "test_benchmarks_client_ws", "test_benchmarks_web_fileresponse",
    "test_benchmarks_web_middleware", "test_benchmarks_web_request",
))

SUITES: Dict[str, Suite] = {
    "aiohttp": Suite(
        distribution="aiohttp",
        copied=("tests", "pytest.ini"),
        requirements="requirements/test.txt",
        unwanted=frozenset({"mypy", "ast-serialize", "librt", "python-on-whales", "pydantic", "pydantic-core",
                            "annotated-types", "typing-inspection", "pytest-cov", "pytest-xdist", "execnet",
                            "setuptools-git", "pkgconfig"}),
        extra=(),
        # pytest.ini's own marker selection, without --numprocesses, --cov, --doctest-modules (of the source tree)
        args=("-o", "addopts=", "-m", "not dev_mode and not autobahn and not internal", "--strict-markers",
              "-p", "no:cacheprovider", "-q"),
        subsets={"client": AIOHTTP_CLIENT_FILES, "client-functional": ("tests/test_client_functional.py",)},
    ),
}

# Confirmed differences that are real buffer-protocol sites of a suite: test id -> ("file:line: why", the modes
# it fails in). A wrapt proxy forwards `+`, so the concatenations fail only under the strict profile (BFX4).
# --release-on-close frees a body when the program closes its response: a later use is what that mode reports.
_EVERY_MODE, _STRICT, _RELEASE = frozenset(MODES), frozenset({"strict"}), frozenset({"release"})
_JOIN = ("tests/test_web_sendfile_functional.py:754: `b\"\".join(body)` of the bodies `await resp.read()` returned "
         "(bytes.join needs the buffer protocol)")
KNOWN_SITES: Dict[str, Tuple[str, FrozenSet[str]]] = {
    "tests/test_web_sendfile_functional.py::test_static_file_range[no_sendfile-pyloop]": (_JOIN, _EVERY_MODE),
    "tests/test_web_sendfile_functional.py::test_static_file_range[sendfile-pyloop]": (_JOIN, _EVERY_MODE),
    "tests/test_client_functional.py::test_read_timeout_between_chunks[pyloop]": (
        "tests/test_client_functional.py:1243: `res += await resp.read()` (bytes + proxy)", _STRICT),
    "tests/test_web_sendfile_functional.py::test_static_file_huge_cancel[pyloop]": (
        "tests/test_web_sendfile_functional.py:1129: `data += await resp.content.read(1024)` (bytes + proxy)", _STRICT),
    "tests/test_web_sendfile_functional.py::test_static_file_range_tail[no_sendfile-pyloop]": (
        "tests/test_web_sendfile_functional.py:836: `body4` compared after `resp.close()` (use after close)", _RELEASE),
    "tests/test_web_sendfile_functional.py::test_static_file_range_tail[sendfile-pyloop]": (
        "tests/test_web_sendfile_functional.py:836: `body4` compared after `resp.close()` (use after close)", _RELEASE),
    "tests/test_client_functional.py::test_read_timeout_on_write[pyloop]": (
        "tests/test_client_functional.py: the body read inside `async with client.put(...)` compared after it "
        "(use after close)", _RELEASE),
    "tests/test_web_functional.py::test_subapp_reverse_static_url[pyloop]": (
        "tests/test_web_functional.py:1415: `body = await resp.read()` used after the response is released "
        "(use after close)", _RELEASE),
    "tests/test_client_functional.py::test_read_from_closed_response2[pyloop]": (
        "tests/test_client_functional.py:4657: `await resp.read()` after the `async with` block: plainly "
        "ClientConnectionError, under the policy BodyReleasedError (use after close)", _RELEASE),
}


# --- the suite's cached venv --------------------------------------------------------------------------------------
def _requirement_name(line: str) -> str:
    return line.split(";", 1)[0].split("==", 1)[0].strip().lower().replace("_", "-")


def _pip(python: str, *args: str) -> None:
    done = subprocess.run([python, "-m", "pip", "-q", "--disable-pip-version-check", *args],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed: {done.stderr.strip()[-500:]}")


def prepare(suite: Suite) -> Tuple[str, Path]:
    """(python of the suite's venv, folder to run the suite in), built once per version and interpreter."""
    wanted = version(suite.distribution)
    folder = CACHE / f"{suite.distribution}-{wanted}-py{sys.version_info.major}{sys.version_info.minor}"
    python, stamp = folder / "venv" / "bin" / "python", folder / "ready"
    if stamp.is_file():
        return str(python), folder / "suite"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    download = folder / "sdist"
    _pip(sys.executable, "download", "--no-deps", "--no-binary", ":all:", f"{suite.distribution}=={wanted}",
         "-d", str(download))
    archive = next(download.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(download, filter="data")
    source = next(path for path in download.iterdir() if path.is_dir())
    for name in suite.copied:
        target = folder / "suite" / name
        if (source / name).is_dir():
            shutil.copytree(source / name, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target)
    requirements = [line.strip() for line in (source / suite.requirements).read_text().splitlines()
                    if line.strip() and not line.lstrip().startswith(("#", "-"))
                    and _requirement_name(line) not in suite.unwanted]
    pinned = folder / "requirements.txt"
    pinned.write_text("\n".join([*requirements, *suite.extra]) + "\n")
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True, capture_output=True)
    # the runtime's one dependency at this venv's version: `buffix run` imports buffix from this checkout
    _pip(str(python), "install", f"{suite.distribution}=={wanted}", f"wrapt=={version('wrapt')}", "-r", str(pinned))
    shutil.rmtree(download)
    stamp.write_text(wanted + "\n")
    return str(python), folder / "suite"


# --- running and comparing ----------------------------------------------------------------------------------------
def outcomes(junit: Path) -> Outcomes:
    found: Outcomes = {}
    if not junit.is_file():
        return found
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        state, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                state = "failed" if child.tag == "failure" else child.tag
                text = child.get("message") or child.text or ""
                message = text.strip().splitlines()[0][:200] if text.strip() else ""
                break
        found[node_id(case.get("file"), case.get("classname") or "", case.get("name") or "")] = (state, message)
    return found


def node_id(file: Optional[str], classname: str, name: str) -> str:
    """The pytest node id of a junit test case (xunit1 names its file; xunit2 only the dotted class name)."""
    if not file:
        return f"{classname}::{name}"
    module = file[:-3].replace("/", ".") if file.endswith(".py") else file
    classes = classname[len(module) + 1:].split(".") if classname.startswith(module + ".") else []
    return "::".join([file, *classes, name])


def run_pytest(python: str, cwd: Path, mode: str, args: Sequence[str], junit: Path) -> float:
    """Seconds the run took; `buffix run` puts the runtime into the suite's interpreter from this checkout."""
    prefix = [sys.executable, "-m", "buffix", "run", *MODES[mode], "--"] if mode != "plain" else []
    started = time.monotonic()
    subprocess.run([*prefix, python, "-m", "pytest", f"--junitxml={junit}", *args], cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


@dataclass(frozen=True)
class Comparison:
    mode: str
    total_plain: int
    total_under: int
    passed_plain: int
    plain_seconds: float
    under_seconds: float
    differing: Tuple[Tuple[str, str, str, str], ...]  # (test, plain state, state under buffix, its message)
    flaky: Tuple[str, ...]  # differed in the whole run, not when run again alone

    @property
    def unexplained(self) -> Tuple[str, ...]:
        return tuple(test for test, *_ in self.differing if self.mode not in KNOWN_SITES.get(test, ("", ()))[1])


def compare(python: str, cwd: Path, args: Sequence[str], modes: Sequence[str], confirm: bool = True,
            keep: Path = Path()) -> List[Comparison]:
    """Plain vs each mode. With `keep`, the junit files (and each run's seconds) stay there, and a run whose
    files are already there is not repeated: a long comparison can be resumed mode by mode."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = keep.resolve() if str(keep) not in ("", ".") else Path(scratch)  # the suite runs elsewhere
        folder.mkdir(parents=True, exist_ok=True)

        def timed_run(mode: str, options: Sequence[str], name: str) -> float:
            junit, seconds = folder / f"{name}.xml", folder / f"{name}.seconds"
            if junit.is_file() and seconds.is_file():
                return float(seconds.read_text())
            taken = run_pytest(python, cwd, mode, options, junit)
            seconds.write_text(f"{taken:.1f}\n")
            return taken

        plain_seconds = timed_run("plain", args, "plain")
        plain = outcomes(folder / "plain.xml")
        results = []
        for mode in modes:
            under_seconds = timed_run(mode, args, mode)
            under = outcomes(folder / f"{mode}.xml")
            differing = sorted(test for test in plain.keys() | under.keys()
                               if plain.get(test, ("missing", ""))[0] != under.get(test, ("missing", ""))[0])
            flaky: List[str] = []
            if confirm and differing:
                options = [*strip_targets(args), *differing]
                timed_run("plain", options, f"again-plain-{mode}")
                timed_run(mode, options, f"again-{mode}")
                again_plain, again_under = outcomes(folder / f"again-plain-{mode}.xml"), outcomes(
                    folder / f"again-{mode}.xml")
                for test in differing:
                    first = again_plain.get(test, ("missing", ""))[0]
                    if first == again_under.get(test, ("missing", ""))[0] and first != "missing":
                        flaky.append(test)
            kept = tuple((test, plain.get(test, ("missing", ""))[0], *under.get(test, ("missing", "")))
                         for test in differing if test not in flaky)
            passed = sum(1 for state, _ in plain.values() if state == "passed")
            results.append(Comparison(mode, len(plain), len(under), passed, plain_seconds, under_seconds, kept,
                                      tuple(flaky)))
        return results


def strip_targets(args: Sequence[str]) -> List[str]:
    """The options of `args` without its test paths (a re-run names the tests itself)."""
    kept: List[str] = []
    takes_value = {"-m", "-o", "-p", "-k"}
    skip_next = False
    for arg in args:
        if skip_next:
            kept.append(arg)
            skip_next = False
        elif arg in takes_value:
            kept.append(arg)
            skip_next = True
        elif arg.startswith("-"):
            kept.append(arg)
    return kept


def describe(result: Comparison) -> str:
    ratio = result.under_seconds / result.plain_seconds if result.plain_seconds else float("nan")
    lines = [f"[{result.mode}] {result.total_plain} tests plainly ({result.passed_plain} passed), "
             f"{result.total_under} under buffix run "
             f"{' '.join(MODES[result.mode])}; {len(result.differing)} differ"
             f"{f' ({len(result.flaky)} more did once but not again alone: flaky)' if result.flaky else ''}; "
             f"wall time {result.plain_seconds:.1f}s vs {result.under_seconds:.1f}s ({ratio:.2f}x)"]
    for test, before, after, message in result.differing:
        site, modes = KNOWN_SITES.get(test, ("", frozenset()))
        known = f"\n    known site: {site}" if result.mode in modes else "\n    NOT a known site"
        lines.append(f"  {test}: {before} -> {after}  {message}{known}")
    for test in result.flaky:
        lines.append(f"  flaky: {test}")
    return "\n".join(lines)


def wall_time_ratio(python: str, cwd: Path, args: Sequence[str], mode: str, pairs: int) -> List[Tuple[float, float]]:
    """(plain seconds, seconds under `buffix run`) of `pairs` pairs of runs, plain and buffix alternating so both
    see the same load; the ratio of the sums and the smallest pair ratio are what to report. Each run's tests and
    passes are printed too: a run that stopped early would make a ratio mean nothing."""
    found = []
    with tempfile.TemporaryDirectory() as scratch:
        for index in range(pairs):
            plain_junit, under_junit = Path(scratch) / f"plain-{index}.xml", Path(scratch) / f"{mode}-{index}.xml"
            plain = run_pytest(python, cwd, "plain", args, plain_junit)
            under = run_pytest(python, cwd, mode, args, under_junit)
            found.append((plain, under))
            print(f"pair {index + 1}: plain {plain:.1f}s ({_tally(plain_junit)}), {mode} {under:.1f}s "
                  f"({_tally(under_junit)}), {under / plain:.3f}x", flush=True)
    return found


def _tally(junit: Path) -> str:
    states = [state for state, _ in outcomes(junit).values()]
    return f"{len(states)} tests, {states.count('passed')} passed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", choices=sorted(SUITES), help="a third-party suite run from its sdist")
    parser.add_argument("--subset", default="", help="a named part of the suite (aiohttp: client, client-functional)")
    parser.add_argument("--modes", default="wrapt", help=f"comma-separated, of {', '.join(MODES)} (default wrapt)")
    parser.add_argument("--no-confirm", action="store_true", help="do not run differing tests again alone")
    parser.add_argument("--keep", default="", help="keep the junit files in this folder (and reuse those there)")
    parser.add_argument("--pairs", type=int, default=0,
                        help="only time N alternating plain / buffix-run pairs of the first mode (wall-time ratio)")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    modes = [mode.strip() for mode in options.modes.split(",") if mode.strip()]
    unknown = [mode for mode in modes if mode not in MODES]
    if unknown:
        parser.error(f"unknown mode {unknown[0]!r}; expected one of {', '.join(MODES)}")
    extra = [a for a in options.pytest_args if a != "--"]
    if options.suite:
        suite = SUITES[options.suite]
        if options.subset and options.subset not in suite.subsets:
            parser.error(f"unknown subset {options.subset!r} of {options.suite}: {', '.join(suite.subsets)}")
        python, cwd = prepare(suite)
        targets = list(suite.subsets[options.subset]) if options.subset else ["tests"]
        args = [*suite.args, *extra, *targets]
    else:
        python, cwd, args = sys.executable, Path.cwd(), extra
    if options.pairs > 0:
        timed = wall_time_ratio(python, cwd, args, modes[0], options.pairs)
        plain_total, under_total = sum(p for p, _ in timed), sum(u for _, u in timed)
        print(f"{modes[0]}: {options.pairs} pairs, ratio of sums {under_total / plain_total:.3f}x, "
              f"per pair {min(u / p for p, u in timed):.3f}x to {max(u / p for p, u in timed):.3f}x (target <= 1.10x)")
        return 0
    results = compare(python, cwd, args, modes, confirm=not options.no_confirm, keep=Path(options.keep))
    for result in results:
        print(describe(result), flush=True)
    return 1 if any(result.unexplained for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
