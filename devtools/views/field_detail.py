"""The side panel of the causality graphs: one field, what feeds it, what it feeds, and the transactions that
wrote it (for a derived field: recomputed it to a new value).

Clicking a field in "Fed by" or "Feeds" emits `field_chosen(key)` (the graph moves its selection there); clicking a
transaction emits `txn_chosen(row)` with its state:update row (the window selects that transaction).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from runtime.trace import EventStore

from ..model.ir_graph import IrGraph
from ..model.txn_causality import is_derived, transactions_touching

__all__ = ["FieldDetail", "TXN_LIST_LIMIT"]

TXN_LIST_LIMIT = 200
"""The newest transactions listed (the label says how many there are in all)."""
_ROW = Qt.ItemDataRole.UserRole


class FieldDetail(QWidget):
    field_chosen = Signal(str)
    txn_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Click a field in the graph")
        self.title.setObjectName("fieldTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fed_by = QListWidget()
        self.fed_by.setObjectName("fedBy")
        self.feeds = QListWidget()
        self.feeds.setObjectName("feeds")
        self.txns_label = QLabel("")
        self.txns_label.setWordWrap(True)
        self.txns = QListWidget()
        self.txns.setObjectName("fieldTxns")
        for lst in (self.fed_by, self.feeds):
            lst.itemClicked.connect(lambda item: self.field_chosen.emit(item.text().split("  ")[0]))
            lst.setMaximumHeight(84)
        for lst in (self.fed_by, self.feeds, self.txns):
            lst.setMinimumHeight(36)  # the window must fit 1024x700: the lists give way first
        self.txns.itemClicked.connect(self._txn_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(QLabel("<b>Fed by</b>"))
        layout.addWidget(self.fed_by)
        layout.addWidget(QLabel("<b>Feeds</b>"))
        layout.addWidget(self.feeds)
        layout.addWidget(self.txns_label)
        layout.addWidget(self.txns, 1)

    def show_field(self, graph: IrGraph, key: str | None, store: EventStore, status: str = "") -> None:
        """Show `key` of `graph` (None: nothing chosen); `status` is what the transaction did to it, if any."""
        for lst in (self.fed_by, self.feeds, self.txns):
            lst.clear()
        if key is None or key not in graph.nodes:
            self.title.setText("Click a field in the graph")
            self.txns_label.setText("")
            return
        node = graph.nodes[key]
        named = node.name and not node.name.startswith(f"{node.kind}:")  # a label of the user's own, not the default
        what = f"{node.kind} {node.name}" if named else node.kind
        self.title.setText(f"<b>{key}</b> · {what}" + (f" · {status}" if status else ""))
        for lst, keys in ((self.fed_by, graph.inputs_of(key)), (self.feeds, graph.outputs_of(key))):
            for k in keys:
                lst.addItem(f"{k}  ({graph.nodes[k].kind})")
            if not keys:
                lst.addItem("—")
                lst.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        rows = transactions_touching(store, graph.instance_id, key)
        verb = "recomputed" if is_derived(node) else "wrote"
        shown = rows[-TXN_LIST_LIMIT:]
        more = f" (the newest {len(shown)})" if len(rows) > len(shown) else ""
        self.txns_label.setText(f"<b>{len(rows)} transactions {verb} {key}</b>{more}")
        for row in reversed(shown):
            meta = store.payload(row).get("meta") or {}
            origin = meta.get("originName") or meta.get("originKind") or ""
            item = QListWidgetItem(f"{store.txn_id_of(row)}  {origin}")
            item.setData(_ROW, row)
            self.txns.addItem(item)

    def _txn_clicked(self, item: QListWidgetItem) -> None:
        row = item.data(_ROW)
        if isinstance(row, int):
            self.txn_chosen.emit(row)
