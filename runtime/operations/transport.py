"""The transport protocol the tracker and its observers talk through. The tracker imports no HTTP library: the
aiohttp implementation lives in `runtime.operations.http` and is imported only by whoever builds one.

A transport raises TransportError for anything that is not an answer from the backend (refused connection, reset,
timeout, malformed stream). Those are never verdicts: the tracker retries under the same command id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["HttpAnswer", "SseMessage", "Transport"]


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """An answer from the backend: its status, its decoded JSON body, and the headers the tracker reads."""

    status: int
    body: Any
    """The decoded JSON body (None when empty; `{"text": ...}` when it was not JSON)."""
    retry_after_s: float | None = None
    location: str | None = None
    """The Operation-Location header: where the operation's status can be read."""


@dataclass(frozen=True, slots=True)
class SseMessage:
    """One server-sent event: its id (for Last-Event-ID), its event name, and its decoded JSON data."""

    id: str | None
    event: str
    data: Any


class Transport(Protocol):
    """What the tracker and its observers send and read through; every method raises TransportError when no
    answer came."""

    async def send_command(self, kind: str, target: str | None, payload: Any, *, command_id: str,
                           correlation_id: str) -> HttpAnswer:
        """Send one write under its command id (resent with the same id on every retry)."""
        ...

    async def get(self, url: str, *, headers: dict[str, str] | None = None, params: dict[str, str] | None = None,
                  timeout_s: float | None = None) -> HttpAnswer:
        """GET `url`; `timeout_s` bounds this request (a long poll waits longer than the transport's default)."""
        ...

    async def post(self, url: str, body: Any = None) -> HttpAnswer: ...

    def stream(self, url: str, *, last_event_id: str | None = None) -> AsyncIterator[SseMessage]:
        """The server-sent events of `url`, resumed after `last_event_id`; ends when the server closes the stream."""
        ...

    async def aclose(self) -> None: ...
