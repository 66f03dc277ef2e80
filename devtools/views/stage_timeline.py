"""One operation's stages as chips on a time axis from submit, the deadline as a red line.

Stages that follow each other within a few milliseconds (submitted, accepted, committed) sit at almost the same x:
drawn where they fall they cover each other. Each chip is placed at its time and, when that spot is taken, on the
next free row below, with a tick down to the axis; the deadline's label has a row of its own above the chips and
the axis labels sit below the axis, so no text lands on another.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QWidget

from ..model.runs import OperationInfo

__all__ = ["StageTimeline", "STAGE_COLOURS", "Drawn", "pack_rows"]

STAGE_COLOURS = {"submitted": "#b0bec5", "accepted": "#64b5f6", "committed": "#1e88e5", "observed": "#7e57c2",
                 "ready": "#43a047", "rejected": "#ef5350", "failed": "#e53935", "timed_out": "#fb8c00",
                 "cancelled": "#9e9e9e", "unknown": "#cfd8dc"}
_MARGIN = 12.0
_CHIP_H = 18.0
_ROW_GAP = 4.0
_CHIP_GAP = 4.0
_LABEL_H = 14.0


@dataclass(frozen=True, slots=True)
class Drawn:
    """One piece of text the timeline drew, and where (what a user reads, for tests and for hit checks)."""

    text: str
    rect: QRectF


def pack_rows(spans: list[tuple[float, float]], gap: float = _CHIP_GAP) -> list[int]:
    """The row of each (left, right) span, in the given order: the first row whose last span ends `gap` before
    it starts."""
    ends: list[float] = []
    rows: list[int] = []
    for left, right in spans:
        row = next((i for i, end in enumerate(ends) if end + gap <= left), len(ends))
        if row == len(ends):
            ends.append(right)
        else:
            ends[row] = right
        rows.append(row)
    return rows


class StageTimeline(QWidget):
    """Stage chips of one operation on a time axis from submit; the deadline is a red line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.op: OperationInfo | None = None
        self.drawn: list[Drawn] = []
        """The text of the last paint."""
        self.setMinimumHeight(90)

    def show_operation(self, op: OperationInfo | None) -> None:
        self.op = op
        self.setMinimumHeight(self._height_for(op))
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.setMinimumHeight(self._height_for(self.op))  # a narrower pane may need another row of chips

    @staticmethod
    def _label(stage: str, late: bool) -> str:
        return stage + (" (late)" if late else "")

    def _chips(self, op: OperationInfo, fm: QFontMetrics) -> list[tuple[int, QRectF]]:
        """(fact index, chip rect at row 0) for every fact, sorted by time."""
        t0 = op.submitted_ms
        span = self._span(op)
        left, right = _MARGIN, max(_MARGIN + 1, self.width() - _MARGIN)
        out = []
        for i, f in sorted(enumerate(op.facts), key=lambda kv: kv[1].at_ms):
            x = left + (f.at_ms - t0) / span * (right - left)
            width = fm.horizontalAdvance(self._label(f.stage, f.late)) + 10
            out.append((i, QRectF(max(left, min(x, right - width)), 0, width, _CHIP_H)))
        return out

    @staticmethod
    def _span(op: OperationInfo) -> float:
        t_end = max([f.at_ms for f in op.facts] + [op.deadline_ms or op.submitted_ms]) - op.submitted_ms
        return max(t_end * 1.1, 1.0)

    def _height_for(self, op: OperationInfo | None) -> int:
        if op is None or not op.facts:
            return 90
        rows = max(pack_rows([(r.left(), r.right()) for _, r in self._chips(op, self.fontMetrics())]), default=0)
        return int(_LABEL_H + 8 + (rows + 1) * (_CHIP_H + _ROW_GAP) + 10 + _LABEL_H + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        self.drawn = []
        op = self.op
        if op is None or not op.facts:
            p.setPen(pal.text().color())
            text = "Select an operation to see its stages."
            p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), text)
            self.drawn.append(Drawn(text, QRectF(self.rect())))
            p.end()
            return
        fm = p.fontMetrics()
        chips = self._chips(op, fm)
        rows = pack_rows([(r.left(), r.right()) for _, r in chips])
        top = _LABEL_H + 8  # the deadline's label row is above the chips
        axis_y = top + (max(rows, default=0) + 1) * (_CHIP_H + _ROW_GAP) + 6
        t0, span = op.submitted_ms, self._span(op)
        left, right = _MARGIN, max(_MARGIN + 1, self.width() - _MARGIN)

        def x_of(t: float) -> float:
            return left + (t - t0) / span * (right - left)

        if op.deadline_ms is not None:  # first, so the chips it crosses stay readable on top of it
            x = x_of(op.deadline_ms)
            p.setPen(QPen(QColor("#d32f2f"), 2))
            p.drawLine(int(x), 4, int(x), int(axis_y))  # down to the axis, never into its labels
            label = f"deadline +{op.deadline_ms - t0:.0f} ms"
            width = fm.horizontalAdvance(label) + 6
            at = x + 4 if x + 4 + width <= self.width() else x - 4 - width  # beside the line, inside the widget
            self._text(p, QRectF(at, 2, width, _LABEL_H), Qt.AlignmentFlag.AlignLeft, label)
        p.setPen(QPen(pal.text().color(), 1))
        p.drawLine(int(left), int(axis_y), int(right), int(axis_y))
        self._text(p, QRectF(left, axis_y + 3, 120, _LABEL_H), Qt.AlignmentFlag.AlignLeft, "submit")
        self._text(p, QRectF(right - 120, axis_y + 3, 120, _LABEL_H), Qt.AlignmentFlag.AlignRight,
                   f"+{span:.0f} ms")
        for (i, chip), row in zip(chips, rows, strict=True):
            f = op.facts[i]
            chip = chip.translated(0, top + row * (_CHIP_H + _ROW_GAP))
            colour = QColor("#9e9e9e") if f.late else QColor(STAGE_COLOURS.get(f.stage, "#cfd8dc"))
            p.setPen(QPen(colour.darker(130), 1, Qt.PenStyle.DashLine if f.inferred else Qt.PenStyle.SolidLine))
            p.setBrush(QBrush(colour))
            p.drawRoundedRect(chip, 8, 8)
            p.setPen(QColor("black") if f.late or colour.lightness() > 150 else QColor("white"))
            self._text(p, chip, Qt.AlignmentFlag.AlignCenter, self._label(f.stage, f.late))
            x = x_of(f.at_ms)
            p.setPen(QPen(colour.darker(130), 1))
            p.drawLine(int(x), int(chip.bottom()), int(x), int(axis_y))
        p.end()

    def _text(self, p: QPainter, rect: QRectF, align: Qt.AlignmentFlag, text: str) -> None:
        p.drawText(rect, int(align), text)
        drawn = p.boundingRect(rect, int(align), text)  # where the glyphs are, not the box they were given
        self.drawn.append(Drawn(text, drawn))
