"""OpenTelemetry export end to end: a live runtime and a recorded trace, sent by the SDK's OTLP/HTTP exporter to a
receiver on loopback that decodes the requests with the OpenTelemetry protobuf definitions. The runs submit real
operations to the loopback backend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ops_support import FAST, settle_tasks
from otel_receiver import OtlpReceiver, ReceivedSpan

from runtime import Module, Runtime, resource
from runtime.actions import ActionCoordinator, action
from runtime.operations import OperationTracker, Stage
from runtime.operations.http import HttpTransport
from runtime.otel import OtelConfig, OtelUnavailable, from_environment, span_id_of, trace_id_of
from runtime.trace import TraceWriter

ROOT = Path(__file__).resolve().parents[2]
SPAN_KIND_CLIENT = 3
STATUS_ERROR = 2


async def catalog_lookup(query: str) -> list[str]:
    return [name for name in ("teapot", "tea cosy", "bike") if query in name]


CATALOG = resource("catalog", catalog_lookup)


async def save(ctx, item):
    found = await ctx.read(CATALOG, item["title"])
    ctx.optimistic(lambda d: d["items"].append({"id": item["id"], "title": item["title"], "found": found}))
    receipt = await ctx.submit("todo.create", f"todo-{item['id']}", {"delta": 1}, wait_for=Stage.COMMITTED)
    return receipt.command_id


async def run_saves(rt: Runtime, backend) -> tuple[str, str, str]:
    """One save that succeeds and one the backend fails after accepting it; (ok linkId, failed linkId, ok cid)."""
    tracker = OperationTracker(rt, HttpTransport(backend.base_url), budget=FAST)
    inst = rt.mount(Module("todos", initial={"items": [], "runs": {}, "operations": {}}))
    actions = ActionCoordinator(inst, operations=tracker, resources=rt.resources)
    defn = action("save", save, concurrency="allow-concurrent")
    ok = await actions.trigger(defn, {"id": 1, "title": "tea"}).settled()
    backend.faults.set(kind="todo.create", fail_after_accept="conflict")
    failed = await actions.trigger(defn, {"id": 2, "title": "bike"}).settled()
    assert (ok.status, failed.status) == ("success", "failure")
    await actions.aclose()
    await tracker.aclose()
    return ok.link_id, failed.link_id, ok.command_ids[0]


def by_name(spans: list[ReceivedSpan], name: str, **attrs: object) -> list[ReceivedSpan]:
    return [s for s in spans if s.name == name and all(s.attributes.get(f"tickscope.{k}") == v
                                                       for k, v in attrs.items())]


def check_spans(spans: list[ReceivedSpan], session: str, ok_link: str, failed_link: str, cid: str) -> None:
    [run] = by_name(spans, "action save", link_id=ok_link)
    assert run.trace_id == f"{trace_id_of(session, ok_link):032x}"
    assert run.span_id == f"{span_id_of(session, f'run|{ok_link}'):016x}"
    assert run.parent_span_id == ""  # the run is the root of its trace
    assert run.attributes["tickscope.status"] == "success" and run.attributes["tickscope.instance_id"] == "todos#1"
    assert run.end_ns >= run.start_ns > 0
    names = [e[0] for e in run.events]
    assert names[:2] == ["run trigger", "run pending"] and names[-1] == "run settle"
    assert {"optimistic apply", "optimistic confirm"} <= set(names)

    [op] = by_name(spans, "operation todo.create", command_id=cid)
    assert (op.trace_id, op.parent_span_id) == (run.trace_id, run.span_id)  # a child of its run
    assert op.kind == SPAN_KIND_CLIENT and op.attributes["tickscope.link_id"] == ok_link
    assert op.attributes["tickscope.target"] == "todo-1" and op.attributes["tickscope.stage"] == "ready"
    assert [e[0] for e in op.events][:2] == ["submitted", "accepted"]
    assert any(e[0] == "stage" and e[1].get("tickscope.stage") == "committed" for e in op.events)

    [load] = by_name(spans, "resource catalog", link_id=ok_link)
    assert (load.trace_id, load.parent_span_id) == (run.trace_id, run.span_id)
    assert load.attributes["tickscope.outcome"] == "resolve"
    assert load.attributes["tickscope.resource_key"].startswith("resource:catalog:")

    [failed] = by_name(spans, "action save", link_id=failed_link)
    assert failed.status_code == STATUS_ERROR and "conflict" in failed.status_message
    assert "optimistic rollback" in [e[0] for e in failed.events]
    [failed_op] = [s for s in spans if s.name == "operation todo.create" and s.parent_span_id == failed.span_id]
    assert failed_op.status_code == STATUS_ERROR and failed_op.attributes["tickscope.error_code"] == "conflict"
    assert failed.trace_id != run.trace_id  # one trace per run

    ticks = [s for s in spans if s.name.startswith("tick ")]
    assert ticks and any((run.trace_id, run.span_id) in t.links for t in ticks)  # a tick published the run
    assert all(s.scope == "tickscope" and s.resource["tickscope.session_id"] == session for s in spans)


@pytest.mark.asyncio
async def test_a_live_runtime_exports_runs_operations_resources_and_ticks(backend):
    with OtlpReceiver() as receiver:
        rt = Runtime(label="shop", diagnostics="light", otel=OtelConfig(endpoint=receiver.url, session_id="s-live"))
        ok_link, failed_link, cid = await run_saves(rt, backend)
        rt.dispose()  # closing the export sends what is left, and waits for it
        spans = receiver.snapshot()
    assert set(receiver.content_types) == {"application/x-protobuf"}
    assert {s.resource["service.name"] for s in spans} == {"shop"}
    check_spans(spans, "s-live", ok_link, failed_link, cid)
    await settle_tasks()


@pytest.mark.asyncio
async def test_a_recorded_trace_exports_the_same_spans_through_the_cli(backend, tmp_path):
    path = tmp_path / "shop.jsonl"
    rt = Runtime(label="shop", diagnostics="light", buffer_size=20_000)
    writer = TraceWriter(path, label="shop", run_id="shop-run-1").attach(rt.hub)
    ok_link, failed_link, cid = await run_saves(rt, backend)
    rt.dispose()
    writer.close()
    await settle_tasks()
    with OtlpReceiver() as receiver:
        proc = subprocess.run([sys.executable, "-m", "devtools.cli", "export", str(path), "--to", "otlp",
                               "--endpoint", receiver.url], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert f"{receiver.url}: " in proc.stdout and " spans (otlp)" in proc.stdout
        first = receiver.snapshot()
        check_spans(first, "shop-run-1", ok_link, failed_link, cid)
        again = subprocess.run([sys.executable, "-m", "devtools.cli", "export", str(path), "--to", "otlp",
                                "--endpoint", receiver.url], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        second = receiver.snapshot()[len(first):]
    assert sorted((s.trace_id, s.span_id) for s in second) == sorted((s.trace_id, s.span_id) for s in first)
    assert {s.resource["service.name"] for s in first} == {"shop"}


def test_the_cli_says_what_otlp_needs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "devtools.cli", "export", str(tmp_path / "x.jsonl"), "--to", "otlp",
                           "-o", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--to otlp sends to --endpoint" in proc.stderr


def test_a_collector_that_refuses_fails_the_cli(tmp_path):
    path = tmp_path / "t.jsonl"
    rt = Runtime(label="t", diagnostics="light")
    writer = TraceWriter(path, label="t").attach(rt.hub)
    rt.mount(Module("m", initial={"n": 0}, reducers={"inc": lambda d, _: d.__setitem__("n", d["n"] + 1)}))
    rt.instance("m#1").dispatch("inc")
    rt.dispose()
    writer.close()
    with OtlpReceiver() as receiver:
        url = receiver.url.replace("/v1/traces", "/nowhere")
    proc = subprocess.run([sys.executable, "-m", "devtools.cli", "export", str(path), "--to", "otlp", "--endpoint",
                           url], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "refused" in proc.stderr


def test_without_the_packages_asking_for_export_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.otlp.proto.http.trace_exporter", None)
    with pytest.raises(OtelUnavailable, match=r"pip install 'tickscope\[otel\]'"):
        Runtime(otel="http://127.0.0.1:9/v1/traces")
    monkeypatch.setenv("TICKSCOPE_OTEL", "http://127.0.0.1:9/v1/traces")
    rt = Runtime(label="quiet")  # from the environment: one warning, and the runtime runs on
    assert rt.otel is None
    assert "TICKSCOPE_OTEL" in capsys.readouterr().err
    rt.dispose()


@pytest.mark.asyncio
async def test_the_environment_variable_switches_export_on(monkeypatch):
    with OtlpReceiver() as receiver:
        monkeypatch.setenv("TICKSCOPE_OTEL", receiver.url)
        rt = Runtime(label="env")
        assert rt.otel is not None and rt.sink.on  # export reads the debug events, so they were switched on
        inst = rt.mount(Module("m", initial={"runs": {}}))
        actions = ActionCoordinator(inst)

        async def work(ctx, _):
            return 1

        run = await actions.trigger(action("work", work), None).settled()
        rt.dispose()
        spans = receiver.snapshot()
    assert by_name(spans, "action work", link_id=run.link_id)
    monkeypatch.setenv("TICKSCOPE_OTEL", "collector:4318")
    with pytest.raises(ValueError, match="TICKSCOPE_OTEL='collector:4318'"):
        from_environment()
