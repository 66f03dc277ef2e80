"""`tickscope tail` / `attach` to an address where no inspector answers: they give up with one line, never hang.

Two strangers on a real port: a server that accepts and never speaks, and Python's own HTTP server. The commands run
as subprocesses, as a user runs them; a hang would end the test at its subprocess timeout.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import HTTPServer, SimpleHTTPRequestHandler

import pytest
from attach_support import ROOT

from runtime.inspect import InspectClient, InspectError


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture
def http_port(tmp_path) -> Iterator[int]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def cli(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "devtools.cli", *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=ROOT)


def the_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # one line, no traceback
    return lines[0]


@pytest.mark.parametrize("command", ["tail", "attach"])
def test_a_port_that_never_speaks_times_out(tmp_path, silent_port, command):
    line = the_line(cli(tmp_path, command, f"127.0.0.1:{silent_port}", "--token", "t", "--handshake-timeout", "1"))
    assert line == (f"tickscope {command}: 127.0.0.1:{silent_port} accepted the connection but sent no HELLO within "
                    "1 s: no tickscope inspector answers there (handshake_timeout)")


@pytest.mark.parametrize("command", ["tail", "attach"])
def test_an_http_server_is_not_an_inspector(tmp_path, http_port, command):
    line = the_line(cli(tmp_path, command, f"127.0.0.1:{http_port}", "--token", "t"))
    assert line.startswith(f"tickscope {command}: 127.0.0.1:{http_port} is not a tickscope inspector: a web server "
                           "answered")
    assert line.endswith("(not_an_inspector)")


def test_a_bad_handshake_timeout_is_refused(tmp_path):
    proc = cli(tmp_path, "tail", "127.0.0.1:9", "--token", "t", "--handshake-timeout", "0")
    assert proc.returncode == 2 and "--handshake-timeout must be > 0 seconds, not 0" in proc.stderr


@pytest.mark.asyncio
async def test_the_client_raises_the_code(silent_port, http_port):
    client = InspectClient("127.0.0.1", silent_port, "t", handshake_timeout=0.3)
    with pytest.raises(InspectError) as silent:
        await client.connect()
    assert silent.value.code == "handshake_timeout"
    await client.close()
    client = InspectClient("127.0.0.1", http_port, "t")
    with pytest.raises(InspectError) as web:
        await asyncio.wait_for(client.connect(), 30)
    assert web.value.code == "not_an_inspector"
    await client.close()
