"""The three ways a devtools window gets its DevtoolsContext: a live runtime, a loaded trace, a remote session.

Each builds a fresh DevtoolsState (the window's own UI state module), an EventFeed over what is looked at, and a
Binder whose tick is that source's clock: the live store's tickSeq, the replay cursor's tick, or the number of
batches a remote session applied. The devtools' own runtime is tapped into the same feed, so with `showDevtools`
on its transactions show up beside the application's. Live and attached windows keep their feed within the
retention bound of the settings (devtools.app.retention).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime import Runtime
from runtime.trace import EventStore

from ..model.event_feed import EventFeed
from ..replay import ReplayController
from ..state import DevtoolsState
from . import heap
from .binding import Binder
from .context import DevtoolsContext
from .remote_session import RemoteSession
from .retention import RetentionKeeper

__all__ = ["live_context", "replay_context", "remote_context"]


def live_context(rt: Runtime, settings: Mapping[str, Any] | None = None) -> DevtoolsContext:
    """A context over a live runtime: its hub streams into a fresh feed (tap it before mounting, to see mounts)."""
    heap.settle()
    state = DevtoolsState(settings)
    feed = EventFeed()
    ctx = DevtoolsContext(state=state, events=feed, binder=Binder(lambda: rt.store.tick_seq), runtime=rt)
    ctx.cleanups += [rt.hub.tap(feed.tap), state.runtime.hub.tap(feed.tap)]
    ctx.retention = RetentionKeeper(feed, state, ctx.binder, label=rt.label)
    ctx.cleanups.append(ctx.retention.close)
    return ctx


def replay_context(store: EventStore, settings: Mapping[str, Any] | None = None) -> DevtoolsContext:
    """A context over a loaded trace, its cursor at the end."""
    heap.settle()
    state = DevtoolsState(settings)
    state.set_follow(False)  # a trace has no live end to follow: the panes open on the whole of it
    feed = EventFeed(store)
    feed.scan_labels()
    binder = Binder()
    replay = ReplayController(feed, state)
    ctx = DevtoolsContext(state=state, events=feed, binder=binder, replay=replay)
    binder.set_tick_source(replay.tick_seq)
    # the store is not closed here: panes may still read it until they are gone; its file closes with it (__del__)
    ctx.cleanups += [state.runtime.hub.tap(feed.tap)]
    return ctx


def remote_context(session: RemoteSession, settings: Mapping[str, Any] | None = None) -> DevtoolsContext:
    """A context over a RemoteSession: live mode without a local runtime, `ctx.remote` set."""
    state = DevtoolsState(settings)
    ctx = DevtoolsContext(state=state, events=session.feed, binder=Binder(lambda: session.batches), remote=session)
    ctx.cleanups.append(state.runtime.hub.tap(session.feed.tap))
    ctx.retention = RetentionKeeper(session.feed, state, ctx.binder, label=f"attached-{session.client.port}")
    ctx.cleanups.append(ctx.retention.close)
    return ctx
