"""Program or library, decided by where the code lives (issue 11): installed code reads real bodies, the
project's code gets proxies, `proxy_libraries` opts an installed package into proxies; classifying never touches
the filesystem and never raises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from buffix import runtime
from buffix.runtime import BodyProxy
from buffix.runtime.callsite import CallerClassifier
from tests import payloads

pytestmark = pytest.mark.usefixtures("server")

HELPER = "def fetch(url):\n    import requests\n    return requests.get(url, timeout=10).content\n"


@pytest.fixture
def installed_helper(tmp_path, monkeypatch):
    """A package `fakelib` in a site-packages directory, and its twin `projlib` in the project."""
    site = tmp_path / "venv" / "lib" / "python3" / "site-packages"
    (site / "fakelib").mkdir(parents=True)
    (site / "fakelib" / "__init__.py").write_text(HELPER)
    project = tmp_path / "project"
    (project / "projlib").mkdir(parents=True)
    (project / "projlib" / "__init__.py").write_text(HELPER)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(project))
    import fakelib
    import projlib

    yield fakelib, projlib
    for name in ("fakelib", "projlib"):
        sys.modules.pop(name, None)


def test_installed_code_reads_real_bodies_and_project_code_gets_proxies(server, installed_helper):
    fakelib, projlib = installed_helper
    url = server.url_for("/bytes/300")
    with runtime.installed():
        assert type(fakelib.fetch(url)) is bytes
        assert isinstance(projlib.fetch(url), BodyProxy)
    with runtime.installed(proxy_libraries=["fakelib"]):
        body = fakelib.fetch(url)
        assert isinstance(body, BodyProxy) and body[:] == payloads.body(300)
    with runtime.installed(proxy_libraries=[]):
        assert type(fakelib.fetch(url)) is bytes


GENERATED = ("exec(compile(" + repr(HELPER) + ", '<string>', 'exec'), globals())\n")


def test_code_compiled_from_text_belongs_to_the_module_it_runs_in(server, tmp_path, monkeypatch):
    """Every exec'd snippet is named "<string>": the installed package's generated reader reads the real body,
    the project's twin and `python -c` style code (no module file) get proxies, whichever ran first."""
    site = tmp_path / "venv" / "lib" / "python3" / "site-packages"
    site.mkdir(parents=True)
    (site / "genlib.py").write_text(GENERATED)
    (tmp_path / "genproj.py").write_text(GENERATED)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(tmp_path))
    import genlib
    import genproj

    namespace: dict = {}
    exec(compile(HELPER, "<string>", "exec"), namespace)  # no __file__: code the program runs itself
    url = server.url_for("/bytes/300")
    try:
        with runtime.installed() as rt:
            assert genlib.fetch.__code__.co_filename == genproj.fetch.__code__.co_filename == "<string>"
            assert isinstance(genproj.fetch(url), BodyProxy)
            assert type(genlib.fetch(url)) is bytes
            assert isinstance(namespace["fetch"](url), BodyProxy)
            assert isinstance(genproj.fetch(url), BodyProxy)
            assert "<string>" not in rt.classifier.internal_cache
    finally:
        for name in ("genlib", "genproj"):
            sys.modules.pop(name, None)


def test_classifying_never_touches_the_filesystem_and_never_raises(monkeypatch):
    classifier = CallerClassifier()

    def forbidden(*args, **kwargs):
        raise AssertionError("a filesystem call while classifying")

    for name in ("realpath", "exists", "isdir", "islink"):
        monkeypatch.setattr(os.path, name, forbidden)
    for name in ("stat", "lstat", "readlink"):
        monkeypatch.setattr(os, name, forbidden)
    stdlib = os.__file__
    assert classifier.is_internal_file(stdlib)
    assert classifier.is_internal_file(os.sep + os.path.join("x", "site-packages", "pkg", "m.py"))
    assert classifier.is_internal_file(os.sep + os.path.join("x", "dist-packages", "pkg", "m.py"))
    assert classifier.is_internal_file("<frozen importlib._bootstrap>")
    assert not classifier.is_internal_file("<string>")
    assert not classifier.is_internal_file(__file__)
    assert not classifier.is_internal_file("relative/app.py")
    assert not classifier.is_internal_file("bad\0name\udcff.py")  # odd names are answered, not raised
    assert __file__ in classifier.internal_cache  # cached, failures too


