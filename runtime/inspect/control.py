"""Control commands that touch the runtime (clear, dispatch, timeTravel, highlightUpdates), checked and run on the
application's loop.

The runtime is not thread-safe, so the server thread never touches it: it posts the command to the loop the
application runs the runtime on. There the command is checked (`prepare`), the acknowledgement goes back (accepted,
or refused with the reason), and only then, in a later loop callback, is it applied. The ack therefore means
"accepted and queued"; what happened shows in the event stream (an action and its state:update, a diagnostic when
the reducer raised, the `inspect:control` marker of a clear or of highlightUpdates).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from runtime.base.quote import cut_text, quoted
from runtime.errors import CommandRefused, TickscopeError, TimeTravelUnavailable
from runtime.inspect.protocol import Control
from runtime.inspect.target import InspectTarget

__all__ = ["CommandRefused", "prepare"]

log = logging.getLogger("tickscope.inspect")


def prepare(runtime: InspectTarget, cmd: Control) -> Callable[[], None]:
    """Check `cmd` against the runtime now; returns what applies it. Raises CommandRefused."""
    if runtime.disposed:
        raise CommandRefused(f"runtime {runtime.label!r} is disposed")
    if cmd.type == "clear":
        return runtime.hub.clear
    if cmd.type == "highlightUpdates":
        switch, enabled = runtime.highlight, bool(cmd.enabled)
        return lambda: switch.set(enabled)
    assert cmd.instance_id is not None
    try:
        inst = runtime.instance(cmd.instance_id)
    except KeyError as err:
        raise CommandRefused(str(err.args[0])) from None
    if cmd.type == "dispatch":
        action = cmd.action_type or ""
        if action not in inst.module.reducers:
            known = ", ".join(sorted(inst.module.reducers)) or "none"
            raise CommandRefused(f"module {inst.module_id!r} has no reducer for action {quoted(action)} "
                                 f"(known: {known})")
        payload = cmd.payload
        try:
            inst.check_payload(action, payload)
        except TickscopeError as err:  # PayloadTypeError: reported by the runtime as a diagnostic already
            raise CommandRefused(str(err)) from None

        def dispatch() -> None:
            try:
                inst.dispatch(action, payload)
            except TickscopeError as err:  # reported by the runtime as a diagnostic event already
                log.info("dispatch of %s from an inspector client failed: %s", action, err)

        return dispatch
    if cmd.type == "timeTravel":
        assert cmd.txn_id is not None and cmd.mode is not None
        try:
            record = inst.find_transaction(cmd.txn_id)
        except TimeTravelUnavailable as err:
            raise CommandRefused(str(err)) from None
        if (record.before if cmd.mode == "before" else record.after) is None:
            raise CommandRefused(f"{cut_text(cmd.txn_id)} kept no snapshots (they are kept at diagnostics level full)")
        txn_id, mode = cmd.txn_id, cmd.mode

        def travel() -> None:
            try:
                inst.apply_transaction_snapshot(txn_id, mode)
            except TickscopeError as err:  # TimeTravelUnavailable included: the history moved on meanwhile
                log.info("time travel to %s from an inspector client failed: %s", txn_id, err)

        return travel
    raise CommandRefused(f"{cmd.type!r} is not a runtime command")
