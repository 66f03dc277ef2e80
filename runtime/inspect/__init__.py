"""Live inspection of a runtime from another process: the inspector server, its client, and the wire protocol.

Opt in with `Runtime(..., inspect="127.0.0.1:0")` (or True, a port, an InspectConfig) or the environment variable
TICKSCOPE_INSPECT=host:port[,token]; read `rt.inspector.address` and `rt.inspector.token`. Watch it with
`tickscope tail HOST:PORT --token T` or `tickscope attach HOST:PORT --token T`, or from Python with
`runtime.inspect.client.InspectClient`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runtime.inspect.client import Ack, Batch, InspectClient, parse_address
from runtime.inspect.config import ENV_VAR, InspectConfig, parse_spec, resolve
from runtime.inspect.protocol import PROTOCOL_VERSION, AuthRequired, InspectError, ProtocolError
from runtime.inspect.server import InspectorServer
from runtime.inspect.session import ClientStats

if TYPE_CHECKING:
    from runtime.runtime import Runtime

__all__ = [
    "ENV_VAR",
    "PROTOCOL_VERSION",
    "Ack",
    "AuthRequired",
    "Batch",
    "ClientStats",
    "InspectClient",
    "InspectConfig",
    "InspectError",
    "InspectorServer",
    "ProtocolError",
    "open_for_runtime",
    "parse_address",
    "parse_spec",
]

_env_claimed = False


def open_for_runtime(runtime: Runtime, inspect: Any) -> InspectorServer | None:
    """The server `Runtime(inspect=...)` asked for, started; None when not asked.

    The environment variable serves the first runtime of the process only (a second one could not bind the same
    port, and tools such as the devtools run runtimes of their own).
    """
    global _env_claimed
    if inspect is None:
        if _env_claimed:
            return None
        config = resolve(None)
        if config is None:
            return None
        _env_claimed = True
    else:
        config = resolve(inspect)
        if config is None:
            return None
    if not runtime.sink.on:
        runtime.sink.set_level("light")  # an inspector of a runtime that exports nothing would show nothing
    return InspectorServer(runtime, config).start()
