"""A user's application in its own process, with an inspector: started and restarted by the e2e tests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "inspected_app.py"
ROOT = APP.parents[2]


class AppProcess:
    """Starts (and restarts, on the same port) the inspected demo application."""

    def __init__(self, token: str) -> None:
        self.token = token
        with socket.socket() as probe:  # a free port to keep across restarts
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict = {}

    def start(self) -> dict:
        self.proc = subprocess.Popen([sys.executable, str(APP), "--port", str(self.port), "--token", self.token],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the inspected app did not start: {self.proc.stderr.read()}")
        self.info = json.loads(line)
        return self.info

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        if self.proc is not None:
            self.proc.stdout.close()
            self.proc.stderr.close()
        self.proc = None
