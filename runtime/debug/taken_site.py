"""A call site as the frame walk took it: each kept frame's code object and last instruction, resolved when read.

Reading a frame's line (`f_lineno`) decodes its code's line table, and the exported site is a dict per frame: that
is most of what a walk costs, for events that are mostly let go unread. So `CallSites.capture` keeps
code and `f_lasti` of each frame (both fixed the moment it is taken: a code object never changes, and the instruction is
copied out of the frame) and the site becomes the exported dict the first time it is read, once:

    {"file": ..., "line": ..., "function": ..., "frames": [{file, line, function}, ...], "truncated": ...}

the same dict, key for key, as reading the frames at once. A TakenSite reads as that mapping (`site["line"]`,
`site == {...}`), so what holds one (a transaction's origin) looks the same as before; events get the plain dict
(`exported()`), which is what JSON writers take.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from types import CodeType
from typing import Any, cast

__all__ = ["TakenSite", "line_at"]

MAX_TABLES = 1024
"""Line tables kept (one per code object read): past it they are all let go and rebuilt as read."""
_tables: dict[int, tuple[CodeType, list[int], list[int | None]]] = {}
"""id(code) -> (code, start offsets, lines): the code object is kept with its table, so its id is not reused."""


def line_at(code: CodeType, lasti: int) -> int:
    """The line of the instruction at byte offset `lasti` of `code` (what the frame's `f_lineno or 0` read then)."""
    if lasti < 0:  # not started yet: a frame then reads its first line
        return code.co_firstlineno
    table = _tables.get(id(code))
    if table is None or table[0] is not code:
        if len(_tables) >= MAX_TABLES:
            _tables.clear()
        starts: list[int] = []
        lines: list[int | None] = []
        for start, end, line in code.co_lines():
            if start < end:
                starts.append(start)
                lines.append(line)
        table = _tables[id(code)] = (code, starts, lines)
    at = bisect_right(table[1], lasti) - 1
    return (table[2][at] or 0) if at >= 0 else 0


class TakenSite(Mapping[str, Any]):
    """A call site taken but not read yet (see the module docstring); reads as the exported call site."""

    __slots__ = ("_frames", "_truncated", "_site")

    def __init__(self, frames: list[CodeType | int], truncated: bool) -> None:
        self._frames = frames
        """code, f_lasti, code, f_lasti, ... of the kept frames, innermost first; never empty."""
        self._truncated = truncated
        self._site: dict[str, Any] | None = None

    def exported(self) -> dict[str, Any]:
        """The exported call site (JSON), built on the first call; later calls return the same dict."""
        site = self._site
        if site is None:
            taken = self._frames
            if not taken:  # another thread built it meanwhile (it sets _site before letting go of the frames)
                return cast("dict[str, Any]", self._site)
            codes = cast("list[CodeType]", taken[::2])
            lastis = cast("list[int]", taken[1::2])
            frames = [{"file": code.co_filename, "line": line_at(code, lasti), "function": code.co_qualname}
                      for code, lasti in zip(codes, lastis, strict=True)]
            first = frames[0]
            site = self._site = {"file": first["file"], "line": first["line"], "function": first["function"],
                                 "frames": frames, "truncated": self._truncated}
            self._frames = []  # let go of the code objects
        return site

    def __getitem__(self, key: str) -> Any:
        return self.exported()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.exported())

    def __len__(self) -> int:
        return len(self.exported())

    def __repr__(self) -> str:
        return f"TakenSite({self.exported()!r})"
