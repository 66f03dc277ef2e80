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

__all__ = ["StageTimeline", "STAGE_COLOURS", "Drawn", "Chip", "pack_rows", "MAX_ROWS"]

STAGE_COLOURS = {"submitted": "#b0bec5", "accepted": "#64b5f6", "committed": "#1e88e5", "observed": "#7e57c2",
                 "ready": "#43a047", "rejected": "#ef5350", "failed": "#e53935", "timed_out": "#fb8c00",
                 "cancelled": "#9e9e9e", "unknown": "#cfd8dc"}
_MARGIN = 12.0
_CHIP_H = 18.0
_ROW_GAP = 4.0
_CHIP_GAP = 4.0
_LABEL_H = 14.0
MAX_ROWS = 3
"""Rows of chips before a chip moves right of its time instead of down."""


@dataclass(frozen=True, slots=True)
class Drawn:
    """One piece of text the timeline drew, and where (what a user reads, for tests and for hit checks)."""

    text: str
    rect: QRectF


def pack_rows(spans: list[tuple[float, float]], right_edge: float, max_rows: int = MAX_ROWS,
              gap: float = _CHIP_GAP) -> list[tuple[int, float]]:
    """(row, left) of each (left, right) span, in the given order: at its own left on the first row where it
    fits; when `max_rows` are taken, just after the span that ends first (its tick still marks its time), unless
    that runs past `right_edge`, then on a new row."""
    ends: list[float] = []
    out: list[tuple[int, float]] = []
    for left, right in spans:
        width = right - left
        row = next((i for i, end in enumerate(ends) if end + gap <= left), None)
        if row is None and len(ends) >= max_rows:
            soonest = min(range(len(ends)), key=ends.__getitem__)
            if ends[soonest] + gap + width <= right_edge:
                row, left = soonest, ends[soonest] + gap
        if row is None:
            row = len(ends)
            ends.append(0.0)
        ends[row] = left + width
        out.append((row, left))
    return out


@dataclass(frozen=True, slots=True)
class Chip:
    """One chip: consecutive facts of one stage (`accepted ×2`), where it is drawn and the time it marks."""

    facts: tuple[int, ...]
    label: str
    x: float
    rect: QRectF


class StageTimeline(QWidget):
    """Stage chips of one operation on a time axis from submit; the deadline is a red line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.op: OperationInfo | None = None
        self.drawn: list[Drawn] = []
        """The text of the last paint."""
        self.setMinimumHeight(self._height_for(None))

    def show_operation(self, op: OperationInfo | None) -> None:
        self.op = op
        self.setMinimumHeight(self._height_for(op))
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.setMinimumHeight(self._height_for(self.op))  # a narrower pane may need another row of chips

    @staticmethod
    def _label(stage: str, late: bool, fenced: bool = False) -> str:
        return stage + (" (late)" if late else "") + (" (fenced)" if fenced else "")

    def _chips(self, op: OperationInfo, fm: QFontMetrics) -> list[Chip]:
        """Every fact as a chip (repeats of one stage in a row as one), placed without overlap, row 0 at y 0."""
        t0, span = op.submitted_ms, self._span(op)
        left, right = _MARGIN, max(_MARGIN + 1, self.width() - _MARGIN)
        groups: list[list[int]] = []
        order = sorted(range(len(op.facts)), key=lambda i: op.facts[i].at_ms)
        for i in order:
            last = op.facts[groups[-1][-1]] if groups else None
            f = op.facts[i]
            if last is not None and (last.stage, last.late, last.inferred, last.disposition == "fenced") == (
                    f.stage, f.late, f.inferred, f.disposition == "fenced"):
                groups[-1].append(i)
            else:
                groups.append([i])
        wanted = []
        for group in groups:
            f = op.facts[group[0]]
            label = self._label(f.stage, f.late, f.disposition == "fenced") + (f" ×{len(group)}" if len(group) > 1
                                                                                else "")
            x = left + (f.at_ms - t0) / span * (right - left)
            width = fm.horizontalAdvance(label) + 10
            wanted.append((tuple(group), label, x, max(left, min(x, right - width)), width))
        placed = pack_rows([(at, at + width) for *_, at, width in wanted], right)
        return [Chip(group, label, x, QRectF(at, row * (_CHIP_H + _ROW_GAP), width, _CHIP_H))
                for (group, label, x, _, width), (row, at) in zip(wanted, placed, strict=True)]

    @staticmethod
    def _span(op: OperationInfo) -> float:
        t_end = max([f.at_ms for f in op.facts] + [op.deadline_ms or op.submitted_ms]) - op.submitted_ms
        return max(t_end * 1.1, 1.0)

    def _height_for(self, op: OperationInfo | None) -> int:
        if op is None or not op.facts:  # one line of text: in a short pane the table keeps the height
            return self.fontMetrics().height() + 12
        return int(_LABEL_H + 8 + self._chips_height(self._chips(op, self.fontMetrics())) + 10 + _LABEL_H + 8)

    @staticmethod
    def _chips_height(chips: list[Chip]) -> float:
        return max((c.rect.bottom() for c in chips), default=_CHIP_H) + _ROW_GAP

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
        top = _LABEL_H + 8  # the deadline's label row is above the chips
        axis_y = top + self._chips_height(chips) + 6
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
        colours = [QColor("#9e9e9e") if op.facts[c.facts[0]].late or op.facts[c.facts[0]].disposition == "fenced"
                   else QColor(STAGE_COLOURS.get(op.facts[c.facts[0]].stage, "#cfd8dc")) for c in chips]
        for c, colour in zip(chips, colours, strict=True):  # the ticks first: no tick crosses a chip
            chip = c.rect.translated(0, top)
            p.setPen(QPen(colour.darker(130), 1))
            foot = min(max(c.x, chip.left() + 4), chip.right() - 4)  # a chip moved off its time points back to it
            p.drawLine(int(foot), int(chip.bottom()), int(c.x), int(axis_y))
        for c, colour in zip(chips, colours, strict=True):
            f = op.facts[c.facts[0]]
            chip = c.rect.translated(0, top)
            p.setPen(QPen(colour.darker(130), 1, Qt.PenStyle.DashLine if f.inferred else Qt.PenStyle.SolidLine))
            p.setBrush(QBrush(colour))
            p.drawRoundedRect(chip, 8, 8)
            p.setPen(QColor("black") if f.late or f.disposition == "fenced" or colour.lightness() > 150
                     else QColor("white"))
            self._text(p, chip, Qt.AlignmentFlag.AlignCenter, c.label)
        p.end()

    def _text(self, p: QPainter, rect: QRectF, align: Qt.AlignmentFlag, text: str) -> None:
        p.drawText(rect, int(align), text)
        drawn = p.boundingRect(rect, int(align), text)  # where the glyphs are, not the box they were given
        self.drawn.append(Drawn(text, drawn))
