"""The rules the viewers apply when they read a Chrome Trace Event JSON file, checked apart from the exporter.

speedscope (src/import/index.ts and trace-event.ts of its repository, v1.25):
- the file name picks the importer first: `*.chrome.json` and `Profile-<date>T<time>` go to the DevTools
  timeline importer (which needs CpuProfile events and fails on an object), `*.speedscope.json` and others to
  their own; anything else is sniffed, and `{"traceEvents": [...]}` whose events all have `ph` (and `ts` for
  B/E/X) is read as trace events;
- only B, E and X are used, per (pid, tid), replayed from a begin queue and an end queue sorted by `ts` (stable);
  at equal times a begin goes first only when its name equals the pending end's; an end whose name differs from
  the open frame's is dropped; a frame's key (what Sandwich and Left Heavy aggregate by) is the begin's name plus
  its JSON args.
Perfetto's JSON importer: async events with a global `id` land in "Global Legacy Events", with `id2.local` in
their process; a thread whose tid equals its pid is the process's main thread.
All viewers: every pid and tid shown is named by metadata; timestamps are microseconds, so more than three
decimals is float noise.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Frame", "SpeedscopeReading", "speedscope_read", "viewer_problems"]

_FIRST_PASS = (".speedscope.json", ".chrome.json", ".stackprof.json", ".instruments.txt", ".linux-perf.txt",
               ".collapsedstack.txt", ".v8log.json", ".heapprofile", "-recording.json")
_DEVTOOLS_NAMES = {"CpuProfile", "Profile", "ProfileChunk"}
_NOISY = re.compile(rb'"(?:ts|dur)":-?\d+\.\d{4,}')


@dataclass(frozen=True, slots=True)
class Frame:
    thread: tuple[int, int]
    key: str
    name: str
    start: float
    end: float


@dataclass(slots=True)
class SpeedscopeReading:
    frames: list[Frame] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _key(event: dict[str, Any]) -> str:
    name = str(event.get("name") or "(unnamed)")
    args = event.get("args")
    return f"{name} {json.dumps(args, separators=(',', ':'))}" if args else name


def speedscope_read(events: list[dict[str, Any]]) -> SpeedscopeReading:
    """The frames speedscope's trace-event importer builds, and what it warns about on the way."""
    out = SpeedscopeReading()
    per_thread: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["ph"] in "BEX":
            per_thread[(e["pid"], e["tid"])].append(e)
    for thread, evs in per_thread.items():
        begins = [e for e in evs if e["ph"] == "B"]
        ends = [e for e in evs if e["ph"] == "E"]
        xs = sorted((e for e in evs if e["ph"] == "X"), key=lambda e: (e["ts"], -e.get("dur", 0)))
        for x in xs:
            begins.append({**x, "ph": "B"})
            ends.append({**x, "ph": "E", "ts": x["ts"] + x.get("dur", 0)})
        begins.sort(key=lambda e: e["ts"])
        ends.sort(key=lambda e: e["ts"])
        _replay(thread, begins, ends, out)
    return out


def _replay(thread: tuple[int, int], begins: list[dict], ends: list[dict], out: SpeedscopeReading) -> None:
    stack: list[dict[str, Any]] = []
    while begins or ends:
        take_begin = not ends or (bool(begins) and (begins[0]["ts"] < ends[0]["ts"] or (
            begins[0]["ts"] == ends[0]["ts"] and begins[0].get("name") == ends[0].get("name"))))
        if take_begin:
            stack.append(begins.pop(0))
            continue
        if stack:  # prefer an end at the same time matching the open frame, by key then by name
            top = stack[-1]
            same_ts = [i for i in range(1, len(ends)) if ends[i]["ts"] == ends[0]["ts"]]
            match = next((i for i in same_ts if _key(ends[i]) == _key(top)), None)
            if match is None:
                match = next((i for i in same_ts if ends[i].get("name") == top.get("name")), None)
            if match is not None:
                ends[0], ends[match] = ends[match], ends[0]
        e = ends.pop(0)
        if not stack:
            out.problems.append(f"speedscope: {thread} ends {e.get('name')!r} at {e['ts']} with no open frame")
        elif e.get("name") != stack[-1].get("name"):
            out.problems.append(f"speedscope: {thread} ends {e.get('name')!r} at {e['ts']} while "
                                f"{stack[-1].get('name')!r} is open (dropped)")
        else:
            b = stack.pop()
            out.frames.append(Frame(thread, _key(b), str(b.get("name")), b["ts"], e["ts"]))
    for b in stack:
        out.problems.append(f"speedscope: {thread} frame {b.get('name')!r} at {b['ts']} never ends")


