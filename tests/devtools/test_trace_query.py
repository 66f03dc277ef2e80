"""SQL over traces: the tables of a recorded trace, `tickscope query` as a user runs it, `export --to parquet`, and a
query over a trace larger than the memory it may use."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest
from trace_builder import TraceBuilder

from devtools.model.trace_tables import TABLES, TraceTables, table_names_in
from runtime.trace import TraceWriter, load_trace

ROOT = Path(__file__).resolve().parents[2]


def tickscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devtools.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def rows(tables: TraceTables, sql: str) -> list[dict[str, object]]:
    return tables.query(sql).read_all().to_pylist()


def test_the_events_table_counts_what_the_store_loads(recorded_trace):
    store = load_trace(recorded_trace)
    expected = Counter(store.kind_of(r) for r in range(len(store)))
    seqs = [store.seq[r] for r in range(len(store))]
    store.close()
    with TraceTables(recorded_trace) as tables:
        got = {r["kind"]: r["n"] for r in rows(tables, "SELECT kind, count(*) AS n FROM events GROUP BY kind")}
        assert got == dict(expected)
        assert [r["seq"] for r in rows(tables, "SELECT seq FROM events ORDER BY seq")] == seqs


def test_transactions_dirty_roots_and_patches_of_the_shop_session(recorded_trace):
    with TraceTables(recorded_trace) as tables:
        txns = rows(tables, "SELECT txn_id, action, origin_kind FROM transactions ORDER BY seq")
        assert [(t["txn_id"], t["action"], t["origin_kind"]) for t in txns] == [
            ("shop#1::t1", None, "lifecycle"), ("shop#1::t2", "add", "action"), ("shop#1::t3", "add", "action"),
            ("shop#1::t4", "add", "action"), ("shop#1::t5", "rename", "action")]
        roots = rows(tables, "SELECT path FROM dirty_roots WHERE txn_id = 'shop#1::t5' ORDER BY path")
        assert [r["path"] for r in roots] == ["name", "title"]
        patch = rows(tables, "SELECT path, reason, from_value, to_value FROM patches "
                             "WHERE txn_id = 'shop#1::t5' AND path = 'name'")
        assert patch == [{"path": "name", "reason": "reducer", "from_value": '"Ada"', "to_value": '"Grace"'}]
        modes = rows(tables, "SELECT txn_id, executed_mode FROM converge ORDER BY seq")
        assert modes[0] == {"txn_id": "shop#1::t1", "executed_mode": "full"}
        ticks = rows(tables, "SELECT count(*) AS n, min(end_phase) AS phase FROM ticks")
        assert ticks[0]["n"] >= 1 and ticks[0]["phase"] == "settled"


def test_runs_operations_and_their_stages(tmp_path):
    b = TraceBuilder(tmp_path / "ops.jsonl")
    b.op("todos#1", "c-1", 0.0, "submitted", "submitted")
    b.op("todos#1", "c-1", 0.1, "accepted", "accepted")
    b.op("todos#1", "c-1", 0.3, "stage_reached", "ready")
    b.op("todos#1", "c-2", 0.2, "submitted", "submitted")
    path = b.close()
    with TraceTables(path) as tables:
        ops = rows(tables, "SELECT command_id, stage, kind FROM operations ORDER BY command_id")
        assert ops == [{"command_id": "c-1", "stage": "ready", "kind": "todo.create"},
                       {"command_id": "c-2", "stage": "submitted", "kind": "todo.create"}]
        stages = rows(tables, "SELECT phase FROM operation_stages WHERE command_id = 'c-1' ORDER BY seq")
        assert [s["phase"] for s in stages] == ["submitted", "accepted", "stage_reached"]


def test_every_table_streams_as_record_batches(recorded_trace):
    with TraceTables(recorded_trace) as tables:
        for name in TABLES:
            batches = list(tables.batches(name, batch_rows=2))
            assert all(b.num_rows <= 2 for b in batches), name
        with pytest.raises(KeyError, match="no trace table 'nope'"):
            list(tables.batches("nope"))


def test_a_query_names_its_tables():
    assert table_names_in("SELECT * FROM Events e JOIN dirty_roots d USING (txn_id)") == ["events", "dirty_roots"]


def test_tickscope_query_prints_aligned_json_and_csv(recorded_trace):
    sql = "SELECT action, count(*) AS n FROM transactions WHERE action IS NOT NULL GROUP BY action ORDER BY n DESC"
    text = tickscope("query", str(recorded_trace), sql)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == ["action  n", "------  -", "add     3", "rename  1", "(2 rows)"]
    js = tickscope("query", str(recorded_trace), sql, "--json")
    assert [orjson.loads(line) for line in js.stdout.splitlines()] == [{"action": "add", "n": 3},
                                                                       {"action": "rename", "n": 1}]
    cs = tickscope("query", str(recorded_trace), sql, "--csv")
    assert list(csv.reader(io.StringIO(cs.stdout))) == [["action", "n"], ["add", "3"], ["rename", "1"]]


def test_tickscope_query_says_what_is_wrong(recorded_trace, tmp_path):
    bad_sql = tickscope("query", str(recorded_trace), "SELECT nope FROM events")
    assert bad_sql.returncode == 1 and 'tickscope query: BinderException' in bad_sql.stderr
    assert '"nope"' in bad_sql.stderr
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    not_trace = tickscope("query", str(notes), "SELECT 1")
    assert not_trace.returncode == 1 and "not a tickscope trace" in not_trace.stderr
    listed = tickscope("query", str(recorded_trace), "--tables")
    assert listed.returncode == 0 and "dirty_roots: seq, txn_id, instance_id, root_id, path" in listed.stdout


def test_an_evidence_package_is_queried_like_its_trace(recorded_trace, tmp_path):
    package = tmp_path / "e.json"
    assert tickscope("export", str(recorded_trace), "--to", "evidence", "-o", str(package)).returncode == 0
    proc = tickscope("query", str(package), "SELECT count(*) AS n FROM transactions", "--csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["n", "5"]


def test_export_to_parquet_writes_every_table_and_duckdb_reads_them(recorded_trace, tmp_path):
    import duckdb

    out = tmp_path / "tables"
    proc = tickscope("export", str(recorded_trace), "--to", "parquet", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.stem for p in out.glob("*.parquet")) == sorted(TABLES)
    assert "transactions 5" in proc.stdout
    with TraceTables(recorded_trace) as tables:
        expected = rows(tables, "SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY kind")
    got = duckdb.sql(f"SELECT kind, count(*) AS n FROM '{out}/events.parquet' GROUP BY kind ORDER BY kind")
    assert got.to_arrow_table().to_pylist() == expected


def test_a_trace_larger_than_the_memory_limit_is_queried_streaming(tmp_path):
    n = 200_000
    path = tmp_path / "big.jsonl"
    filler = "x" * 700
    with TraceWriter(path, label="big") as writer:
        for i in range(n):
            writer.write("debug:event", {
                "eventId": f"big#1::e{i + 1}", "moduleId": "big", "instanceId": "big#1", "timestamp": 1.7e12 + i,
                "kind": "diagnostic", "label": "note", "meta": {"code": f"n{i % 7}", "message": f"{i:08d}{filler}"}})
    assert path.stat().st_size > 160 << 20
    # 128 MB: DuckDB's JSON reader and functions take about 70 MB of buffers whatever the file's size
    with TraceTables(path, memory_limit="128MB", threads=1, max_line_bytes=1 << 20) as tables:
        by_code = rows(tables, "SELECT meta->>'$.code' AS code, count(*) AS n, max(meta->>'$.message') AS last "
                               "FROM events GROUP BY code ORDER BY code")
        expected = Counter(f"n{i % 7}" for i in range(n))
        assert {r["code"]: r["n"] for r in by_code} == dict(expected)
        assert by_code[-1]["last"].startswith(f"{max(i for i in range(n) if i % 7 == 6):08d}")
        top = rows(tables, "SELECT seq FROM events ORDER BY meta->>'$.message' DESC LIMIT 2")
        assert [r["seq"] for r in top] == [n, n - 1]


def test_query_parquet_and_testgen_import_no_qt(recorded_trace, tmp_path):
    demo = tmp_path / "demo.jsonl"  # the demo's modules import no Qt (the shop of the Qt tests' support file does)
    assert tickscope("record", "--demo", "--seconds", "0.5", "--level", "full", "-o", str(demo)).returncode == 0
    script = f"""
import sys
from devtools.cli import main
runs = [
    ["query", {str(recorded_trace)!r}, "SELECT count(*) FROM events", "--csv"],
    ["export", {str(recorded_trace)!r}, "--to", "parquet", "-o", {str(tmp_path / 'pq')!r}],
    ["testgen", {str(demo)!r}, "-o", {str(tmp_path / 'test_x.py')!r}],
]
for argv in runs:
    code = main(argv)
    qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'qasync', 'pyqtgraph'))
    print("RUN", argv[0], code, qt)
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = [line.split(" ", 3)[1:] for line in proc.stdout.splitlines() if line.startswith("RUN ")]
    assert report == [["query", "0", "[]"], ["export", "0", "[]"], ["testgen", "0", "[]"]], proc.stdout
