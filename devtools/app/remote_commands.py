"""Control commands to an attached runtime, each followed from send to its effect in the event stream. No Qt.

The receipt rule is the one backend operations follow: the server's CONTROL_ACK only says the command was accepted
(queued) or refused with a reason; what the command did is believed only when it shows up in the stream:

- pause / resume / clear / highlight updates: the server's `inspect:control` marker carrying this command's
  sequence number;
- dispatch: the action's own event in the instance, then its `state:update` (committed), a diagnostic of the same
  transaction (the reducer failed), or a later event of the instance in another transaction (it changed nothing);
- time travel: the instance's next `state:update` of origin devtools/time-travel.

    tracker = CommandTracker(session)                        # session: devtools.app.remote_session.RemoteSession
    cmd = await tracker.run(dispatch_command("shop#1", "add", 5))
    cmd.phase, cmd.text()    # "accepted" -> "done": "dispatch add → shop#1: accepted (command #1) · committed ..."

Envelopes arriving while the ack is awaited are kept and matched once the ack names the command's sequence, so an
effect that overtakes its ack is not missed. A command whose effect never shows ends as `unseen` after
`effect_timeout_s`: nothing stays "waiting" forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from runtime.inspect import Ack, InspectError

from ..model.event_feed import TXN_KIND, EventFeed
from ..state import TravelMode
from .remote_session import RemoteSession

__all__ = ["CommandSpec", "PendingCommand", "CommandTracker", "CommandPhase", "pause_command", "resume_command",
           "clear_command", "dispatch_command", "highlight_command", "travel_command", "latest_own_transaction",
           "EFFECT_TIMEOUT_S", "ACK_TIMEOUT_S"]

EFFECT_TIMEOUT_S = 10.0
ACK_TIMEOUT_S = 10.0

CommandPhase = Literal["sending", "accepted", "refused", "no_answer", "done", "failed", "unseen"]
Envelope = dict[str, Any]
Matcher = Callable[[Envelope, Ack], "str | None"]
"""Given one stream envelope and the ack, the effect's description when this envelope is the effect, else None.
A description starting with "failed" marks the effect as a failure (still seen, but not what was asked)."""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """What to send and how to recognise its effect."""

    title: str
    """How the receipt names the command: `pause`, `dispatch add → shop#1`, `time travel before shop#1::t3`."""
    send: Callable[[RemoteSession], Awaitable[Ack]]
    """Given the RemoteSession, sends the command and returns its ack."""
    matcher: Matcher
    on_effect: Callable[[str], None] | None = None
    """Called once with the effect's description when it is seen (not for failures)."""


class PendingCommand:
    """One command's receipt: sending -> accepted | refused | no_answer; accepted -> done | failed | unseen."""

    def __init__(self, spec: CommandSpec) -> None:
        self.spec = spec
        self.phase: CommandPhase = "sending"
        self.ack: Ack | None = None
        self.effect: str | None = None
        self.problem: str | None = None
        self._early: list[Envelope] = []

    @property
    def settled(self) -> bool:
        return self.phase not in ("sending", "accepted")

    @property
    def ok(self) -> bool:
        return self.phase in ("sending", "accepted", "done")

    def text(self) -> str:
        head = self.spec.title
        if self.phase == "sending":
            return f"{head}: sending…"
        if self.phase in ("refused", "no_answer"):
            return f"{head}: {self.problem}"
        assert self.ack is not None
        accepted = f"{head}: accepted (command #{self.ack.command_seq})"
        if self.phase == "accepted":
            return f"{accepted} · waiting for its effect in the stream"
        if self.phase == "unseen":
            return f"{accepted} · {self.problem}"
        return f"{accepted} · {self.effect}"

    # -- driven by the tracker ---------------------------------------------------------------------------------------

    def acked(self, ack: Ack) -> None:
        self.ack = ack
        if not ack.accepted:
            self.phase, self.problem = "refused", f"refused — {ack.reason or 'no reason given'}"
            self._early.clear()
            return
        self.phase = "accepted"
        early, self._early = self._early, []
        self.see(early)

    def no_answer(self, problem: str) -> None:
        self.phase, self.problem = "no_answer", problem
        self._early.clear()

    def see(self, envelopes: list[Envelope]) -> bool:
        """Look for the effect in newly arrived envelopes; True when this settled the command."""
        if self.phase == "sending":
            self._early.extend(envelopes)
            return False
        if self.phase != "accepted":
            return False
        assert self.ack is not None
        for env in envelopes:
            effect = self.spec.matcher(env, self.ack)
            if effect is not None:
                self.effect = effect
                self.phase = "failed" if effect.startswith("failed") else "done"
                if self.phase == "done" and self.spec.on_effect is not None:
                    self.spec.on_effect(effect)
                return True
        return False

    def expire(self, after_s: float) -> bool:
        if self.phase != "accepted":
            return False
        self.phase, self.problem = "unseen", f"no effect seen in the stream within {after_s:g} s"
        return True


