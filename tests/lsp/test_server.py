"""`buffix server` driven by pygls' real LanguageClient over stdio: the real server process, real JSON-RPC."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

BUFFIX = str(Path(sys.executable).with_name("buffix"))
SOURCE = ("import base64, io, requests\n\ndef load(u):\n    data = requests.get(u).content\n"
          "    return io.BytesIO(data), base64.b64encode(data)\n")
HANG_GUARD = 120  # seconds: only so that a broken server fails the test instead of hanging it


class Session:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.client = LanguageClient("buffix-test", "1")
        self.diagnostics: dict = {}
        self.arrived = asyncio.Condition()

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        async def published(params: types.PublishDiagnosticsParams) -> None:
            async with self.arrived:
                self.diagnostics.setdefault(params.uri, []).append(params)
                self.arrived.notify_all()

    async def start(self) -> None:
        await self.client.start_io(BUFFIX, "server", cwd=str(self.root))
        await self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=self.root.as_uri()))
        self.client.initialized(types.InitializedParams())

    async def next_diagnostics(self, uri: str, count: int) -> types.PublishDiagnosticsParams:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.diagnostics.get(uri, [])) >= count),
                                   HANG_GUARD)
        return self.diagnostics[uri][count - 1]

    def open(self, path: Path, text: str) -> str:
        uri = path.as_uri()
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        return uri

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


def run(root: Path, scenario) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        session = Session(root)
        await session.start()
        try:
            await scenario(session)
        finally:
            await session.stop()

    asyncio.run(main())


def _apply(text: str, edits) -> str:  # type: ignore[no-untyped-def]
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(position) -> int:  # type: ignore[no-untyped-def]
        return offsets[position.line] + position.character

    for edit in sorted(edits, key=lambda e: at(e.range.start), reverse=True):
        text = text[:at(edit.range.start)] + edit.new_text + text[at(edit.range.end):]
    return text


def test_diagnostics_match_check_and_follow_edits(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(SOURCE)

    async def scenario(session: Session) -> None:
        uri = session.open(path, SOURCE)
        first = await session.next_diagnostics(uri, 1)
        assert sorted((d.code, d.range.start.line + 1, d.range.start.character + 1) for d in first.diagnostics) == [
            ("BFX102", 5, 23), ("BFX103", 5, 47)]
        assert all(d.source == "buffix" for d in first.diagnostics)
        fixed = SOURCE.replace("BytesIO(data)", "BytesIO(data[:])")
        session.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
        second = await session.next_diagnostics(uri, 2)
        assert [d.code for d in second.diagnostics] == ["BFX103"] and second.version == 2

    run(tmp_path, scenario)


def test_code_actions_fix_suppress_and_fix_all(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(SOURCE)

    async def scenario(session: Session) -> None:
        uri = session.open(path, SOURCE)
        await session.next_diagnostics(uri, 1)
        line = types.Range(types.Position(4, 0), types.Position(4, 10))
        actions = await session.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=line,
            context=types.CodeActionContext(diagnostics=[])))
        titles = {a.title: a for a in actions}
        assert "buffix: fix BFX102" in titles and "buffix: add suppression for BFX103" in titles
        assert "buffix: fix all" in titles
        one = _apply(SOURCE, titles["buffix: fix BFX102"].edit.changes[uri])
        assert "io.BytesIO(data[:]), base64.b64encode(data)" in one
        every = _apply(SOURCE, titles["buffix: fix all"].edit.changes[uri])
        assert "io.BytesIO(data[:]), base64.b64encode(data[:])" in every
        suppressed = _apply(SOURCE, titles["buffix: add suppression for BFX103"].edit.changes[uri])
        assert suppressed.splitlines()[4].endswith("# buffix: ignore[BFX103]  # reason: TODO")
        compile(suppressed, "m.py", "exec")
        path.write_text(suppressed)  # the comment is one `buffix check` honours: BFX103 is gone, BFX102 stays
        checked = subprocess.run([BUFFIX, "check", "--no-cache", "-q", str(path)], capture_output=True, text=True,
                                 timeout=HANG_GUARD)
        assert " BFX102 " in checked.stdout and " BFX103 " not in checked.stdout

    run(tmp_path, scenario)


def test_hover_shows_the_rules_docs_and_the_nearest_config_applies(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / ".buffix.yaml").write_text('select: ["BFX103"]\n')
    path = tmp_path / "pkg" / "m.py"
    path.write_text(SOURCE)

    async def scenario(session: Session) -> None:
        uri = session.open(path, SOURCE)
        published = await session.next_diagnostics(uri, 1)
        assert [d.code for d in published.diagnostics] == ["BFX103"]  # pkg/.buffix.yaml selects BFX103 only
        where = published.diagnostics[0].range.start
        hover = await session.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=where))
        assert hover is not None and hover.contents.value.startswith("# BFX103 ")

    run(tmp_path, scenario)


def test_a_syntax_error_is_one_diagnostic_not_a_dead_server(tmp_path):
    path = tmp_path / "bad.py"
    text = "def broken(:\n" + SOURCE

    async def scenario(session: Session) -> None:
        uri = session.open(path, text)
        published = await session.next_diagnostics(uri, 1)
        assert len(published.diagnostics) == 1 and "syntax error at line 1" in published.diagnostics[0].message
        good = session.open(tmp_path / "good.py", SOURCE)
        assert len((await session.next_diagnostics(good, 1)).diagnostics) == 2

    run(tmp_path, scenario)
