"""A refused client that resets its connection after reading the error frame, before the server ends its side: the
server's `shutdown(SHUT_WR)` then fails with ENOTCONN, an OSError that is neither a ConnectionError nor a timeout.
The refusal must still end inside the server: nothing escapes to the server loop's log, and the server carries on.

The race is made deterministic by holding the server's loop at the one point where it opens. `fail` logs the
refusal, writes the error frame, and ends its side in a later loop turn (`asyncio.wait_for` runs the linger as a
task of its own). A log handler on the refusal line queues a callback ahead of that task: on the server's thread,
it reads the error frame as the client, resets the connection, and waits until the server's socket has taken the
reset (it turns readable). The linger then runs on a socket the peer has already reset."""

from __future__ import annotations

import asyncio
import logging
import os
import select
import socket
import struct
import threading

import orjson
import pytest
from inspect_wire import escaped
from test_inspect_bounds import clients_left, errors_in
from test_inspect_refusal import served_a_command


def server_side_of(client: socket.socket) -> socket.socket:
    """This process's other end of a loopback connection, as a duplicate of the server's socket."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            candidate = socket.fromfd(int(fd), socket.AF_INET, socket.SOCK_STREAM)
        except OSError:
            continue
        try:
            if candidate.getpeername() == client.getsockname() and candidate.getsockname() == client.getpeername():
                return candidate
        except OSError:
            pass
        candidate.close()
    raise AssertionError("the server has not accepted the connection")


class ResetBeforeTheLinger(logging.Handler):
    """On the refusal's log line (in the server's loop, between writing the error frame and the linger), queue a
    callback that reads the frame as the client and resets the connection."""

    def __init__(self, client: socket.socket, server_side: socket.socket) -> None:
        super().__init__(logging.INFO)
        self.client, self.server_side = client, server_side
        self.frame: bytes | None = None
        self.reset_arrived = False
        self.done = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "refused" in record.getMessage():
            asyncio.get_running_loop().call_soon(self._reset)

    def _reset(self) -> None:
        try:
            self.client.settimeout(10.0)
            reader = self.client.makefile("rb")
            self.frame = reader.readline()
            reader.close()
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.client.close()  # a reset, not a close
            readable, _, _ = select.select([self.server_side], [], [], 10.0)
            self.reset_arrived = bool(readable)
        finally:
            self.done.set()


@pytest.mark.asyncio
async def test_a_refused_client_resetting_before_the_server_ends_its_side_breaks_nothing(app, caplog):
    rt, inst = app
    caplog.set_level(logging.ERROR, logger="asyncio")
    client = socket.create_connection(rt.inspector.address)
    await clients_left(rt, 1)
    server_side = server_side_of(client)
    hook = ResetBeforeTheLinger(client, server_side)
    refusals = logging.getLogger("tickscope.inspect")
    level = refusals.level
    refusals.setLevel(logging.INFO)
    refusals.addHandler(hook)
    try:
        client.sendall(orjson.dumps({"type": "AUTH", "payload": {"token": "guess"}}) + b"\n")
        assert await asyncio.to_thread(hook.done.wait, 10.0), "the server never refused the client"
    finally:
        refusals.removeHandler(hook)
        refusals.setLevel(level)
        server_side.close()  # the duplicate only: the server's own socket is the server's to close
    assert hook.reset_arrived, "the reset never reached the server's socket"
    assert hook.frame is not None
    assert [e["code"] for e in errors_in([orjson.loads(hook.frame)])] == ["auth_failed"]
    await clients_left(rt, 0)
    await served_a_command(rt, inst)
    assert escaped(caplog) == []