def test_buffer_export_before_python_3_12_stops_the_run_with_the_reason():
    if sys.version_info >= (3, 12):
        pytest.skip("buffer-export runs on this interpreter")
    script = Path(sys.executable).with_name("buffix")
    result = subprocess.run([str(script), "run", "--buffer-export", "--", sys.executable, "-c", "print('ran')"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "ran" not in result.stdout
    assert "needs Python 3.12+" in result.stderr, result.stderr


def test_run_passes_proxy_libraries_to_every_process(server, installed_helper, tmp_path):
    fakelib, _ = installed_helper
    program = tmp_path / "prog.py"
    program.write_text("import sys, fakelib\nprint(type(fakelib.fetch(sys.argv[1])).__name__)\n")
    script = Path(sys.executable).with_name("buffix")
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(fakelib.__file__))}
    url = server.url_for("/bytes/10")
    plain = subprocess.run([str(script), "run", "--", sys.executable, str(program), url], capture_output=True,
                           text=True, timeout=60, env=env)
    opted = subprocess.run([str(script), "run", "--proxy-libraries", "fakelib,other", "--", sys.executable,
                            str(program), url], capture_output=True, text=True, timeout=60, env=env)
    assert plain.stdout.strip() == "bytes", plain.stderr
    assert opted.stdout.strip().startswith("BodyProxy"), opted.stderr


def test_run_and_the_pytest_plugin_read_proxy_libraries_from_the_config(server, installed_helper, tmp_path):
    fakelib, _ = installed_helper
    (tmp_path / "pyproject.toml").write_text('[tool.buffix]\nproxy-libraries = ["fakelib"]\n')
    program = tmp_path / "prog.py"
    program.write_text("import sys, fakelib\nprint(type(fakelib.fetch(sys.argv[1])).__name__)\n")
    (tmp_path / "test_lib.py").write_text(
        "import os, fakelib\nfrom buffix.runtime import BodyProxy\n\n"
        "def test_proxied():\n    assert isinstance(fakelib.fetch(os.environ['URL']), BodyProxy)\n")
    script = Path(sys.executable).with_name("buffix")
    url = server.url_for("/bytes/10")
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(fakelib.__file__)), "URL": url}
    run = subprocess.run([str(script), "run", "--", sys.executable, str(program), url], capture_output=True,
                         text=True, timeout=60, env=env, cwd=tmp_path)
    assert run.stdout.strip().startswith("BodyProxy"), run.stderr
    session = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--buffix-runtime",
                              "test_lib.py"], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert session.returncode == 0, session.stdout + session.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.buffix]\nproxy-libraries = "fakelib"\n')
    bad = subprocess.run([str(script), "run", "--", sys.executable, str(program), url], capture_output=True,
                         text=True, timeout=60, env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "proxy-libraries: expected a list of strings" in bad.stderr, bad.stderr
    assert bad.stderr.count("\n") == 1 and bad.stdout == ""


@pytest.mark.parametrize("client", ["urllib", "urllib3"])
def test_c_readers_wrapping_a_response_read_the_real_body(server, client):
    import io
    import urllib.request

    import urllib3

    url = server.url_for("/bytes/5000")
    pool = urllib3.PoolManager()

    def open_response():
        if client == "urllib":
            return urllib.request.urlopen(url, timeout=10)
        return pool.request("GET", url, preload_content=False)

    with runtime.installed():
        data = io.BufferedReader(open_response()).read()
        assert type(data) is bytes and data == payloads.body(5000)
        text = io.TextIOWrapper(open_response(), encoding="latin-1", newline="").read()
        assert text == payloads.body(5000).decode("latin-1")
        direct = open_response().read()  # the program reading itself still gets a proxy
        assert isinstance(direct, BodyProxy) and direct[:] == payloads.body(5000)
