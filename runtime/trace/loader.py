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

Why a typed decode: a debug:event line is decoded by msgspec into only the fields its row needs (event_fields.py),
skipping the rest (the state, the converge stats) while still checking the whole line's JSON syntax; that costs
about half of decoding it whole. A line it does not make a row (a static IR, a side record, a problem, a line that
is not valid UTF-8, which the skipping does not check) is decoded whole by orjson, as every line was before, so
problems read as they always did. One difference is left: a number too large for a double (1e999) in a skipped
field loads (orjson refuses the line), and the row's payload then decodes with that number as infinity (the
store falls back to the standard library's json); tickscope's writer never writes one.

A number a row reads as a float that does not fit its column (a converge duration of 1e300 in a 32-bit float
column, a timestamp of 1e400) is left out of the row and reported as a problem naming the event and the field; the
event loads (unfit_numbers.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO

import msgspec
import orjson

from runtime.debug.hub import GRAPH_TYPE
from runtime.errors import LoadCancelled, TraceFormatError
from runtime.trace.columnar import EventStore, LoadProblem
from runtime.trace.event_fields import envelope_decoder, payload_fields
from runtime.trace.format import HEADER_LIMIT, check_header, event_problem, looks_like_evidence
from runtime.trace.ingest import EventAdder
from runtime.trace.unfit_numbers import read_beyond_double, unfit_numbers

__all__ = ["CHUNK_BYTES", "Progress", "load_trace"]

Progress = Callable[[int, int], None]
"""Called as (bytes done, bytes total) after every chunk."""

CHUNK_BYTES = 256 << 10
"""Small enough that a chunk's lines are still in the CPU cache when they are parsed (4 MB chunks cost ~25%)."""


def _cancelled(cancel: threading.Event | Callable[[], bool] | None) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


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
            first = f.readline(HEADER_LIMIT)
    except OSError as exc:
        raise TraceFormatError(f"{spath}: cannot read: {exc.strerror or exc}") from None
    if looks_like_evidence(spath, first):
        from runtime.trace.evidence import load_evidence

        store = load_evidence(spath)
        if progress is not None:
            progress(total, total)
        return store
    header = check_header(spath, first)
    store = EventStore()
    store.header = header
    store.attach_file(spath)
    try:
        _stream(store, spath, len(first), total, progress, cancel, chunk_bytes)
        if build_indexes:
            store.index.build()
    except BaseException:
        store.close()
        raise
    return store


def _chunks(f: BinaryIO, chunk_bytes: int) -> Iterator[tuple[list[bytes], bool, bool]]:
    """The rest of the file in chunks of whole lines, without their newlines: (lines, whether the chunk is all
    ASCII, whether the file ends with them). The last line of the file is in the last chunk even without a newline.
    (Splitting a chunk read whole measured faster here than `readlines`.)"""
    pending = b""
    while True:
        chunk = f.read(chunk_bytes)
        at_end = not chunk
        data = pending + chunk if pending else chunk
        lines = data.split(b"\n")
        pending = b"" if at_end else lines.pop()
        yield lines, data.isascii(), at_end
        if at_end:
            return


def _valid_utf8(line: bytes) -> bool:
    """Whether a line that is not all ASCII is valid UTF-8 (the typed decode does not check the strings it skips:
    a line that is not goes through orjson, which names the problem)."""
    try:
        line.decode()
    except UnicodeDecodeError:
        return False
    return True


def _unparsable(line: bytes, line_no: int, last: bool, exc: orjson.JSONDecodeError) -> LoadProblem | None:
    """What a line that is not JSON means: nothing (blank), a recording cut short (the last line), or a problem."""
    if line.isspace():
        return None
    if last:
        return LoadProblem(line_no, "truncated: the last line is incomplete (the recording stopped mid-write)")
    return LoadProblem(line_no, f"not JSON: {exc}")


def _keep_other(store: EventStore, env: object, etype: object, payload: object, off: int, length: int) -> str | None:
    """Keep an envelope that is not a debug:event (a static IR, a side record); why it cannot be kept, or None."""
    if type(env) is not dict:
        return f"not an envelope object (a JSON {type(env).__name__})"
    if type(payload) is not dict or type(etype) is not str:
        return "envelope without a string `type` and an object `payload`"
    if etype == "static-ir":
        if type(payload.get("staticIrDigest")) is not str:
            return "static-ir payload without a staticIrDigest"
        store.add_static_ir(payload)
    elif etype == GRAPH_TYPE and type(payload.get("staticIrDigest")) is str:
        store.add_ir_graph(payload)
    else:
        store.add_side(etype, payload, off, length)
    return None


def _stream(store: EventStore, path: str, start: int, total: int, progress: Progress | None,
            cancel: threading.Event | Callable[[], bool] | None, chunk_bytes: int) -> None:
    decode = envelope_decoder().decode
    decode_error = msgspec.DecodeError
    valid_utf8 = _valid_utf8
    add_event = store.bulk_adder()
    whole_line = _whole_line_reader(store, add_event)
    line_no = 1
    here = start
    with open(path, "rb") as f:
        f.seek(start)
        for lines, ascii, at_end in _chunks(f, chunk_bytes):
            if _cancelled(cancel):
                raise LoadCancelled(f"loading {path} was cancelled after {line_no} lines")
            last = lines[-1] if at_end else None
            for line_no, line in enumerate(lines, line_no + 1):  # noqa: B020 (the numbering carries on)
                length = len(line)
                if not length:
                    here += 1
                    continue
                try:
                    env = decode(line) if ascii or line.isascii() or valid_utf8(line) else None
                except decode_error:
                    env = None
                added = -1 if env is None else add_event(env.payload, env.seq, env.timestamp, here, length)
                if added:  # -1: a record to keep whole, or a problem; 1: a row that left a number out, said there
                    whole_line(line, line_no, here, line is last, added)
                here += length + 1
            store.flush_bulk()
            store.version += 1
            if progress is not None:
                progress(min(here, total), total)


def _whole_line_reader(store: EventStore,
                       add_event: EventAdder) -> Callable[[bytes, int, int, bool, int], None]:
    """What loads a line that the typed decode did not make a row (`added` -1), or made a row leaving a number out
    (1): decoded whole (orjson, the reference of what JSON is; a debug:event with numbers beyond a double as
    unfit_numbers.py reads it), kept as a static IR or side record, an event row after all, or reported as a
    problem; a number left out of a row is reported by event and field."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    problems = store.problems

    def load_line(line: bytes, line_no: int, here: int, last: bool, added: int) -> None:
        try:
            env = loads(line)
        except decode_error as exc:
            env = read_beyond_double(line)
            if type(env) is not dict or env.get("type") != "debug:event":
                problem = _unparsable(line, line_no, last, exc)
                if problem is not None:
                    problems.append(problem)
                return
        if added > 0:
            problems.extend(LoadProblem(line_no, why) for why in unfit_numbers(env))
            return
        try:
            etype = env["type"]
            payload = env["payload"]
        except (KeyError, TypeError, IndexError):
            etype = payload = None
        if etype == "debug:event":
            why = event_problem(payload)
            if why is None:
                try:
                    added = add_event(payload_fields(payload), env.get("seq"), env.get("timestamp"), here, len(line))
                except msgspec.ValidationError:  # a number beyond a double where an object was to be
                    added = -1
                if added < 0:
                    why = "unusable debug:event"
                elif added:
                    problems.extend(LoadProblem(line_no, unfit) for unfit in unfit_numbers(env))
            if why is not None:
                problems.append(LoadProblem(line_no, why))
            return
        why = _keep_other(store, env, etype, payload, here, len(line))
        if why is not None:
            problems.append(LoadProblem(line_no, why))

    return load_line
