"""The stage machine: a pure function `step(state, fact, now) -> (state, events)`, testable without any I/O.

Rules (see docs/rules/operations.md):
- progress is monotonic by rank and may skip: skipped stages are recorded as `inferred` facts;
- a fact ranked at or below the current stage is a duplicate (recorded, nothing changes);
- exactly one terminal transition; later facts are kept as `late`; after `timed_out` a late ready/failed/cancelled
  sets `late_resolution` once (event `resolved_late`) without changing the verdict;
- a fact applied at or after the deadline loses: the operation times out first;
- facts from an older attempt of an observer are fenced; unknown wire stages are recorded and ignored;
- facts are deduplicated by `fact_id` (within their source): a second copy is recorded as a duplicate and produces
  no event, whatever the stage (also after a terminal, where it would otherwise be a second late fact);
- an `observed` fact below the committed version (a lagging replica) is recorded and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, TypeVar

from runtime.operations.records import (
    Budget,
    Disposition,
    EventType,
    FactEntry,
    OperationError,
    OperationEvent,
    StageFact,
)
from runtime.operations.stages import PROGRESS, TERMINAL, Stage, rank

__all__ = ["DEADLINE_SPENT", "MAX_FACTS", "OperationState", "deadline_for", "reached", "step"]

DEADLINE_SPENT = OperationError("deadline", "stage budget spent")
"""Why an operation timed out at its deadline: its timer's verdict, or a fact that came after the deadline first."""

MAX_FACTS = 64
"""Facts kept per operation; past it the oldest duplicates are dropped first (the count says how many)."""


@dataclass(frozen=True, slots=True)
class OperationState:
    command_id: str
    correlation_id: str
    kind: str
    target: str | None
    link_id: str | None
    wait_for: Stage
    budget: Budget
    submitted_at: float
    deadline_at: float
    stage: Stage = Stage.SUBMITTED
    accepted_at: float | None = None
    terminal_at: float | None = None
    version: int | None = None
    error: OperationError | None = None
    facts: tuple[FactEntry, ...] = ()
    dropped_facts: int = 0
    late_resolution: Stage | None = None
    detached: bool = False
    ready_on_observed: bool = True
    fences: tuple[tuple[str, int], ...] = ()
    stage_at: tuple[tuple[Stage, float], ...] = ()
    """When each stage was reached (inferred ones at the moment they were inferred)."""
    outcome_unknown: bool = False
    fact_keys: frozenset[str] = frozenset()
    """`source:fact_id` of every fact with an id seen so far (the dedupe keys)."""

    @property
    def terminal(self) -> bool:
        return self.stage in TERMINAL


_FIELDS = tuple(f.name for f in fields(OperationState))
_new = object.__new__
_set = object.__setattr__


_Record = TypeVar("_Record", OperationState, StageFact)


def _with(state: _Record, **changes: Any) -> _Record:
    """dataclasses.replace for the frozen records of this module, without its per-call introspection (the machine
    runs for every fact; replace cost more than the rest of a step)."""
    new: _Record = _new(type(state))
    for name in _FIELDS if type(state) is OperationState else type(state).__slots__:
        _set(new, name, changes[name] if name in changes else getattr(state, name))
    return new


def reached(state: OperationState, stage: Stage) -> bool | None:
    """Whether an operation waited on until `stage` got there: True once it did (ready counts for every stage),
    False when it ended short of it, None while it may still."""
    if state.stage is Stage.READY or (rank(state.stage) >= rank(stage) and not state.terminal):
        return True
    return False if state.terminal else None


def deadline_for(state: OperationState) -> float:
    """The nearest unmet stage deadline: accept counts from submit, later stages from accepted_at."""
    return _deadline(state.budget, state.submitted_at, state.accepted_at, state.stage)


def _deadline(budget: Budget, submitted_at: float, accepted_at: float | None, stage: Stage) -> float:
    if accepted_at is None:
        return submitted_at + budget.accept
    nxt = PROGRESS[min(rank(stage) + 1, len(PROGRESS) - 1)]
    return accepted_at + budget.for_stage(nxt)


