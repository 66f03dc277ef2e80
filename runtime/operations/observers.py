"""Observation surfaces: explicit, pluggable, never hidden inside `submit`.

An observer gets a `Watch` on one accepted operation and an `emit(fact)` callback, and runs until the operation is
terminal (the tracker also cancels it then). Transport errors are never verdicts: the observer waits a capped
backoff and tries again as attempt+1, and facts of an older attempt are fenced by the tracker.

- EventStreamObserver: SSE on the receipt's observe_url, resumed with Last-Event-ID after a disconnect. Once the
  operation needs no more observing it does not hang up in the middle of facts the backend has already sent: it
  reads on until the stream ends or stays quiet for `drain_s`, so a `committed` sent after `observed` is still
  recorded (as a late fact). Its tracker gives it that long before cancelling it (`drains`).
- StatusPoller: GET status_url, honouring Retry-After (capped); a 404 becomes failed(status_not_found).
- ReadModelObserver: GET read_model_url?min_version=<committed version> with `Prefer: wait=S` (long-poll); it emits
  `observed` only when the row's version reaches the token, so a lagging replica never counts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from runtime.errors import TransportError
from runtime.operations.records import FactSource, OperationError, StageFact
from runtime.operations.stages import Stage, parse_stage
from runtime.operations.transport import Transport

if TYPE_CHECKING:
    from runtime.operations.tracked import Watch

__all__ = ["Observer", "EventStreamObserver", "StatusPoller", "ReadModelObserver", "SERVER_DONE"]

Emit = Callable[[StageFact], object]
"""Hands a fact to the tracker (what it returns is not the observer's business)."""
SERVER_DONE = frozenset({Stage.OBSERVED, Stage.READY, Stage.FAILED, Stage.CANCELLED, Stage.REJECTED})
"""Stages after which the backend's surfaces have nothing more to say."""
DRAIN_S = 0.5
"""How long a stream is read on, quiet, after its operation needs no more observing."""


class Observer(Protocol):
    """An observation surface: runs until the operation needs no more observing, emitting the facts it reads."""

    name: str

    async def observe(self, watch: Watch, emit: Emit) -> None: ...


def _backoff(attempt: int, base: float = 0.05, cap: float = 1.0) -> float:
    return min(cap, base * (1 << min(attempt, 8)))


def _fact(watch: Watch, body: dict[str, Any], source: FactSource, observer: str, attempt: int,
          fact_id: str | None) -> StageFact:
    raw = body.get("stage")
    stage = parse_stage(raw)
    err = body.get("error")
    error = None
    if isinstance(err, dict):
        error = OperationError(str(err.get("code", "failed")), str(err.get("message", "")))
    version = body.get("version")
    return StageFact(watch.command_id, stage, source, observer, attempt,
                     version if isinstance(version, int) else None, error, fact_id,
                     raw if stage is Stage.UNKNOWN else None)


class EventStreamObserver:
    name = "sse"
    drains = True
    """Its tracker lets it read what was already sent (up to DRAIN_S) instead of cancelling it at once."""

    def __init__(self, transport: Transport, *, drain_s: float = DRAIN_S) -> None:
        self.transport = transport
        self.drain_s = drain_s

    async def observe(self, watch: Watch, emit: Emit) -> None:
        url = watch.receipt.observe_url
        if not url:
            return
        attempt = 0
        last_id: int | None = None
        while not watch.done:
            try:
                finished, last_id = await self._follow(url, watch, emit, attempt, last_id)
            except TransportError:
                finished = False
            if finished:
                return
            attempt += 1  # the stream ended or broke before a terminal stage: resume where it stopped
            await asyncio.sleep(_backoff(attempt))

    async def _follow(self, url: str, watch: Watch, emit: Emit, attempt: int,
                      last_id: int | None) -> tuple[bool, int | None]:
        """Emit the stream's facts until it ends (or, once the operation is done, goes quiet); (whether the
        operation needs no more observing, the last event id seen)."""
        stream = self.transport.stream(url, last_event_id=None if last_id is None else str(last_id))
        try:
            while True:
                try:
                    async with asyncio.timeout(self.drain_s if watch.done else None):
                        msg = await anext(stream)
                except StopAsyncIteration:
                    return watch.done, last_id
                except TimeoutError:
                    return True, last_id  # done, and nothing more came: what was sent has been read
                if not isinstance(msg.data, dict):
                    continue
                fact = _fact(watch, msg.data, "sse", self.name, attempt, msg.id)
                if msg.id is not None and msg.id.isdigit():
                    last_id = max(last_id or 0, int(msg.id))
                emit(fact)
        finally:
            closer = getattr(stream, "aclose", None)
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer()



class StatusPoller:
    name = "status"

    def __init__(self, transport: Transport, *, min_interval_s: float = 0.02, max_interval_s: float = 2.0) -> None:
        self.transport = transport
        self.min_interval_s = min_interval_s
        self.max_interval_s = max_interval_s

    async def observe(self, watch: Watch, emit: Emit) -> None:
        url = watch.receipt.status_url
        if not url:
            return
        attempt = 0
        while not watch.done:
            try:
                answer = await self.transport.get(url)
            except TransportError:
                attempt += 1
                await asyncio.sleep(_backoff(attempt))
                continue
            if answer.status == 404:
                emit(StageFact(watch.command_id, Stage.FAILED, "status-poll", self.name, attempt,
                               error=OperationError("status_not_found", f"{url} answered 404")))
                return
            if answer.status != 200 or not isinstance(answer.body, dict):
                attempt += 1
                await asyncio.sleep(_backoff(attempt))
                continue
            fact = _fact(watch, answer.body, "status-poll", self.name, attempt, None)
            emit(fact)
            if fact.stage in SERVER_DONE or watch.done:
                return
            # Retry-After is honoured as a floor (facts from other surfaces do not shorten it), but capped: the
            # tracker's deadline, not the server, bounds how long anything waits.
            delay = max(self.min_interval_s, answer.retry_after_s or 0.0)
            await asyncio.sleep(min(self.max_interval_s, delay))


class ReadModelObserver:
    name = "read-model"

    def __init__(self, transport: Transport, *, wait_s: float = 2.0) -> None:
        self.transport = transport
        self.wait_s = wait_s

    async def observe(self, watch: Watch, emit: Emit) -> None:
        url = watch.receipt.read_model_url
        if not url:
            return
        attempt = 0
        while not watch.done:
            token = watch.version
            if token is None:  # no consistency token yet: wait for the committed version from another surface
                await watch.wait_changed(self.wait_s)
                continue
            try:
                answer = await self.transport.get(url, params={"min_version": str(token)},
                                                  headers={"Prefer": f"wait={self.wait_s:g}"},
                                                  timeout_s=self.wait_s + 5.0)
            except TransportError:
                attempt += 1
                await asyncio.sleep(_backoff(attempt))
                continue
            body = answer.body
            version = body.get("version") if isinstance(body, dict) else None
            if answer.status == 200 and isinstance(version, int) and version >= token:
                emit(StageFact(watch.command_id, Stage.OBSERVED, "read-model", self.name, attempt, version,
                               fact_id=f"v{version}"))
                return
            if answer.status != 200:
                attempt += 1
                await asyncio.sleep(_backoff(attempt))
            elif isinstance(body, dict) and body.get("replica") == "lagging":
                await asyncio.sleep(_backoff(0))  # a stale replica answered at once: do not spin on it
