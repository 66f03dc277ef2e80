"""Inspector: the selected event (or the latest one) explained.

Sections: the event, its transaction summary, the dirty set as field paths (ids mapped through the static IR of
the matching digest; unmapped ids shown with a warning), patches from -> to, the converge decision, errors with
their downgrade marks, and the state as a tree with what changed against the previous state. Live, buttons bring
the instance to its state before or after the transaction (time travel) and back to the latest; a banner says
plainly while the past is shown. An event of a run with an end-to-end chain (092) also lists the chain's segments
with their durations. At diagnostics level full, "Called from" lists where the dispatch came from; clicking a
frame opens its file at that line in the user's editor (devtools.app.editor).
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..app.context import DevtoolsContext
from ..app.editor import EditorError, open_in_editor
from ..app.time_travel import TimeTravelUnavailable, back_to_latest, travel
from ..model.event_feed import TXN_KIND, EventFeed
from ..model.state_diff import MISSING, state_diff
from ..model.txn_view import EventFacts, facts_of, last_state_row
from ..model.values import copy_text
from ..qt_models.state_tree import StateTreeModel
from ..state import TravelMode, UiState
from .events import scope_instances
from .glyphs import PAST
from .e2e_text import chain_html
from .inspector_text import summary_html
from .json_view import add_json_actions
from .state_tree_view import StateTreeView
from .summary_browser import SummaryBrowser
from .timeline.source import timeline_source

__all__ = ["Inspector"]

LATEST_INTERVAL_MS = 250
EXPAND_LIMIT = 500
"""The most children a changed branch may have to be opened by itself."""
BANNER_STYLE = "background:#f4c430;color:#222;padding:4px;border-radius:3px;font-weight:bold"


def _latest_transaction(feed: EventFeed, instances: tuple[str, ...] = ()) -> int | None:
    """The newest visible `state:update` row (what a user wants to see first), else the newest row; within the
    sidebar's scope when one is selected."""
    n = len(feed)
    if not n:
        return None
    if instances:
        rows = [r for r in (last_state_row(feed, iid, n) for iid in instances) if r is not None]
        return max(rows) if rows else None
    code = feed.store.kinds.find(TXN_KIND)
    if code is not None:
        kinds = feed.column("kind")
        tail = max(0, n - 4096)  # a transaction is almost always among the newest rows; the fallback scans all
        hits = np.flatnonzero(kinds[tail:] == code)
        if not len(hits):
            hits = np.flatnonzero(kinds == code)
            tail = 0
        if len(hits):
            return int(hits[-1]) + tail
    return n - 1


