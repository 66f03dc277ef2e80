"""Live time travel: show the state before or after a past transaction, then go back to the latest.

Travelling applies the past snapshot as a new transaction of origin `devtools` (the runtime keeps snapshots at
diagnostics level full), so the app, every subscriber and the devtools' own panes see it like any other commit.
The devtools state records the mark (`timeTravel: {instanceId, txnId, mode}`) so the UI can say plainly that it is
showing the past. "Latest" re-applies the `after` state of the newest transaction that did not come from the
devtools, and clears the mark.
"""

from __future__ import annotations

from runtime import TimeTravelUnavailable

from ..state import TravelMode
from .context import DevtoolsContext

__all__ = ["travel", "back_to_latest", "TimeTravelUnavailable", "TravelMode"]


def travel(ctx: DevtoolsContext, instance_id: str, txn_id: str, which: TravelMode) -> None:
    """Bring `instance_id` to its state `which` ("before" | "after") transaction `txn_id`."""
    if ctx.runtime is None:
        raise TimeTravelUnavailable("time travel needs a live runtime; a replayed trace moves with its cursor")
    try:
        inst = ctx.runtime.instance(instance_id)
    except KeyError as err:
        raise TimeTravelUnavailable(str(err.args[0])) from None
    inst.apply_transaction_snapshot(txn_id, which)
    ctx.state.set_time_travel({"instanceId": instance_id, "txnId": txn_id, "mode": which})


def back_to_latest(ctx: DevtoolsContext) -> None:
    """Leave time travel: re-apply the newest non-devtools state of the travelled instance."""
    mark = ctx.state.get()["timeTravel"]
    if mark is None:
        return
    if ctx.runtime is not None:
        inst = ctx.runtime.instance(mark["instanceId"])
        latest = next((r for r in reversed(inst.history) if r.origin.kind != "devtools"), None)
        if latest is not None:
            inst.apply_transaction_snapshot(latest.txn_id, "after")
    ctx.state.set_time_travel(None)
