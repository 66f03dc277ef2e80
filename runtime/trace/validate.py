"""Validation of a trace file (or EvidencePackage), line by line, with line-numbered problems.

What is checked (the parts of the envelope, event and static IR schemas of docs/rules/traces.md a reader relies on,
without needing jsonschema):
- the header (format, formatVersion this reader knows, runId, createdAt, source.host);
- every line is one JSON object with the envelope fields `protocolVersion, runId, seq, timestamp, type, payload`
  (and no others), seq rising;
- `debug:event` payloads: the RuntimeDebugEventRef fields with their types, no unknown fields, eventSeq rising per
  instance, `eventId == instanceId::e<eventSeq>`, `txnId == instanceId::t<txnSeq>`, a downgrade reason from the
  allowed set;
- `static-ir` payloads have a digest and fieldPaths, and appear before any event naming that digest;
- a `state:update`'s dirty root ids exist in the field path table of its digest;
- a last line cut short by a crash is reported as truncated.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from runtime.errors import TraceFormatError
from runtime.trace.columnar import LoadProblem
from runtime.trace.format import HEADER_LIMIT, check_header, looks_like_evidence

__all__ = ["validate_file", "Validation"]

_ENVELOPE = {"protocolVersion": str, "runId": str, "seq": int, "timestamp": (int, float), "type": str,
             "payload": dict}
_EVENT_REQUIRED = {"eventId": str, "eventSeq": int, "moduleId": str, "instanceId": str, "txnSeq": int,
                   "timestamp": (int, float), "kind": str, "label": str}
_EVENT_OPTIONAL = {"runtimeLabel": str, "txnId": str, "linkId": str, "meta": object, "errorSummary": dict,
                   "downgrade": dict}
_DOWNGRADE_REASONS = {"non_serializable", "oversized", "unknown"}


@dataclass(slots=True)
class Validation:
    problems: list[LoadProblem] = field(default_factory=list)
    envelopes: int = 0
    events: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and self.events > 0


def _typed(value: Any, expected: Any) -> bool:
    if expected is object:
        return True
    if (expected is int or expected == (int, float)) and isinstance(value, bool):
        return False
    return isinstance(value, expected)


class _Checker:
    def __init__(self) -> None:
        self.v = Validation()
        self.last_seq = 0
        self.event_seq: dict[str, int] = {}
        self.paths: dict[str, int] = {}
        """digest -> number of field paths."""

    def problem(self, where: int, message: str) -> None:
        self.v.problems.append(LoadProblem(where, message))

    def envelope(self, where: int, env: Any) -> None:
        if not isinstance(env, dict):
            self.problem(where, f"not an envelope object (a JSON {type(env).__name__})")
            return
        for key, expected in _ENVELOPE.items():
            if key not in env:
                self.problem(where, f"envelope has no {key}")
                return
            if not _typed(env[key], expected):
                self.problem(where, f"envelope {key} has the wrong type ({type(env[key]).__name__})")
                return
        extra = set(env) - set(_ENVELOPE)
        if extra:
            self.problem(where, f"envelope has unknown fields {sorted(extra)}")
        self.v.envelopes += 1
        if env["seq"] <= self.last_seq:
            self.problem(where, f"seq {env['seq']} does not rise (after {self.last_seq})")
        self.last_seq = max(self.last_seq, env["seq"])
        if env["type"] == "debug:event":
            self.event(where, env["payload"])
        elif env["type"] == "static-ir":
            self.static_ir(where, env["payload"])

    def static_ir(self, where: int, p: dict[str, Any]) -> None:
        digest, paths = p.get("staticIrDigest"), p.get("fieldPaths")
        if not isinstance(digest, str) or not isinstance(paths, list):
            self.problem(where, "static-ir payload needs a staticIrDigest and fieldPaths")
            return
        self.paths[digest] = len(paths)

    def event(self, where: int, p: dict[str, Any]) -> None:
        self.v.events += 1
        for key, expected in _EVENT_REQUIRED.items():
            if key not in p or not _typed(p[key], expected):
                self.problem(where, f"debug:event has no valid {key}")
                return
        for key, expected in _EVENT_OPTIONAL.items():
            if key in p and not _typed(p[key], expected):
                self.problem(where, f"debug:event {key} has the wrong type")
        extra = set(p) - set(_EVENT_REQUIRED) - set(_EVENT_OPTIONAL)
        if extra:
            self.problem(where, f"debug:event has unknown fields {sorted(extra)}")
        iid, seq, txn = p["instanceId"], p["eventSeq"], p["txnSeq"]
        if seq < 1 or txn < 0:
            self.problem(where, f"{iid}: eventSeq must be >= 1 and txnSeq >= 0")
        if p["eventId"] != f"{iid}::e{seq}":
            self.problem(where, f"eventId {p['eventId']!r} is not {iid}::e{seq}")
        if seq <= self.event_seq.get(iid, 0):
            self.problem(where, f"{iid}: eventSeq {seq} does not rise (after {self.event_seq[iid]})")
        self.event_seq[iid] = max(seq, self.event_seq.get(iid, 0))
        if "txnId" in p and p["txnId"] != f"{iid}::t{txn}":
            self.problem(where, f"txnId {p['txnId']!r} is not {iid}::t{txn}")
        down = p.get("downgrade")
        if isinstance(down, dict) and down.get("reason") not in _DOWNGRADE_REASONS:
            self.problem(where, f"downgrade reason {down.get('reason')!r} is not one of {sorted(_DOWNGRADE_REASONS)}")
        meta = p.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("staticIrDigest"), str):
            self.digest_use(where, p, meta)

    def digest_use(self, where: int, p: dict[str, Any], meta: dict[str, Any]) -> None:
        """An event naming a static IR: the IR came first, and a state:update's dirty root ids are in its table."""
        digest = meta["staticIrDigest"]
        if digest not in self.paths:
            self.problem(where, f"{p['kind']}/{p['label']} names static IR {digest} before it was written")
        elif p["kind"] == "state":
            dirty = meta.get("dirtySet")
            ids = dirty.get("rootIds") if isinstance(dirty, dict) else None
            if isinstance(ids, list):
                bad = [i for i in ids if not isinstance(i, int) or not 0 <= i < self.paths[digest]]
                if bad:
                    self.problem(where, f"dirty root ids {bad[:5]} are not in the field path table of {digest}")