def _record(state: OperationState, entries: list[FactEntry]) -> tuple[tuple[FactEntry, ...], int]:
    facts = state.facts + tuple(entries)
    dropped = state.dropped_facts
    if len(facts) > MAX_FACTS:
        extra = len(facts) - MAX_FACTS
        keep = list(facts)
        for disposable in ("duplicate", "fenced", "unknown", "ignored", "late"):
            i = 0
            while extra and i < len(keep) - 1:
                if keep[i].disposition == disposable:
                    del keep[i]
                    extra -= 1
                    dropped += 1
                else:
                    i += 1
        if extra:
            dropped += extra
            keep = keep[extra:]
        facts = tuple(keep)
    return facts, dropped


def _event(state: OperationState, type_: EventType, stage: Stage, now: float, fact: StageFact | None = None,
           inferred: bool = False) -> OperationEvent:
    return OperationEvent(
        type=type_, command_id=state.command_id, correlation_id=state.correlation_id, kind=state.kind,
        target=state.target, link_id=state.link_id, stage=stage, at=now,
        source=fact.source if fact else "", version=fact.version if fact else state.version,
        attempt=fact.attempt if fact else 0, inferred=inferred, error=fact.error if fact else None,
        detached=state.detached,
    )


def _only_record(state: OperationState, fact: StageFact, now: float, disposition: Disposition) -> OperationState:
    facts, dropped = _record(state, [FactEntry(fact, now, disposition)])
    return _with(state, facts=facts, dropped_facts=dropped)


def step(state: OperationState, fact: StageFact, now: float) -> tuple[OperationState, list[OperationEvent]]:
    """Apply one fact at local time `now`; returns the new state and the continuation events it produced."""
    events: list[OperationEvent] = []
    fenced = _fence(state, fact)
    if fenced is None:
        return _only_record(state, fact, now, "fenced"), events
    state = fenced
    if fact.fact_id is not None:
        key = f"{fact.source}:{fact.fact_id}"
        if key in state.fact_keys:
            return _only_record(state, fact, now, "duplicate"), events
        state = _with(state, fact_keys=state.fact_keys | {key})
    timer = fact.source in ("timer", "disposal")
    if not state.terminal and not timer and now >= state.deadline_at:
        # The deadline passed before this fact was applied: the verdict is timed_out, the fact arrives late.
        state, events = step(state, StageFact(state.command_id, Stage.TIMED_OUT, "timer", error=DEADLINE_SPENT), now)
    if state.terminal:
        return _late(state, fact, now, events)
    verdict = _verdict(state, fact, now, events, timer)
    if verdict is not None:
        return verdict, events
    return _progress(state, fact, now, events), events


def _fence(state: OperationState, fact: StageFact) -> OperationState | None:
    """None when the fact comes from an older attempt of its observer (a connection that was given up); else the
    state, with the observer's newest attempt recorded."""
    if not fact.observer:
        return state
    current = dict(state.fences).get(fact.observer, -1)
    if fact.attempt < current:
        return None
    if fact.attempt > current:
        return _with(state, fences=tuple({**dict(state.fences), fact.observer: fact.attempt}.items()))
    return state


def _verdict(state: OperationState, fact: StageFact, now: float, events: list[OperationEvent],
             timer: bool) -> OperationState | None:
    """A fact that is not progress on the ladder, applied to a live operation: recorded, or a terminal
    transition. None for a progress fact."""
    stage = fact.stage
    if stage is Stage.UNKNOWN or stage is Stage.SUBMITTED:
        return _only_record(state, fact, now, "unknown" if stage is Stage.UNKNOWN else "duplicate")
    if stage is Stage.TIMED_OUT:
        if not timer:
            return _only_record(state, fact, now, "ignored")  # timed_out is our verdict, not the wire's
        if fact.source == "timer" and now < state.deadline_at:
            return _only_record(state, fact, now, "ignored")  # a stale timer: the deadline moved on
        unknown = state.stage is Stage.SUBMITTED
        return _terminal(_with(state, outcome_unknown=unknown), fact, now, events, "timed_out")
    if stage is Stage.REJECTED:
        if state.stage is not Stage.SUBMITTED:
            return _only_record(state, fact, now, "ignored")
        return _terminal(state, fact, now, events, "rejected")
    if stage is Stage.FAILED:
        return _terminal(state, fact, now, events, "failed")
    if stage is Stage.OBSERVED and fact.version is not None and state.version is not None \
            and fact.version < state.version:
        return _only_record(state, fact, now, "ignored")  # a lagging replica: below the committed token
    if stage is Stage.CANCELLED:
        return _terminal(state, fact, now, events, "cancelled")
    return None


