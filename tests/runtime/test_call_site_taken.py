"""A call site is taken as code and instruction per frame and resolved when read: what it reads is what reading the
frames at once (f_lineno, co_qualname) gave, the line is the one the frame was at when the dispatch ran however the
frame went on, and a site nobody reads is never resolved."""

from __future__ import annotations

import inspect
import sys
from types import FrameType

import pytest

from runtime import Module, Runtime
from runtime.debug import taken_site
from runtime.debug.taken_site import line_at

counter = Module("taken_counter", initial={"n": 0})
seen: list[list[tuple[str, int, str]]] = []


@counter.reducer("inc")
def inc(draft, by):
    draft["n"] += by


@counter.reducer("look")
def look(draft, _):
    """Reads the frames of this test file as they are while the dispatch runs, the way the walk once did."""
    here = inspect.currentframe()
    frame: FrameType | None = here.f_back if here is not None else None
    frames = []
    while frame is not None:
        if frame.f_code.co_filename == __file__:
            frames.append((frame.f_code.co_filename, frame.f_lineno or 0, frame.f_code.co_qualname))
        frame = frame.f_back
    seen.append(frames)
    draft["n"] += 1


def _line_here() -> int:
    here = inspect.currentframe()
    assert here is not None and here.f_back is not None
    return here.f_back.f_lineno


def _sites(rt: Runtime, label: str) -> list[dict]:
    return [e["meta"]["callSite"] for e in rt.hub.events() if e["label"] == label]


class Caller:
    def deep(self, inst, n):
        if n:
            return self.deep(inst, n - 1)
        return inst.dispatch(
            "look",
            None,
        )


def test_a_site_read_later_is_what_the_frames_said_while_the_dispatch_ran():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter)
    seen.clear()
    Caller().deep(inst, 3)
    [x for x in [0] if inst.dispatch("look", x) is not None]  # a comprehension frame, and another line
    rt.sink.call_sites.set_limit(3)
    Caller().deep(inst, 5)
    sites = _sites(rt, "look")
    assert len(sites) == len(seen) == 3
    for site, frames in zip(sites, seen, strict=True):
        frames = frames[:len(site["frames"])]
        assert [(f["file"], f["line"], f["function"]) for f in site["frames"]] == frames
        assert (site["file"], site["line"], site["function"]) == frames[0]
    assert [s["truncated"] for s in sites] == [False, False, True]
    assert sites[0]["frames"][0]["function"] == "Caller.deep"
    rt.dispose()


def test_the_line_is_the_one_of_the_dispatch_not_where_the_frame_went_on():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter)
    first = _line_here() + 1
    inst.dispatch("inc", 1)
    inst.dispatch("inc", 2)
    for _ in range(3):  # the frame moves on before anything reads the events
        pass
    lines = [s["line"] for s in _sites(rt, "inc")]
    assert lines == [first, first + 1]
    assert [s["line"] for s in _sites(rt, "state:update")] == [first, first + 1]
    rt.dispose()


def test_a_site_nobody_reads_is_not_resolved_and_one_read_is_resolved_once(monkeypatch):
    calls: list[int] = []
    real = taken_site.line_at

    def counting(code, lasti):
        calls.append(lasti)
        return real(code, lasti)

    monkeypatch.setattr(taken_site, "line_at", counting)
    monkeypatch.setattr(taken_site, "_known", {})  # no frame worked out by an earlier test
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter)

    def press(n):
        for _ in range(n):
            inst.dispatch("inc", 1)

    press(20)
    assert calls == []  # twenty walks, no line worked out
    assert rt.sink.call_sites.walks == 20
    actions, updates = _sites(rt, "inc"), _sites(rt, "state:update")
    assert len(actions) == 20 and actions == updates
    assert len(calls) == len(actions[0]["frames"])  # each frame once: the other sites took the same frames
    rt.hub.events()
    assert len(calls) == len(actions[0]["frames"])
    actions[0]["frames"][0]["line"] = -1  # what a reader does to its copy stays in it
    assert _sites(rt, "inc")[1]["frames"][0]["line"] == actions[1]["line"] != -1
    rt.dispose()


def _sample(n):
    total = 0
    for i in range(n):
        if i % 2:
            total += (
                i
                * 2
            )
        else:
            total -= i
    try:
        raise ValueError(total)
    except ValueError:
        total = [j for j in range(2)][0]
    return total


@pytest.mark.parametrize("mode", ["lines", "stack"])
def test_line_at_reads_what_f_lineno_reads(mode):
    """Under a tracer every line event's frame, and every frame below it, at that moment."""
    pairs: list[tuple[int, int]] = []

    def tracer(frame, event, arg):
        if mode == "lines":
            pairs.append((frame.f_lineno or 0, line_at(frame.f_code, frame.f_lasti)))
        else:
            below = frame.f_back
            while below is not None:
                pairs.append((below.f_lineno or 0, line_at(below.f_code, below.f_lasti)))
                below = below.f_back
        return tracer

    sys.settrace(tracer)
    try:
        _sample(4)
    finally:
        sys.settrace(None)
    assert len(pairs) > 20
    assert [want for want, _ in pairs] == [got for _, got in pairs]
