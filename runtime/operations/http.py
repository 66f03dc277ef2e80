"""The aiohttp transport (imported lazily: the runtime itself needs only orjson).

    transport = HttpTransport("http://127.0.0.1:8765")
    tracker = OperationTracker(runtime, transport)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson

from runtime.errors import TransportError
from runtime.operations.transport import HttpAnswer, SseMessage, Transport

__all__ = ["HttpTransport"]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: we do not let the server's clock steer ours


class HttpTransport(Transport):
    """Talks to the backend over HTTP/1.1 with one aiohttp session (created in the running loop on first use).

    It names Transport as its base so that mypy checks every method against the Protocol.
    """

    def __init__(self, base_url: str, *, request_timeout_s: float = 10.0, max_connections: int = 64) -> None:
        self.base_url = base_url.rstrip("/")
        self.request_timeout_s = request_timeout_s
        self.max_connections = max_connections
        self._session: Any = None

    def _url(self, url: str) -> str:
        return url if url.startswith(("http://", "https://")) else self.base_url + url

    def _client(self) -> Any:
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_connections),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.request_timeout_s),
            )
        return self._session

    async def _request(self, method: str, url: str, *, body: Any = None, headers: dict[str, str] | None = None,
                       params: dict[str, str] | None = None, timeout_s: float | None = None) -> HttpAnswer:
        import aiohttp

        data = orjson.dumps(body) if body is not None else None
        hdrs = {"Content-Type": "application/json", **(headers or {})} if data is not None else headers
        try:
            async with self._client().request(
                method, self._url(url), data=data, headers=hdrs, params=params,
                timeout=aiohttp.ClientTimeout(total=timeout_s or self.request_timeout_s),
            ) as resp:
                raw = await resp.read()
                try:
                    parsed = orjson.loads(raw) if raw else None
                except orjson.JSONDecodeError:
                    parsed = {"text": raw[:256].decode("utf-8", "replace")}
                return HttpAnswer(resp.status, parsed, _retry_after(resp.headers.get("Retry-After")),
                                  resp.headers.get("Operation-Location"))
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise TransportError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc

    async def send_command(self, kind: str, target: str | None, payload: Any, *, command_id: str,
                           correlation_id: str) -> HttpAnswer:
        return await self._request("POST", f"/commands/{kind}", body={"target": target, "payload": payload},
                                   headers={"Operation-Id": command_id, "X-Correlation-Id": correlation_id})

    async def get(self, url: str, *, headers: dict[str, str] | None = None,
                  params: dict[str, str] | None = None, timeout_s: float | None = None) -> HttpAnswer:
        return await self._request("GET", url, headers=headers, params=params, timeout_s=timeout_s)

    async def post(self, url: str, body: Any = None) -> HttpAnswer:
        return await self._request("POST", url, body=body)

    async def stream(self, url: str, *, last_event_id: str | None = None) -> AsyncIterator[SseMessage]:
        """Server-sent events from `url`; ends when the server closes the stream."""
        import aiohttp

        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        try:
            async with self._client().get(self._url(url), headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=None, sock_read=30.0)) as resp:
                if resp.status != 200:
                    raise TransportError(f"GET {url}: HTTP {resp.status}")
                ev_id: str | None = None
                event = "message"
                data: list[str] = []
                async for raw_line in resp.content:
                    line = raw_line.decode("utf-8").rstrip("\r\n")
                    if not line:
                        if data:
                            try:
                                parsed = orjson.loads("\n".join(data))
                            except orjson.JSONDecodeError as exc:
                                raise TransportError(f"GET {url}: a malformed event: {exc}") from exc
                            yield SseMessage(ev_id, event, parsed)
                        ev_id, event, data = None, "message", []
                    elif line.startswith(":"):
                        continue
                    else:
                        name, _, value = line.partition(":")
                        value = value[1:] if value.startswith(" ") else value
                        if name == "id":
                            ev_id = value
                        elif name == "event":
                            event = value
                        elif name == "data":
                            data.append(value)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise TransportError(f"GET {url}: {type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
