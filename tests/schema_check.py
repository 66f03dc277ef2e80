"""Checks a trace file or an evidence package against the project's own JSON Schemas (resources/schemas).

Every envelope is validated against its schema (the event metas are chosen by kind and label inside
debug-event.schema.json), and the rules JSON Schema cannot say are checked here across records:

- the trace header; seq rising (dense from 1 in an evidence package) and one runId throughout;
- eventId is `instanceId::e<eventSeq>`, eventSeq rises per instance, txnId is `instanceId::t<txnSeq>`;
- a diagnostic's label is its code; trace:tick numbers never go back;
- a static IR comes before any event that names its digest, and the root ids, path ids and step ids an event names
  exist in that IR's tables; exported root counts agree with the ids and their truncation marks;
- an evidence package puts its static IRs first and summarises every digest its events name.

`check_file(path, require)` returns a Report; `require` names kinds that must appear, matched as prefixes of
`kind/label` (e.g. "state/state:update", "trait:converge", "diagnostic"). A report passes when nothing is wrong, at
least one debug event was seen and every required kind appeared. Also a command: `python tests/schema_check.py FILE`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from tests_paths import SCHEMAS

MAX_PROBLEMS_SHOWN = 30


@cache
def registry() -> Registry:
    """Every schema under resources/schemas, registered by its $id (the schemas refer to each other by $id)."""
    resources = []
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        resources.append((doc["$id"], Resource.from_contents(doc)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator of resources/schemas/<name>.schema.json, e.g. `validator("server-frame")`."""
    doc = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(doc)
    return Draft202012Validator(doc, registry=registry())


def schema_errors(name: str, doc: Any) -> list[str]:
    """What is wrong with `doc` against one schema, one line per error, the deepest cause first."""
    out = []
    for error in validator(name).iter_errors(doc):
        leaf = _closest(error)
        where = "/".join(map(str, leaf.absolute_path)) or "<root>"
        out.append(f"{where}: {leaf.message[:200]}")
    return out


def _closest(error: ValidationError) -> ValidationError:
    """Into a failed oneOf / anyOf: the branch with the fewest errors, and in it the error found deepest, so a
    converge meta that fits no level reads as what is wrong for the nearest level, not as the whole meta."""
    if not error.context:
        return error
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
    nearest = min(branches.values(), key=len)
    return _closest(max(nearest, key=lambda e: len(e.absolute_path)))


@dataclass
class Report:
    path: Path
    seen: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return self.seen["debug:event"]

    @property
    def ok(self) -> bool:
        return not self.problems and self.events > 0 and not self.missing

    def text(self) -> str:
        lines = [f"  {count:8d}  {key}" for key, count in sorted(self.seen.items())]
        lines += [f"  problem: {p}" for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"  ... and {len(self.problems) - MAX_PROBLEMS_SHOWN} more problems")
        missing = f"; missing kinds: {', '.join(self.missing)}" if self.missing else ""
        status = "ok" if self.ok else "FAILS"
        lines.append(f"{self.path}: {status}: {self.events} debug events, {len(self.problems)} problems{missing}")
        return "\n".join(lines)


