"""A trace as SQL tables (DuckDB), read out of core and handed out as Arrow record batches.

    with TraceTables("run.jsonl") as tables:
        reader = tables.query("SELECT kind, count(*) AS n FROM events GROUP BY kind")   # a pyarrow RecordBatchReader
        for batch in tables.batches("transactions"): ...

Tables (views over the trace file: DuckDB's JSON reader streams the file for every query, so a trace larger than
memory is queried without loading it; what a query itself holds (groups, sorts, joins) stays within `memory_limit`
where DuckDB can spill it to a temporary directory; its JSON reader keeps about 70 MB of buffers whatever the
file's size):

- `events`: one row per debug event: seq (the envelope's, unique, rising), ts (epoch ms), event_id, kind, label,
  module_id, instance_id, runtime_label, txn_seq, txn_id, link_id, tick_seq, meta (JSON).
- `transactions`: one row per committed transaction (its state:update): seq, ts, txn_id, instance_id, module_id,
  txn_seq, action (the action type dispatched in it, if any), origin_kind, origin_name, commit_mode, priority,
  patch_count, dirty_all, root_count, static_ir_digest, link_id.
- `dirty_roots`: one row per dirty root of a transaction: seq, txn_id, instance_id, root_id, path (dotted, through
  the static IR of the transaction; root_id -1 and path '*' when it dirtied everything).
- `patches`: one row per write (level full): seq, txn_id, instance_id, op_seq, reason, path_id, path, step_id,
  trait_node_id, from_value, to_value (JSON).
- `converge`: one row per converge decision: seq, ts, txn_id, instance_id, module_id, requested_mode, executed_mode,
  outcome, config_scope, static_ir_digest, execution_ms, execution_budget_ms, decision_ms, decision_budget_ms,
  reasons, total_steps, executed_steps, skipped_steps, changed_steps, cache_hit.
- `runs`: one row per async action run (by link_id): link_id, instance_id, module_id, action_id, policy, lane,
  started_ts, settled_ts, phase (the latest), status, cancel_reason, duration_ms, events.
- `operations`: one row per backend operation (by command_id): command_id, link_id, instance_id, module_id, kind,
  target, wait_for, stage (the latest), detached, submitted_ts, last_ts, fact_count, error_code, error_message.
- `operation_stages`: one row per operation event: seq, ts, command_id, link_id, instance_id, phase, stage,
  event_stage, source, attempt, inferred, disposition.
- `ticks`: one row per tick: tick_seq, start_ts, end_ts, end_phase (settled | budgetExceeded), started_as, steps,
  txn_count, elapsed_ms, trigger_kind.

Lines the JSON reader cannot use (a recording cut short) are skipped, as the loader skips them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

from runtime.trace import TraceFormatError, UnsupportedTraceVersion, evidence_to_trace, read_header

from .query_deps import duckdb

__all__ = ["TABLES", "TraceTables", "table_names_in"]

_PAYLOAD_FIELDS = (("kind", "VARCHAR"), ("label", "VARCHAR"), ("moduleId", "VARCHAR"), ("instanceId", "VARCHAR"),
                   ("runtimeLabel", "VARCHAR"), ("txnSeq", "BIGINT"), ("txnId", "VARCHAR"), ("eventId", "VARCHAR"),
                   ("linkId", "VARCHAR"), ("timestamp", "DOUBLE"), ("meta", "JSON"), ("staticIrDigest", "VARCHAR"),
                   ("fieldPaths", "VARCHAR[][]"))
"""What the tables read of a line's payload: a debug event's fields, a static IR's digest and field paths."""
_ENVELOPE_COLUMNS = ("{seq: 'BIGINT', timestamp: 'DOUBLE', type: 'VARCHAR', payload: 'STRUCT("
                     + ", ".join(f"{name} {kind}" for name, kind in _PAYLOAD_FIELDS) + ")'}")

_IRS = ("(SELECT payload.staticIrDigest AS digest, any_value(payload.fieldPaths) AS paths FROM _envelopes "
        "WHERE type = 'static-ir' GROUP BY ALL)")

