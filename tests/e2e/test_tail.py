"""`tickscope tail` against an application running in another process: JSON lines, headless, typed failures."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
from attach_support import ROOT

TAIL_NO_QT = """
import sys
from devtools.cli import main
code = main(sys.argv[1:])
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "qasync", "pyqtgraph"))
print("QT-MODULES:" + ",".join(qt), file=sys.stderr)
sys.exit(code)
"""


def tail(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", TAIL_NO_QT, "tail", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


def test_tail_prints_envelopes_as_json_lines_without_importing_qt(inspected_app):
    proc = tail(inspected_app.address, "--token", inspected_app.token, "--count", "40")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 40
    envelopes = [orjson.loads(line) for line in lines]
    assert {e["runId"] for e in envelopes} == {inspected_app.info["runId"]}
    assert [e["seq"] for e in envelopes] == list(range(1, 41))  # from the start of the run, nothing skipped
    assert {"debug:event", "static-ir"} <= {e["type"] for e in envelopes}
    labels = {e["payload"]["label"] for e in envelopes if e["type"] == "debug:event"}
    assert "module:init" in labels
    (qt_line,) = [line for line in proc.stderr.splitlines() if line.startswith("QT-MODULES:")]
    assert qt_line == "QT-MODULES:", qt_line  # headless: no Qt module was imported


def test_tail_with_a_wrong_token_says_so(inspected_app):
    proc = tail(inspected_app.address, "--token", "wrong", "--count", "1")
    assert proc.returncode == 1
    assert "wrong token (auth_failed)" in proc.stderr and proc.stdout == ""


def test_tail_with_bad_arguments_names_them():
    proc = tail("nowhere", "--token", "t")
    assert proc.returncode == 2 and "'nowhere' is not HOST:PORT" in proc.stderr
    env_no_token = {k: v for k, v in os.environ.items() if k != "TICKSCOPE_TOKEN"}
    env_no_token["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "devtools.cli", "tail", "127.0.0.1:9"], capture_output=True,
                          text=True, timeout=60, env=env_no_token, cwd=ROOT)
    assert proc.returncode == 2 and "a token is needed" in proc.stderr
    proc = tail("127.0.0.1:1", "--token", "t", "--no-reconnect")
    assert proc.returncode == 1 and "cannot reach 127.0.0.1:1" in proc.stderr and proc.stdout == ""
