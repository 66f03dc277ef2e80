"""`tickscope tail` against an application running in another process: JSON lines, headless, typed failures."""

from __future__ import annotations

import os
import re
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


def tail(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`tickscope tail ARGS` run headless; the limit is an upper bound only (a loaded machine is slow)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", TAIL_NO_QT, "tail", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


def test_tail_prints_envelopes_as_json_lines_without_importing_qt(inspected_app):
    # the app's HELLO may take longer than the default 5 s handshake on a loaded machine: an upper bound only
    proc = tail(inspected_app.address, "--token", inspected_app.token, "--count", "40", "--handshake-timeout", "60")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 40
    envelopes = [orjson.loads(line) for line in lines]
    assert {e["runId"] for e in envelopes} == {inspected_app.info["runId"]}
    # From the start of the run, nothing skipped unsaid: every envelope up to the last one shown was printed or told
    # lost. On a quiet machine none is lost; a tail that a loaded one starts late finds the oldest envelopes gone from
    # the app's retained window (the demo exports fast at full) and says how many.
    lost = sum(int(n) for n in re.findall(r"^tickscope tail: (\d+) events lost", proc.stderr, re.M))
    seqs = [e["seq"] for e in envelopes]
    assert seqs == sorted(set(seqs)) and seqs[-1] == 40 + lost, (seqs[:4], lost, proc.stderr)
    types = {e["type"] for e in envelopes}
    labels = {e["payload"]["label"] for e in envelopes if e["type"] == "debug:event"}
    assert "debug:event" in types
    if not lost:  # the run opens with its IRs and mounts (a late tail's replay overflows its queue, IRs and all)
        assert "static-ir" in types and "module:init" in labels
    (qt_line,) = [line for line in proc.stderr.splitlines() if line.startswith("QT-MODULES:")]
    assert qt_line == "QT-MODULES:", qt_line  # headless: no Qt module was imported


def test_tail_with_a_wrong_token_says_so(inspected_app):
    proc = tail(inspected_app.address, "--token", "wrong", "--count", "1", "--handshake-timeout", "60")
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
