"""Busy state (091): a policy, a state machine per boundary, and the pending registry that feeds it.

    from runtime.busy import BusyBoundary, BusyPolicy, runs_of

    saving = BusyBoundary(rt.pending, BusyPolicy(delay_ms=150, min_duration_ms=300), match=runs_of("save-todo"))
    saving.get_snapshot()        # BusyState(phase idle | waiting | visible, pending_count, ...); .shown for the UI

Busy comes only from run pending (every ActionCoordinator reports its runs to its runtime's `rt.pending`) and
resource pending (a resource cache calls `rt.pending.begin("resource", ...)` / `end(...)` per load). The
adapter in devtools.qt binds a boundary to widgets (disabled, a spinner, the accessible busy state).
"""

from runtime.busy.boundary import BusyBoundary, BusyClock, any_pending, resources_of, runs_of
from runtime.busy.policy import IDLE, BusyPhase, BusyPolicy, BusyState
from runtime.busy.registry import PENDING_KINDS, PendingEntry, PendingKind, PendingListener, PendingRegistry

__all__ = [
    "IDLE",
    "PENDING_KINDS",
    "BusyBoundary",
    "BusyClock",
    "BusyPhase",
    "BusyPolicy",
    "BusyState",
    "PendingEntry",
    "PendingKind",
    "PendingListener",
    "PendingRegistry",
    "any_pending",
    "resources_of",
    "runs_of",
]
