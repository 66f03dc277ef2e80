"""The viewer rules the export tests rely on (tests/chrome_viewer_rules.py) fail on what the viewers misread."""

from __future__ import annotations

import orjson
from chrome_viewer_rules import viewer_problems

NAMED = [{"ph": "M", "pid": 1, "tid": 0, "name": "process_name", "args": {"name": "p"}},
         {"ph": "M", "pid": 1, "tid": 2, "name": "thread_name", "args": {"name": "t"}}]


def problems(events: list[dict], name: str = "t.trace.json") -> list[str]:
    return viewer_problems(name, orjson.dumps({"traceEvents": NAMED + events}))


def test_a_sound_file_passes():
    assert problems([{"ph": "B", "pid": 1, "tid": 2, "ts": 0, "name": "a"},
                     {"ph": "E", "pid": 1, "tid": 2, "ts": 5, "name": "a", "args": {"seq": 1}},
                     {"ph": "b", "pid": 1, "tid": 2, "ts": 1, "name": "r", "cat": "c", "id2": {"local": "x"}},
                     {"ph": "e", "pid": 1, "tid": 2, "ts": 2, "name": "r", "cat": "c", "id2": {"local": "x"}}]) == []


def test_each_misreading_is_named():
    cases = {
        "by its name": ([{"ph": "X", "pid": 1, "tid": 2, "ts": 0, "dur": 1, "name": "a"}], "t.chrome.json"),
        "Global Legacy Events": ([{"ph": "b", "pid": 1, "tid": 2, "ts": 0, "name": "r", "cat": "c", "id": "x"},
                                  {"ph": "e", "pid": 1, "tid": 2, "ts": 1, "name": "r", "cat": "c", "id": "x"}], None),
        "main thread": ([{"ph": "M", "pid": 1, "tid": 1, "name": "thread_name", "args": {"name": "m"}}], None),
        "float noise": ([{"ph": "X", "pid": 1, "tid": 2, "ts": 61.03499999999997, "dur": 1, "name": "a"}], None),
        "has no name": ([{"ph": "C", "pid": 1, "tid": 0, "ts": 0, "name": "n", "args": {"value": 1}}], None),
        "different frames named 'tick'": ([{"ph": "X", "pid": 1, "tid": 2, "ts": 0, "dur": 1, "name": "tick",
                                            "args": {"seq": 1}},
                                           {"ph": "X", "pid": 1, "tid": 2, "ts": 2, "dur": 1, "name": "tick",
                                            "args": {"seq": 2}}], None),
        "never ends": ([{"ph": "B", "pid": 1, "tid": 2, "ts": 0, "name": "a"}], None),
        "while 'a' is open": ([{"ph": "B", "pid": 1, "tid": 2, "ts": 0, "name": "a"},
                               {"ph": "E", "pid": 1, "tid": 2, "ts": 1, "name": "b"}], None),
        "is in no slice": ([{"ph": "s", "pid": 1, "tid": 2, "ts": 0, "id": 1, "name": "l"},
                            {"ph": "f", "pid": 1, "tid": 2, "ts": 1, "id": 1, "name": "l", "bp": "e"}], None),
    }
    for expected, (events, name) in cases.items():
        found = problems(events, name or "t.trace.json")
        assert any(expected in p for p in found), (expected, found)
