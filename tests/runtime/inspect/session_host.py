"""The small SessionHost a ClientSession needs when it is built alone on a real loopback connection."""

from __future__ import annotations

import orjson

from runtime.inspect import InspectConfig
from runtime.inspect.protocol import batch_head


class Host:
    """The SessionHost of one session: its config, the frames it would answer with, and what the session told it."""

    def __init__(self, config: InspectConfig) -> None:
        self.config = config
        self.token = "s3cret"
        self.batch_head = batch_head("run-1")
        self.forgotten = False
        self.lost: list[str] = []
        """The codes of the bounds the session disconnected its client for (`client_lost`)."""

    def hello(self) -> bytes:
        return b'{"type":"HELLO"}\n'

    def error(self, code: str, message: str) -> bytes:
        return orjson.dumps({"type": "ERROR", "code": code, "message": message}) + b"\n"

    def subscribe(self, session, sub) -> None:
        session.subscribed = True

    def control(self, session, cmd) -> None:
        pass

    def forget(self, session) -> None:
        self.forgotten = True

    def client_lost(self, session, code: str, message: str) -> None:
        self.lost.append(code)
