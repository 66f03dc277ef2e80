"""A call site as the frame walk took it: each kept frame's code object and last instruction, resolved when read.

Reading a frame's line (`f_lineno`) decodes its code's line table, and the exported site is a dict per frame: that
is most of what a walk costs, for events that are mostly let go unread. So `CallSites.capture` keeps
code and `f_lasti` of each frame (both fixed the moment it is taken: a code object never changes, and the
instruction is copied out of the frame) and the site becomes the exported dict the first time it is read, once
(each frame worked out once per code and instruction, then copied):

    {"file": ..., "line": ..., "function": ..., "frames": [{file, line, function}, ...], "truncated": ...}

the same dict, key for key, as reading the frames at once. A TakenSite reads as that mapping (`site["line"]`,
`site == {...}`), so what holds one (a transaction's origin) looks the same as before; events get the plain dict
(`exported()`), which is what JSON writers take.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import CodeType
from typing import Any, cast

__all__ = ["TakenSite", "line_at"]

MAX_KNOWN = 4096
"""Frames kept worked out, one per (code object, instruction) read: past it they are all let go (and worked out
again as read)."""
_known: dict[tuple[int, int], tuple[CodeType, dict[str, Any]]] = {}
"""(id(code), lasti) -> (code, {"file", "line", "function"} of that frame), copied into each site that holds it.
Keyed by id (hashing a code object hashes its constants); the entry holds its code object, so that id is not
another code's while the entry is kept."""


def line_at(code: CodeType, lasti: int) -> int:
    """The line of the instruction at byte offset `lasti` of `code` (what the frame's `f_lineno or 0` read then)."""
    if lasti < 0:  # not started yet: a frame then reads its first line
        return code.co_firstlineno
    for start, end, line in code.co_lines():
        if start <= lasti < end:
            return line or 0
    return 0


def _learn(code: CodeType, lasti: int) -> dict[str, Any]:
    """A frame not worked out yet (or let go): its exported form, kept for the next site that holds it."""
    if len(_known) >= MAX_KNOWN:
        _known.clear()
    frame = {"file": code.co_filename, "line": line_at(code, lasti), "function": code.co_qualname}
    _known[(id(code), lasti)] = (code, frame)
    return frame


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
            frames: list[dict[str, Any]] = []
            keep = frames.append
            known = _known.get
            pairs: Iterator[Any] = iter(taken)  # code, lasti, code, lasti, ...
            for code, lasti in zip(pairs, pairs, strict=True):
                entry = known((id(code), lasti))
                frame = entry[1] if entry is not None and entry[0] is code else _learn(code, lasti)
                keep(frame.copy())  # each site its own dicts, as a reader may change what it got
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
