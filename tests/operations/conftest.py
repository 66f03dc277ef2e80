"""Fixtures for operation tests (defined in tests/ops_support.py, shared with tests/runtime)."""

from ops_support import backend, runtime_ops  # noqa: F401
