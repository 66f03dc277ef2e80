"""EvidencePackage export and import (the package schema is in docs/rules/traces.md).

Export: `evidence_package(store)` -> `{protocolVersion, runId, createdAt, source{host, label}, events, summary}`.
`events` holds every envelope of the trace: the static IRs first (so every digest is known before it is named),
then the debug events and the side records (e.g. `state:snapshot`) in their recorded order, renumbered from seq 1.
`summary.converge.staticIrByDigest[digest]` is the full ConvergeStaticIrExport when a full-level converge event
(one whose dirty summary carries rootCount) referenced it, else `{fieldPaths}` only: what other tools need to turn
root ids back into paths, and only for the digest that matches.

Import: `load_evidence(path)` gives an EventStore (problems listed with `line` = 1-based position in `events`);
`evidence_to_trace(src, dst)` writes it as a trace file. Anything that is not an EvidencePackage is refused with a
TraceFormatError naming what is missing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from runtime.errors import TraceFormatError
from runtime.trace.columnar import EventStore, LoadProblem
from runtime.trace.format import FORMAT, FORMAT_VERSION, PROTOCOL_VERSION, event_problem, foreign_format, read_header
from runtime.trace.writer import TraceWriter

__all__ = ["evidence_package", "evidence_to_trace", "load_evidence", "read_package", "store_envelopes",
           "write_evidence"]

_CONVERGE_KINDS = ("trait:converge", "field:converge")


def store_envelopes(store: EventStore) -> Iterator[tuple[str, dict[str, Any], float]]:
    """Every record of the store as (type, payload, timestamp): static IRs first, then rows and side records in
    order."""
    first_ts = store.ts[0] if len(store) else 0.0
    for etype, payload in store.static_records():
        yield etype, payload, first_ts
    sides = [(store.side(t), 0) for t in store.side_types()]
    cursors = [0] * len(sides)

    def sides_before(row: int) -> Iterator[tuple[str, dict[str, Any], float]]:
        for k, (side, _) in enumerate(sides):
            while cursors[k] < len(side) and side.after_row[cursors[k]] <= row:
                payload = side.payload(cursors[k])
                ts = payload.get("timestamp")
                yield side.type, payload, float(ts) if isinstance(ts, (int, float)) else first_ts
                cursors[k] += 1

    for row in range(len(store)):
        yield from sides_before(row)
        yield "debug:event", store.payload(row), store.ts[row]
    yield from sides_before(len(store))


def evidence_package(store: EventStore, *, host: str | None = None) -> dict[str, Any]:
    """The store as one EvidencePackage object (see the module docstring)."""
    header = store.header or {}
    events: list[dict[str, Any]] = []
    full_digests: set[str] = set()
    run_id = str(header.get("runId") or "tickscope-evidence")
    for seq, (etype, payload, ts) in enumerate(store_envelopes(store), start=1):
        if etype == "debug:event" and payload.get("kind") in _CONVERGE_KINDS:
            meta = payload.get("meta")
            meta = meta if isinstance(meta, dict) else {}
            dirty, digest = meta.get("dirty"), meta.get("staticIrDigest")
            if isinstance(dirty, dict) and "rootCount" in dirty and isinstance(digest, str):  # full level only
                full_digests.add(digest)
        events.append({"protocolVersion": PROTOCOL_VERSION, "runId": run_id, "seq": seq, "timestamp": ts,
                       "type": etype, "payload": payload})
    by_digest: dict[str, Any] = {}
    for digest, export in store.static_irs.items():
        by_digest[digest] = export if digest in full_digests else {"fieldPaths": export.get("fieldPaths", [])}
    source = header.get("source")
    source = source if isinstance(source, dict) else {}
    created = header.get("createdAt")
    return {
        "protocolVersion": PROTOCOL_VERSION,
        "runId": run_id,
        "createdAt": float(created) if isinstance(created, (int, float)) else (store.ts[0] if len(store) else 0.0),
        "source": {"host": host or str(source.get("host") or socket.gethostname() or "localhost"),
                   "label": str(source.get("label") or "runtime")},
        "events": events,
        "summary": {"converge": {"staticIrByDigest": by_digest}},
    }


def write_evidence(store: EventStore, path: str | os.PathLike[str]) -> int:
    """Write the EvidencePackage of `store` to `path`; returns the number of envelopes."""
    doc = evidence_package(store)
    Path(path).write_bytes(orjson.dumps(doc))
    return len(doc["events"])


def _not_json_why(path: str, exc: orjson.JSONDecodeError) -> str:
    """Why a file that is not one JSON document is no evidence package, in the words a user can act on."""
    try:
        read_header(path)
    except TraceFormatError:
        pass
    else:
        return ("this is a tickscope trace (JSON Lines), not an evidence package: it needs no import, "
                "tickscope open / info / check / export read it as it is")
    other = foreign_format(path)
    if other is not None:
        return f"this is {other}, not an evidence package"
    return f"not a tickscope trace and not an evidence package (not JSON: {exc})"


def read_package(path: str) -> dict[str, Any]:
    """An EvidencePackage file, checked as a whole; raises TraceFormatError naming what is missing."""
    try:
        doc = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise TraceFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise TraceFormatError(f"{path}: {_not_json_why(path, exc)}") from None
    if not isinstance(doc, dict):
        raise TraceFormatError(f"{path}: an evidence package is a JSON object, this is a JSON {type(doc).__name__}")
    missing = [k for k in ("protocolVersion", "runId", "events") if k not in doc]
    if missing or not isinstance(doc.get("events"), list):
        raise TraceFormatError(f"{path}: not an evidence package (missing or wrong: {', '.join(missing) or 'events'})")
    return doc


def _package_records(doc: dict[str, Any], problems: list[LoadProblem]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    summary = doc.get("summary")
    converge = summary.get("converge") if isinstance(summary, dict) else None
    by_digest = converge.get("staticIrByDigest") if isinstance(converge, dict) else None
    named: set[str] = set()
    for i, env in enumerate(doc["events"], start=1):
        if (not isinstance(env, dict) or not isinstance(env.get("type"), str)
                or not isinstance(env.get("payload"), dict)):
            problems.append(LoadProblem(i, f"events[{i - 1}] is not an envelope with a type and an object payload"))
            continue
        etype, payload = env["type"], env["payload"]
        if etype == "debug:event":
            bad = event_problem(payload)
            if bad:
                problems.append(LoadProblem(i, f"events[{i - 1}]: {bad}"))
                continue
        elif etype == "static-ir":
            if not isinstance(payload.get("staticIrDigest"), str):
                problems.append(LoadProblem(i, f"events[{i - 1}]: static-ir payload without a staticIrDigest"))
                continue
            named.add(payload["staticIrDigest"])
        yield etype, payload, env.get("timestamp")
    if isinstance(by_digest, dict):
        for digest, entry in by_digest.items():
            if digest not in named and isinstance(entry, dict) and isinstance(entry.get("fieldPaths"), list):
                yield "static-ir", {**entry, "staticIrDigest": digest}, None


def _header_of(doc: dict[str, Any]) -> dict[str, Any]:
    source = doc.get("source")
    source = source if isinstance(source, dict) else {}
    return {"format": FORMAT, "formatVersion": FORMAT_VERSION, "protocolVersion": str(doc.get("protocolVersion")),
            "runId": str(doc.get("runId")), "createdAt": doc.get("createdAt"),
            "source": {"host": str(source.get("host") or "unknown"), "label": str(source.get("label") or "runtime")},
            "importedFrom": "evidence-package"}


def load_evidence(path: str | os.PathLike[str]) -> EventStore:
    """An EvidencePackage file as an EventStore."""
    spath = os.fspath(path)
    doc = read_package(spath)
    store = EventStore()
    store.header = _header_of(doc)
    store.source_path = spath
    for etype, payload, ts in _package_records(doc, store.problems):
        store.append(etype, payload, timestamp=ts if isinstance(ts, (int, float)) else None)
    return store


def evidence_to_trace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> list[LoadProblem]:
    """Write an EvidencePackage as a trace file; returns the envelopes that had to be skipped."""
    doc = read_package(os.fspath(src))
    header = _header_of(doc)
    problems: list[LoadProblem] = []
    records = list(_package_records(doc, problems))
    created = header["createdAt"] if isinstance(header["createdAt"], (int, float)) else None
    with TraceWriter(dst, label=header["source"]["label"], run_id=header["runId"], created_at=created) as writer:
        # Static IRs only named in the summary go first, before any event that refers to them.
        for etype, payload, ts in sorted(records, key=lambda r: r[0] != "static-ir"):
            writer.write(etype, payload, ts if isinstance(ts, (int, float)) else None)
    return problems
