"""TICKSCOPE_INSPECT is a debugging aid switched on from outside: it never takes the application down."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

APP = """
from runtime import Module, Runtime
m = Module("counter", {"n": 0})
@m.reducer("add")
def add(draft, k):
    draft["n"] += k
rt = Runtime(label="app")
inst = rt.mount(m)
inst.dispatch("add", 2)
print("inspector", rt.inspector, "n", inst.get_state()["n"])
"""


def run_app(spec: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TICKSCOPE_INSPECT=spec, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", APP], env=env, capture_output=True, text=True, timeout=60)


def test_a_port_in_use_is_one_warning_and_the_application_runs_on() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_app(f"127.0.0.1:{port}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "inspector None n 2"
    (warning,) = proc.stderr.strip().splitlines()
    assert warning.startswith(f"tickscope: TICKSCOPE_INSPECT='127.0.0.1:{port}' ignored")
    assert "without an inspector" in warning


@pytest.mark.parametrize("spec, words", [("localhost:http", "is not a number"), ("127.0.0.1:99999", "out of range")])
def test_a_malformed_value_is_one_warning_naming_it_and_the_application_runs_on(spec: str, words: str) -> None:
    proc = run_app(spec)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "inspector None n 2"
    (warning,) = proc.stderr.strip().splitlines()
    assert f"TICKSCOPE_INSPECT={spec!r} ignored" in warning and words in warning


def test_inspect_asked_for_in_code_still_raises_on_a_port_in_use() -> None:
    from runtime import Runtime

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(OSError):
            Runtime(inspect=f"127.0.0.1:{busy.getsockname()[1]}")
