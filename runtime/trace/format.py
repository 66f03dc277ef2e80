"""The trace file format: its constants, and the checks every reader applies to a header and to an event.

A trace is JSON Lines: line 1 is the header `{"format": FORMAT, "formatVersion", "protocolVersion", "runId",
"createdAt", "source": {"host", "label"}}`, every further line one envelope `{protocolVersion, runId, seq, timestamp,
type, payload}` (writer.py says what each envelope type holds; docs/rules/traces.md gives the schemas). A file
holding one EvidencePackage JSON object instead is read as a trace too (evidence.py).
"""

from __future__ import annotations

import os
from typing import Any

import orjson

from runtime.errors import TraceFormatError, UnsupportedTraceVersion

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "HEADER_LIMIT",
    "PROTOCOL_VERSION",
    "SNAPSHOT_ENCODING",
    "SNAPSHOT_TYPE",
    "CHROME_JSON",
    "PERFETTO",
    "check_header",
    "event_problem",
    "foreign_format",
    "looks_like_evidence",
    "read_header",
]

FORMAT = "tickscope-trace"
FORMAT_VERSION = 1
"""The newest format this tickscope writes and reads; a trace of a newer one is refused."""
PROTOCOL_VERSION = "v1"
SNAPSHOT_TYPE = "state:snapshot"
"""The envelope type of a whole committed state (written at diagnostics level full)."""
SNAPSHOT_ENCODING = "tagged-json-v1"
HEADER_LIMIT = 1 << 20
"""Bytes read looking for the end of line 1."""

_EVENT_KEYS = ("kind", "label", "moduleId", "instanceId")


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The header of a trace file, checked; raises TraceFormatError / UnsupportedTraceVersion."""
    with open(path, "rb") as f:
        first = f.readline(HEADER_LIMIT)
    return check_header(os.fspath(path), first)


def check_header(path: str, first: bytes) -> dict[str, Any]:
    """Line 1 of `path` as a trace header; raises TraceFormatError naming what is wrong, or UnsupportedTraceVersion
    when a newer tickscope wrote it."""
    if not first.strip() or not first.lstrip().startswith((b"{", b"[")):
        other = foreign_format(path)
        if other is not None:
            raise TraceFormatError(f"{path}: this is {other}, not a tickscope trace")
    if not first.strip():
        if os.path.getsize(path) > len(first):
            raise TraceFormatError(f"{path}: line 1 is blank, so this is not a tickscope trace (its header is line 1)")
        raise TraceFormatError(f"{path}: the file is empty, not a tickscope trace")
    try:
        header = orjson.loads(first)
    except orjson.JSONDecodeError:
        raise TraceFormatError(f"{path}: line 1 is not JSON, so this is not a tickscope trace") from None
    if isinstance(header, dict) and "traceEvents" in header or isinstance(header, list) and header \
            and isinstance(header[0], dict) and "ph" in header[0]:
        raise TraceFormatError(f"{path}: this is {CHROME_JSON}, not a tickscope trace")
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


CHROME_JSON = "a Chrome Trace Event JSON file (tickscope export --to chrome writes them; open it in Perfetto's UI)"
PERFETTO = "a Perfetto protobuf trace (tickscope export --to perfetto writes them; open it in Perfetto's UI)"
_SNIFF_BYTES = 1 << 16


def foreign_format(path: str) -> str | None:
    """What a file that is no tickscope trace holds, when it is a trace format tickscope knows (a Perfetto protobuf,
    a gzip file); None otherwise."""
    try:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError:
        return None
    if head.startswith(b"\x1f\x8b"):
        return "a gzip-compressed file (gunzip it first)"
    return PERFETTO if _looks_like_perfetto(head) else None


def _varint(data: bytes, pos: int) -> tuple[int, int] | None:
    value = shift = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    return None


def _looks_like_perfetto(head: bytes) -> bool:
    """A Perfetto trace is a protobuf `Trace`: a run of field-1 `TracePacket`s (tag 0x0a, a length, the packet)."""
    pos = packets = 0
    while pos < len(head) and packets < 8:
        if head[pos] != 0x0A:
            return False
        length = _varint(head, pos + 1)
        if length is None:
            return False
        size, pos = length
        pos += size
        packets += 1
    return packets >= 2 or packets == 1 and pos == len(head)


def looks_like_evidence(path: str, first: bytes) -> bool:
    """Whether a file whose line 1 is `first` holds one EvidencePackage object rather than a trace."""
    head = first.lstrip()
    if not head.startswith(b"{"):
        return False
    try:
        doc = orjson.loads(first)
    except orjson.JSONDecodeError:
        return b'"events"' in first or len(first) == os.path.getsize(path)  # a pretty-printed package
    return isinstance(doc, dict) and "events" in doc and "format" not in doc


def event_problem(payload: object) -> str | None:
    """Why a debug:event payload cannot be a row of a store (None when it can): it needs an object with non-empty
    string kind, label, moduleId and instanceId."""
    if type(payload) is not dict:
        return "debug:event payload is not an object"
    for key in _EVENT_KEYS:
        value = payload.get(key)
        if type(value) is not str or not value:
            return f"debug:event payload has no string {key}"
    return None
