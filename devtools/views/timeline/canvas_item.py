"""The timeline's one graphics item: blits a pixel buffer built off the paint path, plus a few text labels.

pyqtgraph slows past ~10k primitives per frame; this item draws one image whatever the number of events (the LOD
step already reduced every lane to at most one segment per pixel column), so a frame costs the same at 1,000 and at
1,000,000 events. `boundingRect()` is exactly the view range the buffer was built for: the buffer is rebuilt when
the range changes, and until then Qt just transforms the old one (a pan shows the previous frame shifted, never a
blank).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from .frame import Label

__all__ = ["LaneCanvasItem", "Label"]


class LaneCanvasItem(pg.GraphicsObject):  # type: ignore[misc]  # pyqtgraph ships no type information
    """Paints a precomputed ARGB32 buffer over a data-space rectangle; paint() does nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF(0.0, 0.0, 1.0, 1.0)
        self._image: QImage | None = None
        self._buffer: np.ndarray | None = None
        self._labels: list[Label] = []
        self._label_pen = QPen(QColor(20, 20, 20))
        self._font = QFont()
        self._font.setPointSizeF(8.0)
        self.frames = 0
        """Paint calls so far (benchmarks count frames with it)."""

    def set_frame(self, rect: QRectF, buffer: np.ndarray, labels: list[Label]) -> None:
        """Show `buffer` (height x width uint32 ARGB) over `rect`, with `labels` drawn on it."""
        height, width = buffer.shape
        self._buffer = np.ascontiguousarray(buffer)
        self._image = QImage(self._buffer.data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied)
        self._labels = labels
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter: QPainter, *_: object) -> None:
        self.frames += 1
        if self._image is None:
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(self._rect, self._image)
        if not self._labels:
            return
        # labels are placed in buffer pixels: map the rect's corner to the device and draw unscaled text there
        origin = painter.worldTransform().map(self._rect.topLeft())
        painter.save()
        painter.resetTransform()
        painter.setFont(self._font)
        painter.setPen(self._label_pen)
        for x, y, w, text in self._labels:
            painter.drawText(QRectF(origin.x() + x + 3, origin.y() + y, w - 6, 14),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        painter.restore()

    @property
    def buffer(self) -> np.ndarray | None:
        """The pixels last drawn (height x width ARGB32, premultiplied), as the user sees them unscaled."""
        return self._buffer

    def image_point(self, point: QPointF) -> tuple[int, int] | None:
        """The buffer pixel under a data-space point (hover and click), None outside."""
        if self._buffer is None or not self._rect.contains(point):
            return None
        height, width = self._buffer.shape
        col = int((point.x() - self._rect.left()) / self._rect.width() * width)
        row = int((point.y() - self._rect.top()) / self._rect.height() * height)
        return min(max(col, 0), width - 1), min(max(row, 0), height - 1)
