"""Benchmark `buffix check` against ruff on homeassistant + django (issues 5 and 14, Speed). A script, not a test:

    .venv/bin/pip install -e '.[bench]'   # ruff
    .venv/bin/python tests/bench/bench_cli.py [--repeat 5] [--jobs 2]

Downloads the two sdists from files.pythonhosted.org (URLs and sha256 pinned below, cached in .buffix_cache/bench/),
keeps only their .py files (so no sdist's pyproject.toml configures either tool), then:

- runs `buffix check --no-cache -q .` and `ruff check --no-cache --isolated --select S,UP -q .` as alternating pairs
  (the first of each pair alternates too, so load drifts hit both) and prints the median wall, CPU (user+sys of the
  command and all its children, from os.wait4) and peak RSS (of the largest process: a worker) of each, and the ratios
  against ruff next to issue 14's targets;
- times warm runs (cache), one file (as pre-commit runs it), ruff's default rule set (what this script ran before
  issue 14: not the same work as S,UP), `src` naming both projects, and the pipeline through a tiny driver;
- runs buffix once more with BUFFIX_PROFILE_STAGES=1 and prints the CPU seconds and files per stage, summed over
  the parent and its workers (profiling runs stage 1 twice to split it from stage 2: that run is not timed);
- prints the load average before and after: on a shared machine wall times follow the load, CPU seconds much less.

Like ruff, buffix resolves `import pkg` from the checked path (and its src/) unless `src` says otherwise; the corpus
holds two projects side by side, so the default run follows no helper across modules. The `src=each` row names both
projects' roots, which is what a user of either project gets (more modules parsed, more findings).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".buffix_cache" / "bench"
PACKAGES = ("homeassistant==2026.11.0", "django==6.1.3")
SDISTS = (  # (url, sha256): the corpus is the same bytes wherever the script runs
    ("https://files.pythonhosted.org/packages/f2/13/ab2c1e18f48341791a77520a869cdb12f1cebd3e6e292ddf2061891b0fc6/"
     "homeassistant-2026.11.0.tar.gz", "5a5e6af380793d53ab37fd9ce5b7a7e00a408a7258923fe75d0610e31a394468"),
    ("https://files.pythonhosted.org/packages/55/79/49a609ea76ec51404b482932e33f1e6858946b920232c11b11a25bea3032/"
     "django-6.1.3.tar.gz", "b5d2d9e35295065d13b1927b3f19a59bd119f737aa6299def14ccca1ae3c8c0d"),
)
TARGETS = {"wall": 1.0, "cpu": 1.5, "warm": 0.2, "one file ms": 100, "worker RSS MiB": 200}  # issue 14
BIN = Path(sys.executable).parent
DRIVER = """
import resource, sys, time
from pathlib import Path
from buffix.cache import Cache
from buffix.config import Config
from buffix.discovery import discover
from buffix.pipeline import check_files
from buffix.stages import lazy_analyzer_stages
found = discover([sys.argv[1]])
analyze, prefilter, prepare = lazy_analyzer_stages([Path(sys.argv[1])], Config())
cache = Cache(Path("."), "bench") if sys.argv[3] == "cache" else None
results = list(check_files(found.files, analyze, prefilter=prefilter, jobs=int(sys.argv[2]), cache=cache,
                           prepare=prepare))
print(sum(len(r.findings) for r in results), sum(1 for r in results if r.error))
"""


def corpus() -> Path:
    target = WORK / "corpus"
    done = WORK / "corpus.sha256"  # written last: a half-unpacked corpus is unpacked again
    pins = "\n".join(sha for _, sha in SDISTS)
    if target.is_dir() and done.is_file() and done.read_text() == pins:
        return target
    shutil.rmtree(target, ignore_errors=True)
    download = WORK / "dl"
    download.mkdir(parents=True, exist_ok=True)
    for url, sha in SDISTS:
        archive = download / url.rsplit("/", 1)[1]
        if not archive.is_file() or hashlib.sha256(archive.read_bytes()).hexdigest() != sha:
            print(f"downloading {url}", file=sys.stderr)
            with urllib.request.urlopen(url) as response:
                data = response.read()
            if hashlib.sha256(data).hexdigest() != sha:
                sys.exit(f"{url}: sha256 is {hashlib.sha256(data).hexdigest()}, expected {sha}")
            archive.write_bytes(data)
        with tarfile.open(archive) as tar:
            for member in tar:
                if member.isfile() and member.name.endswith(".py"):
                    dest = target / member.name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(tar.extractfile(member).read())
    done.write_text(pins)
    return target


def run(label: str, argv: list, cwd: Path, env: dict = None, stderr: Path = None) -> dict:
    """Wall time, CPU (user+sys of the command and every child it waited for) and peak RSS of the largest of them."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) if stderr else null, 2)
        os.execve(argv[0], argv, env or os.environ)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    return {"label": label, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024,
            "status": os.waitstatus_to_exitcode(status)}


def median(runs: list) -> dict:
    """Each figure's median over the runs (exit statuses: the worst)."""
    return {"label": runs[0]["label"], "n": len(runs), "status": max((r["status"] for r in runs), key=abs),
            **{k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "rss")}}


