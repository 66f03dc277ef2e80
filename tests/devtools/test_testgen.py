"""`tickscope testgen` as a user runs it: record the demo headless, generate a test, run it with pytest (it passes);
change a reducer in a copy of the demo's code and run it again (it fails, naming what changed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]


def tickscope(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devtools.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180)


def run_pytest(test_file: Path, *paths: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in (*paths, ROOT))}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           test_file.name], cwd=test_file.parent, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def demo_trace(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("testgen") / "demo.jsonl"
    proc = tickscope("record", "--demo", "--seconds", "2", "--level", "full", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def test_the_generated_test_passes_and_fails_when_a_reducer_changes(demo_trace, tmp_path):
    work = tmp_path / "suite"
    work.mkdir()
    test_file = work / "test_session.py"
    made = tickscope("testgen", str(demo_trace), "-o", str(test_file), "--instance", "form#1")
    assert made.returncode == 0, made.stderr
    assert f"{test_file}: 1 test(s) (form#1)" in made.stdout
    source = test_file.read_text()
    assert "from devtools.demo.modules import form_module" in source
    assert "inst.dispatch('set_customer', {'field': 'first', 'value': 'A'})" in source
    assert "assert_touched_exactly(tickscope, rec, ['customer.first', 'full_name']" in source

    passed = run_pytest(test_file)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "1 passed" in passed.stdout

    # the same code with one reducer changed: names become upper case
    shadow = tmp_path / "changed"
    (shadow / "devtools" / "demo").mkdir(parents=True)
    (shadow / "devtools" / "__init__.py").write_text("")
    (shadow / "devtools" / "demo" / "__init__.py").write_text("")
    code = (ROOT / "devtools" / "demo" / "modules.py").read_text()
    changed = code.replace('draft["customer"][payload["field"]] = payload["value"]',
                           'draft["customer"][payload["field"]] = str(payload["value"]).upper()')
    assert changed != code
    (shadow / "devtools" / "demo" / "modules.py").write_text(changed)
    failed = run_pytest(test_file, shadow)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "1 failed" in failed.stdout
    assert "AssertionError: the state of form#1 after form#1::t" in failed.stdout
    # the first name is typed first (0.12 s a keystroke): how far the customer got in 2 s depends on the machine's load
    assert "customer.first: recorded 'Ad" in failed.stdout and ", now 'AD" in failed.stdout


def test_testgen_says_which_instances_it_cannot_replay(demo_trace, tmp_path):
    out = tmp_path / "test_all.py"
    made = tickscope("testgen", str(demo_trace), "-o", str(out))
    assert made.returncode == 0, made.stderr
    assert "form#1" in made.stdout and "todos#1" in made.stdout
    assert "not replayed: sensor#1: its module comes from devtools.demo.modules:sensor_module(device), which " \
           "needs arguments" in made.stderr
    assert "not replayed: search#1: its module has fields written by wiring outside it (source results)" \
        in made.stderr
    refused = tickscope("testgen", str(demo_trace), "-o", str(tmp_path / "t.py"), "--instance", "dashboard#1")
    assert refused.returncode == 1 and "no test for dashboard#1: its module comes from" in refused.stderr
    assert not (tmp_path / "t.py").exists()
    passed = run_pytest(out)
    assert passed.returncode == 0 and "2 passed" in passed.stdout, passed.stdout + passed.stderr


def test_a_range_starts_from_the_recorded_state_before_it(demo_trace, tmp_path):
    out = tmp_path / "test_range.py"
    made = tickscope("testgen", str(demo_trace), "-o", str(out), "--instance", "form#1", "--from", "600")
    assert made.returncode == 0, made.stderr
    source = out.read_text()
    assert "inst.set_state(" in source.split("\n    ", 2)[2].split("\n")[0]  # right after the mount
    passed = run_pytest(out)
    assert passed.returncode == 0 and "1 passed" in passed.stdout, passed.stdout + passed.stderr
    empty = tickscope("testgen", str(demo_trace), "-o", str(out), "--instance", "form#1", "--from", "1e9")
    assert empty.returncode == 1 and "it committed no transaction in the range" in empty.stderr


def test_states_cut_in_the_trace_are_refused_with_the_transaction(demo_trace, tmp_path):
    cut = tmp_path / "cut.jsonl"
    lines = []
    for line in demo_trace.read_bytes().splitlines():
        if b'"type":"state:snapshot"' in line:
            continue  # as a trace recorded below level full
        if b'"label":"state:update"' in line and b'"instanceId":"form#1"' in line:
            env = orjson.loads(line)
            env["payload"]["downgrade"] = {"reason": "budget"}
            line = orjson.dumps(env)
        lines.append(line)
    cut.write_bytes(b"\n".join(lines) + b"\n")
    proc = tickscope("testgen", str(cut), "-o", str(tmp_path / "t.py"), "--instance", "form#1")
    assert proc.returncode == 1
    assert "no test for form#1: the state after form#1::t1 is not in the trace whole (record at diagnostics " \
           "level full" in proc.stderr
