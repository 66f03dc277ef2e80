"""The data path of `tickscope attach`: a remote runtime's stream fed into the same EventFeed a live window reads.

No Qt here. `RemoteSession(client, feed)` reads batches from an `InspectClient` and appends every envelope to the
feed exactly as a local hub tap would (`feed.tap(type, payload)`), so every pane works unchanged on a remote
runtime. When the remote process restarts (a new run), the feed gets a fresh columnar store: event ids and txn seqs
start again in a new run and must not mix with the old one.

Control goes back over the wire and is never assumed to have worked: each method returns the server's Ack (accepted
means queued), and the effect arrives later as events in the feed.

    session = RemoteSession(client, feed)
    task = loop.create_task(session.run())
    await session.time_travel("form#1", "form#1::t4", "before")     # what the GUI calls instead of a local runtime
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.inspect import Ack, Batch, InspectClient, InspectError

from ..model.event_feed import EventFeed
from ..state import TravelMode

__all__ = ["RemoteSession"]


class RemoteSession:
    """Streams one remote runtime into an EventFeed and carries control commands back."""

    def __init__(self, client: InspectClient, feed: EventFeed) -> None:
        self.client = client
        self.feed = feed
        self.batches = 0
        """Batches applied; also the tick the window's Binder shows (it grows with every batch)."""
        self.events = 0
        self.dropped = 0
        """Envelopes the server said this viewer lost (it read too slowly)."""
        self.runs = 1
        self.error: InspectError | None = None
        self.ended = False
        self._listeners: list[Callable[[], None]] = []
        self._watchers: list[Callable[[list[dict[str, Any]]], None]] = []
        client.on_connection(lambda _connected: self._changed())

    @property
    def address(self) -> str:
        return f"{self.client.host}:{self.client.port}"

    @property
    def diagnostics(self) -> str:
        """The remote runtime's diagnostics level, as its HELLO said ("?" from a server that does not say)."""
        hello = self.client.hello or {}
        return str(hello.get("diagnostics") or "?")

    def action_types(self, module_id: str) -> list[str]:
        """The reducers of `module_id`, as the remote runtime's HELLO listed them (empty when it did not)."""
        hello = self.client.hello or {}
        types = hello.get("actionTypes")
        listed = types.get(module_id) if isinstance(types, dict) else None
        return [str(t) for t in listed] if isinstance(listed, list) else []

    def status(self) -> str:
        """One line for a status bar: where, which run, connected or not, losses."""
        if self.error is not None:
            state = f"ended: {self.error.message}"
        elif self.ended:
            state = "ended"
        else:
            state = "attached" if self.client.connected else "reconnecting…"
        lost = f", {self.dropped} events lost (viewer too slow)" if self.dropped else ""
        return f"{self.address} run {self.client.run_id} — {state}{lost}"

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Hear about status changes (connected, new run, drops, end)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def watch(self, watcher: Callable[[list[dict[str, Any]]], None]) -> Callable[[], None]:
        """Hear every batch's envelopes after they reached the feed (`inspect:control` markers included, which the
        feed does not keep): how the control bar sees a command's effect. Returns the unsubscribe."""
        self._watchers.append(watcher)
        return lambda: self._watchers.remove(watcher) if watcher in self._watchers else None

    def _changed(self) -> None:
        for listener in tuple(self._listeners):
            listener()

    # -- the stream -------------------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Apply batches until the client ends (close, or an error such as a refused token)."""
        try:
            async for batch in self.client.batches():
                self.apply(batch)
        except InspectError as err:
            self.error = err
        finally:
            self.ended = True
            self._changed()

    def apply(self, batch: Batch) -> None:
        feed = self.feed
        if batch.new_run:
            self.runs += 1
            feed.reset()
        for env in batch.events:
            feed.tap(env["type"], env["payload"])
        self.batches += 1
        self.events += len(batch.events)
        for watcher in tuple(self._watchers):
            watcher(batch.events)
        if batch.dropped_count or batch.new_run:
            self.dropped += batch.dropped_count
            self._changed()

    # -- control ----------------------------------------------------------------------------------------------------

    async def dispatch(self, instance_id: str, action_type: str, payload: Any = None) -> Ack:
        return await self.client.dispatch(instance_id, action_type, payload)

    async def time_travel(self, instance_id: str, txn_id: str, mode: TravelMode) -> Ack:
        return await self.client.time_travel(instance_id, txn_id, mode)

    async def pause(self) -> Ack:
        return await self.client.pause()

    async def resume(self) -> Ack:
        return await self.client.resume()

    async def clear(self) -> Ack:
        return await self.client.clear()

    async def close(self) -> None:
        await self.client.close()
