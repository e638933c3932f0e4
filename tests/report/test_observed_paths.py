"""The observed-findings file (`buffix run --observe`) is the JSON report with paths relative to its own directory:
`check --observed` reads it the same from any working directory, and still reads the bare list of older files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.report.tree import buffix

APP = "import io, requests\nr = requests.get(u)\nbuf = io.BytesIO(r.content)\n"


def observed(path: str) -> dict:
    """What the runtime records for APP's sink (the shape buffix.report.observed writes)."""
    return {"code": "BFX102", "message": "response body reached `io.BytesIO` 1 time(s) at run time (observed)",
            "path": path, "line": 3, "column": 18, "end_line": 3, "end_column": 27, "confidence": "confirmed",
            "fix": None, "flow": [{"path": path, "line": 2, "column": 1, "description": "body received"}]}


def confirmed(done) -> bool:
    return done.returncode == 1 and "[confirmed at run time]" in done.stdout


def test_observed_paths_resolve_against_the_files_directory_from_any_working_directory(tmp_path: Path):
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "obs").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "obs" / "found.json").write_text(json.dumps({"version": 1, "findings": [observed("../app.py")],
                                                             "errors": []}))
    assert confirmed(buffix("check", "--no-cache", "--observed", "obs/found.json", "app.py", cwd=tmp_path))
    assert confirmed(buffix("check", "--no-cache", "--observed", "../obs/found.json", "../app.py",
                            cwd=tmp_path / "sub"))
    (tmp_path / "obs" / "old.json").write_text(json.dumps([observed(str(tmp_path / "app.py"))]))  # before version 1
    assert confirmed(buffix("check", "--no-cache", "--observed", "obs/old.json", "app.py", cwd=tmp_path))
