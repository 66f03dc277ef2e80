"""Projection bounds (issue 15): cut strings fit their budget mark included, unserialisable error causes are
summarised as text and marked, oversized payloads are marked, and no exported event ever fails to serialise."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from ops_support import with_actions
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime import Module, ReducerError, Runtime
from runtime.debug.projection import project
from runtime.debug.sink import summarize_cause


def test_a_cut_string_is_at_most_256_characters_including_its_mark():
    for n in (256, 257, 300, 10_000):
        p = project({"s": "x" * n})
        assert len(p.value["s"]) <= 256
        assert (p.value["s"].endswith("…") and p.downgrade == "oversized") == (n > 256)


def test_a_cut_repr_is_at_most_256_characters_including_its_mark():
    class Loud:
        def __repr__(self) -> str:
            return "L" * 1000

    p = project({"o": Loud()})
    assert len(p.value["o"]) == 256 and p.value["o"].endswith("…")
    assert p.downgrade == "non_serializable"


def test_a_cycle_is_met_once_and_marked_non_serializable():
    d: dict[str, Any] = {"name": "root"}
    d["self"] = d
    lst: list[Any] = [1]
    lst.append(lst)
    p = project({"d": d, "l": lst})
    assert p.value == {"d": {"name": "root", "self": "$cycle"}, "l": [1, "$cycle"]}
    assert p.downgrade == "non_serializable"
    shared = {"k": 1}
    assert project({"a": shared, "b": shared}).downgrade is None  # the same object twice is no cycle


def _cycle() -> dict[str, Any]:
    d: dict[str, Any] = {}
    d["d"] = d
    return d


@pytest.mark.parametrize("cause", [2**100, _cycle(), lambda: 1], ids=["big-int", "cycle", "function"])
def test_an_error_whose_cause_cannot_be_serialised_is_text_marked_non_serializable(cause):
    summary, reason = summarize_cause(ValueError(cause))
    assert reason == "non_serializable" and summary["name"] == "ValueError" and summary["message"]
    summary, reason = summarize_cause(cause)
    assert reason == "non_serializable" and isinstance(summary["message"], str) and summary["message"]
    orjson.dumps(summary)


def test_a_json_cause_is_not_marked():
    assert summarize_cause(ValueError("plain", 3)) == ({"name": "ValueError", "message": "('plain', 3)"}, None)
    assert summarize_cause({"code": 7}) == ({"name": "dict", "message": '{"code":7}'}, None)


def test_a_reducer_failing_with_an_unserialisable_cause_exports_a_marked_diagnostic():
    m = Module("m", {"n": 0})

    @m.reducer("boom")
    def boom(draft, _):
        raise ValueError(2**80, lambda: None)

    rt = Runtime(diagnostics="light")
    inst = rt.mount(m)
    with pytest.raises(ReducerError):
        inst.dispatch("boom")
    threw = [e for e in rt.hub.events() if e["label"] == "reducer::threw"]
    assert threw and threw[0]["downgrade"] == {"reason": "non_serializable"}
    assert "1208925819614629174706176" in threw[0]["errorSummary"]["message"]
    orjson.dumps(rt.hub.events())


def test_a_run_failing_with_an_unserialisable_cause_settles_with_a_marked_event():
    import asyncio

    from runtime.actions import action

    async def main() -> list[dict[str, Any]]:
        rt, inst, actions = with_actions(Module("m", {"runs": {}}))

        async def boom(ctx, _):
            raise RuntimeError(2**70)

        assert (await actions.trigger(action("boom", boom)).settled()).status == "failure"
        await actions.aclose()
        return rt.hub.events()

    events = asyncio.run(main())
    settle = [e for e in events if e["label"] == "async-action" and e["meta"]["phase"] == "settle"][0]
    assert settle["downgrade"] == {"reason": "non_serializable"}
    assert settle["errorSummary"]["message"] == str(2**70)
    orjson.dumps(events)


def test_an_oversized_payload_is_marked_oversized_and_fits_the_byte_budget():
    m = Module("m", {"n": 0})

    @m.reducer("big")
    def big(draft, _):
        draft["n"] = 1

    rt = Runtime(diagnostics="full")
    inst = rt.mount(m)
    inst.dispatch("big", {f"k{i}": "v" * 250 for i in range(200)})
    action = [e for e in rt.hub.events() if e["kind"] == "action"][-1]
    assert action["downgrade"] == {"reason": "oversized"}
    assert len(orjson.dumps(action["meta"])) <= 4096


_hostile = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**200), max_value=2**200) | st.floats()
    | st.text(max_size=600) | st.binary(max_size=20) | st.just(lambda: None) | st.just(object()),
    lambda inner: st.lists(inner, max_size=40) | st.dictionaries(st.text(max_size=5) | st.integers(), inner,
                                                                  max_size=40)
    | st.sets(st.integers(), max_size=5) | st.tuples(inner, inner),
    max_leaves=80,
)


@settings(max_examples=60, deadline=None)
@given(payload=_hostile, cause=_hostile)
def test_no_event_ever_fails_to_serialise(payload, cause):
    m = Module("m", {"n": 0, "v": None})

    @m.reducer("set")
    def set_v(draft, p):
        draft["v"] = p

    @m.reducer("fail")
    def fail(draft, c):
        raise RuntimeError(c)

    rt = Runtime(diagnostics="full")
    inst = rt.mount(m)
    inst.dispatch("set", payload)
    with pytest.raises(ReducerError):
        inst.dispatch("fail", cause)
    for event in rt.hub.events():
        orjson.dumps(event)
        for text in _strings(event.get("meta")):
            assert len(text) <= 256


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
