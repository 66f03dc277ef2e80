"""Traces: recording a runtime's exported events to JSON Lines."""

from .writer import FORMAT, FORMAT_VERSION, PROTOCOL_VERSION, TraceWriter

__all__ = ["FORMAT", "FORMAT_VERSION", "PROTOCOL_VERSION", "TraceWriter"]
