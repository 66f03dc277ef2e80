"""The headless trace commands, run as a user would: record, check, info, export, import; and none imports Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]


def tickscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devtools.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "t.jsonl"
    proc = tickscope("record", "--demo", "--seconds", "1.5", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"{out}:" in proc.stdout and "records at level light" in proc.stdout
    return out


def test_a_recorded_demo_passes_the_reference_checker_and_check(recorded, check_trace):
    code, out = check_trace(recorded, "state/state:update", "trait:converge")
    assert code == 0, out
    proc = tickscope("check", str(recorded))
    assert proc.returncode == 0 and ": ok:" in proc.stdout


def test_check_names_the_broken_lines_and_fails(recorded, tmp_path):
    lines = recorded.read_bytes().split(b"\n")
    lines[3] = b'{"not": "an envelope"}'
    k = next(i for i in range(5, len(lines)) if b'"type":"debug:event"' in lines[i])
    event = orjson.loads(lines[k])
    event["payload"]["eventId"] = "somebody::e1"
    lines[k] = orjson.dumps(event)
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\n".join(lines[:-2] + [lines[-2][:15]]))
    proc = tickscope("check", str(broken))
    assert proc.returncode == 1
    assert f"{broken}:4: envelope has no protocolVersion" in proc.stdout
    assert f"{broken}:{k + 1}: eventId 'somebody::e1'" in proc.stdout
    assert f"{broken}:{len(lines) - 1}: truncated" in proc.stdout
    not_a_trace = tmp_path / "notes.txt"
    not_a_trace.write_text("shopping list\n")
    proc = tickscope("check", str(not_a_trace))
    assert proc.returncode == 1 and "not JSON, so this is not a tickscope trace" in proc.stderr


def test_info_summarises_what_the_trace_holds(recorded):
    proc = tickscope("info", str(recorded))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for instance in ("sensor#1", "form#1", "todos#1"):
        assert instance in out
    assert "state/state:update" in out and "time span:" in out and "transactions:" in out
    assert "replay: projected" in out


def test_export_and_import_round_trip(recorded, tmp_path):
    chrome, pftrace, evidence, back = (tmp_path / n for n in ("c.json", "p.pftrace", "e.json", "back.jsonl"))
    for fmt, out in (("chrome", chrome), ("perfetto", pftrace), ("evidence", evidence)):
        proc = tickscope("export", str(recorded), "--to", fmt, "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        assert out.stat().st_size > 0
    doc = orjson.loads(chrome.read_bytes())
    assert any(e["ph"] == "B" and e["cat"] == "transaction" for e in doc["traceEvents"])
    assert orjson.loads(evidence.read_bytes())["summary"]["converge"]["staticIrByDigest"]
    proc = tickscope("import", str(evidence), "-o", str(back))
    assert proc.returncode == 0, proc.stderr
    assert tickscope("check", str(back)).returncode == 0
    proc = tickscope("export", str(tmp_path / "missing.jsonl"), "--to", "chrome", "-o", str(tmp_path / "x.json"))
    assert proc.returncode == 1 and "cannot read" in proc.stderr


def test_headless_commands_import_no_qt(recorded, tmp_path):
    script = f"""
import sys
from devtools.cli import main
runs = [
    ["record", "--demo", "--seconds", "0.3", "-o", {str(tmp_path / 'q.jsonl')!r}],
    ["check", {str(recorded)!r}],
    ["info", {str(recorded)!r}],
    ["export", {str(recorded)!r}, "--to", "chrome", "-o", {str(tmp_path / 'q.json')!r}],
    ["export", {str(recorded)!r}, "--to", "evidence", "-o", {str(tmp_path / 'q.evidence')!r}],
    ["export", {str(recorded)!r}, "--to", "perfetto", "-o", {str(tmp_path / 'q.pftrace')!r}],
    ["import", {str(tmp_path / 'q.evidence')!r}, "-o", {str(tmp_path / 'q2.jsonl')!r}],
    ["diff", {str(recorded)!r}, {str(tmp_path / 'q2.jsonl')!r}],
]
for argv in runs:
    code = main(argv)
    qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'qasync', 'pyqtgraph'))
    print(argv[0], code, qt)
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = [line.split(" ", 2) for line in proc.stdout.splitlines() if line.split(" ")[0] in
              ("record", "check", "info", "export", "import", "diff")]
    assert len(report) == 8
    assert all(code == "0" and qt == "[]" for _, code, qt in report), proc.stdout
