"""Optimistic changes bound to action runs: apply now as their own transaction, confirm or roll back by the outcome.

    token = ctx.optimistic(lambda d: d["items"].append(item))     # inside a handler; origin `optimistic`
    await ctx.submit("todo.create", ..., wait_for=Stage.COMMITTED) # reaching wait_for confirms the run's tokens
    # a failed, cancelled, overridden or timed-out run rolls its tokens back instead (newest first)

One ledger per instance (the coordinator's). Tokens are `<linkId>::p<seq>`, seq counting per ledger from 1.
A token is `applied`, then exactly once `confirmed` or `rolledBack`: settling a settled token is a no-op, and tokens
are matched only by their id, so one token's late outcome never touches another. Rollback undoes the token's
bounded inverse (runtime.actions.inverse) in one transaction (origin `optimistic`, name `rollback:<id>`); for a
value a later, still applied token of the instance also changed, the later token inherits the value to restore
(its own rollback then goes back past both), so undoing out of order never clobbers a newer optimistic value.

Events: kind `state`, label `optimistic`, the run's linkId, meta `{type: optimistic, phase: apply | confirm |
rollback, optimisticId, reason?, affectedPathCount}` (reason required on rollback). apply and rollback carry the
anchors of their own transaction; confirm carries those of the apply transaction (the one that became permanent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from runtime.actions.inverse import MAX_CHANGES, MAX_DEPTH, Change, overlaps, record_inverse, same_path, undo
from runtime.base.draft import DraftDict
from runtime.base.records import TxnRecord
from runtime.errors import OptimisticError, ReducerError

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance

__all__ = ["OPTIMISTIC_REASONS", "OptimisticLedger", "OptimisticReason", "OptimisticStatus", "OptimisticToken"]

OptimisticStatus = Literal["applied", "confirmed", "rolledBack"]
OptimisticReason = Literal["success", "failure", "cancel", "override", "unknown"]
OPTIMISTIC_REASONS: tuple[OptimisticReason, ...] = ("success", "failure", "cancel", "override", "unknown")


@dataclass(frozen=True, slots=True)
class OptimisticToken:
    """One optimistic change as it is now (a snapshot; the ledger hands out a new one at every change)."""

    optimistic_id: str
    link_id: str
    status: OptimisticStatus
    name: str
    changes: tuple[Change, ...] = ()
    applied_at_txn_seq: int | None = None
    settled_at_txn_seq: int | None = None
    reason: OptimisticReason | None = None
    skipped: int = 0
    """Values its rollback left alone because a newer (non-optimistic) write held them."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settled(self) -> bool:
        return self.status != "applied"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"optimisticId": self.optimistic_id, "linkId": self.link_id, "status": self.status,
                               "affectedPathCount": len(self.changes)}
        for key, value in (("appliedAtTxnSeq", self.applied_at_txn_seq), ("settledAtTxnSeq", self.settled_at_txn_seq),
                           ("reason", self.reason)):
            if value is not None:
                out[key] = value
        return out


