"""pytest plugin: `pytest --buffix-runtime[=wrapt|strict]` runs the session with every HTTP response body
wrapped in a tracking proxy. Nothing is imported from the runtime unless the option is given."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any, Generator, List, Tuple

import pytest

PROFILES = ("wrapt", "strict", "observe")
OPTION = "--buffix-runtime"


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: List[str]) -> None:
    """The profile is `--buffix-runtime=PROFILE`: a bare `--buffix-runtime` must not swallow the next argument
    (`pytest --buffix-runtime tests/x.py` took the path as the profile). `--buffix-runtime strict` still works
    when no file or directory of that name exists."""
    i = 0
    while i < len(args):
        if args[i] == OPTION:
            following = args[i + 1] if i + 1 < len(args) else ""
            if following in PROFILES and not os.path.exists(following):
                args[i:i + 2] = [f"{OPTION}={following}"]
            else:
                args[i] = f"{OPTION}={PROFILES[0]}"
        i += 1
    # pytest parsed these args once already (a path taken as the profile); parse again what conftests see
    early_config.known_args_namespace = parser.parse_known_args(args, namespace=copy.copy(early_config.option))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("buffix", "buffix response-body runtime")
    group.addoption(
        "--buffix-runtime", nargs="?", const="wrapt", default=None, metavar="PROFILE",
        help="run the session with response bodies wrapped in buffix's tracking proxy (profile: wrapt, strict)",
    )
    group.addoption(
        "--buffix-observe", default="buffix-observed.json", metavar="FILE",
        help="with --buffix-runtime=observe: where the confirmed findings are written (buffix JSON)",
    )
    group.addoption(
        "--buffix-proxy-libraries", default=None, metavar="PKG,...",
        help="with --buffix-runtime: installed packages whose code gets proxies like the tests' (default: "
             "`proxy-libraries` of the config found from the rootdir)",
    )
    group.addoption(
        "--buffix-release-on-close", action="store_true", default=False,
        help="with --buffix-runtime: free each body when its response closes (leak hunting)",
    )


def pytest_configure(config: pytest.Config) -> None:
    profile = config.getoption("buffix_runtime")
    if profile is None:
        return
    if profile not in PROFILES:
        raise pytest.UsageError(f"{OPTION}={profile}: unknown profile; expected one of {', '.join(PROFILES)}")
    from buffix import runtime

    policy = "release_on_close" if config.getoption("buffix_release_on_close") else "track"
    proxied = _proxy_libraries(config)
    if profile == "observe":
        from buffix.runtime.observe import ALL_FAMILIES, LIMITATION
        from buffix.runtime.settings import Settings

        if not ALL_FAMILIES:
            config.issue_config_time_warning(pytest.PytestWarning(LIMITATION), stacklevel=2)
        output = os.path.abspath(config.getoption("buffix_observe"))
        config._buffix_runtime_settings = runtime.install(  # type: ignore[attr-defined]
            settings=Settings(policy=policy, observe=output, proxy_libraries=proxied))
        return
    config._buffix_runtime_settings = runtime.install(  # type: ignore[attr-defined]
        profile, policy, proxy_libraries=proxied)


def _proxy_libraries(config: pytest.Config) -> Tuple[str, ...]:
    from buffix.config import ConfigError, load_config
    from buffix.runtime.settings import parse_names

    named = config.getoption("buffix_proxy_libraries")
    if named is not None:
        return parse_names(named)
    try:
        return load_config(Path(str(config.rootpath))).proxy_libraries
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_unconfigure(config: pytest.Config) -> None:
    if getattr(config, "_buffix_runtime_settings", None) is not None:
        from buffix import runtime
        from buffix.report import write_text_atomic
        from buffix.report.observed import render

        settings = config._buffix_runtime_settings  # type: ignore[attr-defined]  # set by pytest_configure
        observer = runtime.runtime.observer if settings.observe else None
        if observer is not None:  # this session's findings replace the file's
            write_text_atomic(observer.output, render(observer.findings(), os.path.dirname(observer.output)))
        runtime.uninstall()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator[None, Any, None]:
    outcome = yield
    if call.excinfo is None or getattr(item.config, "_buffix_runtime_settings", None) is None:
        return
    from buffix.runtime.diagnose import explain

    text = explain(call.excinfo.value, call.excinfo.tb)
    if text:
        report = outcome.get_result()
        report.sections.append(("buffix", text))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if getattr(terminalreporter.config, "_buffix_runtime_settings", None) is None:
        return
    from buffix.runtime.bootstrap import report

    terminalreporter.write_sep("-", "buffix runtime")
    terminalreporter.write_line(report())
