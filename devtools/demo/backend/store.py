"""The backend's SQLite store (WAL): command log, event log, aggregates, read model, checkpoints and stage facts.

Every method is one SQLite transaction. The store is used from the server's event loop thread only, which makes it
the single writer the design asks for; with WAL and `synchronous=NORMAL` a write costs well under a millisecond,
so running it on the loop is cheaper than a hop to a worker thread.

The domain is deliberately tiny: a command carries `{delta?: int, ...}` for one `(kind, target)` aggregate whose
value may never go below zero (a violation fails the command after acceptance). The read model row of an aggregate
is `{value, count, last}` at a version that counts its committed events.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

__all__ = ["BackendStore", "AcceptOutcome", "Command", "Event", "ValidationError", "SERVER_TERMINAL"]

SERVER_TERMINAL = frozenset({"observed", "failed", "cancelled"})
"""Stages after which the backend itself has nothing more to say about a command."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS commands(
  command_id TEXT PRIMARY KEY, correlation_id TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
  payload TEXT NOT NULL, payload_sha256 TEXT NOT NULL, stage TEXT NOT NULL, version INT,
  error_code TEXT, error_message TEXT, accepted_at REAL NOT NULL, committed_at REAL, terminal_at REAL,
  receipt TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, command_id TEXT UNIQUE NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
  version INT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS aggregates(
  kind TEXT NOT NULL, target TEXT NOT NULL, value INT NOT NULL, version INT NOT NULL, PRIMARY KEY(kind, target));
CREATE TABLE IF NOT EXISTS read_model(
  kind TEXT NOT NULL, target TEXT NOT NULL, state TEXT NOT NULL, version INT NOT NULL, last_command_id TEXT,
  prev_state TEXT, prev_version INT, PRIMARY KEY(kind, target));
CREATE INDEX IF NOT EXISTS commands_by_stage ON commands(stage);
CREATE TABLE IF NOT EXISTS checkpoints(projector TEXT PRIMARY KEY, seq INT NOT NULL);
CREATE TABLE IF NOT EXISTS held(projector TEXT NOT NULL, seq INT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
  PRIMARY KEY(projector, seq));
CREATE TABLE IF NOT EXISTS facts(
  command_id TEXT NOT NULL, seq INT NOT NULL, stage TEXT NOT NULL, version INT, at REAL NOT NULL,
  error_code TEXT, error_message TEXT, PRIMARY KEY(command_id, seq));