class _Records:
    """The rules across records, fed one envelope at a time in file order."""

    def __init__(self, report: Report, *, dense: bool) -> None:
        self.report = report
        self.dense = dense
        """Evidence packages number their envelopes densely from 1; a trace's seq only has to rise (a reader may
        be handed a cut trace)."""
        self.run_id: str | None = None
        self.last_seq = 0
        self.event_seq: dict[str, int] = {}
        self.tick_seq: dict[str, int] = {}
        self.irs: dict[str, dict[str, Any]] = {}
        self.named: set[str] = set()

    def problem(self, where: str, message: str) -> None:
        self.report.problems.append(f"{where}: {message}")

    def envelope(self, where: str, env: Any) -> None:
        errors = schema_errors("observation-envelope", env)
        if not isinstance(env, dict):
            self.problem(where, f"not an envelope object: {errors[0] if errors else type(env).__name__}")
            return
        kind, payload = env.get("type"), env.get("payload")
        if kind == "debug:event" and isinstance(payload, dict):
            self.report.seen[f"{payload.get('kind')}/{payload.get('label')}"] += 1
            self.report.seen["debug:event"] += 1
            label = f"{payload.get('kind')}/{payload.get('label')}"
        else:
            self.report.seen[str(kind) if kind in ("static-ir", "state:snapshot") else f"envelope:{kind}"] += 1
            label = str(kind)
        for message in errors:
            self.problem(where, f"{label}: {message}")
        self._sequence(where, env)
        if errors or not isinstance(payload, dict):
            return
        if kind == "static-ir":
            self.irs.setdefault(payload["staticIrDigest"], payload)
        elif kind == "debug:event":
            self._event(where, payload)

    def _sequence(self, where: str, env: dict[str, Any]) -> None:
        run_id, seq = env.get("runId"), env.get("seq")
        if self.run_id is None:
            self.run_id = run_id
        elif run_id != self.run_id:
            self.problem(where, f"runId {run_id!r} differs from the run's {self.run_id!r}")
        if isinstance(seq, int):
            if self.dense and seq != self.last_seq + 1:
                self.problem(where, f"seq {seq} does not follow {self.last_seq} (seq is dense from 1)")
            elif seq <= self.last_seq:
                self.problem(where, f"seq {seq} does not rise (after {self.last_seq})")
            self.last_seq = seq

    def _event(self, where: str, ev: dict[str, Any]) -> None:
        iid, seq, txn_seq = ev["instanceId"], ev["eventSeq"], ev["txnSeq"]
        if ev["eventId"] != f"{iid}::e{seq}":
            self.problem(where, f"eventId {ev['eventId']!r} is not {iid}::e{seq}")
        if seq <= self.event_seq.get(iid, 0):
            self.problem(where, f"{iid}: eventSeq {seq} does not rise (after {self.event_seq[iid]})")
        self.event_seq[iid] = max(seq, self.event_seq.get(iid, 0))
        if "txnId" in ev and ev["txnId"] != f"{iid}::t{txn_seq}":
            self.problem(where, f"txnId {ev['txnId']!r} is not {iid}::t{txn_seq}")
        kind, label, meta = ev["kind"], ev["label"], ev.get("meta")
        if not isinstance(meta, dict):
            return
        if kind == "diagnostic" and meta["code"] != label:
            self.problem(where, f"diagnostic label {label!r} is not its code {meta['code']!r}")
        if (kind, label) == ("devtools", "trace:tick"):
            if meta["tickSeq"] < self.tick_seq.get(iid, 0):
                self.problem(where, f"{iid}: tickSeq {meta['tickSeq']} goes back (after {self.tick_seq[iid]})")
            self.tick_seq[iid] = max(meta["tickSeq"], self.tick_seq.get(iid, 0))
        digest = meta.get("staticIrDigest")
        if isinstance(digest, str):
            self.named.add(digest)
            ir = self.irs.get(digest)
            if ir is None:
                self.problem(where, f"{kind}/{label} names static IR {digest} before it was written")
            elif (kind, label) == ("state", "state:update"):
                self._state_update(where, meta, ir)
            elif kind in ("trait:converge", "field:converge"):
                self._converge_dirty(where, meta["dirty"], ir)

    def _state_update(self, where: str, meta: dict[str, Any], ir: dict[str, Any]) -> None:
        dirty = meta["dirtySet"]
        ids, count = dirty["rootIds"], dirty["rootCount"]
        if dirty.get("rootIdsTruncated", False) != (count > len(ids)) or count < len(ids):
            self.problem(where, f"dirtySet lists {len(ids)} of rootCount {count} with rootIdsTruncated "
                                f"{dirty.get('rootIdsTruncated', False)}")
        self._ids_in(where, "dirtySet.rootIds", ids, len(ir["fieldPaths"]))
        patches = meta.get("patches", [])
        self._ids_in(where, "patches pathId", [p["pathId"] for p in patches if "pathId" in p], len(ir["fieldPaths"]))
        steps = len(ir["stepOutFieldPathIdByStepId"])
        self._ids_in(where, "patches stepId", [p["stepId"] for p in patches if "stepId" in p], steps)
        if len(patches) > meta["patchCount"]:
            self.problem(where, f"{len(patches)} patches listed, patchCount says {meta['patchCount']}")

    def _converge_dirty(self, where: str, dirty: dict[str, Any], ir: dict[str, Any]) -> None:
        if "rootIds" not in dirty:
            return
        ids = dirty["rootIds"]
        if "rootCount" in dirty:  # full level: the first 32 roots of rootCount
            count = dirty["rootCount"]
            if len(ids) != min(count, 32) or dirty["rootIdsTruncated"] != (count > len(ids)):
                self.problem(where, f"converge dirty lists {len(ids)} of rootCount {count} with rootIdsTruncated "
                                    f"{dirty['rootIdsTruncated']}")
        elif len(ids) > 3 or (dirty["rootIdsTruncated"] and len(ids) < 3):  # light level: the first 3
            self.problem(where, f"light converge dirty lists {len(ids)} roots with rootIdsTruncated "
                                f"{dirty['rootIdsTruncated']}")
        self._ids_in(where, "converge dirty.rootIds", ids, len(ir["fieldPaths"]))

    def _ids_in(self, where: str, what: str, ids: Iterable[int], size: int) -> None:
        bad = [i for i in ids if i >= size]
        if bad:
            self.problem(where, f"{what} {bad[:5]} are not in a table of {size}")


