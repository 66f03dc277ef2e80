"""The inspector's wire protocol: newline-delimited JSON frames, the transport messages of docs/rules/transport.md.

Frames the server sends (each a valid TransportMessage, see docs/rules/transport.md):

- `HELLO {protocolVersion, runId, lastSeq?, capabilities, diagnostics?, actionTypes?, actions?}`: after a client
  authenticated; `diagnostics` is the runtime's level, `actionTypes` the reducers of each mounted module by module id,
  `actions` the same with the payload type each reducer declares (payload-type.schema.json).
- `OBSERVATION_BATCH {protocolVersion, runId, events, droppedCount?, droppedReason?}`: envelopes in seq order.
  `droppedCount` says how many envelopes this client lost since its previous batch (its queue was full, or the
  retained window had moved past the `afterSeq` it subscribed with); `droppedReason` is then `buffer_overflow`.
- `CONTROL_ACK {protocolVersion, commandSeq, runId, accepted, reason?}`: the command was accepted (queued to run) or
  refused with a reason. It never says the command took effect: the effect shows up in the event stream.
- Errors are an OBSERVATION_BATCH holding one envelope of type `inspect:error`, payload `{code, message}`; the
  server closes the connection right after it. Codes: ERROR_CODES below.

Frames a client sends:

- `AUTH {token}` (tickscope extension, first frame; the transport messages have no place for a secret).
- `SUBSCRIBE {protocolVersion, runId?, afterSeq?}`: start streaming; with the runId of this run and `afterSeq`, the
  server first sends what it retained after that seq (a reconnect picks up where it stopped).
- `CONTROL {protocolVersion, commandSeq, type, runId?}` with type `clear` | `pause` | `resume`, or the
  tickscope extensions `dispatch {instanceId, actionType, payload?}`, `timeTravel {instanceId, txnId, mode}` and
  `highlightUpdates {enabled}` (the application's UI adapter flashes the widgets its ticks update).

Stream envelopes are `{protocolVersion, runId, seq, timestamp, type, payload}`; `seq` is dense per run over every
envelope the server streams (`debug:event`, `static-ir`, and `inspect:control` markers that show a control command's
effect); an error envelope repeats the last seq issued, it is not part of the stream.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

import orjson

from runtime.base.quote import cut_text, quoted
from runtime.errors import ProtocolError
from runtime.inspect.target import TravelMode

__all__ = [
    "CONTROL_TYPES",
    "ERROR_CODES",
    "MESSAGE_LIMIT",
    "PROTOCOL_VERSION",
    "Auth",
    "Control",
    "ControlType",
    "Subscribe",
    "ack_frame",
    "batch_frame",
    "batch_head",
    "envelope",
    "error_frame",
    "hello_frame",
    "keepalive_frame",
    "parse_client_frame",
]

PROTOCOL_VERSION = "v1"
ERROR_CODES = ("auth_failed", "auth_timeout", "frame_too_large", "malformed_json", "unknown_message",
               "invalid_message", "protocol_version", "client_overflow", "idle_timeout")
MESSAGE_LIMIT = 1024
"""Characters of an ack's reason or an error's message: the values they quote are cut to 256 each (base/quote.py),
and this caps what several quotes and a list of known names add up to."""
ControlType = Literal["clear", "pause", "resume", "dispatch", "timeTravel", "highlightUpdates"]
CONTROL_TYPES: tuple[ControlType, ...] = ("clear", "pause", "resume", "dispatch", "timeTravel", "highlightUpdates")
_TRAVEL_MODES: tuple[TravelMode, ...] = ("before", "after")


@dataclass(frozen=True, slots=True)
class Auth:
    token: str


@dataclass(frozen=True, slots=True)
class Subscribe:
    run_id: str | None
    after_seq: int | None


@dataclass(frozen=True, slots=True)
class Control:
    command_seq: int
    type: ControlType
    run_id: str | None = None
    instance_id: str | None = None
    action_type: str | None = None
    payload: Any = None
    txn_id: str | None = None
    mode: TravelMode | None = None
    enabled: bool | None = None
    """highlightUpdates: on or off."""


def _is_control_type(value: str) -> TypeGuard[ControlType]:
    return value in CONTROL_TYPES


def _is_travel_mode(value: str) -> TypeGuard[TravelMode]:
    return value in _TRAVEL_MODES


def _field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str, required: bool = True) -> Any:
    value = obj.get(name)
    if value is None:
        if required:
            raise ProtocolError("invalid_message", f"{where} needs {name!r}")
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ProtocolError("invalid_message", f"{where}.{name} must be {getattr(kind, '__name__', kind)}, "
                                               f"got {type(value).__name__}")
    return value


def _version(payload: dict[str, Any], where: str) -> None:
    version = _field(payload, "protocolVersion", str, where)
    if version != PROTOCOL_VERSION:
        raise ProtocolError("protocol_version", f"{where} speaks protocol {quoted(version)}; this server speaks "
                                                f"{PROTOCOL_VERSION!r}")


def parse_client_frame(line: bytes) -> Auth | Subscribe | Control:
    """One frame from a client, checked; raises ProtocolError naming what is wrong."""
    try:
        frame = orjson.loads(line)
    except orjson.JSONDecodeError as err:
        raise ProtocolError("malformed_json", f"frame is not JSON: {cut_text(str(err))}") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise ProtocolError("invalid_message", "a frame is a JSON object with a string 'type'")
    kind = frame["type"]
    payload = frame.get("payload")
    if kind not in ("AUTH", "SUBSCRIBE", "CONTROL"):
        known = "HELLO, OBSERVATION_BATCH, CONTROL_ACK"
        why = f"only the server sends {kind}" if kind in known else "unknown message type"
        raise ProtocolError("unknown_message", f"{why}: {quoted(kind)} (a client sends AUTH, SUBSCRIBE, CONTROL)")
    if not isinstance(payload, dict):
        raise ProtocolError("invalid_message", f"{kind} needs an object 'payload'")
    if kind == "AUTH":
        return Auth(_field(payload, "token", str, "AUTH"))
    _version(payload, kind)
    if kind == "SUBSCRIBE":
        after = _field(payload, "afterSeq", int, "SUBSCRIBE", required=False)
        if after is not None and after < 0:
            raise ProtocolError("invalid_message", "SUBSCRIBE.afterSeq must be >= 0")
        return Subscribe(_field(payload, "runId", str, "SUBSCRIBE", required=False), after)
    seq = _field(payload, "commandSeq", int, "CONTROL")
    if seq < 1:
        raise ProtocolError("invalid_message", "CONTROL.commandSeq must be >= 1")
    ctype = _field(payload, "type", str, "CONTROL")
    if not _is_control_type(ctype):
        raise ProtocolError("invalid_message", f"CONTROL.type {quoted(ctype)} is not one of {', '.join(CONTROL_TYPES)}")
    run_id = _field(payload, "runId", str, "CONTROL", required=False)
    if ctype == "dispatch":
        return Control(seq, ctype, run_id, instance_id=_field(payload, "instanceId", str, "CONTROL dispatch"),
                       action_type=_field(payload, "actionType", str, "CONTROL dispatch"),
                       payload=payload.get("payload"))
    if ctype == "timeTravel":
        mode = _field(payload, "mode", str, "CONTROL timeTravel")
        if not _is_travel_mode(mode):
            raise ProtocolError("invalid_message", f"CONTROL timeTravel.mode must be 'before' or 'after', not "
                                                   f"{quoted(mode)}")
        return Control(seq, ctype, run_id, instance_id=_field(payload, "instanceId", str, "CONTROL timeTravel"),
                       txn_id=_field(payload, "txnId", str, "CONTROL timeTravel"), mode=mode)
    if ctype == "highlightUpdates":
        return Control(seq, ctype, run_id, enabled=_field(payload, "enabled", bool, "CONTROL highlightUpdates"))
    return Control(seq, ctype, run_id)


# -- frames the server sends ----------------------------------------------------------------------------------------


def _line(frame: dict[str, Any]) -> bytes:
    return orjson.dumps(frame) + b"\n"


def hello_frame(run_id: str, last_seq: int, *, control: bool, diagnostics: str | None = None,
                action_types: Mapping[str, Sequence[str]] | None = None,
                actions: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None) -> bytes:
    """The HELLO of a run; `diagnostics` is the runtime's level (off | light | full: what the stream can hold),
    `action_types` the reducers of each mounted module by module id (what a dispatch may name), `actions` the same
    with the payload type each declares (`{}`: any payload)."""
    payload: dict[str, Any] = {
        "protocolVersion": PROTOCOL_VERSION,
        "runId": run_id,
        "capabilities": {"supportsSubscribe": True, "supportsBatch": True, "supportsControl": control,
                         "supportsClear": True, "supportsPauseResume": True},
    }
    if diagnostics is not None:
        payload["diagnostics"] = diagnostics
    if action_types is not None:
        payload["actionTypes"] = {module: sorted(types) for module, types in sorted(action_types.items())}
    if actions is not None:
        payload["actions"] = {module: dict(sorted(types.items())) for module, types in sorted(actions.items())}
    if last_seq:
        payload["lastSeq"] = last_seq
    return _line({"type": "HELLO", "payload": payload})


def ack_frame(run_id: str, command_seq: int, accepted: bool, reason: str | None = None) -> bytes:
    payload: dict[str, Any] = {"protocolVersion": PROTOCOL_VERSION, "commandSeq": command_seq, "runId": run_id,
                               "accepted": accepted}
    if reason:
        payload["reason"] = cut_text(reason, MESSAGE_LIMIT)
    return _line({"type": "CONTROL_ACK", "payload": payload})


def envelope(run_id: str, seq: int, timestamp: float, kind: str, payload: Any) -> dict[str, Any]:
    return {"protocolVersion": PROTOCOL_VERSION, "runId": run_id, "seq": seq, "timestamp": timestamp, "type": kind,
            "payload": payload}


def error_frame(run_id: str, last_seq: int, timestamp: float, code: str, message: str) -> bytes:
    event = envelope(run_id, max(1, last_seq), timestamp, "inspect:error",
                     {"code": code, "message": cut_text(message, MESSAGE_LIMIT)})
    return _line({"type": "OBSERVATION_BATCH",
                  "payload": {"protocolVersion": PROTOCOL_VERSION, "runId": run_id, "events": [event]}})


def keepalive_frame(head: bytes) -> bytes:
    """An OBSERVATION_BATCH with no events: sent to a client nothing was sent to for a while, so that a quiet viewer
    has something to read (a viewer that reads stays open; see `InspectConfig.idle_timeout_s`)."""
    return head + b"[]}}\n"


def batch_frame(head: bytes, events_json: bytes, dropped: int) -> bytes:
    """An OBSERVATION_BATCH from a pre-serialised events array (serialised once, shared by every client)."""
    tail = b',"droppedCount":%d,"droppedReason":"buffer_overflow"}}\n' % dropped if dropped else b"}}\n"
    return b"".join((head, events_json, tail))


def batch_head(run_id: str) -> bytes:
    """The constant start of every OBSERVATION_BATCH of a run, up to the events array."""
    return (b'{"type":"OBSERVATION_BATCH","payload":{"protocolVersion":' + orjson.dumps(PROTOCOL_VERSION) +
            b',"runId":' + orjson.dumps(run_id) + b',"events":')
