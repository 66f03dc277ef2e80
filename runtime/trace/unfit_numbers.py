"""Numbers a trace row reads as floats that do not fit their column: what the row keeps instead, and the problem.

A row reads two float columns from a payload: `ts` (a double: the payload's `timestamp`, the envelope's standing
in when the payload's is no number) and `converge_ms` (a 32-bit float: a trait:converge event's
`meta.executionDurationMs + meta.decisionDurationMs`). A number that does not fit is left out, as a value that is
no number is (the envelope's timestamp stands in, the duration counts 0), and the loader reports it as a problem
naming the event and the field:

- beyond a double: a JSON number such as 1e400 (orjson and msgspec refuse the line; `read_beyond_double` reads it
  with such numbers as BEYOND_DOUBLE, so the rest of the event loads) or an integer literal of 400 digits (which
  msgspec reads as an int no float holds);
- a duration beyond a 32-bit float (1e300: a double, but infinity in the column), or two durations whose sum is.

The ingest (ingest.py) keeps the rows by these rules on its hot path (`row_timestamp`, `row_converge_ms` when the
values are not the usual floats) and says that something was left out; `unfit_numbers` then names what, from the
line decoded whole (rarely: such a trace was written by hand or by a broken writer).
"""

from __future__ import annotations

import json
import math
from typing import Any, TypeGuard

__all__ = ["BEYOND_DOUBLE", "FLOAT32_MAX", "read_beyond_double", "row_converge_ms", "row_timestamp",
           "unfit_numbers"]

FLOAT32_MAX = 3.4028234663852886e38
_DURATIONS = ("executionDurationMs", "decisionDurationMs")


class _BeyondDouble:
    """A JSON number beyond a double, as `read_beyond_double` reads it (no number for the ingest: left out)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "BEYOND_DOUBLE"


BEYOND_DOUBLE = _BeyondDouble()


def read_beyond_double(line: bytes) -> Any:
    """`line` decoded with each number beyond a double read as BEYOND_DOUBLE, when it holds one; None when it does
    not or is no JSON for another reason (then orjson's refusal says why). NaN and Infinity are no JSON."""
    beyond = False

    def number(text: str) -> Any:
        nonlocal beyond
        value = float(text)
        if math.isinf(value):
            beyond = True
            return BEYOND_DOUBLE
        return value

    def integer(text: str) -> Any:
        nonlocal beyond
        value = int(text)
        if not _fits_double(value):
            beyond = True
            return BEYOND_DOUBLE
        return value

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is no JSON")

    try:
        doc = json.loads(line, parse_float=number, parse_int=integer, parse_constant=refuse)
    except (ValueError, RecursionError):  # a JSONDecodeError, a UnicodeDecodeError, an integer of too many digits
        return None
    return doc if beyond else None


def _is_number(value: object) -> TypeGuard[float | int]:
    """A JSON number as decoded (a bool is no number here, as in the ingest)."""
    return type(value) is float or type(value) is int


def _fits_double(value: float | int) -> bool:
    if type(value) is int:
        try:
            float(value)
        except OverflowError:
            return False
        return True
    return math.isfinite(value)


def _fits_float32(value: float | int) -> bool:
    return _fits_double(value) and -FLOAT32_MAX <= value <= FLOAT32_MAX


def row_timestamp(ts: object, env_ts: object) -> tuple[float, int]:
    """The `ts` of a row whose payload timestamp is no float: (value, 1 when a number was left out, else 0). An int
    as float, else the envelope's timestamp, else 0.0."""
    if type(ts) is int and _fits_double(ts):
        return float(ts), 0
    left_out = int(_unfit_double(ts))
    if _is_number(env_ts) and _fits_double(env_ts):
        return float(env_ts), left_out
    return 0.0, left_out | int(_unfit_double(env_ts))


def row_converge_ms(run_ms: object, decide_ms: object) -> tuple[float, int]:
    """The `converge_ms` of a trait:converge row: (value, 1 when a number was left out, else 0). Each duration that
    is a number fitting a 32-bit float, summed; 0.0 when the sum does not fit."""
    total = 0.0
    left_out = 0
    for value in (run_ms, decide_ms):
        if _is_number(value):
            if _fits_float32(value):
                total += value
            else:
                left_out = 1
        elif value is BEYOND_DOUBLE:
            left_out = 1
    if not -FLOAT32_MAX <= total <= FLOAT32_MAX:
        return 0.0, 1
    return total, left_out


def unfit_numbers(envelope: Any) -> list[str]:
    """Why numbers of this debug:event envelope (decoded whole) were left out of its row: one message per field,
    each naming the event; [] when none was."""
    payload = envelope.get("payload") if type(envelope) is dict else None
    if type(payload) is not dict:
        return []
    found: list[str] = []
    ts, env_ts = payload.get("timestamp"), envelope.get("timestamp")
    if _unfit_double(ts):
        found.append("timestamp is a number beyond a double")
    if not (_is_number(ts) and _fits_double(ts)) and _unfit_double(env_ts):  # the envelope's stood in
        found.append("the envelope's timestamp is a number beyond a double")
    meta = payload.get("meta")
    if payload.get("kind") == "trait:converge" and type(meta) is dict:
        kept: list[tuple[str, float | int]] = []
        for key in _DURATIONS:
            value = meta.get(key)
            if _unfit_double(value):
                found.append(f"meta.{key} is a number beyond a double")
            elif _is_number(value) and not _fits_float32(value):
                found.append(f"meta.{key} {value!r} does not fit a 32-bit float")
            elif _is_number(value):
                kept.append((key, value))
        if not -FLOAT32_MAX <= sum(v for _, v in kept) <= FLOAT32_MAX:
            found.append(" + ".join(f"meta.{k} {v!r}" for k, v in kept) + " do not fit a 32-bit float")
    event_id, label = payload.get("eventId"), payload.get("label")
    name = f"event {event_id}" if type(event_id) is str else "an event without an eventId"
    return [f"{name} ({label}): {what}; the row leaves it out" for what in found]


def _unfit_double(value: object) -> bool:
    """A number (or what read_beyond_double read as one) that no double holds."""
    return value is BEYOND_DOUBLE or (_is_number(value) and not _fits_double(value))
