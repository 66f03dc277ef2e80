"""The transport protocol the tracker and its observers talk through. The tracker imports no HTTP library: the
aiohttp implementation lives in `runtime.operations.http` and is imported only by whoever builds one.

A transport raises TransportError for anything that is not an answer from the backend (refused connection, reset,
timeout, malformed stream). Those are never verdicts: the tracker retries under the same command id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from runtime.errors import TransportError

__all__ = ["Transport", "TransportError", "HttpAnswer", "SseMessage"]


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: Any
    retry_after_s: float | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class SseMessage:
    id: str | None
    event: str
    data: Any


class Transport(Protocol):
    async def send_command(self, kind: str, target: str | None, payload: Any, *, command_id: str,
                           correlation_id: str) -> HttpAnswer: ...

    async def get(self, url: str, *, headers: dict[str, str] | None = None,
                  params: dict[str, str] | None = None) -> HttpAnswer: ...

    async def post(self, url: str, body: Any = None) -> HttpAnswer: ...

    def stream(self, url: str, *, last_event_id: str | None = None) -> AsyncIterator[SseMessage]: ...

    async def aclose(self) -> None: ...
