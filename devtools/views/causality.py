"""The Causality tab: "why did this field recompute?" for the selected transaction, and the module's whole static
IR as a dependency graph (two pages: devtools.views.causality_txn and devtools.views.ir_graph_view)."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ..app.context import DevtoolsContext
from .causality_txn import TxnCausalityPage
from .ir_graph_view import IrGraphPage

__all__ = ["CausalityPane"]


class CausalityPane(QWidget):
    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.txn = TxnCausalityPage(ctx)
        self.txn.setObjectName("causalityTxn")
        self.ir = IrGraphPage(ctx)
        self.ir.setObjectName("causalityIr")
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.txn, "This transaction")
        self.pages.addTab(self.ir, "Module IR")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def show_transaction(self) -> None:
        self.pages.setCurrentWidget(self.txn)

    def show_ir(self) -> None:
        """The IR page, on the module of the selected event when there is one."""
        self.pages.setCurrentWidget(self.ir)
        row = self.ctx.state.get()["selectedRow"]
        store = self.ctx.events.store
        if row is not None and 0 <= row < len(store):
            self.ir.show_module(store.module_of(row))
