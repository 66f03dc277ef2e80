"""The panes built on the `timeline` branch (timeline, overview strip, converge, runs, operations), plugged in by
file and class name. Each is a QWidget class constructed as `Cls(ctx)`. Until a pane's file exists in this build,
its slot shows what will appear there instead of an unexplained empty area.
"""

from __future__ import annotations

import importlib
import importlib.util

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ..context import DevtoolsContext

__all__ = ["PLUGGED_PANES", "make_pane"]

PLUGGED_PANES = {
    "timeline": ("devtools.views.timeline", "TimelineView", "Timeline: lanes of ticks, transactions, runs and "
                 "operations per instance"),
    "overview": ("devtools.views.overview", "OverviewStrip", "Overview: transactions per time bucket"),
    "converge": ("devtools.views.converge", "ConvergePane", "Converge: decisions per transaction and audits"),
    "runs": ("devtools.views.runs", "RunsPane", "Action runs: table and detail"),
    "operations": ("devtools.views.operations", "OperationsPane", "Operations: stages, deadlines, facts"),
}


def make_pane(name: str, ctx: DevtoolsContext) -> QWidget:
    """The pane `name` of PLUGGED_PANES, or a labelled placeholder when its module is not in this build."""
    module_name, class_name, what = PLUGGED_PANES[name]
    if importlib.util.find_spec(module_name) is None:
        label = QLabel(f"{what} — this pane is not part of this build")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setEnabled(False)
        label.setObjectName(f"{name}Placeholder")
        return label
    cls = getattr(importlib.import_module(module_name), class_name)
    widget: QWidget = cls(ctx)
    widget.setObjectName(f"{name}Pane")
    return widget
