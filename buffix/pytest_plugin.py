"""pytest plugin: `pytest --buffix-runtime[=wrapt|strict]` runs the session with every HTTP response body
wrapped in a tracking proxy. Nothing is imported from the runtime unless the option is given."""

from __future__ import annotations

from typing import Any, Generator

import pytest

PROFILES = ("wrapt", "strict")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("buffix", "buffix response-body runtime")
    group.addoption(
        "--buffix-runtime", nargs="?", const="wrapt", default=None, choices=PROFILES, metavar="PROFILE",
        help="run the session with response bodies wrapped in buffix's tracking proxy (profile: wrapt, strict)",
    )
    group.addoption(
        "--buffix-release-on-close", action="store_true", default=False,
        help="with --buffix-runtime: free each body when its response closes (leak hunting)",
    )


def pytest_configure(config: pytest.Config) -> None:
    profile = config.getoption("buffix_runtime")
    if profile is None:
        return
    from buffix import runtime

    policy = "release_on_close" if config.getoption("buffix_release_on_close") else "track"
    config._buffix_runtime_settings = runtime.install(profile, policy)  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    if getattr(config, "_buffix_runtime_settings", None) is not None:
        from buffix import runtime

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
