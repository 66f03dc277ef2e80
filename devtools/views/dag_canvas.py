"""A drawn dependency graph: boxes for fields, curved arrows for "feeds", on a zoomable, pannable QGraphicsView.

The positions come from devtools.model.dag_layout; this file only draws. A click on a box emits `node_clicked(key)`,
a right click `node_menu(key, global position)`; `select(key)` outlines a box and colours its edges (inputs blue,
outputs red); `mark(keys)` rings search matches; the wheel (or + / -) zooms around the pointer, a drag pans, 0 fits
the whole graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from ..model.dag_layout import Layout

__all__ = ["DagCanvas", "NodeLook", "NODE_W", "NODE_H"]

NODE_W = 160.0
NODE_H = 34.0
READABLE_SCALE = 0.6
"""Fitting a graph never shrinks it below this: box texts stay readable."""
_EDGE = QColor(138, 143, 152, 150)
_IN_EDGE = QColor("#1e88e5")
_OUT_EDGE = QColor("#e53935")
_MARK = QColor("#ffd54f")
_KEY = 0
"""The QGraphicsItem data slot holding a box's node key."""


@dataclass(frozen=True, slots=True)
class NodeLook:
    """How one node is drawn."""

    key: str
    title: str
    detail: str
    fill: str
    dashed: bool = False
    tooltip: str = ""


class _Box(QGraphicsRectItem):
    def __init__(self, look: NodeLook, centre: tuple[float, float], font: QFont) -> None:
        x, y = centre
        super().__init__(QRectF(x - NODE_W / 2, y - NODE_H / 2, NODE_W, NODE_H))
        self.key = look.key
        self.setData(_KEY, look.key)
        fill = QColor(look.fill)
        self.setBrush(QBrush(fill))
        self._pen = QPen(fill.darker(150), 1.2, Qt.PenStyle.DashLine if look.dashed else Qt.PenStyle.SolidLine)
        self.setPen(self._pen)
        self.setToolTip(look.tooltip or f"{look.key}\n{look.detail}")
        self.setZValue(2)
        metrics = QFontMetrics(font)
        small = QFont(font)
        small.setPointSizeF(max(6.0, font.pointSizeF() - 1.5))
        ink = QColor("white") if fill.lightness() < 170 else QColor("#1d1f23")
        for text, f, dy in ((look.title, font, -NODE_H / 2 + 3), (look.detail, small, 1)):
            fm = metrics if f is font else QFontMetrics(f)
            label = QGraphicsSimpleTextItem(fm.elidedText(text, Qt.TextElideMode.ElideLeft, int(NODE_W - 12)), self)
            label.setFont(f)
            label.setBrush(QBrush(ink))
            label.setPos(x - NODE_W / 2 + 6, y + dy)
            label.setData(_KEY, look.key)

    def outline(self, colour: QColor | None, width: float = 3.0) -> None:
        self.setPen(self._pen if colour is None else QPen(colour, width))


