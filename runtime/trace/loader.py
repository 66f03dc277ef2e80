"""Streams a trace file into an EventStore: chunked reads, progress, cancellation; safe to call from a worker thread.

    store = load_trace("t.jsonl", progress=lambda done, total: ..., cancel=threading.Event())
    store.problems          # [LoadProblem(line, message)]: lines that were skipped, the rest loaded

What is refused as a whole (typed errors, nothing returned): a file that is not a tickscope trace (TraceFormatError,
e.g. an empty file, a first line that is no trace header) and a trace of a newer formatVersion than this reader
knows (UnsupportedTraceVersion). A file holding one EvidencePackage JSON object is imported as a trace
(see evidence.py). Within a trace, a line that is not JSON, is not an envelope, or is cut short by a crash of the
recorder is reported with its 1-based line number and skipped; every other line loads. Cancelling raises
LoadCancelled and releases the partial store (nothing half-loaded is handed out).

Why chunks and offsets: a line's bytes stay in the file (the store reads them back with pread when a payload is
looked at), so loading parses each line once and keeps only columns; progress and cancellation are checked per
chunk, which also lets a GUI thread run between chunks (the GIL is released at every read).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from itertools import accumulate, count
from typing import Any

import orjson

from runtime.errors import LoadCancelled, TraceFormatError, UnsupportedTraceVersion
from runtime.trace.columnar import EventStore, LoadProblem
from runtime.trace.writer import FORMAT, FORMAT_VERSION

__all__ = ["load_trace", "TraceFormatError", "UnsupportedTraceVersion", "LoadCancelled", "Progress", "read_header"]

Progress = Callable[[int, int], None]
"""Called as (bytes done, bytes total) after every chunk."""

CHUNK_BYTES = 256 << 10
"""Small enough that a chunk's lines are still in the CPU cache when they are parsed (4 MB chunks cost ~25%)."""
_HEADER_LIMIT = 1 << 20
_MAX_SEQ = 2**63
_PLUS_ONE = (1).__add__


def _cancelled(cancel: threading.Event | Callable[[], bool] | None) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The header of a trace file, checked; raises TraceFormatError / UnsupportedTraceVersion."""
    with open(path, "rb") as f:
        first = f.readline(_HEADER_LIMIT)
    return _check_header(os.fspath(path), first)


def _check_header(path: str, first: bytes) -> dict[str, Any]:
    if not first.strip():
        raise TraceFormatError(f"{path}: the file is empty, not a tickscope trace")
    try:
        header = orjson.loads(first)
    except orjson.JSONDecodeError:
        raise TraceFormatError(f"{path}: line 1 is not JSON, so this is not a tickscope trace") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TraceFormatError(f'{path}: line 1 is not a trace header (it needs "format": "{FORMAT}")')
    version = header.get("formatVersion")
    if type(version) is not int or version < 1:
        raise TraceFormatError(f"{path}: the header's formatVersion {version!r} is not a positive integer")
    if version > FORMAT_VERSION:
        raise UnsupportedTraceVersion(
            f"{path}: trace formatVersion {version} is newer than this tickscope reads ({FORMAT_VERSION}); "
            "open it with a newer tickscope"
        )
    return header


def _looks_like_evidence(path: str, first: bytes) -> bool:
    head = first.lstrip()
    if not head.startswith(b"{"):
        return False
    try:
        doc = orjson.loads(first)
    except orjson.JSONDecodeError:
        return b'"events"' in first or len(first) == os.path.getsize(path)  # a pretty-printed package
    return isinstance(doc, dict) and "events" in doc and "format" not in doc


def load_trace(
    path: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    cancel: threading.Event | Callable[[], bool] | None = None,
    build_indexes: bool = False,
    chunk_bytes: int = CHUNK_BYTES,
) -> EventStore:
    """Load a trace (or an EvidencePackage) into a new store; see the module docstring for what is refused."""
    spath = os.fspath(path)
    try:
        total = os.path.getsize(spath)
        with open(spath, "rb") as f:
            first = f.readline(_HEADER_LIMIT)
    except OSError as exc:
        raise TraceFormatError(f"{spath}: cannot read: {exc.strerror or exc}") from None
    if _looks_like_evidence(spath, first):
        from runtime.trace.evidence import load_evidence

        store = load_evidence(spath)
        if progress is not None:
            progress(total, total)
        return store
    header = _check_header(spath, first)
    store = EventStore()
    store.header = header
    store._attach_file(spath)
    try:
        _stream(store, spath, len(first), total, progress, cancel, chunk_bytes)
        if build_indexes:
            store.index.build()
    except BaseException:
        store.close()
        raise
    return store


def _stream(store: EventStore, path: str, start: int, total: int, progress: Progress | None,
            cancel: threading.Event | Callable[[], bool] | None, chunk_bytes: int) -> None:
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    problems = store.problems
    add_event = store._make_adder(buffered=True)
    add_side = store._add_side
    add_ir = store._add_static_ir
    line_no = 1
    pos = start  # file offset of the first byte of `pending`
    pending = b""
    with open(path, "rb") as f:
        f.seek(start)
        while True:
            if _cancelled(cancel):
                raise LoadCancelled(f"loading {path} was cancelled after {line_no} lines")
            chunk = f.read(chunk_bytes)
            at_end = not chunk
            data = pending + chunk if pending else chunk
            lines = data.split(b"\n")
            pending = b"" if at_end else lines.pop()
            starts = list(accumulate(map(_PLUS_ONE, map(len, lines)), initial=pos))  # line offsets, in C
            off = starts.pop()
            for line_no, line, here in zip(count(line_no + 1), lines, starts):  # noqa: B020 (numbering carries on)
                if not line:
                    continue
                try:
                    env = loads(line)
                except decode_error as exc:
                    if line.isspace():
                        continue
                    if at_end and line is lines[-1]:
                        problems.append(LoadProblem(line_no, "truncated: the last line is incomplete (the "
                                                             "recording stopped mid-write)"))
                    else:
                        problems.append(LoadProblem(line_no, f"not JSON: {exc}"))
                    continue
                try:
                    etype = env["type"]
                    payload = env["payload"]
                except (KeyError, TypeError, IndexError):
                    etype = payload = None
                if etype == "debug:event":
                    if add_event(payload, env, here, len(line)) < 0:
                        problems.append(LoadProblem(line_no, _bad_event(payload) or "unusable debug:event"))
                    continue
                if type(env) is not dict:
                    problems.append(LoadProblem(line_no, f"not an envelope object (a JSON {type(env).__name__})"))
                    continue
                if type(payload) is not dict or type(etype) is not str:
                    problems.append(LoadProblem(line_no, "envelope without a string `type` and an object `payload`"))
                    continue
                elif etype == "static-ir":
                    if type(payload.get("staticIrDigest")) is not str:
                        problems.append(LoadProblem(line_no, "static-ir payload without a staticIrDigest"))
                        continue
                    add_ir(payload)
                else:
                    add_side(etype, payload, here, len(line))
            pos = off
            store._flush_buffer()
            store.version += 1
            if progress is not None:
                progress(min(pos, total), total)
            if at_end:
                break


def _bad_event(p: Any) -> str | None:
    """Why a debug:event payload cannot be a row (None when it can)."""
    if type(p) is not dict:
        return "debug:event payload is not an object"
    for key in ("kind", "label", "moduleId", "instanceId"):
        value = p.get(key)
        if type(value) is not str or not value:
            return f"debug:event payload has no string {key}"
    return None
