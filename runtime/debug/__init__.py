"""The debug sink, hub and JSON projection: what the runtime exports about itself."""

from runtime.debug.hub import DebugHub
from runtime.debug.projection import SizeBudget, project
from runtime.debug.reverse import root_paths
from runtime.debug.sink import LEVELS, EventClock, DebugSink, error_summary

__all__ = ["LEVELS", "SizeBudget", "EventClock", "DebugHub", "DebugSink", "error_summary", "project", "root_paths"]
