"""The stage ladder of a backend operation and its terminals (wire-stable values).

    submitted -> accepted -> committed -> observed -> ready          (progress, by rank)
    rejected | failed | timed_out | cancelled                        (terminals besides ready)
    unknown                                                          (an unrecognised wire value; never terminal)
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Stage", "PROGRESS", "TERMINAL", "rank", "parse_stage"]


class Stage(StrEnum):
    SUBMITTED = "submitted"
    """Local only: the request is in flight, no receipt yet."""
    ACCEPTED = "accepted"
    """202: the intent and its idempotency binding are durably recorded."""
    COMMITTED = "committed"
    """The domain fact is appended; its version is known."""
    OBSERVED = "observed"
    """The read model shows a version at or above the committed one."""
    READY = "ready"
    """The kind's readiness holds (by default: as soon as it is observed)."""
    REJECTED = "rejected"
    """Refused before acceptance (4xx); there is no status surface."""
    FAILED = "failed"
    """Failed after acceptance: a first-class, queryable outcome."""
    TIMED_OUT = "timed_out"
    """A local verdict: the tracker's deadline passed first (or the runtime was disposed)."""
    CANCELLED = "cancelled"
    """Cancellation confirmed by the backend (a local cancel alone never produces it)."""
    UNKNOWN = "unknown"
    """A stage value this client does not know (a newer backend); recorded, never acted on."""


PROGRESS: tuple[Stage, ...] = (Stage.SUBMITTED, Stage.ACCEPTED, Stage.COMMITTED, Stage.OBSERVED, Stage.READY)
TERMINAL: frozenset[Stage] = frozenset({Stage.READY, Stage.REJECTED, Stage.FAILED, Stage.TIMED_OUT, Stage.CANCELLED})
_RANK = {s: i for i, s in enumerate(PROGRESS)}


def rank(stage: Stage) -> int:
    """Position on the progress ladder; terminals other than ready rank above everything (nothing follows them)."""
    return _RANK.get(stage, len(PROGRESS) if stage in TERMINAL else -1)


def parse_stage(value: object) -> Stage:
    """A wire value as a Stage; anything unrecognised is UNKNOWN (forward compatibility, never an error)."""
    if isinstance(value, str):
        try:
            return Stage(value)
        except ValueError:
            return Stage.UNKNOWN
    return Stage.UNKNOWN
