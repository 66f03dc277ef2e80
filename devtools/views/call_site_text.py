"""The inspector's "Called from" section: where the selected event's dispatch came from (its `callSite`, recorded at
diagnostics level full), each frame a link that opens the file at that line in the user's editor."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import Any

from ..model.txn_view import EventFacts
from .elide import elide_middle

__all__ = ["SITE_HREF", "call_site_of", "call_site_section", "shown_path"]

SITE_HREF = "site:"
"""The prefix of a frame's link (`site:0` is the innermost frame)."""


def call_site_of(f: EventFacts) -> dict[str, Any] | None:
    """The event's own call site, else (an event inside a transaction) its transaction's."""
    for event in (f.event, f.state_event if f.in_txn else None):
        meta = (event or {}).get("meta")
        site = meta.get("callSite") if isinstance(meta, dict) else None
        if isinstance(site, dict) and isinstance(site.get("frames"), list) and site["frames"]:
            return site
    return None


def shown_path(file: str, chars: int) -> str:
    """A frame's file as a user reads it: relative to the working directory when inside it, cut in the middle."""
    try:
        rel = os.path.relpath(file)
        text = rel if not rel.startswith("..") else file
    except ValueError:  # another drive on Windows
        text = file
    return elide_middle(text, max(9, chars), front_part=3)  # never fewer than 8 characters of the path


def call_site_section(f: EventFacts, width: int, tooltips: dict[str, str],
                      sites: dict[str, tuple[str, int]]) -> str:
    """The section's HTML (empty without a call site); fills `tooltips` and `sites` (href -> (file, line))."""
    site = call_site_of(f)
    if site is None:
        return ""
    rows = []
    for i, frame in enumerate(site["frames"]):
        file, line, function = str(frame.get("file", "?")), int(frame.get("line") or 0), str(frame.get("function"))
        href = f"{SITE_HREF}{i}"
        sites[href] = (file, line)
        tooltips[href] = f"{file}:{line} — click to open it in your editor"
        where = f"<a href='{href}'>{escape(Path(file).name)}:{line}</a> in <code>{escape(function)}</code>"
        if i == 0:  # the user's line: where it lives too, cut to the pane
            rows.append(f"<b>{where}</b><br><span style='color:gray'>{escape(shown_path(file, width))}</span>")
        else:
            rows.append(f"<span style='color:gray'>{where}</span>")
    more = "<br><span style='color:gray'>… more frames above (call_site_limit)</span>" if site.get("truncated") else ""
    name = Path(str(site["frames"][0].get("file", ""))).name
    return f"<h4 style='margin:8px 0 2px 0'>Called from {escape(name)}</h4>" + "<br>".join(rows) + more