class DagCanvas(QGraphicsView):
    """Draws a laid-out graph; see the module docstring."""

    node_clicked = Signal(str)
    node_menu = Signal(str, QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.boxes: dict[str, _Box] = {}
        self.edges: list[tuple[str, str, QGraphicsPathItem, QGraphicsPolygonItem]] = []
        self.selected: str | None = None
        self.marked: set[str] = set()
        self._auto_fit = True
        """Fit again when resized, until the user zooms."""
        self._centre: str | None = None

    # -- content ----------------------------------------------------------------------------------------------------

    def show_graph(self, looks: Sequence[NodeLook], layout: Layout[str], centre: str | None = None) -> None:
        """Draw `looks` at the layout's positions with its edge routes, then fit the view (on `centre` when the
        whole graph does not fit legibly)."""
        scene = self.scene()
        scene.clear()
        self.boxes.clear()
        self.edges.clear()
        self.selected = None
        self.marked = set()
        font = QFont(self.font())
        for look in looks:
            box = _Box(look, layout.position[look.key], font)
            scene.addItem(box)
            self.boxes[look.key] = box
        for a, b, points in layout.routes:
            path, head = _route(points)
            line = scene.addPath(path, QPen(_EDGE, 1.4))
            arrow = scene.addPolygon(head, QPen(Qt.PenStyle.NoPen), QBrush(_EDGE))
            line.setZValue(1)
            arrow.setZValue(1)
            self.edges.append((a, b, line, arrow))
        margin = NODE_W
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-margin / 4, -NODE_H, margin / 4, NODE_H))
        self._auto_fit, self._centre = True, centre
        self._fit_on(centre)

    def _fit_on(self, centre: str | None) -> None:
        self.fit()
        if centre is not None and centre in self.boxes and not self.visible(centre):
            self.centre_on(centre)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._auto_fit and self.boxes:
            self._fit_on(self._centre)

    def clear_graph(self) -> None:
        self.scene().clear()
        self.boxes.clear()
        self.edges.clear()
        self.selected = None

    def select(self, key: str | None) -> None:
        """Outline `key`'s box and colour the edges into it (blue) and out of it (red); None clears."""
        if self.selected in self.boxes:
            self.boxes[self.selected].outline(_MARK if self.selected in self.marked else None)
        self.selected = key if key in self.boxes else None
        for a, b, line, arrow in self.edges:
            colour = _IN_EDGE if b == self.selected else _OUT_EDGE if a == self.selected else _EDGE
            line.setPen(QPen(colour, 2.6 if colour is not _EDGE else 1.4))
            arrow.setBrush(QBrush(colour))
            line.setZValue(1.5 if colour is not _EDGE else 1)
        if self.selected is not None:
            self.boxes[self.selected].outline(QColor(self.palette().highlight().color()).lighter(130), 3.5)

    def mark(self, keys: Iterable[str]) -> None:
        """Ring `keys` (search matches); the previous marks go."""
        for key in self.marked:
            if key in self.boxes and key != self.selected:
                self.boxes[key].outline(None)
        self.marked = {k for k in keys if k in self.boxes}
        for key in self.marked:
            if key != self.selected:
                self.boxes[key].outline(_MARK)

    def centre_on(self, key: str) -> None:
        box = self.boxes.get(key)
        if box is not None:
            self.centerOn(box)

    def fit(self) -> None:
        """The whole graph in view, between 1:1 (a small graph stays its size) and READABLE_SCALE (a large one
        stays legible: the rest is a drag or a zoom away)."""
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        scale = self.transform().m11()
        if scale > 1.0 or scale < READABLE_SCALE:
            self.resetTransform()
            if scale < READABLE_SCALE:
                self.scale(READABLE_SCALE, READABLE_SCALE)
            self.centerOn(rect.center())

    def zoom(self, factor: float) -> None:
        self._auto_fit = False
        scale = self.transform().m11() * factor
        if 0.05 <= scale <= 4.0:
            self.scale(factor, factor)

    def view_point_of(self, key: str) -> QPoint:
        """Where `key`'s box is drawn now, in viewport coordinates (what a click on it would hit)."""
        return self.mapFromScene(self.boxes[key].rect().center())

    def visible(self, key: str) -> bool:
        return self.viewport().rect().contains(self.view_point_of(key))

    # -- input ------------------------------------------------------------------------------------------------------

    def _key_at(self, pos: QPoint) -> str | None:
        for item in self.items(pos):
            key = item.data(_KEY)
            if isinstance(key, str):
                return key
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        key = self._key_at(event.position().toPoint())
        if key is not None and event.button() == Qt.MouseButton.LeftButton:
            self.node_clicked.emit(key)
            event.accept()
            return
        if key is not None and event.button() == Qt.MouseButton.RightButton:
            self.node_menu.emit(key, self.viewport().mapToGlobal(event.position().toPoint()))
            event.accept()
            return
        super().mousePressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom(1.15 if event.angleDelta().y() > 0 else 1 / 1.15)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.25)
        elif key == Qt.Key.Key_Minus:
            self.zoom(0.8)
        elif key == Qt.Key.Key_0:
            self._auto_fit = True
            self.fit()
        else:
            super().keyPressEvent(event)


def _route(points: list[tuple[float, float]]) -> tuple[QPainterPath, QPolygonF]:
    """A smooth path from the side of the first box to the side of the last one, through the bends, and its
    arrowhead."""
    half = NODE_W / 2
    (x0, y0), (x1, y1) = points[0], points[-1]
    rightward = points[1][0] >= x0 if len(points) > 1 else True
    start = QPointF(x0 + half if rightward else x0 - half, y0)
    end = QPointF(x1 - half if rightward else x1 + half, y1)
    inner = [QPointF(x, y) for x, y in points[1:-1]]
    path = QPainterPath(start)
    for p, q in zip([start, *inner], [*inner, end], strict=True):
        dx = (q.x() - p.x()) / 2
        path.cubicTo(QPointF(p.x() + dx, p.y()), QPointF(q.x() - dx, q.y()), q)
    tip = end
    back = -8.0 if rightward else 8.0
    head = QPolygonF([tip, QPointF(tip.x() + back, tip.y() - 4.5), QPointF(tip.x() + back, tip.y() + 4.5)])
    return path, head