class CommandTracker:
    """Sends commands through a RemoteSession and follows each to its effect; listeners hear every change."""

    def __init__(self, session: RemoteSession, effect_timeout_s: float = EFFECT_TIMEOUT_S) -> None:
        self.session = session
        self.effect_timeout_s = effect_timeout_s
        self.history: list[PendingCommand] = []
        self._open: list[PendingCommand] = []
        self._listeners: list[Callable[[PendingCommand], None]] = []
        self._timers: dict[PendingCommand, asyncio.TimerHandle] = {}
        """The effect deadline of each command still waiting for its effect."""
        self.close = session.watch(self._on_envelopes)

    def subscribe(self, listener: Callable[[PendingCommand], None]) -> None:
        self._listeners.append(listener)

    def _changed(self, cmd: PendingCommand) -> None:
        for listener in tuple(self._listeners):
            listener(cmd)

    def dispose(self) -> None:
        self.close()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._listeners.clear()

    async def run(self, spec: CommandSpec) -> PendingCommand:
        cmd = PendingCommand(spec)
        self.history.append(cmd)
        del self.history[:-50]
        self._open.append(cmd)  # from now on: envelopes that overtake the ack are kept
        self._changed(cmd)
        try:
            ack = await asyncio.wait_for(spec.send(self.session), ACK_TIMEOUT_S)
        except InspectError as err:
            cmd.no_answer(f"no answer — {err.message}")
        except asyncio.TimeoutError:
            cmd.no_answer(f"no answer within {ACK_TIMEOUT_S:g} s")
        else:
            cmd.acked(ack)
        if cmd.settled:
            self._open.remove(cmd)
        else:
            self._timers[cmd] = asyncio.get_running_loop().call_later(self.effect_timeout_s, self._expire, cmd)
        self._changed(cmd)
        return cmd

    def _expire(self, cmd: PendingCommand) -> None:
        self._timers.pop(cmd, None)
        if cmd.expire(self.effect_timeout_s):
            self._open.remove(cmd)
            self._changed(cmd)

    def _on_envelopes(self, envelopes: list[Envelope]) -> None:
        for cmd in tuple(self._open):
            if cmd.see(envelopes):
                self._open.remove(cmd)
                timer = self._timers.pop(cmd, None)
                if timer is not None:
                    timer.cancel()
                self._changed(cmd)


# -- the commands ---------------------------------------------------------------------------------------------------


def _marker(command: str, effect: str) -> Matcher:
    def match(env: Envelope, ack: Ack) -> str | None:
        p = env.get("payload") or {}
        if env.get("type") == "inspect:control" and p.get("command") == command \
                and p.get("commandSeq") == ack.command_seq:
            return effect
        return None
    return match


