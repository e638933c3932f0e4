"""Peak memory of `buffix fix` against `buffix check` (issue 12 item 7). A script, not a test:

    .venv/bin/python tests/bench/bench_fix_memory.py [--buffix PATH] [--sizes 1,4]
        [--kinds sites,few,classes,nested,top,function,loops] [--no-corpus]

Generates files of the given sizes in MB of each kind: `sites`, functions whose response body reaches
`memoryview()` (one fixable finding per function, one per 77 bytes: the results are large), `few`, the same
functions reading no body, with one site at the top (the results are small), and, with `--kinds`: `classes`,
small classes of two methods, one with a site (what the analyzer keeps per class); `nested`, classes each holding
a class with a site (what waits to be analyzed); `top`, sites at the module's top level (`dataN = requests.get(u)
.content; viewN = memoryview(dataN)`: the top frame's names live as long as the module); `function`, the same sites
in one function (a statement as large as the file); `loops`, module-level loops over chunks with a site
(`for chunkN in requests.get(u, stream=True).iter_content(): viewN = memoryview(chunkN)`). Then runs `buffix check --no-cache
--jobs 1 FILE` and `buffix fix --no-cache --jobs 1 FILE` on a fresh copy of each, and the same two commands
(default jobs) on a copy of the bench corpus (--corpus, default .buffix_cache/bench/corpus, made by bench_cli.py;
never fixed in place). Peak RSS is that of the largest process of each command (os.wait4 of the child, which
covers the workers it waited for); "above" is above the same command's peak on a one-site file (the process after
its imports), and "x" that divided by the file's size. `--buffix` picks the executable, so a checkout from before
a change can be measured the same way. Each command gets `--timeout` seconds per file (BUFFIX_FILE_TIMEOUT, default
3600: a loaded machine is slow, and a file the watchdog skipped measures nothing); a run that exits 2 (an error:
the watchdog, a crash) prints FAILED and no figures, never a row that looks like a measurement.

`--parts` measures, each in a fresh process on the largest generated file, what the parts cost above the
process's size after its imports: `ast.parse` of the whole file, `ast.parse` of each top-level statement alone
(tokenize finds them; nothing kept), `read_in_pieces` (the fixer's reading of a large file) and `fix_source`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / ".buffix_cache" / "bench" / "corpus"
FUNCTION = "def f{0}(u):\n    data = requests.get(u).content\n    return memoryview(data)\n\n\n"
NO_SITE = "def f{0}(u):\n    data = load(u)\n    return memoryview(data)\n\n\n"
CLASS = ("class C{0}(Base):\n    def get(self, u):\n        data = requests.get(u).content\n        return memoryview(data)\n"
         "\n    def put(self, x):\n        self.x = x\n\n\n")
NESTED = ("class N{0}(Base):\n    class Inner(Base):\n        def get(self, u):\n            data = requests.get(u).content\n"
          "            return memoryview(data)\n\n    def put(self, x):\n        self.x = x\n\n\n")
TOP = "data{0} = requests.get(u).content\nview{0} = memoryview(data{0})\n"
LOOP = "for chunk{0} in requests.get(u, stream=True).iter_content():\n    view{0} = memoryview(chunk{0})\n"
KINDS = {"sites": FUNCTION, "few": NO_SITE, "classes": CLASS, "nested": NESTED, "top": TOP,
         "function": "    " + TOP.replace("\n", "\n    ").rstrip(" "), "loops": LOOP}
HEADS = {"function": "def big(u):\n"}  # what comes before a kind's statements


def generate(path: Path, megabytes: float, kind: str = "sites") -> None:
    """A module of `megabytes` MB: an import, a function with a site, then `kind`'s statements (KINDS)."""
    limit = int(megabytes * 1_000_000)
    parts, size, index = ["import requests\n\n\n", FUNCTION.format("_site"), HEADS.get(kind, "")], 0, 0
    while size < limit:
        parts.append(KINDS[kind].format(index))
        size += len(parts[-1])
        index += 1
    path.write_text("".join(parts), encoding="utf-8")


def measure(command: list, cwd: Path) -> dict:
    """Wall time, exit status and peak RSS (MiB) of the command's largest process."""
    start = time.monotonic()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": time.monotonic() - start, "exit": child.returncode, "rss": usage.ru_maxrss / 1024}


