"""The operations pane: every backend operation, and a stage timeline of the selected one.

Table columns: command, kind, target, run (linkId), stage chip, accepted->committed->observed->ready times, time
left to the deadline ("stalling" once 80 % is used), late and detached flags. The detail draws the operation's
stages as chips on a time axis from submit, the deadline as a red line, and late facts in grey after the terminal
marker; below it the raw fact log (source, attempt, version, error, and what a fact that changed nothing was:
fenced, duplicate, unknown or ignored). A fenced fact (from a superseded observer attempt) is a grey `(fenced)` chip
and counts in the flags column. Operations come from the shared timeline model
(devtools.model.runs.OperationIndex).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QTableWidgetItem, QTextBrowser, QWidget

from runtime.trace import EventStore

from ..app.context import DevtoolsContext
from ..model.runs import OperationInfo
from .stage_timeline import STAGE_COLOURS, StageTimeline
from .table_pane import MIN_LOG_HEIGHT, KeyedTablePane, detail_column, fill_table, lay_out_table_pane
from .tables import readonly_table

__all__ = ["OperationsPane", "StageTimeline", "STAGE_COLOURS", "STALLING_RATIO"]

STALLING_RATIO = 0.8
_COLUMNS = ("command", "kind", "target", "run", "stage", "stage times", "deadline", "flags")


def stage_steps(op: OperationInfo) -> str:
    """`accepted +12.0 ms committed +30.5 ms ...`: each stage and the time since the previous one."""
    times = op.stage_times()
    parts = [times[0][0]] if times else []
    for (_, ta), (b, tb) in zip(times, times[1:], strict=False):
        parts.append(f"+{tb - ta:.1f} ms {b}")
    return " ".join(parts)


def deadline_text(op: OperationInfo, now_ms: float) -> str:
    if op.deadline_ms is None:
        return ""
    if op.terminal:
        end = op.stage_times()[-1][1] if op.stage_times() else now_ms
        return "met" if end <= op.deadline_ms or op.stage != "timed_out" else "missed"
    total = op.deadline_ms - op.submitted_ms
    left = op.deadline_ms - now_ms
    used = 1.0 - left / total if total > 0 else 1.0
    return f"{left:.0f} ms left" + (" · stalling" if used >= STALLING_RATIO else "")


def _flags(op: OperationInfo) -> str:
    fenced = len(op.facts_with("fenced"))
    return ", ".join(x for x in ("late" if op.late_facts else "", "detached" if op.detached else "",
                                 f"late: {op.late_resolution}" if op.late_resolution else "",
                                 f"fenced ×{fenced}" if fenced else "") if x)


class OperationsPane(KeyedTablePane):
    """Operations table, stage timeline and fact log."""

    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.table = readonly_table(_COLUMNS)
        self.table.setWordWrap(False)  # a command id is one token: cut in its middle, whole in its tooltip
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.currentCellChanged.connect(lambda r, *_: self._show_detail(r))
        self.table.cellClicked.connect(self._clicked)
        self.stages = StageTimeline()
        self.facts = QTextBrowser()
        self.facts.setMinimumHeight(MIN_LOG_HEIGHT)  # its own minimum would take the table's rows in a short pane
        self.empty = QLabel("No operations yet: backend writes appear here once submitted.")
        lay_out_table_pane(self, self.empty, self.table, detail_column(self.stages, (self.facts, 1)),
                           Qt.Orientation.Vertical, table_share=0.6)
        self._follow_ui(lambda key: self.model.operations.ops[key].instance_id, EventStore.command_of)

    def _now_ms(self) -> float:
        store = self.source.store
        return float(store.ts[len(store) - 1]) if len(store) else 0.0

    def refresh(self, force: bool = False) -> None:
        """Refill the table from the operations model (while hidden, at most every HIDDEN_REFRESH_MS unless forced)."""
        ops = self.model.operations
        if not self._refresh.due(ops.version, force):
            return
        current = self.selected_command()
        all_ops = ops.in_order()
        self._show_keys([o.command_id for o in all_ops])
        now = self._now_ms()

        def dress(r: int, c: int, item: QTableWidgetItem) -> None:
            item.setToolTip(item.text())
            if c == 4:
                item.setBackground(QBrush(QColor(STAGE_COLOURS.get(all_ops[r].stage, "#cfd8dc"))))
                item.setForeground(QBrush(QColor("white")))

        fill_table(self.table, [(op.command_id, op.op_kind or "", op.target or "", op.link_id or "", op.stage,
                                 stage_steps(op), deadline_text(op, now), _flags(op)) for op in all_ops], dress)
        self.scoped.apply(self._keys)
        if current in self._keys:
            self.select_operation(current)

    def selected_command(self) -> str | None:
        return self.selected_key()

    def select_key(self, key: str) -> None:
        self.select_operation(key)

    def select_operation(self, command_id: str) -> None:
        if command_id in self._keys:
            r = self._keys.index(command_id)
            self.table.setCurrentCell(r, 0)
            self._show_detail(r)

    def _show_detail(self, r: int) -> None:
        if not 0 <= r < len(self._keys):
            self.stages.show_operation(None)
            self.facts.clear()
            return
        op = self.model.operations.ops[self._keys[r]]
        self.stages.show_operation(op)
        rows = ["<table cellspacing=4><tr><th>+ms</th><th>stage</th><th>source</th><th>attempt</th>"
                "<th>version</th><th>note</th></tr>"]
        for f in op.facts:
            note = " ".join(x for x in (f.disposition or "", "late" if f.late else "", "inferred" if f.inferred else "",
                                        f"{f.error.get('code', '')} {f.error.get('message', '')}" if f.error else "")
                            if x)
            rows.append(f"<tr><td>{f.at_ms - op.submitted_ms:.1f}</td><td>{f.stage}</td><td>{f.source or ''}</td>"
                        f"<td>{'' if f.attempt is None else f.attempt}</td>"
                        f"<td>{'' if f.version is None else f.version}</td><td>{note}</td></tr>")
        rows.append("</table>")
        self.facts.setHtml("".join(rows))

    def _clicked(self, r: int, _c: int) -> None:
        if 0 <= r < len(self._keys):
            op = self.model.operations.ops[self._keys[r]]
            if op.facts:
                self.ctx.state.select_row(op.facts[0].row)