def _check_trace(text: str, report: Report) -> None:
    lines = text.splitlines()
    try:
        header = json.loads(lines[0])
    except json.JSONDecodeError as exc:
        raise ValueError(f"line 1 is not JSON: {exc}") from None
    report.problems += [f"line 1: header {m}" for m in schema_errors("trace-header", header)]
    records = _Records(report, dense=False)
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            env = json.loads(line)
        except json.JSONDecodeError as exc:
            records.problem(f"line {n}", f"not JSON: {exc}")
            continue
        records.envelope(f"line {n}", env)
    if isinstance(header, dict) and records.run_id not in (None, header.get("runId")):
        records.problem("line 1", f"header runId {header.get('runId')!r} is not the envelopes' {records.run_id!r}")


def _check_evidence(doc: Any, report: Report) -> None:
    report.problems += [f"evidence {m}" for m in schema_errors("evidence-package", doc)]
    events = doc.get("events") if isinstance(doc, dict) else None
    if not isinstance(events, list):
        return
    records = _Records(report, dense=True)
    after_events = False
    for i, env in enumerate(events):
        is_ir = isinstance(env, dict) and env.get("type") == "static-ir"
        if is_ir and after_events:
            records.problem(f"events[{i}]", "a static IR after other envelopes (static IRs come first)")
        after_events = after_events or not is_ir
        records.envelope(f"events[{i}]", env)
    summary = (doc.get("summary") or {}).get("converge", {}).get("staticIrByDigest", {})
    unsummarised = sorted(records.named - set(summary))
    if unsummarised:
        records.problem("summary", f"converge.staticIrByDigest lacks digests the events name: {unsummarised[:5]}")


def check_file(path: str | Path, require: Iterable[str] = ()) -> Report:
    """Check one trace (JSON Lines) or evidence package (one JSON object). Raises ValueError when it is neither."""
    report = Report(Path(path))
    text = report.path.read_text(encoding="utf-8")
    if not text.strip():
        raise ValueError("empty file")
    first = text.lstrip().split("\n", 1)[0]
    try:
        head = json.loads(first)
    except json.JSONDecodeError:
        head = None
    if isinstance(head, dict) and "format" in head:
        _check_trace(text, report)
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"neither a trace nor an evidence package: {exc}") from None
        _check_evidence(doc, report)
    report.missing = [k for k in require if not any(seen.startswith(k) for seen in report.seen)]
    return report


def run(path: str | Path, *require: str) -> tuple[int, str]:
    """(exit code, report text): 0 when the file passes, 1 when it fails, 2 when it cannot be read as either."""
    try:
        report = check_file(path, require)
    except (OSError, ValueError) as exc:
        return 2, f"{path}: cannot read: {exc}"
    return (0 if report.ok else 1), report.text()


def main(argv: list[str]) -> int:
    require: list[str] = []
    files: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--require":
            require.append(next(args))
        else:
            files.append(arg)
    if not files:
        print("usage: python tests/schema_check.py [--require KIND ...] FILE [FILE ...]")
        return 2
    worst = 0
    for name in files:
        code, text = run(name, *require)
        print(text)
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
