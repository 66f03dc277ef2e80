"""Where a dispatch came from: the frames above a runtime entry point, taken at diagnostics level full only.

Like Redux DevTools' `trace` / `traceLimit`: at most `limit` frames (default 10), innermost first. Frames inside
tickscope's own packages (`runtime`, and `devtools` except its demo application) and library frames (the standard
library, site-packages and console scripts: asyncio, qasync, pytest, bin/tickscope) are left out, so the first
frame is the user's line. A call that reaches the runtime from tickscope's own code called by the event loop or a
framework, before any user frame (a devtools command, a Qt signal through the adapter), keeps tickscope's frames
instead: the user's `qasync.run(main())` far below is not where it came from.

    {"file": "/home/ada/shop/cart.py", "line": 42, "function": "on_add", "frames": [{file, line, function}, ...],
     "truncated": false}

Only `full` walks frames: every caller tests `sink.full` before calling `capture`, so light and off never walk
(`CallSites.walks` counts the walks; tests/runtime/test_call_sites.py holds that to zero below full).
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = ["CallSite", "CallSites", "DEFAULT_CALL_SITE_LIMIT"]

CallSite = dict[str, Any]
"""The exported call site (JSON, bounded by the limit)."""

DEFAULT_CALL_SITE_LIMIT = 10
MAX_DEPTH = 64
"""Frames looked at in all: a deep recursion in the caller does not make every dispatch walk it whole."""

_RUNTIME_DIR = Path(__file__).resolve().parents[1]
_OWN_DIRS = (str(_RUNTIME_DIR) + os.sep, str(_RUNTIME_DIR.parent / "devtools") + os.sep)
_USER_DIRS = (str(_RUNTIME_DIR.parent / "devtools" / "demo") + os.sep,)
"""Inside the own packages but the user's side: the demo is an application built on the adapter."""
_LIBRARY_DIRS = tuple(sorted({str(Path(p).resolve()) + os.sep
                              for key in ("stdlib", "platstdlib", "purelib", "platlib", "scripts")
                              if (p := sysconfig.get_paths().get(key))}))

_USER, _LIBRARY, _OWN = 0, 1, 2
_getframe = sys._getframe  # noqa: SLF001  (the one way to start a walk without a Python-level call per capture)


def _where(filename: str) -> int:
    if filename.startswith(_USER_DIRS):
        return _USER
    if filename.startswith(_OWN_DIRS):
        return _OWN
    if filename.startswith("<frozen") or filename.startswith(_LIBRARY_DIRS):
        return _LIBRARY
    resolved = str(Path(filename).resolve()) if filename and not filename.startswith("<") else filename
    if resolved != filename:
        return _where(resolved)
    return _USER


class CallSites:
    """Takes call sites for one runtime's sink (its `limit`; `walks` counts the frame walks made)."""

    __slots__ = ("limit", "walks", "_kinds")

    def __init__(self, limit: int = DEFAULT_CALL_SITE_LIMIT) -> None:
        self.set_limit(limit)
        self.walks = 0
        self._kinds: dict[str, int] = {}
        """Each file's kind (user, library, own), worked out once per file."""

    def set_limit(self, limit: int) -> None:
        """At most `limit` frames per call site; 0 records none (and walks nothing)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"call site limit must be an integer >= 0, not {limit!r}")
        self.limit = limit

    def capture(self, skip: int = 1) -> CallSite | None:
        """The call site of the caller's caller (`skip` frames above this call are not looked at)."""
        limit = self.limit
        if limit == 0:
            return None
        self.walks += 1
        kinds = self._kinds
        user: list[tuple[str, int, str]] = []
        own: list[tuple[str, int, str]] = []
        frame: FrameType | None = _getframe(skip)
        depth = 0
        while frame is not None and depth < MAX_DEPTH and len(user) < limit:
            code = frame.f_code
            name = code.co_filename
            kind = kinds.get(name)
            if kind is None:
                kind = kinds[name] = _where(name)
            if kind == _USER:
                user.append((name, frame.f_lineno or 0, code.co_qualname))
            elif not user:
                if kind == _LIBRARY:  # the event loop or a framework called tickscope: its own frames say from where
                    if not own:
                        own.append((name, frame.f_lineno or 0, code.co_qualname))
                    break
                if len(own) < limit:
                    own.append((name, frame.f_lineno or 0, code.co_qualname))
            frame = frame.f_back
            depth += 1
        chosen = user or own
        if not chosen:
            return None
        file, line, function = chosen[0]
        return {"file": file, "line": line, "function": function,
                "frames": [{"file": f, "line": n, "function": fn} for f, n, fn in chosen],
                "truncated": len(user) == limit and frame is not None}
