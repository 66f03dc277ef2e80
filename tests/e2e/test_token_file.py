"""`tickscope tail --token-file F` follows an application that restarts with a new token: the refusal is said on
stderr, and once F holds the new token the stream goes on with the new run."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading

import orjson
from attach_support import ROOT


class Lines:
    """The lines a stream of a running process wrote so far (read on a thread, so nothing blocks)."""

    def __init__(self, stream) -> None:
        self.seen: queue.Queue[str] = queue.Queue()
        self.all: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.seen.put(line.rstrip("\n"))

    def until(self, predicate, timeout: float = 60.0) -> str:
        while True:
            line = self.seen.get(timeout=timeout)
            self.all.append(line)
            if predicate(line):
                return line


def test_tail_follows_a_restart_with_a_new_token_through_the_token_file(inspected_app, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(inspected_app.token + "\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "devtools.cli", "tail", inspected_app.address, "--token-file",
                             str(token_file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    try:
        first_run = inspected_app.info["runId"]
        err.until(lambda line: line.endswith(f"run {first_run}"))
        out.until(lambda line: orjson.loads(line)["runId"] == first_run)

        inspected_app.stop()
        inspected_app.token = "the-new-token"  # the restarted process has a token of its own
        second_run = inspected_app.start()["runId"]
        refused = err.until(lambda line: "refused the token" in line)
        assert refused == (f"tickscope tail: 127.0.0.1:{inspected_app.port} refused the token (the process restarted "
                           "with a new one?); waiting for a new token in the token file")
        assert proc.poll() is None  # still running: it waits instead of ending

        token_file.write_text("the-new-token\n")
        err.until(lambda line: line == f"tickscope tail: the process restarted; now run {second_run}")
        envelope = orjson.loads(out.until(lambda line: orjson.loads(line)["runId"] == second_run))
        assert envelope["seq"] == 1  # the new run from its start
    finally:
        proc.terminate()
        proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()
    assert not [line for line in err.all if "Traceback" in line]
