"""What `buffix run` does inside each Python process: install the runtime from the environment, explain
proxy TypeErrors, print the stats at exit on request, then hand over to any sitecustomize it shadows."""

from __future__ import annotations

import atexit
import importlib.machinery
import importlib.util
import os
import sys
from types import TracebackType
from typing import Dict, List, Optional, Tuple, Type

from buffix.runtime import install, stats
from buffix.runtime.diagnose import explain
from buffix.runtime.registry import FINALIZED
from buffix.runtime.settings import ENV_REPORT, RuntimeUnavailable, Settings


def report() -> str:
    current = stats()
    lines = [current.summary()]
    groups: Dict[Tuple[str, str, str], List[int]] = {}  # one line per (source, creation, close) site, not per body
    for suspect in current.leak_suspects:
        groups.setdefault((suspect.source, suspect.created_at, suspect.closed_at), []).append(suspect.size)
    for (source, created, closed), sizes in sorted(groups.items(), key=lambda item: -sum(item[1])):
        ending = "was garbage-collected" if closed == FINALIZED else f"closed at {closed}"
        lines.append(f"  leak suspect: {len(sizes)} bodies, {sum(sizes)} bytes from {source}, created at {created}, "
                     f"still held by the program when its response {ending}")
    return "\n".join(lines)


def write_observations_at_exit() -> None:
    """Observe mode: say what this interpreter can record, and write the findings file at exit."""
    from buffix.runtime import runtime
    from buffix.runtime.observe import ALL_FAMILIES, LIMITATION

    if not ALL_FAMILIES:
        sys.stderr.write(LIMITATION + "\n")

    def write() -> None:
        if runtime.observer is not None:
            try:
                runtime.observer.write()
            except Exception as error:  # a full disk must not turn the program's exit status into ours
                sys.stderr.write(f"buffix observe: cannot write {runtime.observer.output}: {error}\n")

    atexit.register(write)


def _excepthook(previous):
    def hook(kind: Type[BaseException], exc: BaseException, tb: Optional[TracebackType]) -> None:
        previous(kind, exc, tb)
        text = explain(exc, tb)
        if text:
            sys.stderr.write(text + "\n")

    return hook


def _chain_sitecustomize(boot_dir: str) -> None:
    """Run the sitecustomize ours shadows, if any, as Python would have."""
    others = [p for p in sys.path if os.path.abspath(p or ".") != boot_dir]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", others)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


def start(boot_dir: str) -> None:
    try:
        install(settings=Settings.from_env(), lazy=True)  # hook each client library when the program imports it
    except (RuntimeUnavailable, ValueError) as error:  # what was asked for cannot run here: not silently without
        sys.stderr.write(f"buffix run: {error}\n")
        sys.stderr.flush()
        os._exit(2)  # SystemExit inside sitecustomize would be a fatal error of the interpreter
    sys.excepthook = _excepthook(sys.excepthook)
    if Settings.from_env().observe:
        write_observations_at_exit()
    if os.environ.get(ENV_REPORT) == "1":
        atexit.register(lambda: sys.stderr.write(report() + "\n"))
    _chain_sitecustomize(boot_dir)
