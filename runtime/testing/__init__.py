"""Testing support: TraceProbe (assertions on a runtime's exported events) and TearingWatch. No Qt, no pytest;
the pytest plugin lives in runtime.testing.pytest_plugin and is registered through the `pytest11` entry point."""

from runtime.errors import UnknownFieldPath
from runtime.testing.probe import OPERATION_TERMINALS, TraceProbe
from runtime.testing.session import assert_state, assert_touched_exactly, set_recorded_fields, state_differences
from runtime.testing.tearing import TearingWatch, WatchedFacade

__all__ = [
    "OPERATION_TERMINALS",
    "TearingWatch",
    "TraceProbe",
    "UnknownFieldPath",
    "WatchedFacade",
    "assert_state",
    "assert_touched_exactly",
    "set_recorded_fields",
    "state_differences",
]