class OptimisticLedger:
    """The optimistic tokens of one instance: a stack in apply order (settled tokens leave it)."""

    def __init__(self, inst: ModuleInstance, *, max_changes: int = MAX_CHANGES, max_depth: int = MAX_DEPTH,
                 max_kept: int = 512) -> None:
        self.inst = inst
        self.max_changes = max_changes
        self.max_depth = max_depth
        self.max_kept = max_kept
        self._seq = 0
        self._stack: list[OptimisticToken] = []
        self._settled: dict[str, OptimisticToken] = {}

    # -- reading ----------------------------------------------------------------------------------------------------

    def applied(self, link_id: str | None = None) -> list[OptimisticToken]:
        """The tokens still applied (oldest first), optionally of one run."""
        return [t for t in self._stack if link_id is None or t.link_id == link_id]

    def get(self, optimistic_id: str) -> OptimisticToken:
        for token in self._stack:
            if token.optimistic_id == optimistic_id:
                return token
        try:
            return self._settled[optimistic_id]
        except KeyError:
            raise KeyError(f"no optimistic token {optimistic_id!r} on {self.inst.instance_id}") from None

    # -- apply ------------------------------------------------------------------------------------------------------

    def apply(self, link_id: str, body: Callable[[DraftDict], Any], *, name: str | None = None,
              priority: Literal["normal", "low"] = "normal") -> OptimisticToken:
        """Apply `body` (writes through the draft) now, as its own transaction; raises OptimisticError (nothing
        applied) past the inverse's bounds, for a body that returns a new state, or inside an open window."""
        inst = self.inst
        if inst.host.in_transaction:
            raise OptimisticError(f"{link_id}: an optimistic change cannot run inside another transaction window "
                                  "(apply it from the action's handler)")
        optimistic_id = f"{link_id}::p{self._seq + 1}"
        captured: list[tuple[Change, ...]] = []

        def wrapped(draft: DraftDict) -> None:
            before = inst.get_state()
            if body(draft) is not None:
                raise OptimisticError(f"{optimistic_id}: an optimistic change writes through the draft; it may not "
                                      "return a new state")
            captured.append(record_inverse(before, draft.snapshot(), max_changes=self.max_changes,
                                           max_depth=self.max_depth))

        try:
            record = inst.transact(wrapped, origin_kind="optimistic", origin_name=f"apply:{optimistic_id}",
                                   details={"optimisticId": optimistic_id, "phase": "apply"}, priority=priority,
                                   reason="optimistic", link_id=link_id)
        except ReducerError as err:
            if isinstance(err.__cause__, OptimisticError):
                raise err.__cause__ from None
            raise
        self._seq += 1
        token = OptimisticToken(optimistic_id, link_id, "applied", name or optimistic_id,
                                captured[0] if captured and record is not None else (),
                                applied_at_txn_seq=record.txn_seq if record else None)
        self._stack.append(token)
        self._emit(token, "apply", record.txn_seq if record else 0, record.txn_id if record else None)
        return token

    # -- settle -----------------------------------------------------------------------------------------------------

    def confirm(self, optimistic_id: str) -> bool:
        """Make the token's change permanent; False (no-op) when it is settled or unknown."""
        i = self._index(optimistic_id)
        if i is None:
            return False
        token = replace(self._stack.pop(i), status="confirmed", reason="success",
                        settled_at_txn_seq=self.inst.txn_seq)
        self._keep(token)
        seq = token.applied_at_txn_seq or 0
        self._emit(token, "confirm", seq, f"{self.inst.instance_id}::t{seq}" if seq else None)
        return True

    def confirm_run(self, link_id: str) -> int:
        return sum(self.confirm(t.optimistic_id) for t in self.applied(link_id))

    def rollback(self, optimistic_ids: list[str], reason: OptimisticReason) -> list[OptimisticToken]:
        """Roll the applied ones of `optimistic_ids` back, newest first, in one transaction; settled or unknown ids
        are skipped (idempotent). Returns the tokens rolled back."""
        if reason not in OPTIMISTIC_REASONS:
            raise OptimisticError(f"rollback reason {reason!r} is not one of {', '.join(OPTIMISTIC_REASONS)}")
        wanted = set(optimistic_ids)
        targets = [t for t in self._stack if t.optimistic_id in wanted]
        if not targets:
            return []
        targets.reverse()  # LIFO
        inst = self.inst
        outcome: dict[str, int] = {}

        def body(draft: DraftDict) -> None:
            undone: set[str] = set()
            for token in targets:
                outcome[token.optimistic_id] = self._undo(draft, token, undone)
                undone.add(token.optimistic_id)

        ids = [t.optimistic_id for t in targets]
        record: TxnRecord | None = None
        if not inst.disposed:
            record = inst.transact(body, origin_kind="optimistic", origin_name=f"rollback:{ids[0]}",
                                   details={"optimisticIds": ids, "phase": "rollback", "reason": reason},
                                   reason="optimistic", link_id=targets[0].link_id)
        rolled: list[OptimisticToken] = []
        for token in targets:
            i = self._index(token.optimistic_id)
            current = self._stack.pop(i) if i is not None else token
            done = replace(current, status="rolledBack", reason=reason, skipped=outcome.get(token.optimistic_id, 0),
                           settled_at_txn_seq=record.txn_seq if record else None)
            self._keep(done)
            rolled.append(done)
            self._emit(done, "rollback", record.txn_seq if record else 0, record.txn_id if record else None)
        return rolled

    def rollback_run(self, link_id: str, reason: OptimisticReason) -> list[OptimisticToken]:
        return self.rollback([t.optimistic_id for t in self.applied(link_id)], reason)

    def _undo(self, draft: DraftDict, token: OptimisticToken, undone: set[str]) -> int:
        """Undo one token inside the rollback window (the tokens in `undone` were undone before it in the same
        window); returns how many of its values were left alone."""
        i = self._index(token.optimistic_id)
        later = [t for t in self._stack[i + 1:] if t.optimistic_id not in undone] if i is not None else []
        skipped = 0
        mine: list[Change] = []
        for change in token.changes:
            heir = next((t for t in reversed(later) for c in t.changes if same_path(c.path, change.path)), None)
            if heir is not None:
                self._bequeath(heir, change)
            elif any(len(c.path) < len(change.path) and overlaps(c.path, change.path)
                     for t in later for c in t.changes):
                skipped += 1  # a later token replaced the whole value around it: that token's rollback restores it
            else:
                mine.append(change)  # a row this token added goes, with whatever later tokens wrote into it
        for _change, restored in undo(draft, tuple(mine)):
            skipped += not restored
        return skipped

    def _bequeath(self, heir: OptimisticToken, change: Change) -> None:
        """A later token changed the same value: its rollback shall restore what `change` found there."""
        changes = tuple(replace(c, before=change.before) if same_path(c.path, change.path) else c
                        for c in heir.changes)
        i = self._stack.index(heir)
        self._stack[i] = replace(heir, changes=changes)

    def _index(self, optimistic_id: str) -> int | None:
        for i, token in enumerate(self._stack):
            if token.optimistic_id == optimistic_id:
                return i
        return None

    def _keep(self, token: OptimisticToken) -> None:
        self._settled[token.optimistic_id] = token
        if len(self._settled) > self.max_kept:
            for key in list(self._settled)[: self.max_kept // 4]:
                del self._settled[key]

    # -- events -----------------------------------------------------------------------------------------------------

    def _emit(self, token: OptimisticToken, phase: str, txn_seq: int, txn_id: str | None) -> None:
        sink = self.inst.sink
        if not sink.on:
            return
        meta: dict[str, Any] = {"type": "optimistic", "phase": phase, "optimisticId": token.optimistic_id,
                                "affectedPathCount": len(token.changes)}
        if phase == "rollback":
            meta["reason"] = token.reason or "unknown"
        elif phase == "confirm":
            meta["reason"] = "success"
        sink.emit(module_id=self.inst.module_id, instance_id=self.inst.instance_id, kind="state", label="optimistic",
                  meta=meta, txn_seq=txn_seq, txn_id=txn_id, link_id=token.link_id, budget=None)
