"""The data path of `tickscope attach`: a remote runtime's stream fed into the same EventFeed a live window reads.

No Qt here. `RemoteSession(client, feed)` reads batches from an `InspectClient` and appends every envelope to the
feed exactly as a local hub tap would (`feed.tap(type, payload)`), so every pane works unchanged on a remote
runtime.

When the remote process restarts (a new run), its events go to a store of their own (event ids and txn seqs start
again in a new run and must not mix with the old one, and each run keeps its own time base); the runs before it
stay in `session.runs`, whole, and `show_run(i)` puts any of them in the window (the feed shows the newest run
unless the user picked an older one). A restart with a new token leaves the window disconnected, with everything
received, until `set_token` gives the new token (or the token file the client re-reads has it).

Control goes back over the wire and is never assumed to have worked: each method returns the server's Ack (accepted
means queued), and the effect arrives later as events in the feed.

    session = RemoteSession(client, feed)
    task = loop.create_task(session.run())
    await session.time_travel("form#1", "form#1::t4", "before")     # what the GUI calls instead of a local runtime
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.inspect import Ack, Batch, InspectClient, InspectError
from runtime.trace import EventStore

from ..model.event_feed import EventFeed
from ..state import TravelMode

__all__ = ["RemoteSession", "RemoteRun"]


@dataclass(slots=True)
class RemoteRun:
    """One run of the attached process (from its start or a restart to the next), in a store of its own."""

    number: int
    """1 for the run first attached to, then 2, 3, ... as the process restarts."""
    run_id: str
    store: EventStore
    ended: bool = False
    """True once the process restarted after it."""

    def describe(self, connected: bool = True) -> str:
        state = "ended" if self.ended else "live" if connected else "disconnected"
        return f"run {self.number} · {self.run_id} · {len(self.store):,} events · {state}"


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
        self.runs: list[RemoteRun] = [RemoteRun(1, client.run_id or "?", feed.store)]
        """Every run seen, oldest first; the last is the one streaming now (or last streamed)."""
        self.shown = 0
        """The index in `runs` of the run the window shows."""
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

    def payload_types(self, module_id: str) -> dict[str, dict[str, Any]]:
        """The payload type each action of `module_id` declares (a payload-type schema), by action type, as the
        remote runtime's HELLO listed them; an action that takes any payload, or a server that does not say, has
        none."""
        hello = self.client.hello or {}
        actions = hello.get("actions")
        listed = actions.get(module_id) if isinstance(actions, dict) else None
        if not isinstance(listed, dict):
            return {}
        return {str(action): dict(declared["payload"]) for action, declared in listed.items()
                if isinstance(declared, dict) and isinstance(declared.get("payload"), dict)}

    @property
    def live_run(self) -> RemoteRun:
        return self.runs[-1]

    @property
    def following(self) -> bool:
        """Whether the window shows the newest run (and so moves on to the next one when the process restarts)."""
        return self.shown == len(self.runs) - 1

    def status(self) -> str:
        """One line for a status bar: where, which run, connected or not, losses."""
        if self.error is not None:
            state = f"ended: {self.error.message}"
        elif self.ended:
            state = "ended"
        elif self.client.token_refused is not None:
            source = "; waiting for it in the token file" if self.client.token_source is not None else \
                "; enter the new token"
            state = f"disconnected: the token was refused (the process restarted with a new one?){source}"
        else:
            state = "attached" if self.client.connected else "disconnected, reconnecting…"
        lost = f", {self.dropped} events lost (viewer too slow)" if self.dropped else ""
        shown = f" · showing run {self.shown + 1} of {len(self.runs)}" if not self.following else ""
        return f"{self.address} run {self.client.run_id} — {state}{lost}{shown}"

    def set_token(self, token: str) -> None:
        """The token the restarted process printed: the client reconnects with it."""
        self.client.set_token(token)
        self._changed()

    def show_run(self, index: int) -> None:
        """Show run `index` of `runs` in the window (its store: every pane follows)."""
        if not 0 <= index < len(self.runs):
            raise IndexError(f"run {index + 1} of {len(self.runs)} does not exist")
        if index != self.shown:
            self.shown = index
            self.feed.show_store(self.runs[index].store)
            self._changed()

    def clear_live_run(self) -> None:
        """The remote buffer was cleared: so is the newest run (static IRs kept, later events still need them)."""
        run = self.live_run
        store = EventStore()
        for etype, payload in run.store.static_records():
            store.append(etype, payload)
        run.store = store
        if self.following:
            self.feed.show_store(store, keep_labels=True)

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
            self.live_run.ended = True
            following = self.following
            self.runs.append(RemoteRun(len(self.runs) + 1, batch.run_id, EventStore()))
            if following:
                self.show_run(len(self.runs) - 1)
        self.live_run.run_id = batch.run_id
        if self.following:
            for env in batch.events:
                feed.tap(env["type"], env["payload"])
        else:  # the user looks at an older run: the newest one grows out of sight
            store = self.live_run.store
            for env in batch.events:
                store.append(env["type"], env["payload"])
        self.batches += 1
        self.events += len(batch.events)
        for watcher in tuple(self._watchers):
            watcher(batch.events)
        if batch.dropped_count or batch.new_run or not self.following:
            self.dropped += batch.dropped_count
            self._changed()

    # -- control ----------------------------------------------------------------------------------------------------

    async def dispatch(self, instance_id: str, action_type: str, payload: Any = None) -> Ack:
        return await self.client.dispatch(instance_id, action_type, payload)

    async def time_travel(self, instance_id: str, txn_id: str, mode: TravelMode) -> Ack:
        return await self.client.time_travel(instance_id, txn_id, mode)

    async def highlight_updates(self, enabled: bool) -> Ack:
        return await self.client.highlight_updates(enabled)

    async def pause(self) -> Ack:
        return await self.client.pause()

    async def resume(self) -> Ack:
        return await self.client.resume()

    async def clear(self) -> Ack:
        return await self.client.clear()

    async def close(self) -> None:
        await self.client.close()
