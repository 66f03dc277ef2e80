"""A dependency graph beside the panel of its selected field: what both causality pages show.

`show(graph, looks, store)` lays the graph out (devtools.model.dag_layout; in a worker thread when it is large, the
canvas says so meanwhile and the event loop goes on) and draws it; a click on a field, or on a field in the
panel's lists, selects it: outlined, its edges coloured, the panel filled. `status_of(key)` (set by the page) adds
what the shown transaction did to that field to the panel's title.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QStackedLayout, QVBoxLayout, QWidget

from runtime.trace import EventStore

from ..model.dag_layout import Layout, layered_layout
from ..model.ir_graph import IrGraph
from .dag_canvas import DagCanvas, NodeLook
from .field_detail import FieldDetail

__all__ = ["GraphPanel", "INLINE_LAYOUT_NODES"]

INLINE_LAYOUT_NODES = 300
"""Graphs up to this many fields are laid out at once; larger ones in a worker thread."""
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tickscope-dag-layout")


class GraphPanel(QWidget):
    """Canvas + field panel; see the module docstring."""

    field_selected = Signal(str)
    txn_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = DagCanvas()
        self.canvas.setObjectName("dagCanvas")
        self.waiting = QLabel("")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting.setWordWrap(True)
        self.detail = FieldDetail()
        self.detail.setMinimumWidth(170)
        self.detail.setMaximumWidth(280)
        holder = QWidget()
        self._stack = QStackedLayout(holder)
        self._stack.addWidget(self.canvas)
        self._stack.addWidget(self.waiting)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(holder)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([730, 270])  # shares: the graph gets most of whatever width the pane has
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.graph: IrGraph | None = None
        self.layout_result: Layout[str] | None = None
        self.store: EventStore | None = None
        self.selected: str | None = None
        self.status_of: Callable[[str], str] = lambda _key: ""
        self._looks: Sequence[NodeLook] = ()
        self._keep: str | None = None
        self._centre: str | None = None
        self._job: Future[Layout[str]] | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(30)
        self._poll.timeout.connect(self._check_job)
        self.canvas.node_clicked.connect(self.select)
        self.detail.field_chosen.connect(self.select)
        self.detail.txn_chosen.connect(self.txn_chosen.emit)

    @property
    def busy(self) -> bool:
        """True while a large graph is being laid out."""
        return self._job is not None

    def show_graph(self, graph: IrGraph, looks: Sequence[NodeLook], store: EventStore,
                   keep: str | None = None, centre: str | None = None) -> None:
        """Draw `graph` with `looks` (one per node, in node order); `keep` stays selected when still shown; the
        view shows `centre` when the whole graph does not fit."""
        self.graph, self._looks, self.store = graph, looks, store
        self._keep, self._centre = keep, centre
        nodes, edges = list(graph.nodes), list(graph.edges)
        if self._job is not None:
            self._job.cancel()
            self._job = None
        if len(nodes) <= INLINE_LAYOUT_NODES:
            self._draw(layered_layout(nodes, edges), keep)
            return
        self.waiting.setText(f"Laying out {len(nodes):,} fields and {len(edges):,} edges…")
        self._stack.setCurrentWidget(self.waiting)
        self._job = _POOL.submit(layered_layout, nodes, edges)
        self._poll.start()

    def clear(self, message: str) -> None:
        """Nothing to draw: `message` says why."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
        self.graph = None
        self.selected = None
        self.canvas.clear_graph()
        self.waiting.setText(message)
        self._stack.setCurrentWidget(self.waiting)
        self.detail.title.setText("")
        for lst in (self.detail.fed_by, self.detail.feeds, self.detail.txns):
            lst.clear()
        self.detail.txns_label.setText("")

    def _check_job(self) -> None:
        job = self._job
        if job is None or not job.done():
            return
        self._poll.stop()
        self._job = None
        if not job.cancelled():
            self._draw(job.result(), self._keep)

    def _draw(self, result: Layout[str], keep: str | None) -> None:
        self.layout_result = result
        self._stack.setCurrentWidget(self.canvas)
        self.canvas.show_graph(self._looks, result, self._centre)
        self.select(keep if keep is not None and self.graph is not None and keep in self.graph.nodes else None)

    def select(self, key: str | None) -> None:
        """Select `key` (None: nothing): outlined in the graph, its panel filled."""
        graph, store = self.graph, self.store
        if graph is None or store is None:
            return
        if key is not None and key not in graph.nodes:
            return
        self.selected = key
        self.canvas.select(key)
        if key is not None and not self.canvas.visible(key):
            self.canvas.centre_on(key)
        self.detail.show_field(graph, key, store, self.status_of(key) if key is not None else "")
        if key is not None:
            self.field_selected.emit(key)
