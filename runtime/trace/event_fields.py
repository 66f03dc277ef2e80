"""The fields of a trace line that become a store row, as msgspec Structs: a typed decode of a line builds only these
and skips everything else (the state, the converge stats, ...), which stays as bytes in the file until a payload is
looked at (the store decodes it whole then).

Why msgspec: decoding a demo trace line into these Structs costs about half what decoding it whole into dicts does,
and the load of a trace is mostly that decode (bench/trace.py load_vs_parse).

Every field accepts any JSON value, so a decode never fails over a field's type: the ingest (ingest.py) checks the
values exactly as it checks a whole decoded payload. The nested objects (the payload, its meta, the dirty set) are
Structs when the JSON value is an object and the plain value otherwise (`Other`), which the ingest tells apart by
type. A field that is absent reads as its default; `UNSET` where the ingest must tell absent from null.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from msgspec import UNSET, Struct

__all__ = ["DirtyFields", "EnvelopeFields", "MetaFields", "Other", "PayloadFields", "envelope_decoder",
           "payload_fields"]

Other = list[Any] | str | int | float | bool | None
"""A JSON value that is not an object (where an object is expected, the ingest ignores or refuses it)."""


class DirtyFields(Struct):
    """A state:update's meta.dirtySet."""

    rootIds: Any = None
    dirtyAll: Any = None


class MetaFields(Struct):
    """The meta fields the columns read (trait:converge, state:update, diagnostic and tick events)."""

    executedMode: Any = None
    outcome: Any = None
    executionDurationMs: Any = None
    decisionDurationMs: Any = None
    dirtySet: DirtyFields | Other = None
    staticIrDigest: Any = None
    severity: Any = None
    commandId: Any = UNSET
    tickSeq: Any = None
    phase: Any = None


class PayloadFields(Struct):
    """A debug:event payload's fields the columns read; the four that name a row are UNSET when absent."""

    kind: Any = UNSET
    label: Any = UNSET
    instanceId: Any = UNSET
    moduleId: Any = UNSET
    runtimeLabel: Any = None
    timestamp: Any = None
    txnSeq: Any = 0
    linkId: Any = None
    downgrade: Any = UNSET
    errorSummary: Any = UNSET
    meta: MetaFields | Other = None


class EnvelopeFields(Struct):
    """A debug:event line's envelope. Only such a line decodes: any other `type`, or a payload that is no object,
    is a ValidationError, and the loader then reads the line whole (as it reads static IRs and side records), so
    the per-line loop checks neither (callgrind: 0.7 % fewer instructions in a load)."""

    type: Literal["debug:event"]
    payload: PayloadFields
    seq: Any = None
    timestamp: Any = None


def envelope_decoder() -> msgspec.json.Decoder[EnvelopeFields]:
    """Decodes one debug:event line into its EnvelopeFields; raises msgspec.DecodeError (ValidationError when the
    line is JSON but no debug:event envelope with an object payload)."""
    return msgspec.json.Decoder(EnvelopeFields)


def payload_fields(payload: dict[str, Any]) -> PayloadFields:
    """The row fields of a payload that is already a dict (a live event, or a line decoded whole)."""
    return msgspec.convert(payload, PayloadFields)