def stages(argv: list, cwd: Path) -> dict:
    """CPU seconds and files per stage of one BUFFIX_PROFILE_STAGES=1 run, summed over its processes."""
    log = WORK / "profile.stderr"
    run("profile", argv, cwd, env={**os.environ, "BUFFIX_PROFILE_STAGES": "1"}, stderr=log)
    total: dict = {}
    for line in log.read_text().splitlines():
        if line.startswith("buffix-profile "):
            report = json.loads(line.split(" ", 1)[1])
            for stage, (seconds, files) in report["stages"].items():
                entry = total.setdefault(stage, [0.0, 0, 0])
                entry[0] += seconds
                entry[1] += files
                entry[2] += 1
    return total


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=5, help="pairs (and runs of every other row); default 5")
    parser.add_argument("--extra", action="store_true", help="also the driver rows and `src` naming both projects "
                        "(slow: the src row parses many more modules)")
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
    # issue 14's command; the corpus sits in this repository's git-ignored .buffix_cache/, which ruff would skip
    ruff_cold = [ruff, "check", "--no-cache", "--isolated", "--no-respect-gitignore", "--select", "S,UP", "-q", "."]
    buffix_cold = [buffix, "check", "--no-cache", "-q", "--jobs", jobs, "."]
    pair = (("buffix check --no-cache", buffix_cold), ("ruff check --no-cache", ruff_cold))
    cases = [
        ("ruff check (warm)", [ruff, "check", "--isolated", "--no-respect-gitignore", "--select", "S,UP", "-q", "."]),
        ("buffix check (warm)", [buffix, "check", "-q", "--jobs", jobs, "."]),
        ("buffix check ONE file", [buffix, "check", "-q", str(one.relative_to(tree))]),
        ("ruff default rules, no cache", [ruff, "check", "--no-cache", "--no-respect-gitignore", "--exit-zero",
                                          "--quiet", "."]),  # before #14
    ]
    extra = [
        ("driver: pipeline cold", [python, "-c", DRIVER, ".", jobs, "nocache"]),
        ("driver: pipeline warm", [python, "-c", DRIVER, ".", jobs, "cache"]),
        ("buffix --no-cache, src=each", [buffix, "check", "--no-cache", "-q", "--jobs", jobs, "--config", str(projects),
                                         "."]),  # last: its results replace the default config's in the cache
    ]
    cases += extra if args.extra else []
    # what an installed buffix runs from: pip compiles its bytecode; with PYTHONDONTWRITEBYTECODE=1 in the
    # environment an editable checkout compiles ~50 modules on every run (~40 ms of the one-file row)
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "buffix")], check=True)
    for _, argv in cases[:2] + extra[:2] * args.extra:  # fill the caches the warm rows read
        subprocess.run(argv, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    before = load()
    ruff_version = subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"corpus: {len(files)} files, {lines:,} lines ({', '.join(PACKAGES)}); jobs={jobs}; "
          f"{sys.version.split()[0]}; {ruff_version}")
    print(f"load before: {before}")
    print(f"{'run (median of n)':30} {'files':>6} {'lines':>10} {'wall s':>7} {'min-max':>11} {'CPU s':>7}"
          f" {'lines/s':>10} {'max RSS MiB':>12} {'exit':>5} {'n':>3}", flush=True)
    timed = {label: [] for label, _ in pair}
    for i in range(args.repeat):  # alternating pairs, the first of each pair alternating too
        for label, argv in pair if i % 2 == 0 else pair[::-1]:
            timed[label].append(run(label, argv, tree))
    rows = {}
    for label, argv in [*pair, *cases]:
        runs = timed.get(label) or [run(label, argv, tree) for _ in range(args.repeat)]
        row = rows[label] = median(runs)
        n, m = (1, one.read_bytes().count(b"\n")) if "ONE" in label else (len(files), lines)
        spread = f"{min(r['wall'] for r in runs):.2f}-{max(r['wall'] for r in runs):.2f}"
        print(f"{label:30} {n:>6} {m:>10,} {row['wall']:>7.2f} {spread:>11} {row['cpu']:>7.2f}"
              f" {m / row['wall']:>10,.0f} {row['rss']:>12.0f} {row['status']:>5} {row['n']:>3}", flush=True)
    cold, ruffs = rows["buffix check --no-cache"], rows["ruff check --no-cache"]
    warm = rows["buffix check (warm)"]["wall"] / rows["ruff check (warm)"]["wall"]
    print(f"cold vs ruff --no-cache --isolated --select S,UP: wall {cold['wall'] / ruffs['wall']:.2f}x "
          f"(target <= {TARGETS['wall']}), CPU {cold['cpu'] / ruffs['cpu']:.2f}x (target <= {TARGETS['cpu']}), "
          f"peak RSS {cold['rss']:.0f} vs {ruffs['rss']:.0f} MiB (target <= {TARGETS['worker RSS MiB']} per worker)")
    print(f"cold vs ruff's default rules: wall {cold['wall'] / rows['ruff default rules, no cache']['wall']:.2f}x; "
          f"warm: {warm:.2f}x ruff warm (target <= {TARGETS['warm']}); one file: "
          f"{rows['buffix check ONE file']['wall'] * 1000:.0f} ms (target <= {TARGETS['one file ms']})")
    profile = stages(buffix_cold, tree)
    after = load()
    print("stages of one cold run with BUFFIX_PROFILE_STAGES=1 (CPU summed over processes; discovery and the parent's "
          "collecting are outside them):")
    for stage, (seconds, count, processes) in profile.items():
        cpu = f"{seconds:8.2f} s" if not stage.endswith("kept") else " " * 10
        print(f"  {stage:34} {cpu} {count:>7} files  ({processes} processes)")
    print(f"load after: {after}")


if __name__ == "__main__":
    main()
