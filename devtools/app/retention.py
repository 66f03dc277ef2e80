"""The live window's retention bound at work: let the oldest events go, or spill them to a trace file first.

A live feed (the local runtime's, or an attached process's) would grow with every event; the settings bound it in
events and in MiB (`retainEvents`, `retainMB`). The keeper compares the feed with the bound (devtools.model.
retention), the count on every new row, the bytes every CHECK_EVERY rows; once over it, the oldest rows down to a
tenth below the bound are let go in one release (`EventFeed.release_front`: every pane moves its rows at once), the
selected row moves with them (below 0 it names an event that was let go, and the inspector says so), and
`released` is emitted with what was let go, for the status bar.

With `spill` on, the rows are appended to a trace file first (devtools.app.spill), SPILL_SLICE_ROWS per loop turn,
and let go once they are all written. The file opens with `tickscope open`. When the file cannot be written (no
room, no permission) the rows are dropped as without spilling, and the release says why. A feed that is held (an
export reads it in a worker thread) lets nothing go until it is released. An attached window bounds the run it
shows (each run of the attached process is a store of its own).
"""

from __future__ import annotations

import contextlib
import weakref
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

from runtime.trace import EventStore

from ..model.event_feed import EventFeed
from ..model.retention import Release, RetentionBound, format_bytes
from ..state import DevtoolsState, Settings, UiState
from .binding import Binder
from .spill import SpillFile, spill_path

__all__ = ["RetentionKeeper", "CHECK_EVERY", "SPILL_SLICE_ROWS", "default_spill_dir"]

CHECK_EVERY = 256
"""New rows between two comparisons with the bound in bytes (one sums the store's columns)."""
SPILL_SLICE_ROWS = 2048
"""Rows one loop turn writes to the spill file (a few ms)."""


