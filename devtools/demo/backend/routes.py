"""The backend's HTTP surface (aiohttp handlers).

| Endpoint                                  | Behaviour                                                           |
|-------------------------------------------|---------------------------------------------------------------------|
| POST /commands/{kind}                     | 202 + receipt once accepted; 422 malformed; 409 id reused otherwise |
| GET  /operations/{id}                     | status monitor; Retry-After while the backend still has work        |
| GET  /operations/{id}/events              | SSE of stage facts, `id:` = per-operation seq, Last-Event-ID resumes |
| POST /operations/{id}:cancel              | 202 cancelled while not committed; 409 too_late after               |
| GET  /read/{kind}/{target}?min_version=N  | read model row; `Prefer: wait=S` long-polls until version >= N      |
| GET/POST /_faults, POST /_restart         | the fault plan and a restart (loopback clients only)                |
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import uuid
from typing import Any

import orjson
from aiohttp import web

from .faults import FaultPlanError, Faults
from .ports import BackendPort
from .store import SERVER_TERMINAL, ValidationError, validate

__all__ = ["build_app"]

_ID = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")
_MAX_WAIT_S = 30.0


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json", headers=headers)


def _problem(status: int, code: str, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status)


def build_app(server: BackendPort) -> web.Application:
    """The aiohttp application of the endpoints above, over `server`."""
    handlers = _Handlers(server)
    app = web.Application()
    cid = r"{cid:[A-Za-z0-9._~-]+}"
    app.router.add_post("/commands/{kind}", handlers.submit)
    app.router.add_get(f"/operations/{cid}", handlers.status)
    app.router.add_get(f"/operations/{cid}/events", handlers.events)
    app.router.add_post(f"/operations/{cid}:cancel", handlers.cancel)
    app.router.add_get("/read/{kind}/{target}", handlers.read)
    app.router.add_get("/_faults", handlers.faults_get)
    app.router.add_post("/_faults", handlers.faults_post)
    app.router.add_post("/_restart", handlers.restart)
    return app


class _Handlers:
    """One method per endpoint, all over the same server."""

    def __init__(self, server: BackendPort) -> None:
        self.server = server

    async def submit(self, request: web.Request) -> web.StreamResponse:
        server = self.server
        kind = request.match_info["kind"]
        command_id = request.headers.get("Operation-Id") or str(uuid.uuid4())
        if not _ID.match(command_id) or not _ID.match(kind):
            return _problem(400, "bad_identifier", "Operation-Id and kind are 1-128 characters of [A-Za-z0-9._~-]")
        correlation_id = request.headers.get("X-Correlation-Id") or command_id
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError as exc:
            return _problem(422, "invalid_json", f"the body is not JSON: {exc}")
        if not isinstance(body, dict) or not isinstance(body.get("target"), str) or not _ID.match(body["target"]):
            return _problem(422, "invalid_command", "the body must be {target: identifier, payload: object}")
        try:
            payload = validate(body.get("payload", {}))
        except ValidationError as exc:
            return _problem(422, "invalid_command", str(exc))
        target = body["target"]
        links = {"status": f"/operations/{command_id}", "observe": f"/operations/{command_id}/events",
                 "readModel": f"/read/{kind}/{target}", "cancel": f"/operations/{command_id}:cancel"}
        outcome = server.store.accept(command_id, correlation_id, kind, target, payload, links)
        if outcome.status == "conflict":
            return _problem(409, "command_id_conflict", f"command {command_id} was sent before with another body")
        if outcome.status == "created":
            server.notify(("cmd", command_id))
        faults = server.faults.for_command(command_id, kind)
        if faults.accept_delay_s > 0:
            await asyncio.sleep(faults.accept_delay_s)
        if faults.spend("drop_response_after_accept") and request.transport is not None:
            request.transport.abort()  # recorded, but the client never hears the 202
            raise asyncio.CancelledError
        return _json(outcome.receipt, 202, {"Operation-Location": links["status"],
                                            "Retry-After": f"{faults.retry_after_s:g}"})

    async def status(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        cmd = self.server.store.command(cid)
        if cmd is None:
            return _problem(404, "not_found", f"no operation {cid}")
        faults = self.server.faults.for_command(cid, cmd.kind)
        body = self.server.store.status(cid, faults.status_lag_s)
        assert body is not None
        headers = {} if body["stage"] in SERVER_TERMINAL else {"Retry-After": f"{faults.retry_after_s:g}"}
        return _json(body, 200, headers)

    async def events(self, request: web.Request) -> web.StreamResponse:
        cid = request.match_info["cid"]
        cmd = self.server.store.command(cid)
        if cmd is None:
            return _problem(404, "not_found", f"no operation {cid}")
        try:
            last = int(request.headers.get("Last-Event-ID", "0"))
        except ValueError:
            return _problem(400, "bad_last_event_id", "Last-Event-ID must be an integer")
        faults = self.server.faults.for_command(cid, cmd.kind)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        try:
            return await self._stream_facts(resp, cid, last, faults)
        except ConnectionResetError:  # the client hung up: nothing to finish
            return resp

    async def _stream_facts(self, resp: web.StreamResponse, cid: str, last: int,
                            faults: Faults) -> web.StreamResponse:
        sent = 0
        held: dict[str, Any] | None = None  # sse_reorder keeps `committed` until `observed` went out
        while True:
            changed = self.server.changed_event(("cmd", cid))
            for fact in self.server.store.facts_after(cid, last):
                last = fact["seq"]
                if faults.sse_reorder and fact["stage"] == "committed":
                    held = fact
                    continue
                batch = [fact, held] if held is not None and fact["stage"] == "observed" else [fact]
                if len(batch) == 2:
                    held = None
                for item in batch:
                    frame = f"id: {item['seq']}\nevent: stage\ndata: {orjson.dumps(item).decode()}\n\n".encode()
                    await resp.write(frame + frame if faults.sse_duplicate else frame)
                    sent += 1
                    if faults.sse_disconnect_after is not None and sent >= faults.sse_disconnect_after:
                        return resp
                if fact["stage"] in SERVER_TERMINAL and held is None:
                    return resp
            try:
                async with asyncio.timeout(10.0):  # not wait_for: on 3.11 it can swallow the hang-up's cancel
                    await changed.wait()
            except TimeoutError:
                await resp.write(b": keep-alive\n\n")

    async def cancel(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        outcome = self.server.store.cancel(cid)
        if outcome is None:
            return _problem(404, "not_found", f"no operation {cid}")
        self.server.notify(("cmd", cid))
        if outcome == "too_late":
            cmd = self.server.store.command(cid)
            return _json({"code": "too_late", "commandId": cid, "stage": cmd.stage if cmd else None}, 409)
        return _json({"commandId": cid, "stage": "cancelled"}, 202)

    async def read(self, request: web.Request) -> web.Response:
        server = self.server
        kind, target = request.match_info["kind"], request.match_info["target"]
        try:
            min_version = int(request.query.get("min_version", "0"))
            wait_s = _prefer_wait(request.headers.get("Prefer", ""))
        except ValueError as exc:
            return _problem(400, "bad_query", str(exc))
        faults = server.faults.for_command("", kind)
        if faults.spend("stale_replica_reads"):
            row = server.store.read(kind, target, stale=True)
            return _json({**row, "fresh": row["version"] >= min_version, "replica": "lagging"})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            changed = server.changed_event(("read", kind, target))
            row = server.store.read(kind, target)
            left = deadline - loop.time()
            if row["version"] >= min_version or left <= 0:
                headers = {"Preference-Applied": f"wait={wait_s:g}"} if wait_s else {}
                return _json({**row, "fresh": row["version"] >= min_version}, 200, headers)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await changed.wait()

    async def faults_get(self, request: web.Request) -> web.Response:
        return _json(self.server.faults.to_json())

    async def faults_post(self, request: web.Request) -> web.Response:
        if not _loopback(request):
            return _problem(403, "loopback_only", "the fault plan is only switchable from this machine")
        try:
            self.server.faults.load(orjson.loads(await request.read()))
        except (orjson.JSONDecodeError, FaultPlanError) as exc:
            return _problem(422, "bad_fault_plan", str(exc))
        self.server.notify()
        return _json(self.server.faults.to_json())

    async def restart(self, request: web.Request) -> web.Response:
        if not _loopback(request):
            return _problem(403, "loopback_only", "restart is only available from this machine")
        await self.server.restart()
        return _json({"restarted": True})


def _prefer_wait(prefer: str) -> float:
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "wait":
            wait = float(value)
            if wait < 0:
                raise ValueError("Prefer: wait must not be negative")
            return min(wait, _MAX_WAIT_S)
    return 0.0


def _loopback(request: web.Request) -> bool:
    try:
        return request.remote is not None and ipaddress.ip_address(request.remote).is_loopback
    except ValueError:
        return False
