"""The switchable fault plan: what the backend does wrong, per command id, per kind, or for everything.

A plan is looked up command id first, then kind, then the default. Counters (`drop_response_after_accept`,
`stale_replica_reads`) are spent as they fire, so "drop the first 202" answers the resend normally.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Faults", "FaultPlan", "FaultPlanError"]


class FaultPlanError(ValueError):
    """A fault plan names a switch that does not exist or gives it a value of the wrong type."""


@dataclass(slots=True)
class Faults:
    """The switches of one scope (all off by default)."""

    fail_after_accept: str | None = None
    """Fail the command with this code once it was accepted (a post-acceptance failure, never a rejection)."""
    accept_delay_s: float = 0.0
    """Hold the 202 this long after the command is recorded."""
    commit_delay_s: float = 0.0
    """Keep the command accepted (cancellable) this long before it commits."""
    project_delay_s: float = 0.0
    """Hold the projector this long before it applies the command's event."""
    never_project: bool = False
    """The event is committed but the read model never shows it."""
    drop_response_after_accept: int = 0
    """Record the command, then abort the connection instead of answering (this many times)."""
    sse_reorder: bool = False
    """The event stream sends `observed` before `committed`."""
    sse_duplicate: bool = False
    """The event stream sends every fact twice."""
    sse_disconnect_after: int | None = None
    """The event stream closes after this many facts (clients resume with Last-Event-ID)."""
    status_lag_s: float = 0.0
    """The status resource reports the stage as it was this long ago."""
    stale_replica_reads: int = 0
    """The next reads of the read model come from a replica one version behind, answered at once."""
    retry_after_s: float = 0.05
    """The Retry-After the status resource (and the 202) ask clients to honour."""

    def spend(self, name: str) -> bool:
        """Use one charge of a counter switch; False when none is left."""
        left = getattr(self, name)
        if left > 0:
            setattr(self, name, left - 1)
            return True
        return False


_NAMES = {f.name: f.type for f in dataclasses.fields(Faults)}


def _faults_from(switches: dict[str, Any], where: str) -> Faults:
    unknown = sorted(set(switches) - set(_NAMES))
    if unknown:
        raise FaultPlanError(f"{where}: unknown fault switch(es) {', '.join(unknown)}; known: {', '.join(_NAMES)}")
    faults = Faults()
    for name, value in switches.items():
        default = getattr(faults, name)
        ok = (
            value is None and name in ("fail_after_accept", "sse_disconnect_after")
            or isinstance(default, bool) and isinstance(value, bool)
            or isinstance(default, float) and isinstance(value, (int, float)) and not isinstance(value, bool)
            or isinstance(default, int) and not isinstance(default, bool) and isinstance(value, int)
            and not isinstance(value, bool)
            or name == "fail_after_accept" and isinstance(value, str)
            or name == "sse_disconnect_after" and isinstance(value, int) and not isinstance(value, bool)
        )
        if not ok:
            raise FaultPlanError(f"{where}: fault switch {name} cannot be {value!r}")
        setattr(faults, name, float(value) if isinstance(default, float) else value)
    return faults


@dataclass(slots=True)
class FaultPlan:
    """Faults by scope. Mutated in place by tests (in process) or through `POST /_faults`."""

    default: Faults = field(default_factory=Faults)
    by_kind: dict[str, Faults] = field(default_factory=dict)
    by_command: dict[str, Faults] = field(default_factory=dict)

    def for_command(self, command_id: str, kind: str) -> Faults:
        return self.by_command.get(command_id) or self.by_kind.get(kind) or self.default

    def set(self, *, kind: str | None = None, command_id: str | None = None, **switches: Any) -> Faults:
        """Install the switches for one scope (replacing what that scope had); returns them."""
        where = f"command {command_id}" if command_id else f"kind {kind}" if kind else "default"
        faults = _faults_from(switches, where)
        if command_id:
            self.by_command[command_id] = faults
        elif kind:
            self.by_kind[kind] = faults
        else:
            self.default = faults
        return faults

    def clear(self) -> None:
        self.default = Faults()
        self.by_kind.clear()
        self.by_command.clear()

    def load(self, body: Any) -> None:
        """Replace the plan from its JSON form `{default?, byKind?, byCommand?}` (all or nothing)."""
        if not isinstance(body, dict):
            raise FaultPlanError("a fault plan is a JSON object {default?, byKind?, byCommand?}")
        unknown = sorted(set(body) - {"default", "byKind", "byCommand"})
        if unknown:
            raise FaultPlanError(f"unknown fault plan key(s) {', '.join(unknown)}")
        default = _faults_from(body.get("default") or {}, "default")
        by_kind = {k: _faults_from(v or {}, f"kind {k}") for k, v in (body.get("byKind") or {}).items()}
        by_cmd = {k: _faults_from(v or {}, f"command {k}") for k, v in (body.get("byCommand") or {}).items()}
        self.default, self.by_kind, self.by_command = default, by_kind, by_cmd

    def to_json(self) -> dict[str, Any]:
        return {
            "default": dataclasses.asdict(self.default),
            "byKind": {k: dataclasses.asdict(v) for k, v in self.by_kind.items()},
            "byCommand": {k: dataclasses.asdict(v) for k, v in self.by_command.items()},
        }