def _progress(state: OperationState, fact: StageFact, now: float, events: list[OperationEvent]) -> OperationState:
    """A progress fact: a duplicate at or below the current stage, else the stages it skipped are inferred and the
    operation moves up (to ready at once when observed implies ready)."""
    stage = fact.stage
    if rank(stage) <= rank(state.stage):
        return _only_record(state, fact, now, "duplicate")
    entries: list[FactEntry] = []
    reached: list[tuple[Stage, float]] = []
    accepted_at = state.accepted_at
    for skipped in PROGRESS[rank(state.stage) + 1 : rank(stage)]:
        entries.append(FactEntry(StageFact(state.command_id, skipped, "inferred", version=fact.version), now,
                                 "inferred"))
        reached.append((skipped, now))
        if skipped is Stage.ACCEPTED:
            accepted_at = now
        events.append(_event(state, "accepted" if skipped is Stage.ACCEPTED else "stage_reached", skipped, now,
                             fact, inferred=True))
    entries.append(FactEntry(fact, now, "applied"))
    reached.append((stage, now))
    if stage is Stage.ACCEPTED:
        accepted_at = now
    version = fact.version if fact.version is not None else state.version
    events.append(_event(state, "accepted" if stage is Stage.ACCEPTED else "stage_reached", stage, now, fact))
    final = stage
    if stage is Stage.OBSERVED and state.ready_on_observed:
        ready = StageFact(state.command_id, Stage.READY, "ready-policy", fact.observer, fact.attempt, version)
        entries.append(FactEntry(ready, now, "applied"))
        reached.append((Stage.READY, now))
        events.append(_event(state, "stage_reached", Stage.READY, now, ready))
        final = Stage.READY
    facts, dropped = _record(state, entries)
    terminal = final in TERMINAL
    deadline = state.deadline_at if terminal else _deadline(state.budget, state.submitted_at, accepted_at, final)
    return _with(state, stage=final, accepted_at=accepted_at, version=version, facts=facts, dropped_facts=dropped,
                 stage_at=state.stage_at + tuple(reached), terminal_at=now if terminal else None,
                 deadline_at=deadline)


def _terminal(state: OperationState, fact: StageFact, now: float, events: list[OperationEvent],
              type_: EventType) -> OperationState:
    if fact.error is None and fact.stage in (Stage.FAILED, Stage.REJECTED):
        fact = _with(fact, error=OperationError(f"{fact.stage}_without_detail", f"{fact.source} gave no reason"))
    facts, dropped = _record(state, [FactEntry(fact, now, "applied")])
    new = _with(state, stage=fact.stage, terminal_at=now, error=fact.error or state.error, facts=facts,
                  dropped_facts=dropped, stage_at=state.stage_at + ((fact.stage, now),))
    events.append(_event(new, type_, fact.stage, now, fact))
    return new


def _late(state: OperationState, fact: StageFact, now: float,
          events: list[OperationEvent]) -> tuple[OperationState, list[OperationEvent]]:
    state = _only_record(state, fact, now, "late")
    resolved = fact.stage
    if resolved is Stage.OBSERVED and state.ready_on_observed:
        resolved = Stage.READY
    if (state.stage is Stage.TIMED_OUT and state.late_resolution is None
            and resolved in (Stage.READY, Stage.FAILED, Stage.CANCELLED)):
        state = _with(state, late_resolution=resolved)
        events.append(_event(state, "resolved_late", resolved, now, fact))
    elif fact.source not in ("timer", "disposal"):
        events.append(_event(state, "late_fact", fact.stage, now, fact))
    return state, events
