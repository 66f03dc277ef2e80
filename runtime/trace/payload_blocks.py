"""Payload bytes of live rows, kept in blocks: the newest block raw and growing, older blocks zlib-compressed.

A live store keeps every row's payload as its JSON bytes until someone looks at it. Those bytes are most of what a
long live session holds (about 1.2 KB per event at diagnostics level full), and JSON events of one application
repeat their keys and shapes, so zlib makes them about 14 times smaller in blocks of 256 KB. A payload never spans
two blocks (a block closes after the payload that fills it), so reading one row decompresses one block; the last
few blocks read are kept decompressed, because readers look at neighbouring rows.

Offsets are positions in the stream of every byte ever kept, not in memory: they stay valid when the oldest blocks
are let go (`release_before`), so the rows of a store that let its oldest rows go need no renumbering of payloads.

Full blocks are compressed in one shared worker thread (zlib releases the GIL, so the event loop keeps its core);
until the worker is done the block is read raw. `settle()` waits for the worker (tests, benchmarks).
"""

from __future__ import annotations

import threading
import zlib
from bisect import bisect_right
from collections import OrderedDict, deque
from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["PayloadBlocks", "BLOCK_BYTES", "LEVEL"]

BLOCK_BYTES = 256 * 1024
"""A block closes once it holds this many bytes: big enough for zlib to find the repeats (and for closing one, a
hand-over to the worker, to be rare), small enough that one row's read decompresses little (about 0.4 ms)."""
LEVEL = 6
_DECODED_BLOCKS = 4

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _compressor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tickscope-payloads")
        return _executor


class _Block:
    """One closed block: `raw` until the worker set `packed` (then `raw` is None). Readers read `raw` first: the
    worker sets `packed` before it clears `raw`, so a reader never sees neither.

    `counted` is the size the owner's running total holds for the block; only the loop thread changes it, from the
    notes the worker leaves in `packed_notes` (a deque: appends are thread-safe).
    """

    __slots__ = ("start", "size", "raw", "packed", "counted", "kept")

    def __init__(self, start: int, raw: bytes | bytearray) -> None:
        self.start = start
        self.size = len(raw)
        self.raw: bytes | bytearray | None = raw  # the open block's bytearray itself: never written again
        self.packed: bytes | None = None
        self.counted = len(raw)
        self.kept = True

    def pack(self, packed_notes: deque[_Block]) -> None:
        raw = self.raw
        if raw is not None:
            self.packed = zlib.compress(raw, LEVEL)
            self.raw = None
            packed_notes.append(self)


class PayloadBlocks:
    """Append-only payload bytes with stable offsets, compressed in blocks; the oldest blocks can be let go."""

    def __init__(self, block_bytes: int = BLOCK_BYTES, *, compress: bool = True) -> None:
        self._block_bytes = block_bytes
        self._compress = compress
        self._blocks: list[_Block] = []
        self._starts: list[int] = []
        self._open = bytearray()
        self._open_start = 0
        self._decoded: OrderedDict[int, bytes] = OrderedDict()
        self._pending: list[Future[None]] = []
        self._closed_bytes = 0
        """What the closed blocks hold, as far as the notes of the worker were taken in (see `_take_notes`)."""
        self._packed_notes: deque[_Block] = deque()

    @property
    def end(self) -> int:
        """The offset the next byte kept gets."""
        return self._open_start + len(self._open)

    @property
    def start(self) -> int:
        """The offset of the oldest byte still kept."""
        return self._blocks[0].start if self._blocks else self._open_start

    def keep(self, data: bytes) -> int:
        """Keep `data`; returns its offset."""
        block = self._open
        off = self._open_start + len(block)
        block += data
        if len(block) >= self._block_bytes:
            self._close_block()
        return off

    def _close_block(self) -> None:
        block = _Block(self._open_start, self._open)
        self._blocks.append(block)
        self._starts.append(block.start)
        self._open_start += block.size
        self._open = bytearray()
        self._closed_bytes += block.counted
        if self._compress:
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(_compressor().submit(block.pack, self._packed_notes))

    def _take_notes(self) -> None:
        """Count the blocks the worker compressed since the last call at their new size."""
        notes = self._packed_notes
        while notes:
            block = notes.popleft()
            if block.kept and block.packed is not None:
                self._closed_bytes -= block.counted - len(block.packed)
                block.counted = len(block.packed)

    def read(self, off: int, length: int) -> bytes:
        """The `length` bytes kept at `off` (they must not have been let go)."""
        if off >= self._open_start:
            start = off - self._open_start
            return bytes(self._open[start : start + length])
        i = bisect_right(self._starts, off) - 1
        if i < 0:
            raise IndexError(f"payload bytes at {off} were let go (the oldest kept is at {self.start})")
        block = self._blocks[i]
        raw = block.raw
        if raw is None:
            raw = self._decoded.get(block.start)
            if raw is None:
                assert block.packed is not None
                raw = self._decoded[block.start] = zlib.decompress(block.packed)
                if len(self._decoded) > _DECODED_BLOCKS:
                    self._decoded.popitem(last=False)
            else:
                self._decoded.move_to_end(block.start)
        start = off - block.start
        return bytes(raw[start : start + length])

    def release_before(self, off: int) -> int:
        """Let go of every block that ends at or before `off`; returns the bytes no longer held."""
        i = bisect_right(self._starts, off) - 1  # the block holding `off` stays
        if off >= self._open_start:
            i = len(self._blocks)
        if i <= 0:
            return 0
        self._take_notes()
        freed = 0
        for block in self._blocks[:i]:
            block.kept = False
            freed += block.counted
            self._decoded.pop(block.start, None)
        self._closed_bytes -= freed
        del self._blocks[:i]
        del self._starts[:i]
        return freed

    def nbytes(self) -> int:
        """Bytes held: compressed blocks, blocks waiting for the worker, and the open block."""
        self._take_notes()
        return self._closed_bytes + len(self._open)

    def raw_bytes(self) -> int:
        """Bytes kept before compression (what the rows' payloads add up to)."""
        return self.end - self.start

    def settle(self) -> None:
        """Wait until every closed block is compressed."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()
        self._take_notes()
