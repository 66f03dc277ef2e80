"""The overview strip: transactions per time bucket over the whole session, coloured ok / warn / danger.

A legend under the bars names the three levels and sums up what is shown; it wraps onto a second line rather than
being cut when the strip is narrow. A click on a bar sets the shared time range (`ctx.state.set_time_range`, epoch
ms) to that bucket; a drag sets it to the dragged interval; a double click clears it. Following live is switched off
by either, since the user asked for a fixed window. The chosen range is drawn as a light box.

The strip follows the shared selection like every pane: it counts the transactions of the sidebar's scope only (the
time axis stays the whole session), and marks the selected event's time with the selection colour.
Recomputed at most every REFRESH_MS while events stream in.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from ..app.context import DevtoolsContext
from ..model.density import LEVELS, TXN_PER_SECOND_DANGER, TXN_PER_SECOND_WARN, Density, density
from ..model.scope import EVERYTHING, Scope, scope_of
from ..model.time_units import format_duration
from ..state import UiState, time_range_of
from .legend import Legend, LegendItem

__all__ = ["OverviewStrip", "LEVEL_COLOURS", "REFRESH_MS"]

REFRESH_MS = 250
LEVEL_COLOURS = (QColor("#43a047"), QColor("#fb8c00"), QColor("#e53935"))
SELECTION_COLOUR = QColor(255, 64, 129)
"""The selected event's mark, the same colour as the timeline's selection line."""
_DRAG_PX = 4
BARS_MIN_PX = 28
"""The bars keep at least this height however many lines the legend needs."""
LEVEL_ITEMS = (
    LegendItem(f"< {TXN_PER_SECOND_WARN:g} txn/s", LEVEL_COLOURS[0].rgba(), tip="a calm bucket"),
    LegendItem(f"≥ {TXN_PER_SECOND_WARN:g} txn/s", LEVEL_COLOURS[1].rgba(), tip="a busy bucket (warn)"),
    LegendItem(f"≥ {TXN_PER_SECOND_DANGER:g} txn/s", LEVEL_COLOURS[2].rgba(), tip="a bucket at a dangerous rate"),
)


class OverviewStrip(QWidget):
    """Density bars of transactions per bucket; click or drag to choose the time range."""

    rangeChosen = Signal(float, float)
    """The user chose [start, end] (epoch ms)."""

    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.density: Density | None = None
        self.legend = Legend(LEVEL_ITEMS, self)
        self.legend.setObjectName("overviewLegend")
        self.caption = self.legend.add(LegendItem("", 0, "none", tip="what the bars count"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)  # the bars are painted in the room above the legend
        layout.addWidget(self.legend)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(BARS_MIN_PX + self.legend.heightForWidth(600))
        self.setMouseTracking(True)
        self.setToolTip("Transactions per time bucket. Click a bar to look at it, drag to choose a range, "
                        "double-click to clear.")
        self._press: QPointF | None = None
        self._drag_to: QPointF | None = None
        self._range_ms: tuple[float, float] | None = None
        self._scope: Scope = EVERYTHING
        self.selected_ms: float | None = None
        """Epoch ms of the selected event, marked on the strip (None: nothing selected)."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        ctx.bind(self, ctx.events, self._rows_changed)
        ctx.bind(self, ctx.state.topic, self._ui_changed)
        self.refresh()

    # -- data -------------------------------------------------------------------------------------------------------

    def _rows_changed(self, _count: int) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        """Recount the buckets from the visible rows of the scope."""
        feed = self.ctx.events
        code = feed.store.labels.find("state:update")
        n = len(feed)
        if code is None or n == 0:
            self.density = None
        else:
            ts = feed.column("ts")
            txn = feed.column("label") == code
            if not self._scope.everything:
                codes = [feed.store.instances.find(i) for i in self._scope.instances or ()]
                txn &= np.isin(feed.column("instance"), np.asarray([c for c in codes if c is not None], np.uint32))
            txn_ts = ts[txn]
            self.density = density(txn_ts, float(ts[0]), float(ts[n - 1]), max_buckets=max(8, self.width() // 6),
                                   warn=TXN_PER_SECOND_WARN, danger=TXN_PER_SECOND_DANGER) if txn_ts.size else None
        self.caption.set_text(self._caption())
        self.update()

    def _caption(self) -> str:
        d = self.density
        of = "" if self._scope.everything else \
            f" of {next(iter(self._scope.instances or ()))}" if len(self._scope.instances or ()) == 1 else " in scope"
        if d is None:
            return f"no transactions{of} yet"
        extent_s = d.width_ms * len(d.counts) / 1000.0
        return (f"{int(d.counts.sum()):,} transactions{of} over {format_duration(extent_s)} · "
                f"{format_duration(d.width_ms / 1000.0)} buckets · peak {d.rate(int(np.argmax(d.counts))):.0f}/s")

    def resizeEvent(self, event: QResizeEvent) -> None:
        # the legend may need another line at this width; the bars keep their minimum above it
        self.setMinimumHeight(BARS_MIN_PX + self.legend.heightForWidth(event.size().width()))
        super().resizeEvent(event)

    def _ui_changed(self, ui: UiState) -> None:
        self._range_ms = time_range_of(ui)
        store, row = self.ctx.events.store, ui["selectedRow"]
        self.selected_ms = float(store.ts[row]) if row is not None and 0 <= row < len(store) else None  # <0: let go
        scope = scope_of(store, ui["selection"])
        if scope != self._scope:
            self._scope = scope
            self.refresh()
        self.update()

    def selected_x(self) -> float | None:
        """Where the selected event is marked (widget x), None when nothing is selected or it is off the strip."""
        if self.selected_ms is None or self.density is None:
            return None
        x = self._x_of(self.selected_ms)
        rect = self.plot_rect()
        return x if rect.left() <= x <= rect.right() else None

    # -- geometry ---------------------------------------------------------------------------------------------------

    def plot_rect(self) -> QRectF:
        """Where the bars are drawn, in widget coordinates (the legend holds the rest)."""
        return QRectF(4.0, 4.0, max(1.0, self.width() - 8.0), max(1.0, self.legend.y() - 6.0))

    def bucket_at(self, x: float) -> int | None:
        """The bucket under widget x, None outside the bars."""
        d = self.density
        rect = self.plot_rect()
        if d is None or not rect.left() <= x < rect.right():
            return None
        return min(len(d.counts) - 1, int((x - rect.left()) / rect.width() * len(d.counts)))

    def _time_at(self, x: float) -> float | None:
        d = self.density
        if d is None:
            return None
        rect = self.plot_rect()
        frac = min(max((x - rect.left()) / rect.width(), 0.0), 1.0)
        return d.t0_ms + frac * d.width_ms * len(d.counts)

    def _x_of(self, t_ms: float) -> float:
        d = self.density
        rect = self.plot_rect()
        assert d is not None
        return rect.left() + (t_ms - d.t0_ms) / (d.width_ms * len(d.counts)) * rect.width()

    # -- input ------------------------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            self._drag_to = None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and abs(event.position().x() - self._press.x()) >= _DRAG_PX:
            self._drag_to = event.position()
            self.update()
        i = self.bucket_at(event.position().x())
        if i is not None and self.density is not None:
            d = self.density
            self.setToolTip(f"{int(d.counts[i])} transactions in {d.width_ms:g} ms "
                            f"({d.rate(i):.0f}/s, {LEVELS[int(d.levels[i])]})")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        press, self._press = self._press, None
        if self._drag_to is not None:
            a, b = self._time_at(press.x()), self._time_at(event.position().x())
            self._drag_to = None
            if a is not None and b is not None and a != b:
                self._choose(min(a, b), max(a, b))
            return
        i = self.bucket_at(press.x())
        if i is not None and self.density is not None:
            self._choose(*self.density.bucket_span(i))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.ctx.state.set_time_range(None)

    def _choose(self, start_ms: float, end_ms: float) -> None:
        self.ctx.state.set_follow(False)
        self.ctx.state.set_time_range((start_ms, end_ms))
        self.rangeChosen.emit(start_ms, end_ms)

    # -- painting ---------------------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        rect = self.plot_rect()
        d = self.density
        p.setPen(pal.text().color())
        if d is None:
            p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), "Overview: no transactions yet")
            p.end()
            return
        n = len(d.counts)
        peak = max(int(d.counts.max()), 1)
        bar_w = rect.width() / n
        heights = d.counts / peak * rect.height()
        for level in range(3):
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(LEVEL_COLOURS[level])
            for i in np.nonzero((d.levels == level) & (d.counts > 0))[0].tolist():
                h = max(1.0, float(heights[i]))
                p.drawRect(QRectF(rect.left() + i * bar_w + 0.5, rect.bottom() - h, max(1.0, bar_w - 1.0), h))
        if self._range_ms is not None:
            x0, x1 = self._x_of(self._range_ms[0]), self._x_of(self._range_ms[1])
            p.setBrush(QColor(61, 111, 182, 50))
            p.setPen(QPen(QColor(61, 111, 182), 1))
            p.drawRect(QRectF(x0, rect.top(), max(2.0, x1 - x0), rect.height()))
        selected = self.selected_x()
        if selected is not None:
            p.setPen(QPen(SELECTION_COLOUR, 2))
            p.drawLine(QPointF(selected, rect.top()), QPointF(selected, rect.bottom()))
        if self._press is not None and self._drag_to is not None:
            p.setBrush(QColor(255, 64, 129, 50))
            p.setPen(Qt.PenStyle.NoPen)
            a, b = sorted((self._press.x(), self._drag_to.x()))
            p.drawRect(QRectF(a, rect.top(), b - a, rect.height()))
        p.end()
