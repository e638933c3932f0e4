"""`buffix server`: a Language Server (pygls) with the findings of `buffix check`, as diagnostics, for editors.

- Diagnostics on open, change and save, computed from the editor's text with each file's own config (the nearest
  config file, as `check` resolves it) and cached by document version; a change waits for typing to pause.
- Code actions: each finding's fix (safe, or labelled unsafe), "fix all" for the file, and "add suppression"
  (the comment `buffix check --add-suppressions` would write, placed and verified the same way).
- Hover over a finding: its rule's documentation (`buffix explain`).
The analysis (buffix.api.check_source) runs in this process, guarded like a pipeline worker's (an exception costs
one answer): forking from the server's threads could deadlock the child on a lock another thread held.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from buffix import __version__
from buffix.api import check_source, fix_edits
from buffix.config import Config, ConfigError, Resolver
from buffix.core.findings import FileResult, Finding, Span

_SEVERITIES = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
               "note": types.DiagnosticSeverity.Information}  # SARIF levels, as the rule modules name them
DEBOUNCE = 0.25  # seconds a change waits for the next keystroke before analysis
SOURCE = "buffix"


@dataclass(frozen=True)
class Analysis:
    version: Optional[int]
    text: str
    result: FileResult


class BuffixServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("buffix", __version__)
        self.resolver = Resolver()
        self.analyses: Dict[str, Analysis] = {}
        self.pending: Dict[str, asyncio.Task] = {}

    def config_for(self, path: str) -> Tuple[Config, Optional[str]]:
        try:
            return self.resolver.for_path(path), None
        except ConfigError as error:
            return Config(), str(error)

    def analyze(self, uri: str) -> Analysis:
        document = self.workspace.get_text_document(uri)
        cached = self.analyses.get(uri)
        if cached is not None and cached.version == document.version and cached.text == document.source:
            return cached
        path = _path(uri)
        config, problem = self.config_for(path)
        result = check_source(document.source, path, config)
        if problem:
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, problem))
        analysis = Analysis(document.version, document.source, result)
        self.analyses[uri] = analysis
        return analysis

    def publish(self, uri: str) -> None:
        analysis = self.analyze(uri)
        diagnostics = [_diagnostic(f) for f in analysis.result.findings]
        if analysis.result.error is not None:
            diagnostics.append(types.Diagnostic(
                range=types.Range(types.Position(0, 0), types.Position(0, 0)), message=analysis.result.error.message,
                severity=types.DiagnosticSeverity.Error, source=SOURCE))
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics,
                                                                              version=analysis.version))


def _path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def _range(span: Span) -> types.Range:
    return types.Range(types.Position(span.line - 1, span.column - 1),
                       types.Position(span.end_line - 1, span.end_column - 1))


def _diagnostic(finding: Finding) -> types.Diagnostic:
    from buffix.knowledge.rules import all_rules, level_of

    rule = all_rules().get(finding.code)
    severity = _SEVERITIES.get(level_of(finding.code), types.DiagnosticSeverity.Warning)
    return types.Diagnostic(
        range=_range(finding.span), message=finding.message, severity=severity, source=SOURCE, code=finding.code,
        code_description=None, data={"name": rule.name if rule else "", "fix": finding.fix.applicability
                                     if finding.fix else None})


def _fix_edits(text: str, path: str, findings: List[Finding], style: str) -> List[types.TextEdit]:
    edits = fix_edits(text, path, findings, style)
    return [types.TextEdit(range=_range(edit.span), new_text=edit.after) for edit in edits]


def _suppression(text: str, path: str, finding: Finding) -> Optional[types.TextEdit]:
    """The edit `buffix check --add-suppressions` would make for this one finding (the same placement, merging and
    re-parse check), as the lines it changes; None when no comment can be placed safely."""
    from buffix.analysis.add_suppressions import add_suppressions

    added = add_suppressions(text.encode("utf-8"), path, [finding])
    if added.data is None:
        return None
    old, new = text.splitlines(keepends=True), added.data.decode("utf-8").splitlines(keepends=True)
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    area = types.Range(types.Position(start, 0), types.Position(end_old, 0))
    return types.TextEdit(range=area, new_text="".join(new[start:end_new]))


server = BuffixServer()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: BuffixServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: BuffixServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    waiting = ls.pending.pop(uri, None)
    if waiting is not None:
        waiting.cancel()

    async def later() -> None:
        await asyncio.sleep(DEBOUNCE)
        ls.pending.pop(uri, None)
        ls.publish(uri)

    ls.pending[uri] = asyncio.ensure_future(later())


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: BuffixServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.resolver = Resolver()  # a saved config file takes effect
    ls.analyses.pop(params.text_document.uri, None)
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: BuffixServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.analyses.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


def _covering(findings: Sequence[Finding], area: types.Range) -> List[Finding]:
    first, last = area.start.line + 1, area.end.line + 1
    return [f for f in findings if f.span.line <= last and f.span.end_line >= first]


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]))
def code_actions(ls: BuffixServer, params: types.CodeActionParams) -> List[types.CodeAction]:
    uri = params.text_document.uri
    analysis = ls.analyze(uri)
    path = _path(uri)
    config, _ = ls.config_for(path)
    actions = []
    for finding in _covering(analysis.result.findings, params.range):
        diagnostic = [_diagnostic(finding)]
        if finding.fix is not None:
            edits = _fix_edits(analysis.text, path, [finding], config.fix_style)
            label = "" if finding.fix.applicability == "safe" else " (unsafe: check the code still works)"
            if edits:
                actions.append(types.CodeAction(
                    title=f"buffix: fix {finding.code}{label}", kind=types.CodeActionKind.QuickFix,
                    diagnostics=diagnostic, is_preferred=finding.fix.applicability == "safe",
                    edit=types.WorkspaceEdit(changes={uri: edits})))
        suppression = _suppression(analysis.text, path, finding)
        if suppression is not None:
            actions.append(types.CodeAction(
                title=f"buffix: add suppression for {finding.code}", kind=types.CodeActionKind.QuickFix,
                diagnostics=diagnostic, edit=types.WorkspaceEdit(changes={uri: [suppression]})))
    unsafe = config.unsafe_fixes
    fixable = [f for f in analysis.result.findings
               if f.fix is not None and (f.fix.applicability == "safe" or unsafe)]
    edits = _fix_edits(analysis.text, path, fixable, config.fix_style) if fixable else []
    if edits:
        actions.append(types.CodeAction(title="buffix: fix all", kind=types.CodeActionKind.SourceFixAll,
                                        edit=types.WorkspaceEdit(changes={uri: edits})))
    return actions


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: BuffixServer, params: types.HoverParams) -> Optional[types.Hover]:
    from buffix.knowledge.rules import all_rules

    analysis = ls.analyze(params.text_document.uri)
    line, character = params.position.line + 1, params.position.character + 1
    for finding in analysis.result.findings:
        span = finding.span
        if (span.line, span.column) <= (line, character) <= (span.end_line, span.end_column):
            rule = all_rules().get(finding.code)
            if rule is not None:
                return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=rule.docs),
                                   range=_range(span))
    return None


def main() -> None:
    server.start_io()
