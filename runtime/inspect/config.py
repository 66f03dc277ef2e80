"""Where and how an inspector server listens: `InspectConfig`, parsed from `host:port[,token]` or the environment.

`Runtime(inspect=...)` accepts an InspectConfig, a spec string `"127.0.0.1:7341"` / `"127.0.0.1:0,SECRET"`, a
port number, or True (loopback, an ephemeral port). Without the argument, the environment variable
TICKSCOPE_INSPECT (same spec syntax) opens an inspector for the first runtime created in the process;
`inspect=False` opts a runtime out of it.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, replace

__all__ = ["ENV_VAR", "InspectConfig", "InspectSpec", "is_loopback", "parse_spec", "resolve"]

ENV_VAR = "TICKSCOPE_INSPECT"
_LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class InspectConfig:
    host: str = _LOOPBACK
    """Loopback by default; another address only when asked for (then anyone who can reach it may try the token)."""
    port: int = 0
    """0 picks a free port (read it from `server.address`)."""
    token: str | None = None
    """None: a token is generated and printed to stderr when the server starts."""
    max_frame_bytes: int = 1 << 20
    """A client frame longer than this is refused (error frame, connection closed)."""
    client_queue_batches: int = 256
    """Batches queued per client; a slower client loses the oldest ones (and is told how many events it lost). A
    collection under load hands over about 40 batches of 64 events on a fast machine: a viewer that keeps up must
    never come near this."""
    client_queue_bytes: int = 4 << 20
    """Bytes of everything queued for one client: batches, HELLO, acks, errors. Past it the oldest batches are
    dropped (the client is told how many events it lost); frames that are never dropped (acks, errors) past it
    disconnect the client with `client_overflow`. The per-client memory bound (docs/rules/transport.md): this,
    the socket's write buffer included, plus the unparsed input (at most twice `max_frame_bytes`)."""
    batch_max_events: int = 512
    pending_limit: int = 65536
    """Records queued by the runtime's hub feed and not yet serialised; at this bound the application waits for the
    server thread's flush to end rather than drop anything (the server thread holds the stream only briefly)."""
    drain_interval_s: float = 0.01
    """How often the server thread collects what a quiet runtime exported (records left pending two intervals are
    sent then)."""
    busy_drain_interval_s: float = 0.1
    """How often it collects while the runtime exports fast enough to serialise on its own (the latency a viewer sees
    under load). Each collection takes the interpreter lock from the application's thread twice (to collect, and
    after the socket write); on a 2-core VM each hand-off cost the application about 0.2 ms, so under load fewer,
    larger collections cost it less."""
    retain_events: int = 4096
    """Envelopes kept so that a client subscribing later (or reconnecting) gets recent history."""
    auth_timeout_s: float = 10.0
    max_commands_in_flight: int = 16
    """Commands of one client handed to the application and not yet answered; at this bound the server stops reading
    that client's socket until one is answered (a flood of commands is throttled, not queued)."""
    idle_timeout_s: float = 60.0
    """After AUTH, a client that neither reads what it is sent nor sends a frame for this long is closed with
    `idle_timeout`."""
    keepalive_interval_s: float = 15.0
    """After this long with nothing sent to a client, the server sends it an empty OBSERVATION_BATCH: a quiet viewer
    that reads it stays open (keep it well under `idle_timeout_s`)."""
    announce: bool = True
    """Print the address and token to stderr when the server starts."""

    def __post_init__(self) -> None:
        if not 0 < self.keepalive_interval_s < self.idle_timeout_s:
            raise ValueError(f"InspectConfig: keepalive_interval_s ({self.keepalive_interval_s:g}) must be above 0 "
                             f"and below idle_timeout_s ({self.idle_timeout_s:g})")
        if self.max_commands_in_flight < 1:
            raise ValueError("InspectConfig: max_commands_in_flight must be at least 1")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_spec(spec: str) -> InspectConfig:
    """`host:port[,token]`, `:port`, or `port`; raises ValueError naming what is wrong."""
    where, _, token = spec.strip().partition(",")
    host, sep, port_text = where.rpartition(":")
    if not sep:
        host, port_text = "", where
    host = host.strip("[]") or _LOOPBACK
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"inspect spec {spec!r}: port {port_text!r} is not a number (expected host:port[,token])") \
            from None
    if not 0 <= port <= 65535:
        raise ValueError(f"inspect spec {spec!r}: port {port} is out of range")
    return InspectConfig(host=host, port=port, token=token.strip() or None)


InspectSpec = InspectConfig | str | int | bool | None
"""What `Runtime(inspect=...)` accepts (see the module docstring)."""


def resolve(inspect: object) -> InspectConfig | None:
    """The config asked for by a `Runtime(inspect=...)` argument (None: look at the environment); raises TypeError
    for anything that is not an InspectSpec."""
    if inspect is False:
        return None
    if inspect is None:
        spec = os.environ.get(ENV_VAR, "").strip()
        return parse_spec(spec) if spec else None
    if inspect is True:
        return InspectConfig()
    if isinstance(inspect, InspectConfig):
        return inspect
    if isinstance(inspect, int):
        return replace(InspectConfig(), port=inspect)
    if isinstance(inspect, str):
        return parse_spec(inspect)
    raise TypeError(f"inspect= takes an InspectConfig, 'host:port[,token]', a port, True or False; "
                    f"got {type(inspect).__name__}")