def default_spill_dir() -> str:
    """Where spill files go when the settings name no directory: the devtools' data directory."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return str(Path(base or Path.home() / ".tickscope") / "spill")


class RetentionKeeper(QObject):
    """Keeps one live window's feed within the retention bound of its settings."""

    released = Signal(object)
    """A Release, after rows were let go."""
    spillingChanged = Signal(bool)
    """True while a spill is being written (the rows are let go when it is done)."""

    def __init__(self, feed: EventFeed, state: DevtoolsState, binder: Binder, *, label: str = "session") -> None:
        super().__init__()
        self.feed = feed
        self.state = state
        self.label = label
        self.bound = RetentionBound(0, 0)
        self.spill_enabled = False
        self.spill_dir = ""
        self.spill: SpillFile | None = None
        self.last: Release | None = None
        self.total_rows = 0
        """Rows let go (spilled or not) since the window opened."""
        self.total_bytes = 0
        self._spilled: weakref.WeakKeyDictionary[EventStore, list[tuple[int, int, str]]] = \
            weakref.WeakKeyDictionary()
        """Per store (an attached window shows one store per run of its process): (first, end, path), the store's
        events first..end-1 were spilled to path (contiguous ranges merged)."""
        self._since_check = 0
        self._job_rows = 0
        """Rows the running spill job lets go when written (0: no job)."""
        self._job_next = 0
        self._job_store: EventStore | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._spill_slice)
        self._unsubscribe = self.feed.subscribe(self._rows_changed)
        binder.bind(self, state.topic, self._on_state)

    # -- settings ---------------------------------------------------------------------------------------------------

    def _on_state(self, ui: UiState) -> None:
        self.apply(ui["settings"])

    def apply(self, settings: Settings) -> None:
        """Take the bound and the spill choice from `settings`; a lower bound applies at once."""
        bound = RetentionBound.from_settings(settings["retainEvents"], settings["retainMB"])
        spill_dir = settings["spillDir"] or default_spill_dir()
        if spill_dir != self.spill_dir and self.spill is not None:
            self._close_spill()  # the next spill starts a file in the new place
        changed = bound != self.bound
        self.bound, self.spill_enabled, self.spill_dir = bound, settings["spill"], spill_dir
        if changed:
            self.check()

    @property
    def spilling(self) -> bool:
        return bool(self._job_rows)

    def spill_file_of(self, event: int) -> str | None:
        """The spill file holding the session's event number `event` (counting from 0), None if it was dropped."""
        ranges = self._spilled.get(self.feed.store, [])
        return next((path for first, end, path in ranges if first <= event < end), None)

    def bound_text(self) -> str:
        """The bound in words ("at most 500,000 events and 192 MB")."""
        parts = []
        if self.bound.max_events:
            parts.append(f"{self.bound.max_events:,} events")
        if self.bound.max_bytes:
            parts.append(format_bytes(self.bound.max_bytes))
        return "at most " + " and ".join(parts) if parts else "no bound"

    # -- the bound --------------------------------------------------------------------------------------------------

    def _rows_changed(self) -> None:
        self._since_check += 1
        max_events = self.bound.max_events
        if self._since_check >= CHECK_EVERY or (max_events and len(self.feed.store) > max_events):
            self.check()  # the count is checked on every row (cheap); the bytes every CHECK_EVERY rows

    def check(self) -> None:
        """Compare the feed with the bound now; let rows go (or start spilling them) when it is over."""
        self._since_check = 0
        if self._job_rows or self.feed.held or not self.bound.bounded:
            return
        n = self.bound.excess(len(self.feed.store), self.feed.nbytes())
        if not n:
            return
        if self.spill_enabled:
            self._start_spill(n)
        else:
            self._release(n, None)

    def _release(self, n: int, spilled_to: str | None, problem: str | None = None) -> None:
        state = self.state
        selected = state.get()["selectedRow"]
        first = self.feed.released
        freed = self.feed.release_front(n)
        if selected is not None:
            state.select_row(selected - n)  # below 0 when it was let go: the inspector says so
        self.last = Release(n, freed, spilled_to, first, problem)
        if spilled_to is not None:
            ranges = self._spilled.setdefault(self.feed.store, [])
            if ranges and ranges[-1][1] == first and ranges[-1][2] == spilled_to:
                ranges[-1] = (ranges[-1][0], first + n, spilled_to)
            else:
                ranges.append((first, first + n, spilled_to))
        self.total_rows += n
        self.total_bytes += freed
        self.released.emit(self.last)

    # -- spilling ---------------------------------------------------------------------------------------------------

    def _start_spill(self, n: int) -> None:
        if self.spill is None:
            path = spill_path(self.spill_dir, self.label)
            try:
                self.spill = SpillFile(path, label=self.label)
            except OSError as err:
                self._release(n, None, f"could not spill to {path}: {err.strerror or err}")
                return
        self._job_rows, self._job_next, self._job_store = n, 0, self.feed.store
        self.spillingChanged.emit(True)
        self._timer.start()

    def _spill_slice(self) -> None:
        spill, store = self.spill, self.feed.store
        if spill is None or store is not self._job_store:  # the feed started over (a cleared or new run)
            self._end_job()
            return
        hi = min(self._job_rows, self._job_next + SPILL_SLICE_ROWS)
        try:
            spill.write_rows(store, self._job_next, hi)
        except OSError as err:  # the disk filled up, the file went away: drop as without spilling, and say so
            n = self._job_rows
            self._end_job()
            self._close_spill()
            self._release(n, None, f"could not spill to {spill.path}: {err.strerror or err}")
            return
        self._job_next = hi
        if hi < self._job_rows:
            self._timer.start()
            return
        if self.feed.held:  # an export reads the store: let go after it (the next check starts over)
            self._end_job()
            return
        spill.flush()
        n = self._job_rows
        self._end_job()
        self._release(n, str(spill.path))

    def _end_job(self) -> None:
        self._job_rows = self._job_next = 0
        self._job_store = None
        self.spillingChanged.emit(False)

    def _close_spill(self) -> None:
        if self.spill is not None:
            with contextlib.suppress(OSError):  # complete up to its last whole line either way
                self.spill.close()
            self.spill = None

    def close(self) -> None:
        """Stop (the window is closing): the spill file is closed complete."""
        self._timer.stop()
        self._unsubscribe()
        if self._job_rows:
            self._end_job()
        self._close_spill()