class Inspector(QWidget):
    """Details of one event."""

    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.facts: EventFacts | None = None
        self.summary_menu: QMenu | None = None
        self._selected = False
        self._latest_timer = QTimer(self)
        self._latest_timer.setSingleShot(True)
        self._latest_timer.setInterval(LATEST_INTERVAL_MS)
        self._latest_timer.timeout.connect(self._latest_due)
        self._latest_pending = False
        self.header = QLabel("<b>Inspector</b>", self)
        self.banner = QLabel(self)
        self.banner.setObjectName("timeTravelBanner")
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.before_button = QPushButton("◀ Before", self)
        self.before_button.setToolTip("Show the state before this transaction (Alt+B)")
        self.after_button = QPushButton("After ▶", self)
        self.after_button.setToolTip("Show the state after this transaction (Alt+A)")
        self.latest_button = QPushButton("Latest", self)
        self.latest_button.setToolTip("Back to the latest state (Alt+L)")
        self.travel_error = QLabel(self)
        self.travel_error.setObjectName("timeTravelError")
        self.travel_error.setStyleSheet("color:#d64545")
        self.travel_error.setWordWrap(True)
        self.travel_error.setVisible(False)
        self.travel_row = QWidget(self)  # live only: a replay moves with its cursor instead
        buttons = QHBoxLayout(self.travel_row)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(QLabel("Time travel:", self))
        for b in (self.before_button, self.after_button, self.latest_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.travel_row.setVisible(ctx.runtime is not None)
        self.editor_status = QLabel(self)
        self.editor_status.setObjectName("editorStatus")
        self.editor_status.setWordWrap(True)
        self.editor_status.setVisible(False)

        self.summary = SummaryBrowser(self)
        self.summary.setObjectName("inspectorSummary")
        self.summary.anchorClicked.connect(self._link_clicked)
        self.summary.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.summary.customContextMenuRequested.connect(self._summary_menu)
        self._summary_width = 0
        self._patch_paths: dict[str, str] = {}
        self._sites: dict[str, tuple[str, int]] = {}
        self.tree_model = StateTreeModel(self)
        self.tree = StateTreeView(self.tree_model, self)
        self.tree_title = QLabel("<b>State</b>", self)
        self.tree_title.setWordWrap(True)  # notes can be long; they must not widen the pane
        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.tree_title)
        lower_layout.addWidget(self.tree, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.summary)
        split.addWidget(lower)
        split.setSizes([300, 300])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.travel_row)
        layout.addWidget(self.travel_error)
        layout.addWidget(self.editor_status)
        layout.addWidget(split, 1)

        self.before_button.clicked.connect(lambda: self.time_travel("before"))
        self.after_button.clicked.connect(lambda: self.time_travel("after"))
        self.latest_button.clicked.connect(self.back_to_latest)
        ctx.bind(self, ctx.state.topic, self._on_state)
        ctx.bind(self, ctx.events, self._on_rows)
        ctx.on_release(self, self._rows_released)

    # -- what to show -----------------------------------------------------------------------------------------------

    def _on_state(self, ui: UiState) -> None:
        self._show(ui)

    def _on_rows(self, _count: int) -> None:
        ui = self.ctx.state.published()
        if self.facts is not None and self.facts.row >= len(self.ctx.events):  # a replay stepped back past it
            self._show(ui)
        elif ui["selectedRow"] is None:
            self._follow_latest()

    def _rows_released(self, _n: int) -> None:
        self.facts = None  # its rows moved; shown again from the next state or rows callback (the selection moves)

    def _follow_latest(self) -> None:
        """Show the newest transaction, at most LATEST_INTERVAL_MS apart: under load the newest changes every
        flush, faster than anyone reads it, and rebuilding the summary and the state tree is the dearest repaint."""
        if self._latest_timer.isActive():
            self._latest_pending = True
            return
        self._show(self.ctx.state.published())
        self._latest_timer.start()

    def _latest_due(self) -> None:
        if self._latest_pending and self.ctx.state.published()["selectedRow"] is None:
            self._latest_pending = False
            self._follow_latest()

    def _show(self, ui: UiState) -> None:
        feed = self.ctx.events
        row = ui["selectedRow"]
        if row is not None and row < 0:
            self._show_released(row)
            return
        selected = row is not None and row < len(feed)
        if not selected:
            row = _latest_transaction(feed, scope_instances(self.ctx, ui["selection"]))
        self._show_banner(ui)
        if row is None:
            self.facts = None
            self.header.setText("<b>Inspector</b> — no events yet")
            self.summary.show_html("<p style='color:gray'>Select an event in the table or the timeline to see "
                                   "its transaction, dirty field paths, converge decision and state.</p>", {})
            self.tree_model.set_state(None)
            self._enable_travel()
            return
        if self.facts is not None and (self.facts.row, self._selected) == (row, selected):
            self._enable_travel()
            return
        self._selected = selected
        self.facts = facts_of(feed, row)
        what = "Selected event" if selected else ("Latest transaction" if self.facts.in_txn else "Latest event")
        self.header.setText(f"<b>{what}</b> · row {row + 1 + feed.released}")  # numbered as the table numbers it
        self._show_summary()
        self._show_state(self.facts)
        self._enable_travel()

    def _show_released(self, row: int) -> None:
        """The selected event was let go by the retention bound: say so, and where it went."""
        self.facts = None
        number = row + self.ctx.events.released + 1  # as the events table numbers it
        keeper = self.ctx.retention
        spilled = keeper.spill_file_of(number - 1) if keeper is not None else None
        self.header.setText(f"<b>Selected event</b> · #{number:,} was let go")
        where = (f"It was appended to the spill file <code>{escape(spilled)}</code> before it was let go: open that "
                 "file to see it." if spilled else
                 "It was dropped. To keep such events, turn on <i>Spill to file</i> in the status bar or Settings.")
        bound = f" ({keeper.bound_text()})" if keeper is not None else ""
        self.summary.show_html(f"<p>Event #{number:,} was let go: this live window keeps only its newest events"
                               f"{escape(bound)}.</p><p>{where}</p>", {})
        self.tree_model.set_state(None)
        self.tree_title.setText("<b>State</b>")
        self._enable_travel()

    def _show_summary(self) -> None:
        if self.facts is None:
            return
        self._summary_width = self.summary.width_chars()
        text = summary_html(self.ctx.events, self.facts, self._summary_width)
        link = self.facts.event.get("linkId")
        chain = timeline_source(self.ctx).model.e2e.chains.get(link) if isinstance(link, str) else None
        self.summary.show_html(text.html + (chain_html(chain) if chain is not None else ""), text.tooltips)
        self._patch_paths = text.paths
        self._sites = text.sites

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.facts is not None and self.summary.width_chars() != self._summary_width:
            self._show_summary()  # paths and values are cut to the width, so a new width cuts them anew

    def _summary_menu(self, pos: QPoint) -> None:
        """The browser's own entries (copy the selection), then the shown event and its state as JSON."""
        menu = self.summary.createStandardContextMenu(pos)
        facts = self.facts
        if facts is not None:
            menu.addSeparator()
            add_json_actions(menu, lambda: copy_text(facts.event), f"event {facts.event.get('eventId', '')}", self,
                             "event")
            state = (facts.state_event or {}).get("meta", {}).get("state", MISSING)
            if state is not MISSING:
                add_json_actions(menu, lambda: copy_text(state), f"state of {facts.instance_id}", self, "state")
        menu.popup(self.summary.viewport().mapToGlobal(pos))
        self.summary_menu = menu

    def _link_clicked(self, url: QUrl) -> None:
        """A click on a patch opens its field in the state tree; one on a call site frame, its file in the editor."""
        href = url.toString()
        path = self._patch_paths.get(href)
        if path:
            self.tree.reveal(path)
        elif href in self._sites:
            self.open_call_site(*self._sites[href])

    def open_call_site(self, file: str, line: int) -> None:
        """Open `file` at `line` in the user's editor (never waited for); the line under the buttons says how it
        went."""
        try:
            launched = open_in_editor(file, line, self.ctx.state.get()["settings"]["editorCommand"])
        except EditorError as err:
            self.editor_status.setText(f"Cannot open the call site: {err}")
            self.editor_status.setStyleSheet("color:#d64545")
        else:
            self.editor_status.setText(launched.text(file, line).capitalize())
            self.editor_status.setStyleSheet("color:gray")
        self.editor_status.setVisible(True)

    def _show_state(self, f: EventFacts) -> None:
        if f.state_event is None or f.state_row is None:
            self.tree_title.setText("<b>State</b> — no state recorded for this instance yet")
            self.tree_model.set_state(None)
            return
        after, note = self._state_of(f.instance_id, f.state_row, f.state_event)
        before: Any = MISSING
        if f.in_txn and f.previous_state_row is not None:
            before, _ = self._state_of(f.instance_id, f.previous_state_row, None)
        diff = state_diff(after, before)
        self.tree_model.set_state(diff)
        changed = self.tree_model.changed_paths()
        title = "<b>State after the transaction</b>" if f.in_txn else "<b>State at this event</b>"
        if before is not MISSING:
            title += f" — {len(changed)} change(s) against the state before"
        for line in ([note] if note else []) + diff.notes():
            title += f"<br><span style='color:#c98a00'>⚠ {escape(line)}</span>"
        self.tree_title.setText(title)
        self._expand_changes()

    def _state_of(self, instance_id: str, row: int, event: dict[str, Any] | None) -> tuple[Any, str | None]:
        """The state after `row`, exact when it can be: the live runtime's history (full diagnostics keeps the
        committed states), or a replay's snapshot records; else the event's copy, which export may have cut."""
        store = self.ctx.events.store
        if self.ctx.replay is not None:
            rs = self.ctx.replay.state_at(instance_id, row)
            return rs.state, (None if rs.exact else f"state is {rs.status}: {rs.reason}")
        txn_id = store.txn_id_of(row)
        if self.ctx.runtime is not None and txn_id is not None:
            try:
                record = self.ctx.runtime.instance(instance_id).find_transaction(txn_id)
            except (KeyError, LookupError):
                record = None
            if record is not None and record.after is not None:
                return record.after, None
        event = event if event is not None else store.payload(row)
        downgrade = (event.get("downgrade") or {}).get("reason")
        note = (f"the event's copy of the state was cut for export ({downgrade}); the exact state is kept in "
                "the history at diagnostics level full") if downgrade else None
        return (event.get("meta") or {}).get("state"), note

    def _expand_changes(self) -> None:
        """Open the branches that lead to a change, and nothing else (a big list, or one compared index by index,
        stays folded: opening it would lay out every row)."""
        self.tree.collapseAll()
        model = self.tree_model

        def walk(parent: QModelIndex) -> None:
            for r in range(model.rowCount(parent)):
                index = model.index(r, 0, parent)
                node = model.node(index)
                if node is not None and node.status == "changed" and node.note is None \
                        and 0 < len(node.children) <= EXPAND_LIMIT:
                    self.tree.expand(index)
                    walk(index)

        walk(QModelIndex())

    def _show_banner(self, ui: UiState) -> None:
        mark = ui["timeTravel"]
        if mark is not None:
            self.banner.setText(f"{PAST} SHOWING THE PAST — {mark['instanceId']} is at its state {mark['mode']} "
                                f"{mark['txnId']}. Press Latest (Alt+L) to return.")
        elif self.ctx.replay is not None and not self.ctx.replay.at_end:
            self.banner.setText(f"{PAST} REPLAY — showing the trace up to the cursor, not its end.")
        self.banner.setVisible(mark is not None or (self.ctx.replay is not None and not self.ctx.replay.at_end))

    def _enable_travel(self) -> None:
        f = self.facts
        live = self.ctx.runtime is not None
        can = live and f is not None and f.txn_id is not None
        self.before_button.setEnabled(can)
        self.after_button.setEnabled(can)
        self.latest_button.setEnabled(live and self.ctx.state.published()["timeTravel"] is not None)

    # -- actions ----------------------------------------------------------------------------------------------------

    def time_travel(self, which: TravelMode) -> None:
        f = self.facts
        if f is None or f.txn_id is None:
            return
        try:
            travel(self.ctx, f.instance_id, f.txn_id, which)
            self.travel_error.setVisible(False)
        except TimeTravelUnavailable as err:
            self.travel_error.setText(f"Cannot time travel: {err}")
            self.travel_error.setVisible(True)

    def back_to_latest(self) -> None:
        back_to_latest(self.ctx)
        self.travel_error.setVisible(False)

    def summary_text(self) -> str:
        """The summary as plain text (what a user reads)."""
        return self.summary.toPlainText()
