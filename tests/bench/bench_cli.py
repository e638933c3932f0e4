"""Benchmark `buffix check` against ruff on homeassistant + django (issue 5, Speed). A script, not a test:

    .venv/bin/pip install -e '.[bench]'   # ruff
    .venv/bin/python tests/bench/bench_cli.py [--jobs 2]

Downloads the two sdists from PyPI by name (cached in .buffix_cache/bench/), keeps only their .py files, then times
buffix cold (--no-cache), warm (cache), one file (as pre-commit runs it), ruff --no-cache and ruff warm, and the
pipeline directly through a tiny driver (discover → check_files with the real analyzer), side by side.

Like ruff, buffix resolves `import pkg` from the checked path (and its src/) unless `src` says otherwise; the corpus
holds two projects side by side, so the default run follows no helper across modules. The `src=each` row names both
projects' roots, which is what a user of either project gets (more modules parsed, more findings).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".buffix_cache" / "bench"
PACKAGES = ("homeassistant==2026.11.0", "django==6.1.3")  # homeassistant 2026.11 asks for Python >= 3.14.2
BIN = Path(sys.executable).parent
DRIVER = """
import resource, sys, time
from pathlib import Path
from buffix.cache import Cache
from buffix.config import Config
from buffix.discovery import discover
from buffix.pipeline import check_files, lazy_analyzer_stages
found = discover([sys.argv[1]])
analyze, prefilter, prepare = lazy_analyzer_stages([Path(sys.argv[1])], Config())
cache = Cache(Path("."), "bench") if sys.argv[3] == "cache" else None
results = list(check_files(found.files, analyze, prefilter=prefilter, jobs=int(sys.argv[2]), cache=cache,
                           prepare=prepare))
print(sum(len(r.findings) for r in results), sum(1 for r in results if r.error))
"""


def corpus() -> Path:
    target = WORK / "corpus"
    if target.is_dir() and any(target.iterdir()):
        return target
    download = WORK / "dl"
    subprocess.run([str(BIN / "pip"), "download", "--no-deps", "--no-binary", ":all:", "--ignore-requires-python",
                    "-d", str(download), *PACKAGES], check=True)
    for archive in sorted(download.glob("*.tar.gz")):
        with tarfile.open(archive) as tar:
            for member in tar:
                if member.isfile() and member.name.endswith(".py"):
                    dest = target / member.name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(tar.extractfile(member).read())
    return target


def run(label: str, argv: list, cwd: Path) -> dict:
    """Wall time and the peak RSS of the command and of its largest child (a worker)."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.execv(argv[0], argv)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    return {"label": label, "wall": wall, "rss": usage.ru_maxrss / 1024, "status": os.waitstatus_to_exitcode(status)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tree = corpus()
    files = sorted(tree.rglob("*.py"))
    lines = sum(f.read_bytes().count(b"\n") for f in files)
    one = next(f for f in files if f.name == "views.py" and "django/contrib/auth" in str(f))
    buffix, ruff, python = str(BIN / "buffix"), str(BIN / "ruff"), sys.executable
    jobs = str(args.jobs)
    projects = WORK / "src-projects.toml"  # `src` naming each sdist's root: helpers across modules are followed
    projects.write_text("[tool.buffix]\nsrc = [%s]\n" % ", ".join(
        f'"{d.relative_to(WORK).as_posix()}"' for d in sorted(tree.iterdir()) if d.is_dir()))
    cases = [
        ("ruff check --no-cache", [ruff, "check", "--no-cache", "--exit-zero", "--quiet", "."], None),
        ("ruff check (warm)", [ruff, "check", "--exit-zero", "--quiet", "."], None),
        ("buffix check --no-cache", [buffix, "check", "--no-cache", "--jobs", jobs, "."], None),
        ("buffix check (warm)", [buffix, "check", "--jobs", jobs, "."], None),
        ("buffix check ONE file", [buffix, "check", str(one.relative_to(tree))], None),
        ("driver: pipeline cold", [python, "-c", DRIVER, ".", jobs, "nocache"], None),
        ("driver: pipeline warm", [python, "-c", DRIVER, ".", jobs, "cache"], None),
        ("buffix --no-cache, src=each", [buffix, "check", "--no-cache", "--jobs", jobs, "--config", str(projects), "."],
         None),  # last: its results replace the default config's in the cache
    ]
    usage = subprocess.run([buffix, "check", "--help"], capture_output=True, text=True).stdout
    for option in ("--no-cache", "--jobs"):  # `check` may not have them yet: run without, and say so
        if option not in usage:
            print(f"note: `buffix check` has no {option} yet; its rows run without it")
            for _, argv, _ in cases:
                if argv[0] == buffix and option in argv:
                    del argv[argv.index(option):argv.index(option) + (2 if option == "--jobs" else 1)]
    subprocess.run([ruff, "check", "--exit-zero", "--quiet", "."], cwd=tree, stdout=subprocess.DEVNULL)  # fill
    subprocess.run([buffix, "check", "--jobs", jobs, "."], cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([python, "-c", DRIVER, ".", jobs, "cache"], cwd=tree, stdout=subprocess.DEVNULL)
    print(f"corpus: {len(files)} files, {lines:,} lines ({', '.join(PACKAGES)}); jobs={jobs}; {sys.version.split()[0]}")
    print(f"{'run':28} {'files':>6} {'lines':>10} {'wall s':>8} {'lines/s':>11} {'max RSS MiB':>13} {'exit':>5}")
    walls = {}
    for label, argv, _ in cases:
        best = min((run(label, argv, tree) for _ in range(args.repeat)), key=lambda r: r["wall"])
        walls[label] = best["wall"]
        n, m = (1, one.read_bytes().count(b"\n")) if "ONE" in label else (len(files), lines)
        print(f"{label:28} {n:>6} {m:>10,} {best['wall']:>8.2f} {m / best['wall']:>11,.0f} {best['rss']:>13.0f}"
              f" {best['status']:>5}")
    cold = walls["buffix check --no-cache"] / walls["ruff check --no-cache"]
    warm = walls["buffix check (warm)"] / walls["ruff check (warm)"]
    print(f"cold: {cold:.2f}x ruff --no-cache (target <= 2, stretch 1); warm: {warm:.2f}x ruff warm (target <= 1); "
          f"one file: {walls['buffix check ONE file'] * 1000:.0f} ms (target < 150)")


if __name__ == "__main__":
    main()
