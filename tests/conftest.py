"""Shared test setup. Qt fixtures live in tests/devtools/conftest.py so runtime tests never import Qt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The loopback backend and operation fixtures (backend, runtime_ops) for tests/operations and tests/runtime.
pytest_plugins = ["ops_support"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CHECK_TRACE = SHARED / "tools" / "check_trace.py"


@pytest.fixture
def check_trace():
    """Run the reference checker on a trace or evidence package: returns (exit code, output)."""
    if not CHECK_TRACE.exists():
        pytest.fail(f"the reference checker is missing at {CHECK_TRACE}; shared/ must sit beside the project")

    def run(path: Path, *require: str) -> tuple[int, str]:
        args = [sys.executable, str(CHECK_TRACE)]
        for kind in require:
            args += ["--require", kind]
        proc = subprocess.run([*args, str(path)], capture_output=True, text=True, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr

    return run
