"""Whether an authenticated client is still there: it sent a frame, or took some of the bytes it was sent.

A viewer that stops reading and sending holds its share of the server's memory until the bound disconnects it, and
a socket nobody reads from forever; after `InspectConfig.idle_timeout_s` of neither it is closed. What a client
"took" is what the server wrote minus what is still unsent: the transport's buffer plus, where the platform tells
(Linux: TIOCOUTQ), the bytes still in the kernel's send queue, so a client whose kernel buffers quietly absorb a
trickle of keep-alives stays live only while that lasts.
"""

from __future__ import annotations

import asyncio
import struct

try:
    import fcntl
    import termios

    _OUTQ: int | None = termios.TIOCOUTQ
except (ImportError, AttributeError):  # not Linux: the transport's own buffer is what we can see
    _OUTQ = None

__all__ = ["Liveness", "unsent_bytes"]


def unsent_bytes(transport: asyncio.WriteTransport) -> int:
    """Bytes written to `transport` that the peer has not taken yet (as far as this platform tells)."""
    unsent = transport.get_write_buffer_size()
    sock = transport.get_extra_info("socket")
    if _OUTQ is None or sock is None:
        return unsent
    try:
        (kernel,) = struct.unpack("i", fcntl.ioctl(sock.fileno(), _OUTQ, b"\0\0\0\0"))
    except (OSError, ValueError):  # closed meanwhile
        return unsent
    return unsent + int(kernel)


class Liveness:
    """The last time (on the caller's clock) a client showed it is there; `alive` says whether that is recent."""

    def __init__(self, idle_timeout_s: float, now: float) -> None:
        self.idle_timeout_s = idle_timeout_s
        self.last_active = now
        self._consumed = 0

    def heard(self, now: float) -> None:
        """The client sent a frame."""
        self.last_active = now

    def alive(self, now: float, consumed: int) -> bool:
        """`consumed`: bytes the client has taken so far (written minus unsent); more than last time is activity."""
        if consumed > self._consumed:
            self._consumed = consumed
            self.last_active = now
        return now - self.last_active < self.idle_timeout_s
