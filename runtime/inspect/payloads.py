"""Checking a payload against the payload type a HELLO announced, before sending it (the devtools' Dispatch dialog).

The rules are the runtime's own (`PayloadType.from_schema`): what passes here passes there, except validators and
plain classes, which a viewer knows by name only and leaves to the runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.kernel.payload import PayloadMismatch, PayloadType

__all__ = ["payload_problem"]


def payload_problem(schema: Mapping[str, Any], value: Any) -> str | None:
    """Why `value` does not fit `schema` (a payload-type schema from HELLO's `actions`), or None when it does."""
    try:
        PayloadType.from_schema(schema).check(value)
    except PayloadMismatch as mismatch:
        return str(mismatch)
    return None
