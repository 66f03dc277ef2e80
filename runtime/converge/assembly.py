"""Assembled converge kernels: one generated Python function per static IR and plan, run instead of the interpreter.

The interpreter (executor.run_steps) looks every step up, calls its compute closure (which calls the readers and the
derivation), its output reader and its equality per step. A kernel is that same work written out as straight-line
source with the step ids, paths and functions baked in, compiled once and cached with the planner (per IR and plan):

    v = d3(get('b_3'))                         # the compute line of step 3 (its reads and its derivation)
    vc = v.__class__
    if vc not in PLAIN: awaitable(v, s3)
    old = get('d_3')                           # get: the current root's own (C) get
    if not (old is v or (type(old) is type(v) and old == v)):
        ws_set(('d_3',), v, True)              # the write goes through WorkingState.set, as the interpreter's does
        root = ws.root
        get = root.get
        slow += 1
        changed += 1

Reads use the state's mapping `get` for top-level paths and the interpreter's compiled readers for deeper ones;
writes use `WorkingState.set`; so both paths see and make the same states, dirty evidence and patches. Below full
diagnostics (`direct`), a changed top-level value whose key exists goes straight into the owned root's store with
its path id marked (_direct_write); `changed - slow` is the count of those.

Which plans are assembled, when, and in how many parts is kernel_cache.py's. What does not run assembled runs through
the interpreter, with the reason as evidence (`ExecVm`): a part with a list check over the rows a transaction changed
(its input differs per transaction: `not_implemented`), a plan on its first run or with parts still to assemble
(`missing_capability`), and the switch `ConvergeConfig(assembly=False)` (`disabled`).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

from runtime.base.draft import WorkingState
from runtime.base.paths import WILDCARD, fnv1a32_text
from runtime.base.state_access import compile_reader, same_value
from runtime.base.state_root import note_root_writes
from runtime.converge.executor import BUDGET_CHECK_EVERY, PLAIN_TYPES, AsyncDerive, ExecResult, _check_run
from runtime.converge.ir import StaticIr, Step

__all__ = ["DISABLED", "EXEC_IR_VERSION", "FIRST_SIGHTING", "ExecVm", "Kernel", "assemble", "direct_key",
           "escape_awaitable", "run_kernel", "unassemblable"]

EXEC_IR_VERSION = "tickscope-py-kernel-v1"

ReasonCode = Literal["not_implemented", "missing_capability", "disabled"]


@dataclass(frozen=True, slots=True)
class ExecVm:
    """Whether one converge ran assembled (the reference's Exec VM evidence, stage `assembly`)."""

    hit: bool
    reason_code: ReasonCode | None = None
    reason_detail: str | None = None
    exec_ir_hash: str | None = None

    def evidence(self, level: str) -> dict[str, Any]:
        """The `trace:exec-vm` meta: reasonDetail at full only."""
        out: dict[str, Any] = {"version": "v1", "stage": "assembly", "hit": self.hit,
                               "execIrVersion": EXEC_IR_VERSION}
        if self.reason_code is not None:
            out["reasonCode"] = self.reason_code
            if level == "full" and self.reason_detail:
                out["reasonDetail"] = self.reason_detail[:512]
        if self.exec_ir_hash is not None:
            out["execIrHash"] = self.exec_ir_hash
        return out


DISABLED = ExecVm(False, "disabled", "assembly is switched off (ConvergeConfig(assembly=False))")
FIRST_SIGHTING = ExecVm(False, "missing_capability", "not assembled yet: a plan is assembled when it runs a second "
                                                      "time")

KernelFn = Callable[..., tuple[int, int, str | None, int]]


@dataclass(frozen=True, slots=True)
class Kernel:
    """One assembled plan: the function, its compute lines (line -> position in the plan) and its hash."""

    fn: KernelFn
    compute_lines: dict[int, int]
    exec_ir_hash: str
    evidence: ExecVm


def unassemblable(step: Step) -> str | None:
    """Why `step` cannot be assembled, None when it can."""
    if step.compute_rows is not None:
        return f"step {step.step_id} ({step.name}) revalidates the rows each transaction changed: not assembled"
    if step.derive is None:
        return f"step {step.step_id} ({step.name}) has no derivation to call"
    return None


def _reader_expr(path: tuple[str, ...], name: str, env: dict[str, Any]) -> str:
    if len(path) == 1 and isinstance(path[0], str):
        return f"get({path[0]!r})"
    env[name] = compile_reader(path)
    return f"{name}(root)"


def direct_key(step: Step) -> str | None:
    """The top-level key a direct write may set, None when the step's output needs WorkingState.set (a deeper path,
    or a segment the path classifier would not map to the step's own path id)."""
    path = step.out_path
    if len(path) != 1:
        return None
    key = path[0]
    if key.__class__ is not str or not key or key.isdigit() or key == WILDCARD:
        return None
    return key


def _generate(ir: StaticIr, order: Sequence[int], *, notify: bool, timed: bool, traced: bool,
              direct: bool) -> tuple[str, dict[str, Any], dict[int, int]]:
    """The kernel's source, the names it uses, and its compute lines."""
    env: dict[str, Any] = {"PLAIN": PLAIN_TYPES, "awaitable": escape_awaitable, "check_run": _check_run}
    lines = ["def kernel(ws, on_step, op_base, deadline, perf, timings, checks, ids):",
             "    ws_set = ws.set",
             "    claim = ws.claim_root",
             "    root = ws.root",
             "    get = root.get",
             "    mine = store = None",
             "    changed = slow = 0"]
    compute_lines: dict[int, int] = {}
    n = len(order)
    steps = ir.steps
    for k, sid in enumerate(order):
        step = steps[sid]
        executed = k + 1
        env[f"s{sid}"] = step
        env[f"d{sid}"] = step.derive
        env[f"o{sid}"] = step.out_path
        args = ", ".join(_reader_expr(p, f"r{sid}_{i}", env) for i, p in enumerate(step.dep_paths))
        if timed:
            lines.append("    ts = perf()")
        compute_lines[len(lines) + 1] = k  # co_firstlineno is 1: the def is line 1
        lines.append(f"    v = d{sid}({args})")
        lines.append("    vc = v.__class__")
        lines.append(f"    if vc not in PLAIN: awaitable(v, s{sid})")
        lines.append(f"    old = {_reader_expr(step.out_path, f'w{sid}', env)}")
        if step.equals is same_value:
            same = "old is v or (type(old) is type(v) and old == v)"
        else:
            env[f"e{sid}"] = step.equals
            same = f"e{sid}(old, v)"
        keep = timed or (traced and step.report is not None)
        if keep:
            lines.append(f"    c = not ({same})")
            lines.append("    if c:")
        else:
            lines.append(f"    if not ({same}):")
        if notify:
            lines.append(f"        on_step(s{sid}, op_base + {executed})")
        key = direct_key(step) if direct else None
        if key is None:
            lines += [f"        ws_set(o{sid}, v, True)", "        root = ws.root", "        get = root.get",
                      "        slow += 1", "        changed += 1"]
        else:
            lines += _direct_write(sid, key, step.out_id)
        if timed:
            lines.append(f"    timings.append(({sid}, (perf() - ts) * 1000.0, c, op_base + {executed}))")
        if traced and step.report is not None:
            lines.append(f"    checks.append(check_run(s{sid}, v, c))")
        if executed % BUDGET_CHECK_EVERY == 0 and executed < n:
            lines.append(f"    if perf() > deadline: return {executed}, changed, 'budget_exceeded', changed - slow")
    lines.append(f"    return {n}, changed, None, changed - slow")
    return "\n".join(lines) + "\n", env, compute_lines


def _direct_write(sid: int, key: str, out_id: int) -> list[str]:
    """A changed top-level value written straight into the owned root's store and its path id marked dirty, which is
    what WorkingState.set and the transaction's write listener do for it (they still take the writes whose old value
    is missing or None, and list values, whose rows the listener marks as touched). No undo entry: a rollback goes
    back to the root as it was when converge started (WorkingState.start_undo)."""
    return [
        "        if old is None or vc is list or old.__class__ is list:",
        f"            ws_set(o{sid}, v, True)",
        "            root = ws.root",
        "            get = root.get",
        "            slow += 1",
        "        else:",
        "            if root is not mine:",
        "                mine, store = claim()",
        "                root = mine",
        "                get = root.get",
        f"            store[{key!r}] = v",
        f"            ids[{out_id}] = None",
        "        changed += 1",
    ]


def escape_awaitable(value: Any, step: Step) -> None:
    """The interpreter's async escape, for a value of a type that is no plain value."""
    if inspect.isawaitable(value):
        if inspect.iscoroutine(value):
            value.close()
        raise AsyncDerive(step)


def assemble(ir: StaticIr, order: Sequence[int], *, notify: bool, timed: bool, traced: bool,
             direct: bool = False) -> Kernel | ExecVm:
    """The kernel of `order` over `ir`, or the evidence of why it cannot be assembled. `direct`: the kernel writes
    top-level values itself and marks their path ids in the `ids` it is run with (run_kernel's `dirty_ids`)."""
    for sid in order:
        why = unassemblable(ir.steps[sid])
        if why is not None:
            return ExecVm(False, "not_implemented", why)
    source, env, compute_lines = _generate(ir, order, notify=notify, timed=timed, traced=traced, direct=direct)
    exec_ir_hash = f"{ir.digest}:{fnv1a32_text(source):08x}"
    code = compile(source, f"<converge kernel {ir.module_id} {exec_ir_hash}>", "exec")
    exec(code, env)  # noqa: S102 - the source is generated here from the IR, nothing of it comes from outside
    return Kernel(env["kernel"], compute_lines, exec_ir_hash, ExecVm(True, exec_ir_hash=exec_ir_hash))


def run_kernel(kernel: Kernel, ir: StaticIr, order: Sequence[int], ws: WorkingState,
                on_step: Callable[[Step | None, int], None] | None, budget_ms: float, op_base: int,
                dirty_ids: dict[int, None] | None = None) -> ExecResult:
    """Run one kernel over `order` (the steps it was assembled for); a derivation's failure degrades, as in the
    interpreter, and anything else raised (a custom equality, a write) goes through, as it does there. A kernel
    assembled `direct` marks the path ids of the writes it makes itself in `dirty_ids` (counted in
    `direct_writes`)."""
    res = ExecResult()
    perf = time.perf_counter
    t0 = perf()
    try:
        res.executed, res.changed, res.degrade_reason, res.direct_writes = kernel.fn(
            ws, on_step, op_base, t0 + budget_ms / 1000.0, perf, res.timings, res.checks, dirty_ids)
    except AsyncDerive:
        raise
    except Exception as exc:  # a failing derivation degrades the transaction, as in the interpreter
        if not kernel_failed(kernel, ir, order, exc, res):
            raise  # not a derivation's failure (a custom equality, a write): the interpreter lets it through too
    if res.direct_writes:
        note_root_writes(ws.root, res.direct_writes)
    if on_step is not None:
        on_step(None, op_base)
    res.duration_ms = (perf() - t0) * 1000.0
    return res


def kernel_failed(kernel: Kernel, ir: StaticIr, order: Sequence[int], exc: Exception, res: ExecResult) -> bool:
    """`exc`, raised out of `kernel.fn` called straight from its caller's frame: when a derivation raised it, the
    run degrades as the interpreter's does (what it did up to the failing step, in `res`) and this says True; False
    for anything else (a custom equality, a write), which goes through as it does in the interpreter."""
    frame = _kernel_frame(exc.__traceback__)
    at = None if frame is None else kernel.compute_lines.get(frame.tb_lineno)
    if frame is None or at is None:
        return False
    res.degrade_reason, res.error, res.failed_step = "runtime_error", exc, ir.steps[order[at]]
    local = frame.tb_frame.f_locals
    res.executed, res.changed = at, local["changed"]
    res.direct_writes = local["changed"] - local["slow"]
    return True


def _kernel_frame(tb: TracebackType | None) -> TracebackType | None:
    """The traceback entry of the kernel's own frame (the one after this module's caller frame)."""
    return None if tb is None else tb.tb_next
