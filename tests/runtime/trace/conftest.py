"""Fixtures of the trace tests: real traces recorded at a chosen level (see trace_samples.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from trace_samples import record_sample


@pytest.fixture
def full_trace(tmp_path: Path) -> Path:
    return record_sample(tmp_path / "full.jsonl", "full")


@pytest.fixture
def light_trace(tmp_path: Path) -> Path:
    return record_sample(tmp_path / "light.jsonl", "light")