TABLES: dict[str, str] = {
    "events": """
        SELECT seq, coalesce(payload.timestamp, timestamp) AS ts, payload.eventId AS event_id, payload.kind AS kind,
               payload.label AS label, payload.moduleId AS module_id, payload.instanceId AS instance_id,
               payload.runtimeLabel AS runtime_label, coalesce(payload.txnSeq, 0) AS txn_seq,
               payload.txnId AS txn_id, payload.linkId AS link_id,
               TRY_CAST(payload.meta->>'$.tickSeq' AS BIGINT) AS tick_seq, payload.meta AS meta
        FROM _envelopes WHERE type = 'debug:event' AND payload.kind IS NOT NULL AND payload.label IS NOT NULL
    """,
    "transactions": """
        SELECT u.seq, u.ts, u.txn_id, u.instance_id, u.module_id, u.txn_seq, a.action,
               u.meta->>'$.originKind' AS origin_kind, u.meta->>'$.originName' AS origin_name,
               u.meta->>'$.commitMode' AS commit_mode, u.meta->>'$.priority' AS priority,
               TRY_CAST(u.meta->>'$.patchCount' AS INTEGER) AS patch_count,
               TRY_CAST(u.meta->>'$.dirtySet.dirtyAll' AS BOOLEAN) AS dirty_all,
               TRY_CAST(u.meta->>'$.dirtySet.rootCount' AS INTEGER) AS root_count,
               u.meta->>'$.staticIrDigest' AS static_ir_digest, u.link_id
        FROM events u
        LEFT JOIN (SELECT txn_id, min_by(label, seq) AS action FROM events
                   WHERE kind = 'action' AND txn_id IS NOT NULL AND label <> 'async-action' GROUP BY txn_id) a
               ON a.txn_id = u.txn_id
        WHERE u.label = 'state:update'
    """,
    "dirty_roots": f"""
        WITH roots AS (
            SELECT seq, txn_id, instance_id, meta->>'$.staticIrDigest' AS digest,
                   unnest(CASE WHEN TRY_CAST(meta->>'$.dirtySet.dirtyAll' AS BOOLEAN) THEN [-1]
                               ELSE TRY_CAST(meta->'$.dirtySet.rootIds' AS INTEGER[]) END) AS root_id
            FROM events WHERE label = 'state:update')
        SELECT r.seq, r.txn_id, r.instance_id, r.root_id,
               CASE WHEN r.root_id = -1 THEN '*' ELSE array_to_string(irs.paths[r.root_id + 1], '.') END AS path
        FROM roots r LEFT JOIN {_IRS} irs ON irs.digest = r.digest
    """,
    "patches": f"""
        WITH ps AS (
            SELECT seq, txn_id, instance_id, meta->>'$.staticIrDigest' AS digest,
                   unnest(TRY_CAST(meta->'$.patches' AS JSON[])) AS p
            FROM events WHERE label = 'state:update')
        SELECT ps.seq, ps.txn_id, ps.instance_id, TRY_CAST(p->>'$.opSeq' AS INTEGER) AS op_seq,
               p->>'$.reason' AS reason, TRY_CAST(p->>'$.pathId' AS INTEGER) AS path_id,
               array_to_string(irs.paths[TRY_CAST(p->>'$.pathId' AS INTEGER) + 1], '.') AS path,
               TRY_CAST(p->>'$.stepId' AS INTEGER) AS step_id, p->>'$.traitNodeId' AS trait_node_id,
               p->'$.from' AS from_value, p->'$.to' AS to_value
        FROM ps LEFT JOIN {_IRS} irs ON irs.digest = ps.digest
    """,
    "converge": """
        SELECT seq, ts, txn_id, instance_id, module_id,
               meta->>'$.requestedMode' AS requested_mode, meta->>'$.executedMode' AS executed_mode,
               meta->>'$.outcome' AS outcome, meta->>'$.configScope' AS config_scope,
               meta->>'$.staticIrDigest' AS static_ir_digest,
               TRY_CAST(meta->>'$.executionDurationMs' AS DOUBLE) AS execution_ms,
               TRY_CAST(meta->>'$.executionBudgetMs' AS DOUBLE) AS execution_budget_ms,
               TRY_CAST(meta->>'$.decisionDurationMs' AS DOUBLE) AS decision_ms,
               TRY_CAST(meta->>'$.decisionBudgetMs' AS DOUBLE) AS decision_budget_ms,
               TRY_CAST(meta->'$.reasons' AS VARCHAR[]) AS reasons,
               TRY_CAST(meta->>'$.stepStats.totalSteps' AS INTEGER) AS total_steps,
               TRY_CAST(meta->>'$.stepStats.executedSteps' AS INTEGER) AS executed_steps,
               TRY_CAST(meta->>'$.stepStats.skippedSteps' AS INTEGER) AS skipped_steps,
               TRY_CAST(meta->>'$.stepStats.changedSteps' AS INTEGER) AS changed_steps,
               TRY_CAST(meta->>'$.cache.hit' AS BOOLEAN) AS cache_hit
        FROM events WHERE kind IN ('trait:converge', 'field:converge')
    """,
    "runs": """
        SELECT link_id, any_value(instance_id) AS instance_id, any_value(module_id) AS module_id,
               min_by(meta->>'$.actionId', seq) AS action_id, min_by(meta->>'$.concurrencyPolicy', seq) AS policy,
               min_by(meta->>'$.lane', seq) AS lane, min(ts) AS started_ts,
               max(ts) FILTER (WHERE meta->>'$.phase' = 'settle') AS settled_ts,
               max_by(meta->>'$.phase', seq) AS phase, max_by(meta->>'$.status', seq) AS status,
               max_by(meta->>'$.cancelReason', seq) AS cancel_reason,
               TRY_CAST(max_by(meta->>'$.durationMs', seq) AS DOUBLE) AS duration_ms, count(*) AS events
        FROM events WHERE kind = 'action' AND label = 'async-action' AND link_id IS NOT NULL GROUP BY link_id
    """,
    "operation_stages": """
        SELECT seq, ts, meta->>'$.commandId' AS command_id, link_id, instance_id, meta->>'$.phase' AS phase,
               meta->>'$.stage' AS stage, meta->>'$.eventStage' AS event_stage, meta->>'$.source' AS source,
               TRY_CAST(meta->>'$.attempt' AS INTEGER) AS attempt, TRY_CAST(meta->>'$.inferred' AS BOOLEAN) AS inferred,
               meta->>'$.disposition' AS disposition
        FROM events WHERE kind = 'operation' AND meta->>'$.commandId' IS NOT NULL
    """,
    "operations": """
        SELECT meta->>'$.commandId' AS command_id, any_value(link_id) AS link_id,
               any_value(instance_id) AS instance_id, any_value(module_id) AS module_id,
               min_by(meta->>'$.kind', seq) AS kind, min_by(meta->>'$.target', seq) AS target,
               min_by(meta->>'$.waitFor', seq) AS wait_for, max_by(meta->>'$.stage', seq) AS stage,
               TRY_CAST(max_by(meta->>'$.detached', seq) AS BOOLEAN) AS detached,
               min(ts) AS submitted_ts, max(ts) AS last_ts,
               TRY_CAST(max_by(meta->>'$.factCount', seq) AS INTEGER) AS fact_count,
               max(meta->>'$.error.code') AS error_code, max(meta->>'$.error.message') AS error_message
        FROM events WHERE kind = 'operation' AND meta->>'$.commandId' IS NOT NULL GROUP BY ALL
    """,
    "ticks": """
        SELECT tick_seq, min(ts) FILTER (WHERE meta->>'$.phase' = 'start') AS start_ts,
               max(ts) FILTER (WHERE meta->>'$.phase' IN ('settled', 'budgetExceeded')) AS end_ts,
               max(meta->>'$.phase') FILTER (WHERE meta->>'$.phase' IN ('settled', 'budgetExceeded')) AS end_phase,
               min_by(meta->>'$.schedule.startedAs', seq) AS started_as,
               TRY_CAST(max(meta->>'$.budget.steps') AS INTEGER) AS steps,
               TRY_CAST(max(meta->>'$.budget.txnCount') AS INTEGER) AS txn_count,
               TRY_CAST(max(meta->>'$.budget.elapsedMs') AS DOUBLE) AS elapsed_ms,
               max(meta->>'$.triggerSummary.primary.kind') AS trigger_kind
        FROM events WHERE label = 'trace:tick' AND tick_seq IS NOT NULL GROUP BY tick_seq
    """,
}
"""Each table's SELECT over `_envelopes` (the trace file's lines) or the tables before it."""