def pause_command(on_effect: Callable[[str], None] | None = None) -> CommandSpec:
    return CommandSpec("pause", lambda s: s.pause(), _marker("pause", "the stream is paused"), on_effect)


def resume_command(on_effect: Callable[[str], None] | None = None) -> CommandSpec:
    return CommandSpec("resume", lambda s: s.resume(), _marker("resume", "the stream is flowing again"), on_effect)


def clear_command(on_effect: Callable[[str], None] | None = None) -> CommandSpec:
    return CommandSpec("clear", lambda s: s.clear(),
                       _marker("clear", "the runtime's event buffer was cleared"), on_effect)


def highlight_command(enabled: bool, on_effect: Callable[[str], None] | None = None) -> CommandSpec:
    """Switch the application's "highlight updates" (its Qt adapter flashes the widgets each tick updates)."""
    effect = "the application highlights its updates" if enabled else "the application stopped highlighting"
    return CommandSpec(f"highlight updates {'on' if enabled else 'off'}", lambda s: s.highlight_updates(enabled),
                       _marker("highlightUpdates", effect), on_effect)


def _is_event_of(env: Envelope, instance_id: str) -> dict[str, Any] | None:
    p = env.get("payload")
    if env.get("type") == "debug:event" and isinstance(p, dict) and p.get("instanceId") == instance_id:
        return p
    return None


def dispatch_command(instance_id: str, action_type: str, payload: Any = None,
                     on_effect: Callable[[str], None] | None = None) -> CommandSpec:
    seen: dict[str, str] = {}  # the action's transaction, once its event arrived

    def match(env: Envelope, _ack: Ack) -> str | None:
        p = _is_event_of(env, instance_id)
        if p is None:
            return None
        txn = p.get("txnId")
        if "txn" not in seen:
            if p.get("kind") == "action" and p.get("label") == action_type and txn:
                seen["txn"] = str(txn)
            return None
        if txn == seen["txn"]:
            if p.get("label") == "state:update":
                return f"committed {txn} (seen in the stream)"
            if p.get("kind") == "diagnostic" and (p.get("meta") or {}).get("severity") == "error":
                message = (p.get("meta") or {}).get("message") or (p.get("errorSummary") or {}).get("message")
                return f"failed in the application — {message}"
            return None
        if txn is None:
            return None
        return f"ran in {seen['txn']} and changed nothing (no commit in the stream)"

    return CommandSpec(f"dispatch {action_type} → {instance_id}",
                       lambda s: s.dispatch(instance_id, action_type, payload), match, on_effect)


def travel_command(instance_id: str, txn_id: str, mode: TravelMode, on_effect: Callable[[str], None] | None = None,
                   title: str | None = None) -> CommandSpec:
    if mode not in ("before", "after"):
        raise ValueError(f"time travel mode must be 'before' or 'after', not {mode!r}")

    def match(env: Envelope, _ack: Ack) -> str | None:
        p = _is_event_of(env, instance_id)
        meta = (p or {}).get("meta") or {}
        if p is not None and p.get("label") == "state:update" and meta.get("originKind") == "devtools" \
                and meta.get("originName") == "time-travel":
            return f"{instance_id} now shows its state {mode} {txn_id} (committed as {p.get('txnId')})"
        return None

    return CommandSpec(title or f"time travel {mode} {txn_id}",
                       lambda s: s.time_travel(instance_id, txn_id, mode), match, on_effect)


def latest_own_transaction(feed: EventFeed, instance_id: str) -> str | None:
    """The newest transaction of `instance_id` in the feed that the devtools did not make (what "Latest" restores)."""
    store = feed.store
    state_code = store.kinds.find(TXN_KIND)
    if state_code is None:
        return None
    for row in reversed(store.index.rows_of_instance(instance_id)):
        if store.kind[row] != state_code or store.label_of(row) != "state:update":
            continue
        if (store.payload(row).get("meta") or {}).get("originKind") != "devtools":
            return store.txn_id_of(row)
    return None
