"""The module IR page: the whole static IR of a module as a dependency graph, navigable when it is large.

Pick a module's IR; type in the search box to ring the matching fields (Enter selects the next match and brings it
into view); "Focus" keeps the selected field's neighbourhood of n hops ("Whole graph" undoes it); the collapse box
merges every field under the prefixes it lists (comma separated) into one node, and a right click on a field
offers the same for its parent prefix (and "Expand" on a merged node). The wheel zooms, a drag pans, 0 fits.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..app.context import DevtoolsContext
from ..model.ir_graph import GROUP, IrGraph
from ..model.txn_causality import ir_graph_of
from .flow_layout import FlowLayout
from .causality_style import KIND_FILL, ir_looks, legend_html
from .graph_panel import GraphPanel

__all__ = ["IrGraphPage"]


class IrGraphPage(QWidget):
    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.module_box = QComboBox()
        self.module_box.setObjectName("irModule")
        self.module_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.module_box.setMinimumContentsLength(14)
        self.module_box.currentIndexChanged.connect(lambda _i: self.rebuild())
        self.search = QLineEdit()
        self.search.setObjectName("irSearch")
        self.search.setPlaceholderText("Search a field…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.search.returnPressed.connect(self.next_match)
        self.hops = QSpinBox()
        self.hops.setRange(1, 8)
        self.hops.setValue(2)
        self.hops.setSuffix(" hops")
        self.focus_button = QPushButton("Focus")
        self.focus_button.setToolTip("Keep only the selected field and its neighbours within n hops")
        self.focus_button.clicked.connect(self._focus_selected)
        self.whole_button = QPushButton("Whole graph")
        self.whole_button.clicked.connect(lambda: self.focus_on(None))
        self.collapse = QLineEdit()
        self.collapse.setObjectName("irCollapse")
        self.collapse.setPlaceholderText("Collapse prefixes: items, form.address")
        self.collapse.editingFinished.connect(self.rebuild)
        self.status = QLabel()
        self.status.setObjectName("irStatus")
        self.panel = GraphPanel()
        self.panel.canvas.node_menu.connect(self.node_menu)
        self.panel.txn_chosen.connect(self._select_txn)
        self.panel.field_selected.connect(lambda _k: self._show_status())
        bar = QWidget()  # its controls wrap onto a second line in a narrow window, they never widen it
        flow = FlowLayout(bar, h_spacing=6, v_spacing=4)
        for w, width in ((self.module_box, 0), (self.search, 150), (self.hops, 0), (self.focus_button, 0),
                         (self.whole_button, 0), (self.collapse, 210)):
            if width:
                w.setFixedWidth(width)
            flow.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(bar)
        self.legend = QLabel(legend_html({k: v for k, v in KIND_FILL.items() if k != "step"}))
        self.legend.setWordWrap(True)
        layout.addWidget(self.legend)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.status)
        self.full: IrGraph | None = None
        """The IR's whole graph (collapsed as asked); what is drawn may be a neighbourhood of it."""
        self.focus: str | None = None
        self.matches: list[str] = []
        self._match_at = -1
        self._digests: list[str] = []
        ctx.bind(self, ctx.events, lambda _rows: self._refresh_modules())

    # -- modules ----------------------------------------------------------------------------------------------------

    def _refresh_modules(self) -> None:
        store = self.ctx.events.store
        digests = list(store.static_irs)
        if digests == self._digests:
            return
        current = self.current_digest()
        self._digests = digests
        self.module_box.blockSignals(True)
        self.module_box.clear()
        for digest in digests:
            export = store.static_irs[digest]
            steps = len(export.get("stepOutFieldPathIdByStepId") or [])
            self.module_box.addItem(f"{export.get('moduleId')} · {steps} steps · {digest.split(':')[-1]}", digest)
        self.module_box.setCurrentIndex(digests.index(current) if current in digests else 0)
        self.module_box.blockSignals(False)
        if self.current_digest() != current or self.full is None:
            self.rebuild()

    def current_digest(self) -> str | None:
        digest = self.module_box.currentData()
        return digest if isinstance(digest, str) else None

    def show_module(self, module_id: str) -> bool:
        """Show the (first) IR of `module_id`; False when the store has none."""
        self._refresh_modules()
        for i in range(self.module_box.count()):
            digest = self.module_box.itemData(i)
            if self.ctx.events.store.static_irs[digest].get("moduleId") == module_id:
                self.module_box.setCurrentIndex(i)
                return True
        return False

    # -- drawing ----------------------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh_modules()

    def rebuild(self) -> None:
        """Build the graph of the chosen IR, collapsed as the collapse box says, and draw it (or its focus)."""
        digest = self.current_digest()
        graph = ir_graph_of(self.ctx.events.store, digest) if digest is not None else None
        if graph is None:
            self.full = None
            self.panel.clear("No static IR in this window yet.")
            self.status.setText("")
            return
        self.full = graph.collapsed(p for p in self.collapse.text().split(","))
        if self.focus is not None and self.focus not in self.full.nodes:
            self.focus = None
        self._draw()

    def _draw(self) -> None:
        full = self.full
        assert full is not None
        shown = full.around(self.focus, self.hops.value()) if self.focus is not None else full
        keep = self.panel.selected
        self.panel.show_graph(shown, ir_looks(shown), self.ctx.events.store, keep=keep)
        self.whole_button.setEnabled(self.focus is not None)
        self._search_changed(self.search.text())

    def focus_on(self, key: str | None) -> None:
        """Draw only `key`'s neighbourhood (within the hops chosen); None draws the whole graph."""
        if self.full is None or (key is not None and key not in self.full.nodes):
            return
        self.focus = key
        self._draw()
        if key is not None:
            self.panel.select(key)

    def _focus_selected(self) -> None:
        self.focus_on(self.panel.selected)

    def collapse_prefix(self, prefix: str) -> None:
        prefixes = [p.strip() for p in self.collapse.text().split(",") if p.strip()]
        if prefix not in prefixes:
            self.collapse.setText(", ".join([*prefixes, prefix]))
        self.rebuild()

    def expand(self, group_key: str) -> None:
        prefix = group_key[:-2]
        self.collapse.setText(", ".join(p.strip() for p in self.collapse.text().split(",")
                                        if p.strip() and p.strip() != prefix))
        self.rebuild()

    def node_menu(self, key: str, at: QPoint) -> QMenu:
        """The right-click menu of a field (shown at `at`; returned for who wants to read it)."""
        menu = QMenu(self)
        menu.addAction(f"Focus on {key} ({self.hops.value()} hops)", lambda: self.focus_on(key))
        node = self.full.nodes.get(key) if self.full is not None else None
        if node is not None and node.kind == GROUP:
            menu.addAction(f"Expand {key}", lambda: self.expand(key))
        elif "." in key:
            parent = key.rsplit(".", 1)[0]
            menu.addAction(f"Collapse {parent}.*", lambda: self.collapse_prefix(parent))
        menu.popup(at)
        return menu

    # -- search -----------------------------------------------------------------------------------------------------

    def _search_changed(self, text: str) -> None:
        graph = self.panel.graph
        self.matches = graph.search(text) if graph is not None else []
        self._match_at = -1
        self.panel.canvas.mark(self.matches)
        self._show_status()

    def next_match(self) -> None:
        """Select the next search match and bring it into view."""
        if not self.matches:
            return
        self._match_at = (self._match_at + 1) % len(self.matches)
        key = self.matches[self._match_at]
        self.panel.select(key)
        self.panel.canvas.centre_on(key)

    def _show_status(self) -> None:
        graph = self.panel.graph
        if graph is None:
            return
        parts = [f"{len(graph.nodes):,} fields, {len(graph.edges):,} edges"]
        if self.full is not None and graph is not self.full:
            parts.append(f"around {self.focus} ({self.hops.value()} hops) of {len(self.full.nodes):,}")
        if self.search.text().strip():
            parts.append(f"{len(self.matches)} match{'es' if len(self.matches) != 1 else ''} for "
                         f"'{self.search.text().strip()}'")
        if not graph.has_edges:
            parts.append("no dependency edges in this trace")
        self.status.setText(" · ".join(parts))

    def _select_txn(self, row: int) -> None:
        self.ctx.state.set_follow(False)
        self.ctx.state.select_row(row)

