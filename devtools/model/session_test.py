"""A recorded session as a pytest file (what `tickscope testgen` and the devtools' "Generate test" write).

    generated = session_test(store, instances=["form#1"], start_ms=..., end_ms=..., source="demo.jsonl")
    Path("test_session.py").write_text(generated.source)
    generated.skipped          # {instance id: why it has no test}

For each instance, the test mounts its module by the import path recorded at mount (module:init meta importPath:
a module global, or a top-level function called without arguments), starts from the recorded state before the
range, then replays the range's transactions in order: a dispatched action is dispatched again with its recorded
payload and must touch exactly the field paths it touched when recorded; any other write (an async run, an external
store, an operation) is not an action of the module, so the fields it wrote get the values it left (the rest stays
as the replay made it, so an earlier difference still shows).
Last, the state must be the recorded one. The assertions are the pytest plugin's (`tickscope`, `tickscope_runtime`
fixtures) and runtime.testing's `assert_state` / `assert_touched_exactly`.

A range is in the store's timestamps (epoch ms, both ends included). States come from `state:snapshot` records (a
trace recorded at level full) or else from state:update metas; a state the trace holds only cut short is refused
with the transaction that needs it, as is an action payload that was cut.
"""

from __future__ import annotations

import importlib
import inspect
import pprint
import re
from dataclasses import dataclass, field
from typing import Any

from runtime import Module
from runtime.trace import SNAPSHOT_TYPE, EventStore, untag

__all__ = ["GeneratedTest", "SessionTestError", "session_test"]

_WIDTH = 110
_WIRED_KINDS = frozenset(("source", "externalStore"))
"""Field kinds written by wiring outside the module (attach_sources, external stores): a module mounted alone in a
test does not write them the way the recorded application did."""


class SessionTestError(ValueError):
    """No test can be written for what was asked (the message says why)."""


@dataclass(frozen=True, slots=True)
class _Step:
    txn_id: str
    what: str
    action: tuple[str, Any] | None = None
    paths: list[str] | None = None
    paths_known: bool = True
    state: Any = None


@dataclass(slots=True)
class GeneratedTest:
    source: str
    instances: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    steps: int = 0


