"""The records a committed transaction leaves behind (immutable; what subscribers, the hub and devtools read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable, Mapping
from typing import Any, Literal

from runtime.base.dirty import DirtyTracker
from runtime.base.dirty_plan import DirtyPlan
from runtime.base.frozen import fast_init
from runtime.base.paths import DirtySet, FieldPathRegistry

__all__ = ["CheckRun", "CommitMode", "ConvergeMode", "ConvergeOutcome", "ConvergeRecord", "MAX_PATCHES", "OriginKind",
           "DeferredConverge", "PatchRecord", "TxnOrigin", "TxnPriority", "TxnRecord", "converge_of"]

OriginKind = Literal["action", "batch", "setState", "lifecycle", "devtools", "async-action", "operation", "optimistic",
                     "field-external-store", "source-refresh"]
"""Why a transaction ran (the kind of its entry point)."""
CommitMode = Literal["normal", "batch", "lowPriority"]
TxnPriority = Literal["normal", "low"]
"""`low` commits may be deferred by a tick under its budget; everything else is urgent."""
ConvergeMode = Literal["auto", "full", "dirty"]
ConvergeOutcome = Literal["Converged", "Noop", "Degraded"]

MAX_PATCHES = 256
"""Patch records kept per transaction; past it the record says `patchesTruncated` (reason `max_patches`)."""


@fast_init
@dataclass(frozen=True, slots=True)
class TxnOrigin:
    """Why a transaction ran."""

    kind: OriginKind
    name: str | None = None
    """The action type, field path or other name within the kind."""
    details: Any = None
    site: Mapping[str, Any] | None = None
    """Where the entry point was called from (runtime.debug.call_site), at diagnostics level full; else None. Reads as
    the exported call site (a dict given by the caller, or the site taken, resolved when first read)."""


@fast_init
@dataclass(frozen=True, slots=True)
class PatchRecord:
    """One effective write (kept at full diagnostics, at most MAX_PATCHES per transaction)."""

    op_seq: int
    path: tuple[Any, ...]
    """The raw path written, list indices included (`()` for a whole-state replace)."""
    path_id: int | None
    """FieldPathId of the normalised path; None when the path is not in the table."""
    reason: str
    """reducer | trait-computed | trait-link | trait-check | field-external-store | source-refresh | devtools | ..."""
    step_id: int | None
    node: str | None
    """The derived field that wrote it, e.g. `computed:total`."""
    before: Any
    after: Any
    op: int = 0
    """The opSeq of the operation that wrote it: the window's own, or the step execution's."""


@fast_init
@dataclass(frozen=True, slots=True)
class CheckRun:
    """One executed check step of a converge run: the rules that ran and what they found."""

    step_id: int
    field: str
    """The checked field (or list), as path text."""
    rules: tuple[tuple[str, str], ...]
    """(ruleId, outcome) in declaration order: `pass`, `fail`, or `skipped` (an earlier rule already failed)."""
    valid: bool
    changed: bool
    """Whether the verdict written to `errors.<field>` changed."""
    rows: tuple[int, int] | None = None
    """A list check: (rows revalidated, rows found invalid among them)."""


@fast_init
@dataclass(frozen=True, slots=True)
class ConvergeRecord:
    """What converge decided and did in one transaction (recorded while diagnostics are on; see
    docs/rules/converge.md)."""

    requested_mode: ConvergeMode
    executed_mode: ConvergeMode
    outcome: ConvergeOutcome
    reasons: tuple[str, ...]
    config_scope: str
    static_ir_digest: str
    execution_budget_ms: float
    execution_ms: float
    decision_budget_ms: float
    decision_ms: float
    total_steps: int
    executed_steps: int
    changed_steps: int
    affected_steps: int
    degrade_reason: str | None = None
    """budget_exceeded | runtime_error when Degraded."""
    cache: dict[str, Any] | None = None
    generation: dict[str, Any] = field(default_factory=dict)
    field_path_count: int = 0
    ir_build_ms: float = 0.0
    top3: tuple[tuple[int, int, float, bool, str, int], ...] = ()
    """(stepId, outFieldPathId, durationMs, changed, kind, opSeq) of the slowest steps (top K), when timings were
    taken."""
    sampled: bool = False
    sample_every_n: int = 32
    top_k: int = 3
    dirty: DirtySet | None = None
    """The dirty set converge planned from (the entry point's own writes)."""
    checks: tuple[CheckRun, ...] = ()
    """The check steps it executed (`trait:check` events)."""
    steps: tuple[tuple[int, float, bool, int], ...] = ()
    """(stepId, durationMs, changed, opSeq) of every executed step, in execution order (full diagnostics only)."""
    exec_vm: Any = None
    """Whether it ran through an assembled kernel (runtime.converge.assembly.ExecVm; `trace:exec-vm` events)."""


@fast_init
@dataclass(frozen=True, slots=True)
class TxnRecord:
    """One committed transaction."""

    module_id: str
    instance_id: str
    txn_seq: int
    txn_id: str
    origin: TxnOrigin
    commit_mode: CommitMode
    """normal | batch | lowPriority."""
    priority: TxnPriority
    """normal | low."""
    started_at: float
    """Epoch milliseconds (monotonic within a runtime)."""
    duration_ms: float
    dirty: DirtySet
    """Every path written in the transaction, base and derived."""
    base_dirty: DirtySet
    """The paths the entry point wrote itself (what converge planned from)."""
    patch_count: int
    patches: tuple[PatchRecord, ...]
    patches_truncated: bool
    static_ir_digest: str
    link_id: str | None = None
    """The action run this transaction belongs to, if any."""
    converge: ConvergeRecord | None = None
    """Built when first read (DeferredConverge): a window with diagnostics on hands over what it already holds."""
    before: Any = None
    """State before the transaction (full diagnostics only)."""
    after: Any = None
    """State after the transaction (full diagnostics only)."""
    plan_of: tuple[DirtyTracker, DirtyTracker, FieldPathRegistry] | None = None
    """What `dirty_plan` is worked out from: the window's base and derived writes (final once it committed) and
    its path table. A commit pays for the plan only when someone reads it."""
    op_seq: int = 0
    """The opSeq of the transaction's operation (`instanceId::o<opSeq>`): the run it belongs to, or its own."""

    @property
    def dirty_plan(self) -> DirtyPlan | None:
        """The dirty plan snapshot of every write: raw ids in write order, authority, list index bindings (the same
        object each time it is read)."""
        if self.plan_of is None:
            return None
        base, derived, registry = self.plan_of
        return base.plan(registry, (derived,))


class DeferredConverge:
    """A ConvergeRecord not built yet: `build(*args)` from the references a window already holds, once, when the
    record's `converge` is first read (or its `trait:converge` event built). Building the record costs more than
    a small window's converge and most records are never read; what an export needs at once (the check runs, the
    Exec VM evidence, the IR digest) is at hand without building."""

    __slots__ = ("build", "args", "checks", "exec_vm", "static_ir_digest", "_record")

    def __init__(self, build: Callable[..., ConvergeRecord], args: tuple[Any, ...], checks: tuple[CheckRun, ...],
                 exec_vm: Any, static_ir_digest: str) -> None:
        self.build = build
        self.args = args
        self.checks = checks
        self.exec_vm = exec_vm
        self.static_ir_digest = static_ir_digest
        self._record: ConvergeRecord | None = None

    def record(self) -> ConvergeRecord:
        """The record, built on first use (the same object after)."""
        built = self._record
        if built is None:
            built = self._record = self.build(*self.args)
            self.args = ()  # let go of what it was built from
        return built


class _BuiltWhenRead:
    """TxnRecord.converge: the slot's value, a DeferredConverge built (and kept in its place) when read, so every
    reader (attribute, equality, repr, pickling, dataclasses.replace) sees a ConvergeRecord."""

    __slots__ = ("slot",)

    def __init__(self, slot: Any) -> None:
        self.slot = slot

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = self.slot.__get__(obj, owner)
        if value.__class__ is DeferredConverge:
            value = value.record()
            self.slot.__set__(obj, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        self.slot.__set__(obj, value)

    def __delete__(self, obj: Any) -> None:
        self.slot.__delete__(obj)


_CONVERGE_SLOT = TxnRecord.__dict__["converge"]
setattr(TxnRecord, "converge", _BuiltWhenRead(_CONVERGE_SLOT))  # noqa: B010 - after fast_init took the raw setter


def converge_of(record: TxnRecord) -> ConvergeRecord | DeferredConverge | None:
    """The record's converge as it is held, unbuilt when it was deferred (for exports that build it when read)."""
    value: ConvergeRecord | DeferredConverge | None = _CONVERGE_SLOT.__get__(record, TxnRecord)
    return value