"""


class ValidationError(ValueError):
    """The command is malformed: refused before acceptance (HTTP 422)."""


@dataclass(frozen=True, slots=True)
class AcceptOutcome:
    status: str
    """created | replayed | conflict."""
    receipt: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Command:
    command_id: str
    correlation_id: str
    kind: str
    target: str
    payload: dict[str, Any]
    stage: str
    version: int | None
    error_code: str | None
    error_message: str | None
    accepted_at: float


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    command_id: str
    kind: str
    target: str
    version: int
    data: dict[str, Any]


def payload_hash(kind: str, target: str, payload: Any) -> str:
    return hashlib.sha256(orjson.dumps([kind, target, payload], option=orjson.OPT_SORT_KEYS)).hexdigest()


def validate(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ValidationError(f"the command payload must be a JSON object, not {type(payload).__name__}")
    delta = payload.get("delta", 0)
    if not isinstance(delta, int) or isinstance(delta, bool):
        raise ValidationError(f"delta must be an integer, not {delta!r}")
    return payload


class BackendStore:
    """One SQLite database. `path=None` uses a private temporary file (WAL needs a file)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def journal_mode(self) -> str:
        return str(self.db.execute("PRAGMA journal_mode").fetchone()[0])

    # -- commands ---------------------------------------------------------------------------------------------------

    def accept(self, command_id: str, correlation_id: str, kind: str, target: str, payload: Any,
               links: dict[str, str]) -> AcceptOutcome:
        """Record a command as accepted, or answer a resend: same id + same body -> the very same receipt."""
        digest = payload_hash(kind, target, payload)
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT payload_sha256, receipt FROM commands WHERE command_id=?",
                             (command_id,)).fetchone()
            if row is not None:
                db.execute("COMMIT")
                if row[0] != digest:
                    return AcceptOutcome("conflict", None)
                return AcceptOutcome("replayed", orjson.loads(row[1]))
            now = time.time()
            receipt = {
                "status": "accepted", "commandId": command_id, "correlationId": correlation_id, "kind": kind,
                "target": target, "acceptedAt": now, "links": links, "retryAfterS": 0.05,
            }
            db.execute(
                "INSERT INTO commands(command_id, correlation_id, kind, target, payload, payload_sha256, stage,"
                " accepted_at, receipt) VALUES(?,?,?,?,?,?,?,?,?)",
                (command_id, correlation_id, kind, target, orjson.dumps(payload).decode(), digest, "accepted", now,
                 orjson.dumps(receipt).decode()),
            )
            self._fact(command_id, "accepted", None, now)
            db.execute("COMMIT")
            return AcceptOutcome("created", receipt)
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def command(self, command_id: str) -> Command | None:
        row = self.db.execute(
            "SELECT command_id, correlation_id, kind, target, payload, stage, version, error_code, error_message,"
            " accepted_at FROM commands WHERE command_id=?", (command_id,)).fetchone()
        return _command(row) if row else None

    def accepted_commands(self) -> list[Command]:
        """Commands waiting for the processor, oldest first."""
        rows = self.db.execute(
            "SELECT command_id, correlation_id, kind, target, payload, stage, version, error_code, error_message,"
            " accepted_at FROM commands WHERE stage='accepted' ORDER BY rowid").fetchall()
        return [_command(r) for r in rows]

    def commit(self, command_id: str) -> str:
        """Apply the domain rule and append the event in one transaction: committed | failed | skipped."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            cmd = self.command(command_id)
            if cmd is None or cmd.stage != "accepted":
                db.execute("COMMIT")
                return "skipped"  # cancelled meanwhile, or already processed before a restart
            row = db.execute("SELECT value, version FROM aggregates WHERE kind=? AND target=?",
                             (cmd.kind, cmd.target)).fetchone()
            value, version = row if row else (0, 0)
            new_value = value + int(cmd.payload.get("delta", 0))
            now = time.time()
            if new_value < 0:
                self._terminal(cmd.command_id, "failed", now, "would_go_negative",
                               f"{cmd.kind} {cmd.target}: {value} + {cmd.payload.get('delta')} would go below zero")
                db.execute("COMMIT")
                return "failed"
            version += 1
            db.execute("INSERT OR IGNORE INTO events(command_id, kind, target, version, type, data)"
                       " VALUES(?,?,?,?,?,?)",
                       (cmd.command_id, cmd.kind, cmd.target, version, cmd.kind, orjson.dumps(cmd.payload).decode()))
            db.execute("INSERT OR REPLACE INTO aggregates(kind, target, value, version) VALUES(?,?,?,?)",
                       (cmd.kind, cmd.target, new_value, version))
            db.execute("UPDATE commands SET stage='committed', version=?, committed_at=? WHERE command_id=?",
                       (version, now, cmd.command_id))
            self._fact(cmd.command_id, "committed", version, now)
            db.execute("COMMIT")
            return "committed"
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def fail(self, command_id: str, code: str, message: str) -> bool:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        stage = db.execute("SELECT stage FROM commands WHERE command_id=?", (command_id,)).fetchone()
        if stage is None or stage[0] != "accepted":
            db.execute("COMMIT")
            return False
        self._terminal(command_id, "failed", time.time(), code, message)
        db.execute("COMMIT")
        return True

    def cancel(self, command_id: str) -> str | None:
        """cancelled (now or before) | too_late (committed or failed already) | None (unknown command)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        row = db.execute("SELECT stage FROM commands WHERE command_id=?", (command_id,)).fetchone()
        if row is None:
            db.execute("COMMIT")
            return None
        if row[0] == "accepted":
            self._terminal(command_id, "cancelled", time.time(), None, None)
            db.execute("COMMIT")
            return "cancelled"
        db.execute("COMMIT")
        return "cancelled" if row[0] == "cancelled" else "too_late"

    def _terminal(self, command_id: str, stage: str, now: float, code: str | None, message: str | None) -> None:
        self.db.execute("UPDATE commands SET stage=?, error_code=?, error_message=?, terminal_at=? WHERE command_id=?",
                        (stage, code, message, now, command_id))
        self._fact(command_id, stage, None, now, code, message)

    def _fact(self, command_id: str, stage: str, version: int | None, at: float, code: str | None = None,
              message: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO facts(command_id, seq, stage, version, at, error_code, error_message)"
            " SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ? FROM facts WHERE command_id=?",
            (command_id, stage, version, at, code, message, command_id))

    # -- projection -------------------------------------------------------------------------------------------------

    def checkpoint(self, projector: str) -> int:
        row = self.db.execute("SELECT seq FROM checkpoints WHERE projector=?", (projector,)).fetchone()
        return row[0] if row else 0

    def events_after(self, seq: int, limit: int = 256) -> list[Event]:
        rows = self.db.execute("SELECT seq, command_id, kind, target, version, data FROM events WHERE seq>?"
                               " ORDER BY seq LIMIT ?", (seq, limit)).fetchall()
        return [Event(r[0], r[1], r[2], r[3], r[4], orjson.loads(r[5])) for r in rows]

    def project(self, projector: str, event: Event, apply: bool = True) -> bool:
        """Apply one event to the read model and move the checkpoint, in one transaction.

        Idempotent by `(kind, target, version)`: an event at or below the row's version changes nothing, so a
        replay after a restart applies nothing twice. Returns True when the row changed.
        """
        def body() -> bool:
            changed = self._apply(event, apply)
            self._checkpoint(projector, event.seq)
            return changed

        return self._in_transaction(body)

    def hold(self, projector: str, event: Event) -> None:
        """Move the checkpoint past an event without projecting it, and keep it to project later (`release`)."""
        def body() -> bool:
            self.db.execute("INSERT OR IGNORE INTO held(projector, seq, kind, target) VALUES(?,?,?,?)",
                            (projector, event.seq, event.kind, event.target))
            self._checkpoint(projector, event.seq)
            return False

        self._in_transaction(body)

    def held_events(self, projector: str) -> list[Event]:
        """The events held back, oldest first."""
        rows = self.db.execute("SELECT e.seq, e.command_id, e.kind, e.target, e.version, e.data FROM held h"
                               " JOIN events e ON e.seq = h.seq WHERE h.projector=? ORDER BY h.seq",
                               (projector,)).fetchall()
        return [Event(r[0], r[1], r[2], r[3], r[4], orjson.loads(r[5])) for r in rows]

    def is_held_back(self, projector: str, kind: str, target: str) -> bool:
        """Whether an earlier event of this aggregate is held (a later one must wait: the read model is in order)."""
        return self.db.execute("SELECT 1 FROM held WHERE projector=? AND kind=? AND target=? LIMIT 1",
                               (projector, kind, target)).fetchone() is not None

    def release(self, projector: str, event: Event) -> bool:
        """Project a held event (the checkpoint stays where it is) and forget that it was held."""
        def body() -> bool:
            changed = self._apply(event, True)
            self.db.execute("DELETE FROM held WHERE projector=? AND seq=?", (projector, event.seq))
            return changed

        return self._in_transaction(body)

    def _in_transaction(self, body: Callable[[], bool]) -> bool:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            out = body()
            db.execute("COMMIT")
            return out
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _checkpoint(self, projector: str, seq: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO checkpoints(projector, seq) VALUES(?, ?)", (projector, seq))

    def _apply(self, event: Event, apply: bool) -> bool:
        db = self.db
        row = db.execute("SELECT state, version FROM read_model WHERE kind=? AND target=?",
                         (event.kind, event.target)).fetchone()
        if not apply or (row is not None and row[1] >= event.version):
            return False
        old: dict[str, Any] = orjson.loads(row[0]) if row else {"value": 0, "count": 0, "last": None}
        new = {"value": old["value"] + int(event.data.get("delta", 0)), "count": old["count"] + 1,
               "last": event.data}
        db.execute(
            "INSERT OR REPLACE INTO read_model(kind, target, state, version, last_command_id, prev_state,"
            " prev_version) VALUES(?,?,?,?,?,?,?)",
            (event.kind, event.target, orjson.dumps(new).decode(), event.version, event.command_id,
             row[0] if row else None, row[1] if row else 0))
        stage = db.execute("SELECT stage FROM commands WHERE command_id=?", (event.command_id,)).fetchone()
        if stage and stage[0] == "committed":
            now = time.time()
            db.execute("UPDATE commands SET stage='observed', terminal_at=? WHERE command_id=?",
                       (now, event.command_id))
            self._fact(event.command_id, "observed", event.version, now)
        return True

    # -- reads ------------------------------------------------------------------------------------------------------

    def status(self, command_id: str, lag_s: float = 0.0) -> dict[str, Any] | None:
        cmd = self.command(command_id)
        if cmd is None:
            return None
        stage, version, code, message = cmd.stage, cmd.version, cmd.error_code, cmd.error_message
        if lag_s > 0:  # what the monitor would have said `lag_s` ago
            row = self.db.execute(
                "SELECT stage, version, error_code, error_message FROM facts WHERE command_id=? AND at<=?"
                " ORDER BY seq DESC LIMIT 1", (command_id, time.time() - lag_s)).fetchone()
            stage, version, code, message = row if row else ("accepted", None, None, None)
            if version is None and stage in ("observed",):
                version = cmd.version
        projected = self.db.execute("SELECT version FROM read_model WHERE kind=? AND target=?",
                                    (cmd.kind, cmd.target)).fetchone()
        out: dict[str, Any] = {"commandId": cmd.command_id, "correlationId": cmd.correlation_id, "kind": cmd.kind,
                               "target": cmd.target, "stage": stage, "version": version,
                               "projectedVersion": projected[0] if projected else 0, "error": None}
        if code:
            out["error"] = {"code": code, "message": message}
        return out

    def facts_after(self, command_id: str, seq: int) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT seq, stage, version, at, error_code, error_message FROM facts"
                               " WHERE command_id=? AND seq>? ORDER BY seq", (command_id, seq)).fetchall()
        out = []
        for s, stage, version, at, code, message in rows:
            fact: dict[str, Any] = {"seq": s, "commandId": command_id, "stage": stage, "version": version, "at": at}
            if code:
                fact["error"] = {"code": code, "message": message}
            out.append(fact)
        return out

    def read(self, kind: str, target: str, stale: bool = False) -> dict[str, Any]:
        row = self.db.execute("SELECT state, version, last_command_id, prev_state, prev_version FROM read_model"
                              " WHERE kind=? AND target=?", (kind, target)).fetchone()
        if row is None:
            return {"kind": kind, "target": target, "state": None, "version": 0, "lastCommandId": None}
        if stale:
            return {"kind": kind, "target": target, "state": orjson.loads(row[3]) if row[3] else None,
                    "version": row[4] or 0, "lastCommandId": None}
        return {"kind": kind, "target": target, "state": orjson.loads(row[0]), "version": row[1],
                "lastCommandId": row[2]}

    def read_version(self, kind: str, target: str) -> int:
        row = self.db.execute("SELECT version FROM read_model WHERE kind=? AND target=?", (kind, target)).fetchone()
        return row[0] if row else 0

    def count_events(self, command_id: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM events WHERE command_id=?", (command_id,)).fetchone()[0])


def _command(row: tuple[Any, ...]) -> Command:
    return Command(row[0], row[1], row[2], row[3], orjson.loads(row[4]), row[5], row[6], row[7], row[8], row[9])
