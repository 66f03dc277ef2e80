"""DevtoolsContext: the one object every devtools pane is constructed with.

A pane (`TimelineView(ctx)`, `OverviewStrip(ctx)`, `ConvergePane(ctx)`, `RunsPane(ctx)`, `OperationsPane(ctx)`,
the sidebar, the events table, the inspector) reads everything through it:

- `ctx.events`: an `EventFeed` (devtools.model.event_feed) over the columnar event store of what is being looked
  at (the live session, or a loaded trace). `ctx.events.store` is the `runtime.trace.columnar.EventStore` (row
  helpers, payloads, static IRs, `store.index`); `len(ctx.events)` is the number of rows visible now (all of them
  live, those up to the cursor in replay); `ctx.events.column("ts")` gives numpy columns of the visible rows. It is
  an ExternalStore: `get_snapshot()` is the visible row count, `subscribe(listener)` hears when it changes.
- `ctx.state`: the devtools' own UI state (selection, filters, time range, replay cursor, time travel, settings),
  a runtime module instance (`devtools.state.DevtoolsState`). Read `ctx.state.get()` (the latest committed
  state) or `ctx.state.published()` (what the panes of the current tick show), bind to `ctx.state.topic`,
  change it through its methods (`select_row`, `set_time_range`,
  `set_filters`, `set_cursor`, ...), never by mutating the dict.
- `ctx.bind(owner, source, callback)`: the only way a widget listens to anything. `source` is an ExternalStore
  (a topic facade of a runtime store, `ctx.events`, `ctx.state.topic`); `callback(snapshot)` runs at most once per
  tick, in one flush shared by all widgets, and `ctx.tick_seq` during that flush is the tick every widget shows.
  The binding ends when `owner` (a QObject) is destroyed.
- `ctx.runtime`: the live runtime being inspected, or None while replaying a file or attached to another process.
- `ctx.remote`: the RemoteSession of an attached window (`tickscope attach`), else None.
- `ctx.mode`: "live" or "replay"; `ctx.showing_past` is True while the live view shows a time-travelled state.

This API is kept stable: panes from other branches plug in against it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, TypeVar

if TYPE_CHECKING:
    from PySide6.QtCore import QObject

    from runtime import ExternalStore, Runtime

    from ..model.event_feed import EventFeed
    from ..replay import ReplayController
    from ..state import DevtoolsState
    from .binding import Binder, Binding
    from .remote_session import RemoteSession

__all__ = ["DevtoolsContext", "ViewMode"]

ViewMode = Literal["live", "replay"]
T = TypeVar("T")


class DevtoolsContext:
    """Holds the runtime, the devtools' UI state, the event store and the binder of one devtools window."""

    def __init__(
        self,
        *,
        state: DevtoolsState,
        events: EventFeed,
        binder: Binder,
        runtime: Runtime | None = None,
        replay: ReplayController | None = None,
        remote: RemoteSession | None = None,
    ) -> None:
        self.state = state
        self.events = events
        self.binder = binder
        self.runtime = runtime
        self.replay = replay
        self.remote = remote
        self.cleanups: list[Callable[[], object]] = []
        """Called by `close()` (hub taps to detach, ...), in order."""

    # -- what is being looked at ------------------------------------------------------------------------------------

    @property
    def mode(self) -> ViewMode:
        """`live` (a runtime on this loop) or `replay` (a trace file)."""
        return "replay" if self.replay is not None else "live"

    @property
    def showing_past(self) -> bool:
        """True while the view shows an earlier state: a time-travelled live instance or a replay cursor."""
        ui = self.state.published()
        return ui["timeTravel"] is not None or (self.replay is not None and not self.replay.at_end)

    @property
    def tick_seq(self) -> int:
        """The tick every widget repainted in the current flush shows (the latest flushed tick outside a flush)."""
        return self.binder.frame_tick

    # -- listening --------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """End bindings, taps and replay; the runtime itself belongs to whoever created it."""
        if self.replay is not None:
            self.replay.close()
        for cleanup in self.cleanups:
            cleanup()
        self.cleanups.clear()
        self.binder.close()

    def bind(self, owner: QObject, source: ExternalStore[T], callback: Callable[[T], None]) -> Binding:
        """Call `callback(source.get_snapshot())` now and after every change, coalesced to one call per flush."""
        return self.binder.bind(owner, source, callback)