def table_names_in(sql: str) -> list[str]:
    """The trace tables a query names (a word match: enough to say which ones a query can read)."""
    import re

    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", sql.lower()))
    return [name for name in TABLES if name in words]


def _quoted(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


class TraceTables:
    """The tables of one trace file (or evidence package) in a DuckDB connection of its own; close it when done.

    `memory_limit` (DuckDB's syntax, e.g. "256MB") bounds what a query holds in memory; beyond it, DuckDB spills
    to a temporary directory that `close()` removes. A line longer than `max_line_bytes` (only a huge state
    snapshot, which no table reads) is skipped.
    """

    def __init__(self, path: str | os.PathLike[str], *, memory_limit: str | None = None,
                 threads: int | None = None, max_line_bytes: int = 16 << 20) -> None:
        self.path = os.fspath(path)
        self._tmp = tempfile.mkdtemp(prefix="tickscope-query-")
        source = self.path
        try:
            read_header(self.path)
        except UnsupportedTraceVersion:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise
        except TraceFormatError as not_trace:  # an evidence package becomes a trace file first
            source = os.path.join(self._tmp, "trace.jsonl")
            try:
                evidence_to_trace(self.path, source)
            except TraceFormatError:
                shutil.rmtree(self._tmp, ignore_errors=True)
                raise not_trace from None
        except OSError as exc:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise TraceFormatError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        db = duckdb()
        self.connection: Any = db.connect(":memory:")
        con = self.connection
        con.execute(f"SET temp_directory = {_quoted(os.path.join(self._tmp, 'spill'))}")
        if memory_limit is not None:
            con.execute(f"SET memory_limit = {_quoted(memory_limit)}")
        if threads is not None:
            con.execute(f"SET threads = {int(threads)}")
        con.execute("SET enable_progress_bar = true")  # query_progress() answers (another thread may ask) ...
        con.execute("SET enable_progress_bar_print = false")  # ... without a bar on the terminal
        con.execute(
            f"CREATE VIEW _envelopes AS SELECT * FROM read_json({_quoted(source)}, format = 'newline_delimited', "
            f"columns = {_ENVELOPE_COLUMNS}, ignore_errors = true, maximum_object_size = {int(max_line_bytes)})")
        for name, select in TABLES.items():
            con.execute(f"CREATE VIEW {name} AS {select}")

    def hold_events(self, *, meta_where: str = "true") -> None:
        """Read the file's events and static IRs once into a temporary table and answer every later query from it:
        for a caller that runs many queries (each would stream the whole file again). `meta_where`, an SQL
        condition on an event's `kind` and `label`, keeps the meta of the events the caller reads (the others' is
        NULL: meta is most of an event's bytes). Beyond `memory_limit` the table spills to the temporary directory.
        """
        fields = ", ".join(f"{name} := payload.{name}" for name, _kind in _PAYLOAD_FIELDS if name != "meta")
        self.connection.execute(f"""
            CREATE TEMP TABLE _held_envelopes AS
            SELECT seq, timestamp, type,
                   struct_pack({fields}, meta := CASE WHEN {meta_where} THEN payload.meta END) AS payload
            FROM (SELECT *, payload.kind AS kind, payload.label AS label FROM _envelopes
                  WHERE type IN ('debug:event', 'static-ir'))""")
        # every table is a view over _envelopes, bound when queried: they all read the held rows from now on
        self.connection.execute("CREATE OR REPLACE VIEW _envelopes AS SELECT * FROM _held_envelopes")

    def query(self, sql: str, *, batch_rows: int = 65536) -> Any:
        """Run `sql`; its result as a pyarrow RecordBatchReader (streamed: read it before the next query), or None
        for a statement that returns no rows (SET, CREATE)."""
        relation = self.connection.sql(sql)
        return None if relation is None else relation.to_arrow_reader(batch_rows)

    def progress(self) -> float | None:
        """How far the running query is, 0..100, from any thread; None when DuckDB cannot tell (yet)."""
        value = float(self.connection.query_progress())
        return None if value < 0 else value

    def interrupt(self) -> None:
        """Stop the running query (from another thread); it raises there."""
        self.connection.interrupt()

    def batches(self, table: str, *, batch_rows: int = 65536) -> Iterator[Any]:
        """The rows of one table, as pyarrow RecordBatches, in recording order."""
        if table not in TABLES:
            raise KeyError(f"no trace table {table!r}; the tables are {', '.join(TABLES)}")
        order = "seq" if table not in ("runs", "operations", "ticks") else \
            {"runs": "started_ts", "operations": "submitted_ts", "ticks": "tick_seq"}[table]
        yield from self.query(f"SELECT * FROM {table} ORDER BY {order}", batch_rows=batch_rows) or ()

    def close(self) -> None:
        self.connection.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> TraceTables:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
