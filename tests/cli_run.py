"""Run the `onteam` command line as a subprocess, the way a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pyoxigraph import Store

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DATA = """\
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/onteam/id/> .
id:ai-one-team a ot:Consortium ; rdfs:label "AI 원팀"@ko, "AI One Team"@en ;
    ot:ledBy id:kt ; ot:hasMember id:kt, id:kaist .
id:kt a ot:Organization ; rdfs:label "KT"@ko, "KT"@en .
"""


def onteam(*args: str, root: Path | None = None, stdin: str | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`onteam ARGS...` from the project root; returns the finished process (text output)."""
    full_env = {**os.environ, **(env or {})}
    if root is not None:
        full_env["ONTEAM_ROOT"] = str(root)
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=PROJECT_ROOT, env=full_env, input=stdin, capture_output=True, text=True, timeout=120,
    )


def quad_count(store_dir: Path) -> int:
    """Quads in a store directory that no process has open (read-only: leaves it untouched)."""
    return len(Store.read_only(str(store_dir / "oxigraph")))


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int) -> None:
    """A failure: the given exit status and one clear line, never a traceback."""
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("onteam: error: ") or result.stderr.startswith("usage:"), result.stderr