PART = """
import ast, resource, sys
from pathlib import Path
from buffix.analysis import analyze_source
from buffix.config import Config
from buffix.core.findings import Span
from buffix.fixer import fix_source
from buffix.fixer.piecewise import read_in_pieces, statement_lines
from buffix.fixer.source import decode_source
data = Path(sys.argv[2]).read_bytes()
decoded = decode_source(data)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
part = sys.argv[1]
if part == "ast.parse, whole file":
    tree = ast.parse(data)
elif part == "ast.parse, one statement at a time":
    for first, last in statement_lines(decoded.text, len(decoded.line_starts)):
        end = decoded.line_starts[last] if last < len(decoded.line_starts) else len(decoded.text)
        ast.parse(decoded.text[decoded.line_starts[first - 1]:end])
elif part == "read_in_pieces":
    read_in_pieces(decoded, "big.py", frozenset({"slice"}))
elif part.startswith("analyze_source"):
    analyze_source(data, "big.py", Config())
else:
    spans = []
    for number, line in enumerate(decoded.text.splitlines(), 1):
        if "memoryview(data)" in line:
            column = line.index("memoryview(data)") + len("memoryview(") + 1
            spans.append(Span(number, column, number, column + len("data")))
    assert fix_source(data, spans, "slice", "big.py").changed
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""
PARTS = ("ast.parse, whole file", "ast.parse, one statement at a time", "read_in_pieces", "fix_source (piecewise)",
         "analyze_source (bounded above 256 KiB)")


def measure_parts(source: Path) -> None:
    size = source.stat().st_size
    print(f"\nabove the process after its imports, on {size / 1_000_000:.2f} MB:")
    for part in PARTS:
        started = time.monotonic()
        out = subprocess.run([sys.executable, "-c", PART, part, str(source)], capture_output=True, text=True,
                             check=True).stdout
        mib = float(out.strip().splitlines()[-1])
        print(f"  {part:<36} {mib:>7.0f} MiB  {mib * 1024 * 1024 / size:>6.1f}x the file"
              f"  {time.monotonic() - started:>6.1f} s", flush=True)


def failed(result: dict) -> bool:
    """Exit 2 is an error (the file skipped by the watchdog, a crash): its peak measures nothing."""
    return result["exit"] not in (0, 1)


def row(label: str, size_mb: float, check: dict, fix: dict, base: Optional[dict] = None) -> str:
    """One line of the table; with `base` (the same commands on a one-site file), the peaks above it and x the file.
    A failed run gives no figures."""
    bad = [command for command, result in (("check", check), ("fix", fix)) if failed(result)]
    if bad or (base is not None and any(failed(result) for result in base.values())):
        what = ", ".join(f"{c} exit {r['exit']} after {r['wall']:.0f} s" for c, r in (("check", check), ("fix", fix))
                         if failed(r)) or "the one-site base failed"
        return f"{label:<14} {size_mb:>6.2f} FAILED ({what}): no figures"
    above = ""
    if base is not None:
        parts = []
        for command, result in (("check", check), ("fix", fix)):
            extra = result["rss"] - base[command]["rss"]
            parts.append(f"{extra:>8.0f} {extra * 1024 * 1024 / (size_mb * 1_000_000):>6.1f}x")
        above = " " + " ".join(parts)
    return (f"{label:<14} {size_mb:>6.2f} {check['rss']:>9.0f} {fix['rss']:>9.0f}{above or ' ' * 33}"
            f" {check['wall']:>7.1f} {fix['wall']:>7.1f} {check['exit']:>3}/{fix['exit']}")


def check_and_fix(buffix: list, source: Path, work: Path) -> Tuple[dict, dict]:
    results = {}
    for command in ("check", "fix"):
        target = work / "target.py"
        shutil.copyfile(source, target)  # fix rewrites it: every command starts from the same bytes
        results[command] = measure(buffix + [command, "--no-cache", "--jobs", "1", target.name], work)
    return results["check"], results["fix"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buffix", default=str(Path(sys.executable).with_name("buffix")))
    parser.add_argument("--sizes", default="1,4", help="generated file sizes in MB, comma-separated")
    parser.add_argument("--kinds", default="sites,few", help=f"generated kinds ({', '.join(KINDS)}), comma-separated")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the bench corpus (copied, never fixed in place)")
    parser.add_argument("--no-corpus", action="store_true", help="skip the bench corpus")
    parser.add_argument("--parts", action="store_true", help="only the parts' memory, on the largest size")
    parser.add_argument("--timeout", type=float, default=3600.0, help="BUFFIX_FILE_TIMEOUT of the commands (s)")
    args = parser.parse_args()
    os.environ["BUFFIX_FILE_TIMEOUT"] = str(args.timeout)  # the measured commands inherit it
    buffix = [args.buffix]
    with tempfile.TemporaryDirectory(prefix="bench_fix_memory_") as temp:
        work = Path(temp)
        if args.parts:
            source = work / "big.py"
            generate(source, max(float(size) for size in args.sizes.split(",") if size), args.kinds.split(",")[0])
            measure_parts(source)
            return 0
        print(f"{'input':<14} {'MB':>6} {'check MiB':>9} {'fix MiB':>9} {'check above':>15} {'fix above':>15}"
              f" {'check s':>7} {'fix s':>7} exit", flush=True)
        one = work / "one.py"
        one.write_text("import requests\n\n\n" + FUNCTION.format(0), encoding="utf-8")
        check, fix = check_and_fix(buffix, one, work)
        base = {"check": check, "fix": fix}
        print(row("one site", one.stat().st_size / 1_000_000, check, fix), flush=True)
        for kind in (k for k in args.kinds.split(",") if k):
            for megabytes in (float(size) for size in args.sizes.split(",") if size):
                source = work / f"gen_{kind}_{megabytes}.py"
                generate(source, megabytes, kind)
                check, fix = check_and_fix(buffix, source, work)
                print(row(f"generated {kind}", source.stat().st_size / 1_000_000, check, fix, base), flush=True)
        if not args.no_corpus:
            if not args.corpus.is_dir():
                print(f"no corpus at {args.corpus}: run tests/bench/bench_cli.py once", file=sys.stderr)
                return 2
            size = sum(p.stat().st_size for p in args.corpus.rglob("*.py")) / 1_000_000
            results = {}
            for command in ("check", "fix"):
                copy = work / "corpus"
                if copy.exists():
                    shutil.rmtree(copy)
                shutil.copytree(args.corpus, copy, symlinks=True)
                results[command] = measure(buffix + [command, "--no-cache", "-q", "."], copy)
            print(row("bench corpus", size, results["check"], results["fix"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
