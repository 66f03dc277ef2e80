"""The loopback backend on its own: its store, its HTTP answers, its restarts, its fault plan, its CLI."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from ops_support import settle_tasks, wait_until

from devtools.demo.backend import BackendServer
from runtime.operations.http import HttpTransport

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.asyncio
async def test_the_store_runs_in_wal_mode_and_survives_a_full_stop_and_start(tmp_path):
    db = tmp_path / "b.sqlite3"
    async with BackendServer(db) as first:
        assert first.store.journal_mode() == "wal"
        first.faults.set(project_delay_s=30)  # stopped while the projector waits on this event
        t = HttpTransport(first.base_url)
        try:
            answer = await t.send_command("acct", "a", {"delta": 5}, command_id="k1", correlation_id="k1")
        finally:
            await t.aclose()
        assert answer.status == 202
        await wait_until(lambda: first.store.command("k1").stage == "committed", what="k1 committed")
        assert first.store.read("acct", "a")["version"] == 0  # committed but not projected
    async with BackendServer(db) as second:  # same file, a new process-equivalent: nothing is applied twice
        t = HttpTransport(second.base_url)
        try:
            again = await t.send_command("acct", "a", {"delta": 5}, command_id="k1", correlation_id="k1")
            row = await t.get("/read/acct/a", params={"min_version": "1"}, headers={"Prefer": "wait=2"})
        finally:
            await t.aclose()
        assert again.body == answer.body  # the receipt survived
        assert row.body["state"]["value"] == 5 and row.body["version"] == 1 and row.body["fresh"]
        assert second.store.count_events("k1") == 1
        assert [f["stage"] for f in second.store.facts_after("k1", 0)] == ["accepted", "committed", "observed"]
        # replaying the checkpointed event changes nothing
        event = second.store.events_after(0)[0]
        assert second.store.project("read_model", event) is False
        assert second.store.read("acct", "a")["state"]["value"] == 5


@pytest.mark.asyncio
async def test_read_model_long_poll_is_bounded_and_says_when_it_is_not_fresh(backend):
    backend.faults.set(kind="never", never_project=True)
    t = HttpTransport(backend.base_url)
    try:
        await t.send_command("never", "n", {}, command_id="n1", correlation_id="n1")
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        answer = await t.get("/read/never/n", params={"min_version": "1"}, headers={"Prefer": "wait=0.3"})
        waited = loop.time() - t0
        status = await t.get("/operations/n1")
        missing = await t.get("/operations/nope")
        cancel_missing = await t.post("/operations/nope:cancel")
        bad = await t.send_command("never", "n", [1, 2], command_id="n2", correlation_id="n2")
    finally:
        await t.aclose()
    assert answer.status == 200 and answer.body["fresh"] is False and answer.body["version"] == 0
    assert waited >= 0.25  # it did wait (bounded by the Prefer header), it did not answer at once
    assert status.body["stage"] == "committed" and status.retry_after_s == 0.05
    assert missing.status == 404 and cancel_missing.status == 404
    assert bad.status == 422 and bad.body["code"] == "invalid_command"


@pytest.mark.asyncio
async def test_the_fault_plan_is_switchable_over_http_and_refuses_unknown_switches(backend):
    t = HttpTransport(backend.base_url)
    try:
        ok = await t.post("/_faults", {"byKind": {"x": {"commit_delay_s": 0.5, "sse_duplicate": True}}})
        wrong = await t.post("/_faults", {"byKind": {"x": {"commit_delay_s": "soon"}}})
        current = await t.get("/_faults")
        restarted = await t.post("/_restart")
    finally:
        await t.aclose()
    assert ok.status == 200 and backend.faults.by_kind["x"].commit_delay_s == 0.5
    assert wrong.status == 422 and "commit_delay_s" in wrong.body["message"]
    assert current.body["byKind"]["x"]["sse_duplicate"] is True  # the refused plan changed nothing
    assert restarted.status == 200 and backend.restarts == 1


def test_tickscope_backend_runs_standalone_on_loopback(tmp_path):
    db = tmp_path / "cli.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", "from devtools.cli import main; main()", "backend", "--port", "0",
                             "--db", str(db)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("tickscope backend listening on http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[4]

        async def probe() -> int:
            t = HttpTransport(url)
            try:
                answer = await t.send_command("cli", "c", {"delta": 1}, command_id="cli-1", correlation_id="cli-1")
                return answer.status
            finally:
                await t.aclose()
                await settle_tasks()

        assert asyncio.run(probe()) == 202
        assert db.exists()
        hygiene = subprocess.run(
            [sys.executable, "-c", "import sys; from devtools.commands import backend; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')))"],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert hygiene.returncode == 0, hygiene.stderr  # an import that fails imports no Qt either: that proves nothing
        assert hygiene.stdout.strip() == "[]"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_tickscope_backend_stops_cleanly_on_sigterm_and_removes_its_temporary_database():
    proc = subprocess.Popen([sys.executable, "-c", "from devtools.cli import main; main()", "backend", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    db = Path(line.rsplit("(db ", 1)[1].rstrip(")\n"))
    assert db.exists(), line
    proc.terminate()
    assert proc.wait(timeout=10) == 0
    assert not db.parent.exists()
