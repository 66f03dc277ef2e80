"""A trace's sidecar file: what the devtools keep about one trace beside it (`t.jsonl` -> `t.jsonl.tickscope.json`):
the timeline's bookmarks and lane layout, restored when the trace is opened again.

One JSON object, one key per part (`bookmarks`, `lanes`); a write replaces only the parts it is given and goes
through a temporary file, so a crash never leaves half a file and one part never drops another. Pure Python.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

__all__ = ["Bookmark", "SidecarError", "sidecar_path", "read_sidecar", "write_sidecar", "bookmarks_from_json",
           "SUFFIX"]

SUFFIX = ".tickscope.json"


class SidecarError(ValueError):
    """A sidecar file that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A named moment of a trace, at an event time (epoch ms, so it stays put whatever the view's origin)."""

    name: str
    ts_ms: float

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "tsMs": self.ts_ms}


def sidecar_path(trace: str | os.PathLike[str]) -> Path:
    path = Path(trace)
    return path.with_name(path.name + SUFFIX)


def read_sidecar(trace: str | os.PathLike[str]) -> dict[str, Any]:
    """The sidecar of `trace` ({} when there is none)."""
    path = sidecar_path(trace)
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, orjson.JSONDecodeError) as err:
        raise SidecarError(f"cannot read {path}: {err}") from None
    if not isinstance(data, dict):
        raise SidecarError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def write_sidecar(trace: str | os.PathLike[str], parts: dict[str, Any]) -> Path:
    """Replace `parts` in the sidecar of `trace` (the other parts stay); returns its path."""
    path = sidecar_path(trace)
    try:
        data = read_sidecar(trace)
    except SidecarError:
        data = {}  # an unreadable sidecar is replaced rather than keeping the user's new bookmark from being saved
    data.update(parts)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)
    return path


def bookmarks_from_json(data: object) -> list[Bookmark]:
    """The `bookmarks` part; raises SidecarError naming the entry that is malformed."""
    if not isinstance(data, list):
        raise SidecarError(f"bookmarks: expected a list, got {type(data).__name__}")
    out = []
    for i, item in enumerate(data):
        name = item.get("name") if isinstance(item, dict) else None
        ts = item.get("tsMs") if isinstance(item, dict) else None
        if not isinstance(name, str) or not isinstance(ts, (int, float)) or isinstance(ts, bool):
            raise SidecarError(f"bookmarks[{i}]: expected {{'name': text, 'tsMs': number}}, got {item!r}")
        out.append(Bookmark(name, float(ts)))
    return out
