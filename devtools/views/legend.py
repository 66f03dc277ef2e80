"""A legend that lays itself out: swatches with names that wrap onto more lines instead of being cut off.

Each swatch is drawn the way its pane draws the thing it names (a filled box for a span colour, an outlined box for
an outline, a dashed line with a cap for a marker, a ramp for density), so a mark cannot be read as another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from .flow_layout import FlowLayout

__all__ = ["Legend", "LegendEntry", "LegendItem", "SwatchStyle"]

SwatchStyle = Literal["fill", "outline", "marker", "ramp", "none"]
SWATCH_PX = 12


@dataclass(frozen=True, slots=True)
class LegendItem:
    """One entry: its name, the ARGB colour and how the pane draws it, and what it means."""

    name: str
    colour: int
    style: SwatchStyle = "fill"
    tip: str = ""
    when: frozenset[str] = frozenset()
    """Shown only while one of these is drawn (lane kinds of the timeline); empty: always."""


class _Swatch(QWidget):
    def __init__(self, colour: int, style: SwatchStyle, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = QColor.fromRgba(colour)
        self.swatch_style = style
        self.setFixedSize(SWATCH_PX, SWATCH_PX)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        r = QRectF(1.0, 1.0, SWATCH_PX - 2.0, SWATCH_PX - 2.0)
        if self.swatch_style == "fill":
            p.fillRect(r, self.colour)
        elif self.swatch_style == "outline":
            p.setPen(QPen(self.colour, 2))
            p.drawRect(r.adjusted(1, 1, -1, -1))
        elif self.swatch_style == "ramp":
            ramp = QLinearGradient(r.topLeft(), r.topRight())
            faint = QColor(self.colour)
            faint.setAlphaF(0.3)
            ramp.setColorAt(0.0, faint)
            ramp.setColorAt(1.0, self.colour)
            p.fillRect(r, ramp)
        else:  # marker: a cap and a dashed line, as the timeline draws deadlines
            mid = SWATCH_PX / 2
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self.colour)
            p.drawPolygon(QPolygonF([QPointF(mid - 3, 0), QPointF(mid + 3, 0), QPointF(mid, 4)]))
            pen = QPen(self.colour, 1.5)
            pen.setDashPattern([2.0, 1.5])
            p.setPen(pen)
            p.drawLine(QPointF(mid, 4), QPointF(mid, SWATCH_PX))
        p.end()


class LegendEntry(QWidget):
    """A swatch and its name; the name is never elided (the flow layout wraps instead)."""

    def __init__(self, item: LegendItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legendEntry")
        self.item = item
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        if item.style != "none":
            layout.addWidget(_Swatch(item.colour, item.style, self))
        self.label = QLabel(item.name, self)
        layout.addWidget(self.label)
        self.setToolTip(item.tip or item.name)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    @property
    def text(self) -> str:
        return self.label.text()

    def set_text(self, text: str) -> None:
        if text != self.label.text():
            self.label.setText(text)
            self.updateGeometry()  # a longer caption may need the next line
            legend = self.parentWidget()
            if legend is not None:
                legend.updateGeometry()


class Legend(QWidget):
    """Entries in a FlowLayout: as many lines as the width needs, each entry whole."""

    def __init__(self, items: Sequence[LegendItem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legend")
        self.flow = FlowLayout(self, h_spacing=8)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)  # a key, not content: a little smaller than the panes' text
        self.setFont(font)
        self.entries: list[LegendEntry] = []
        for item in items:
            self.add(item)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def add(self, item: LegendItem) -> LegendEntry:
        entry = LegendEntry(item, self)
        self.flow.addWidget(entry)
        self.entries.append(entry)
        return entry

    def show_for(self, drawn: set[str]) -> None:
        """Show the entries that name something drawn (an entry without `when` always shows)."""
        changed = False
        for entry in self.entries:
            wanted = not entry.item.when or bool(entry.item.when & drawn)
            if entry.isHidden() == wanted:
                entry.setVisible(wanted)
                changed = True
        if changed:
            self.updateGeometry()  # the parent layout must ask again how many lines the entries take

    def visible_names(self) -> list[str]:
        return [e.text for e in self.entries if not e.isHidden()]

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self.flow.heightForWidth(width)