def _resolve(import_path: str, module_id: str) -> tuple[str, str, str]:
    """(python module, name to import, expression giving the Module) for a recorded import path, checked by
    importing it here: the generated test must be able to do the same."""
    mod_name, _, attr = import_path.partition(":")
    try:
        obj: Any = importlib.import_module(mod_name)
    except ImportError as exc:
        raise SessionTestError(f"its module {import_path} cannot be imported here ({exc})") from None
    for part in attr.split("."):
        obj = getattr(obj, part, None)
    top = attr.split(".")[0]
    if isinstance(obj, Module):
        expr = attr
    elif callable(obj):
        required = [p.name for p in inspect.signature(obj).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if required:
            raise SessionTestError(f"its module comes from {import_path}({', '.join(required)}), which needs "
                                   "arguments; testgen mounts modules it can build by name alone")
        expr = f"{attr}()"
        obj = obj()
    if not isinstance(obj, Module):
        raise SessionTestError(f"{import_path} is neither a Module nor a function that builds one")
    if obj.id != module_id:
        raise SessionTestError(f"{import_path} builds module {obj.id!r}, but the trace mounted {module_id!r}")
    wired = [f"{d.kind} {'.'.join(d.target)}" for d in obj.fields if d.kind in _WIRED_KINDS]
    if wired:
        raise SessionTestError(f"its module has fields written by wiring outside it ({', '.join(wired)}); testgen "
                               "replays modules whose writes are their own")
    return mod_name, top, expr


class _Instance:
    """What the store holds about one instance: its mount, updates, actions and snapshots by txnSeq."""

    def __init__(self, store: EventStore, iid: str) -> None:
        self.store = store
        self.iid = iid
        self.import_path: str | None = None
        self.module_id = ""
        self.updates: dict[int, int] = {}
        self.actions: dict[int, int] = {}
        for row in store.index.rows_of_instance(iid):
            label = store.label_of(row)
            if label == "module:init":
                meta = store.payload(row).get("meta") or {}
                self.import_path = meta.get("importPath") if isinstance(meta.get("importPath"), str) else None
                self.module_id = store.module_of(row)
            elif label == "state:update":
                self.updates[store.txn[row]] = row
            elif store.kind_of(row) == "action" and label != "async-action" and store.txn[row]:
                self.actions.setdefault(store.txn[row], row)
        self.snapshots: dict[int, int] = {}
        side = store.side(SNAPSHOT_TYPE)
        code = store.instances.find(iid)
        for i in range(len(side)):
            if side.instance[i] == code:
                self.snapshots[side.txn[i]] = i

    def txn_id(self, seq: int) -> str:
        return f"{self.iid}::t{seq}"

    def state_after(self, seq: int) -> Any:
        """The whole recorded state after transaction `seq` (0: at mount); raises when the trace holds it cut."""
        i = self.snapshots.get(seq)
        if i is not None:
            snap = self.store.side(SNAPSHOT_TYPE).payload(i)
            if "downgrade" not in snap:
                return untag(snap["state"])
        row = self.updates.get(seq)
        if row is not None:
            payload = self.store.payload(row)
            meta = payload.get("meta") or {}
            if "state" in meta and "downgrade" not in payload:
                return untag(meta["state"])
        raise SessionTestError(f"the state after {self.txn_id(seq)} is not in the trace whole "
                               "(record at diagnostics level full: its snapshots hold every state whole)")

    def origin(self, seq: int) -> tuple[str, str]:
        """(originKind, originName) of a committed transaction; empty for a txnSeq that committed nothing."""
        row = self.updates.get(seq)
        if row is None:
            return "", ""
        meta = self.store.payload(row).get("meta") or {}
        return str(meta.get("originKind", "")), str(meta.get("originName", ""))

    def touched(self, seq: int) -> tuple[list[str] | None, bool]:
        """(the dotted paths the transaction dirtied, None for everything; whether the trace knows them)."""
        row = self.updates[seq]
        meta = self.store.payload(row).get("meta") or {}
        dirty = meta.get("dirtySet") or {}
        if dirty.get("rootIdsTruncated"):
            return None, False
        ids = self.store.dirty_roots(row)
        if ids == [-1]:
            return None, True
        digest = self.store.digest_of(row)
        table = self.store.field_paths(digest) if digest is not None else None
        if table is None:
            return None, False
        return [".".join(table[i]) for i in ids if 0 <= i < len(table)], True

    def step(self, seq: int) -> _Step:
        kind, name = self.origin(seq)
        row = self.actions.get(seq)
        if kind == "action" and row is not None:
            payload = self.store.payload(row)
            action = (payload.get("meta") or {}).get("action") or {}
            if "downgrade" not in payload and isinstance(action.get("type"), str):
                paths, known = self.touched(seq)
                return _Step(self.txn_id(seq), action["type"], (action["type"], untag(action.get("payload"))),
                             paths, known)
        paths, known = self.touched(seq)
        after = self.state_after(seq)
        return _Step(self.txn_id(seq), f"{kind} {name}".strip(),
                     state=_values_at(after, paths) if known and paths is not None else {"": after})


def _values_at(state: Any, paths: list[str]) -> dict[str, Any]:
    """The recorded values a write left at its dirty paths, each taken whole where the path meets a list (a path
    like `items.qty` names a key of every item) or a missing key; a path under another kept path is dropped."""
    prefixes: list[list[str]] = []
    for path in paths:
        keys = path.split(".")
        node, taken = state, []
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
            taken.append(key)
        prefixes.append(taken)
    kept = sorted({tuple(p) for p in prefixes}, key=len)
    out: dict[str, Any] = {}
    for p in kept:
        if any(p[:len(q)] == q for q in map(tuple, (k.split(".") if k else () for k in out))):
            continue
        value = state
        for key in p:
            value = value[key]
        out[".".join(p)] = value
    return out


def _literal(value: Any, indent: int) -> str:
    text = pprint.pformat(value, width=_WIDTH - indent, sort_dicts=False)
    return text.replace("\n", "\n" + " " * indent)


def _plan(inst: _Instance, start_ms: float | None, end_ms: float | None) -> tuple[list[str], int]:
    """The body lines of one instance's test and the number of replayed transactions."""
    store = inst.store
    seqs = sorted(s for s, row in inst.updates.items()
                  if (start_ms is None or store.ts[row] >= start_ms) and (end_ms is None or store.ts[row] <= end_ms))
    if not seqs:
        raise SessionTestError("it committed no transaction in the range")
    first = seqs[0]
    mounted = inst.origin(first) == ("lifecycle", "mount")
    # the state the range starts from: after the last transaction before it that committed (0: at mount)
    base = first if mounted else max((s for s in inst.updates if s < first), default=0)
    lines: list[str] = []
    if base == 0 or inst.origin(base) == ("lifecycle", "mount"):
        where = f"{inst.iid} after its mount" + (f" ({inst.txn_id(base)})" if base else "")
        lines.append(f"assert_state(inst.get_state(), {_literal(inst.state_after(base), 4)}, where={where!r})")
    else:
        lines.append(f"inst.set_state({_literal(inst.state_after(base), 4)})  # as it was after {inst.txn_id(base)}")
    steps = [inst.step(s) for s in seqs if s != base]
    for step in steps:
        if step.action is not None:
            atype, payload = step.action
            lines.append(f"rec = inst.dispatch({atype!r}, {_literal(payload, 4)})  # {step.txn_id}")
            if step.paths_known:
                lines.append(f"assert_touched_exactly(tickscope, rec, {_literal(step.paths, 4)}, "
                             f"recorded_as={step.txn_id + ' ' + step.what!r})")
            else:
                lines.append(f"assert rec is not None, {step.txn_id + ' committed when recorded'!r}"
                             "  # its dirty roots were cut in the trace")
        else:
            lines.append(f"set_recorded_fields(inst, {_literal(step.state, 4)})  # {step.txn_id}: {step.what}")
    last = seqs[-1]
    lines.append(f"assert_state(inst.get_state(), {_literal(inst.state_after(last), 4)}, "
                 f"where={inst.iid + ' after ' + inst.txn_id(last)!r})")
    return lines, len(steps)


def _test_name(iid: str) -> str:
    return "test_" + (re.sub(r"[^0-9A-Za-z]+", "_", iid).strip("_").lower() or "instance") + "_session"


def session_test(store: EventStore, *, instances: list[str] | None = None, start_ms: float | None = None,
                 end_ms: float | None = None, source: str = "a recorded trace") -> GeneratedTest:
    """The pytest source replaying the given instances (default: every instance testgen can mount) over the range;
    raises SessionTestError when no instance can have a test (or a named one cannot, with the reason)."""
    mounted = [store.instances.values[c] for c in sorted({store.instance[r] for r in range(len(store))
                                                          if store.label_of(r) == "module:init"})]
    chosen = instances if instances else mounted
    result = GeneratedTest(source="")
    imports: dict[str, set[str]] = {}
    bodies: list[str] = []
    for iid in chosen:
        if iid not in mounted:
            why = "it was not mounted in this trace (no module:init)"
        else:
            inst = _Instance(store, iid)
            try:
                if inst.import_path is None:
                    raise SessionTestError("its module has no recorded import path (built in __main__ or in a nested "
                                           "function, or recorded by an older tickscope)")
                mod_name, top, expr = _resolve(inst.import_path, inst.module_id)
                lines, count = _plan(inst, start_ms, end_ms)
            except SessionTestError as exc:
                why = str(exc)
            else:
                imports.setdefault(mod_name, set()).add(top)
                body = "\n    ".join(lines)
                bodies.append(f"def {_test_name(iid)}(tickscope, tickscope_runtime):\n"
                              f"    inst = tickscope_runtime.mount({expr}, {iid!r})\n    {body}\n")
                result.instances.append(iid)
                result.steps += count
                continue
        if instances:
            raise SessionTestError(f"no test for {iid}: {why}")
        result.skipped[iid] = why
    if not bodies:
        reasons = "; ".join(f"{i}: {w}" for i, w in result.skipped.items()) or "the trace mounted no module"
        raise SessionTestError(f"no instance of {source} can be replayed ({reasons})")
    skipped = "".join(f"\n  {i}: {w}" for i, w in result.skipped.items())
    header = (f'"""The session recorded in {source}, replayed (written by `tickscope testgen`).\n\n'
              f"Instances: {', '.join(result.instances)}. Each test mounts the recorded module by its import path, "
              "dispatches the\nrecorded actions with their payloads and checks the field paths each one touched; "
              "other writes (async runs,\nexternal stores, operations) set the state they left. Last, the state must "
              "be the recorded one.\nRegenerate this file after an intended change of behaviour."
              + (f"\n\nNot replayed:{skipped}" if skipped else "") + '\n"""\n\n')
    import_lines = [f"from {m} import {', '.join(sorted(names))}" for m, names in sorted(imports.items())]
    import_lines.append("from runtime.testing import assert_state, assert_touched_exactly, set_recorded_fields")
    result.source = header + "\n".join(import_lines) + "\n\n\n" + "\n\n".join(bodies)
    return result