def viewer_problems(file_name: str, raw: bytes) -> list[str]:
    """Everything in `raw` (a file named `file_name`) that one of the viewers would read wrong."""
    problems = [f"speedscope reads {file_name} by its name, not as trace events"
                for suffix in _FIRST_PASS if file_name.endswith(suffix)]
    if re.search(r"Profile-\d{8}T\d{6}", file_name):
        problems.append(f"speedscope reads {file_name} as a DevTools profile")
    doc = json.loads(raw)
    events = doc.get("traceEvents") if isinstance(doc, dict) else doc
    if not isinstance(events, list) or not events:
        return [*problems, "no traceEvents list"]
    for e in events:
        if "ph" not in e or (e["ph"] in "BEX" and "ts" not in e):
            problems.append(f"speedscope does not sniff this as trace events: {e}")
        if e.get("name") in _DEVTOOLS_NAMES:
            problems.append(f"event {e['name']!r} makes speedscope read a DevTools profile")
    problems += [f"float noise in {m.decode()}" for m in _NOISY.findall(raw)[:5]]
    reading = speedscope_read(events)
    problems += reading.problems
    keys_by_name: dict[str, set[str]] = defaultdict(set)
    for frame in reading.frames:
        keys_by_name[frame.name].add(frame.key)
    problems += [f"speedscope sees {len(keys)} different frames named {name!r} (args on the begin)"
                 for name, keys in keys_by_name.items() if len(keys) > 1]
    return problems + _perfetto_problems(events) + _flow_problems(events, reading.frames)


def _perfetto_problems(events: list[dict[str, Any]]) -> list[str]:
    problems = []
    named_pids = {e["pid"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    named_tids = {(e["pid"], e["tid"]) for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    pairs: dict[tuple, list[str]] = defaultdict(list)
    for e in events:
        if e["ph"] in "bne":
            local = e.get("id2", {}).get("local") if isinstance(e.get("id2"), dict) else None
            if local is None:
                problems.append(f"async {e.get('name')!r} has a global id: Perfetto shows it in Global Legacy Events")
            pairs[(e["pid"], e.get("cat"), local)].append(e["ph"])
        if e["ph"] == "M":
            if e["name"] == "thread_name" and e["tid"] == e["pid"]:
                problems.append(f"thread {e['args']['name']!r} has tid == pid: badged the main thread")
            continue
        if e["pid"] not in named_pids:
            problems.append(f"pid {e['pid']} has no process_name")
        if (e["pid"], e["tid"]) not in named_tids:
            problems.append(f"{e['ph']} {e.get('name')!r} sits on tid {e['pid']}/{e['tid']}, which has no name")
    problems += [f"async {key} is not one b/e pair: {phases}" for key, phases in pairs.items()
                 if sorted(phases) != ["b", "e"]]
    return problems


def _flow_problems(events: list[dict[str, Any]], frames: list[Frame]) -> list[str]:
    by_thread: dict[tuple[int, int], list[Frame]] = defaultdict(list)
    for f in frames:
        by_thread[f.thread].append(f)
    flows: dict[Any, list[str]] = defaultdict(list)
    problems = []
    for e in events:
        if e["ph"] not in "stf":
            continue
        flows[e["id"]].append(e["ph"])
        if not any(f.start <= e["ts"] <= f.end for f in by_thread[(e["pid"], e["tid"])]):
            problems.append(f"flow {e['id']} point at {e['ts']} is in no slice")
    problems += [f"flow {fid} has {phases}" for fid, phases in flows.items()
                 if phases.count("s") != 1 or phases.count("f") != 1]
    return problems
