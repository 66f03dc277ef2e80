"""The timeline's colours per lane kind and its legend, built from the same table so they cannot drift apart.

Deadlines are amber dashed lines with a cap, not red: red means a failed run or stage, and a deadline is only a
promise about time.
"""

from __future__ import annotations

from ...model.raster import Palette
from ...model.runs import STAGES
from ...model.timeline_model import E2E_CATEGORIES, RUN_CATEGORIES, TICK_CATEGORIES, TXN_CATEGORIES, LaneKind
from ..legend import LegendItem

__all__ = ["PALETTES", "DEADLINE_COLOUR", "OUTLINE_COLOUR", "LEGEND_ITEMS"]

DEADLINE_COLOUR = 0xFFFFA000
OUTLINE_COLOUR = 0xFFE0303A

_TXN = (0xFF8C9BAB, 0xFF26A69A, 0xFFF0A030)
_RUNS = (0xFF4A90E2, 0xFF43A047, 0xFFE53935, 0xFF9E9E9E)
_OPS = (0xFFB0BEC5, 0xFF64B5F6, 0xFF1E88E5, 0xFF7E57C2, 0xFF43A047, 0xFFEF5350, 0xFFE53935, 0xFFFB8C00, 0xFF9E9E9E,
        0xFFCFD8DC)
_TICKS = (0xFF5C6BC0, 0xFFE53935, 0xFF9FA8DA)
_E2E = (0xFF90CAF9, 0xFFFFB74D, 0xFF26A69A, 0xFF9575CD, 0xFF5C6BC0, 0xFFEC407A, 0xFFAB47BC, 0xFF66BB6A)
"""092 segments in chain order: action:pending, io:wait, txn:commit, notify:scheduled, notify:flush, the UI commit
(react:commit), paint, action:settle."""

PALETTES: dict[LaneKind, Palette] = {
    "txn": Palette(_TXN, outline=OUTLINE_COLOUR, marker=DEADLINE_COLOUR),
    "runs": Palette(_RUNS, outline=OUTLINE_COLOUR, marker=DEADLINE_COLOUR),
    "ops": Palette(_OPS, outline=OUTLINE_COLOUR, marker=DEADLINE_COLOUR),
    "ticks": Palette(_TICKS, outline=OUTLINE_COLOUR, marker=DEADLINE_COLOUR),
    "e2e": Palette(_E2E, outline=OUTLINE_COLOUR, marker=DEADLINE_COLOUR),
}
assert len(_TXN) == len(TXN_CATEGORIES) and len(_RUNS) == len(RUN_CATEGORIES) and len(_OPS) == len(STAGES) \
    and len(_TICKS) == len(TICK_CATEGORIES) and len(_E2E) == len(E2E_CATEGORIES), \
    "one colour per category of each lane kind"


def _op(stage: str) -> int:
    return _OPS[STAGES.index(stage)]


_RUNS_OR_OPS = frozenset({"runs", "ops"})
_OPS_ONLY = frozenset({"ops"})
_E2E_ONLY = frozenset({"e2e"})
_E2E_TIPS = {"action:pending": "trigger until the handler starts", "io:wait": "a backend write until its receipt",
             "txn:commit": "a transaction of the run", "notify:scheduled": "the run's commit until its tick starts",
             "notify:flush": "the tick until its listeners were told",
             "react:commit": "the UI commit: the bound widgets' update for that tick",
             "paint": "the bound widgets' paint after the UI commit",
             "action:settle": "the handler's end until the settle committed"}

LEGEND_ITEMS: tuple[LegendItem, ...] = (
    LegendItem("tick", _TICKS[0], tip="a tick of the scheduler, from start to settled", when=frozenset({"ticks"})),
    LegendItem("txn, no converge", _TXN[0], tip="a transaction in which no derived field ran",
               when=frozenset({"txn"})),
    LegendItem("txn, dirty", _TXN[1], tip="a transaction whose converge ran the dirty derived fields only",
               when=frozenset({"txn"})),
    LegendItem("txn, full", _TXN[2], tip="a transaction whose converge ran every derived field",
               when=frozenset({"txn"})),
    LegendItem("run pending", _RUNS[0], tip="an action run still running", when=frozenset({"runs"})),
    LegendItem("submitted", _op("submitted"), tip="an operation sent, no answer yet", when=_OPS_ONLY),
    LegendItem("accepted", _op("accepted"), tip="an operation the backend accepted", when=_OPS_ONLY),
    LegendItem("committed", _op("committed"), tip="an operation the backend committed", when=_OPS_ONLY),
    LegendItem("observed", _op("observed"), tip="an operation whose effect was observed", when=_OPS_ONLY),
    LegendItem("ok / ready", _RUNS[1], tip="a run that succeeded, an operation that is ready", when=_RUNS_OR_OPS),
    LegendItem("failed", _RUNS[2], tip="a run that failed, an operation rejected or failed", when=_RUNS_OR_OPS),
    LegendItem("timed out", _op("timed_out"), tip="an operation that missed its deadline", when=_OPS_ONLY),
    LegendItem("cancelled", _RUNS[3], tip="a run or an operation that was cancelled", when=_RUNS_OR_OPS),
    *(LegendItem("UI commit" if kind == "react:commit" else kind, colour, tip=f"e2e: {_E2E_TIPS[kind]}",
                 when=_E2E_ONLY) for kind, colour in zip(E2E_CATEGORIES, _E2E, strict=True)),
    LegendItem("degraded / over budget", OUTLINE_COLOUR, "outline",
               tip="outlined: a degraded converge, a tick over its budget, a failed run or stage"),
    LegendItem("deadline", DEADLINE_COLOUR, "marker",
               tip="when an operation that exists at the time shown is due (a mark, not a failure)", when=_OPS_ONLY),
    LegendItem("fewer → more per pixel", _TXN[1], "ramp",
               tip="zoomed out, a pixel column holding many items is drawn stronger than one holding a few"),
)
