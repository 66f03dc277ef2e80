"""Live inspection of a runtime from another process: the inspector server, its client, and the wire protocol.

Opt in with `Runtime(..., inspect="127.0.0.1:0")` (or True, a port, an InspectConfig) or the environment variable
TICKSCOPE_INSPECT=host:port[,token]; read `rt.inspector.address` and `rt.inspector.token`. Watch it with
`tickscope tail HOST:PORT --token T` or `tickscope attach HOST:PORT --token T`, or from Python with
`runtime.inspect.InspectClient`. The server takes an `InspectTarget` (what it uses of a runtime), never the Runtime.
"""

from __future__ import annotations

from runtime.errors import AuthRequired, CommandRefused, InspectError, ProtocolError
from runtime.inspect.payloads import payload_problem
from runtime.inspect.client import HANDSHAKE_TIMEOUT, Ack, Batch, InspectClient, parse_address
from runtime.inspect.config import ENV_VAR, InspectConfig, InspectSpec, parse_spec, resolve
from runtime.inspect.protocol import PROTOCOL_VERSION
from runtime.inspect.server import InspectorServer
from runtime.inspect.session import ClientStats
from runtime.inspect.target import InspectTarget

__all__ = [
    "ENV_VAR",
    "HANDSHAKE_TIMEOUT",
    "PROTOCOL_VERSION",
    "Ack",
    "AuthRequired",
    "Batch",
    "ClientStats",
    "CommandRefused",
    "InspectClient",
    "InspectConfig",
    "InspectError",
    "InspectSpec",
    "InspectTarget",
    "InspectorServer",
    "ProtocolError",
    "attach",
    "parse_address",
    "parse_spec",
    "payload_problem",
]

_env_claimed = False


def attach(target: InspectTarget, spec: object) -> InspectorServer | None:
    """Start the inspector server `spec` asks for on `target`; None when none is asked for.

    `spec` is what `Runtime(inspect=...)` got (an InspectSpec); None means "whatever TICKSCOPE_INSPECT says", and
    the environment variable serves the first runtime of the process only (a second one could not bind the same
    port, and tools such as the devtools run runtimes of their own). A runtime that exports nothing is switched to
    diagnostics `light`: an inspector of it would show nothing. Raises OSError when the address cannot be bound,
    TypeError or ValueError for a spec that names no address.
    """
    global _env_claimed
    if spec is None:
        if _env_claimed:
            return None
        config = resolve(None)
        if config is None:
            return None
        _env_claimed = True
    else:
        config = resolve(spec)
        if config is None:
            return None
    if not target.sink.on:
        target.sink.set_level("light")
    return InspectorServer(target, config).start()