def validate_file(path: str | os.PathLike[str], progress: Callable[[int, int], None] | None = None) -> Validation:
    """Check a trace or evidence package; raises TraceFormatError when it is neither."""
    spath = os.fspath(path)
    try:
        total = os.path.getsize(spath)
        with open(spath, "rb") as f:
            first = f.readline(HEADER_LIMIT)
    except OSError as exc:
        raise TraceFormatError(f"{spath}: cannot read: {exc.strerror or exc}") from None
    checker = _Checker()
    if looks_like_evidence(spath, first):
        from runtime.trace.evidence import read_package

        doc = read_package(spath)
        for i, env in enumerate(doc["events"], start=1):
            checker.envelope(i, env)
        return checker.v
    header = check_header(spath, first)
    for key in ("runId", "createdAt", "source"):
        if key not in header:
            checker.problem(1, f"header has no {key}")
    done = len(first)
    with open(spath, "rb") as f:
        f.seek(len(first))
        for line_no, line in enumerate(f, start=2):
            done += len(line)
            if progress is not None and line_no % 4096 == 0:
                progress(done, total)
            if not line.strip():
                continue
            try:
                env = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                if not line.endswith(b"\n") and done == total:
                    checker.problem(line_no, "truncated: the last line is incomplete (the recording stopped mid-write)")
                else:
                    checker.problem(line_no, f"not JSON: {exc}")
                continue
            checker.envelope(line_no, env)
    if progress is not None:
        progress(total, total)
    return checker.v
