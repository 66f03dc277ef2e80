"""The inspector's summary as HTML sections: transaction, dirty paths, patches, converge decision, errors.

Kept apart from the widget so each section is a plain function of the facts (and readable in a test as text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from ..model.event_feed import EventFeed
from ..model.field_paths import dirty_paths
from ..model.runs import run_link_of
from ..model.state_diff import state_diff
from ..model.txn_view import EventFacts
from ..model.values import preview_text, short_text
from .call_site_text import call_site_section
from .elide import elide_end, elide_middle

__all__ = ["summary_html", "Summary", "PAYLOAD_TEXT"]

PAYLOAD_TEXT = {
    "oversized": "payload cut to the export size budget (oversized); cut values say how much they left out",
    "non_serializable": "values JSON cannot hold recorded as tags or text (non_serializable)",
}
"""What a downgrade reason says about an event's recorded payload."""
_WARN = "color:#c98a00"
_ERR = "color:#d64545"
_NOWRAP = "white-space:pre"


@dataclass(frozen=True, slots=True)
class Summary:
    """The summary's HTML, the tooltips of its links (href -> text) and the field path each patch link names."""

    html: str
    tooltips: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    sites: dict[str, tuple[str, int]] = field(default_factory=dict)
    """The file and line each call site frame link names (devtools.views.call_site_text)."""


def _row(name: str, value: Any) -> str:
    return f"<tr><td style='color:gray;padding-right:8px'>{escape(name)}</td><td>{value}</td></tr>"


def _table(rows: list[str]) -> str:
    return "<table cellspacing='0' cellpadding='1'>" + "".join(rows) + "</table>"


def _h(title: str) -> str:
    return f"<h4 style='margin:8px 0 2px 0'>{escape(title)}</h4>"


def _event_section(feed: EventFeed, f: EventFacts) -> str:
    ev = f.event
    label = feed.instance_labels.get(f.instance_id)
    inst = escape(f.instance_id)
    if label and label != f.instance_id:
        inst += f" <span style='color:gray'>({escape(label)})</span>"
    rows = [_row("event", f"<b>{escape(str(ev.get('kind')))}</b> / {escape(str(ev.get('label')))}"),
            _row("id", escape(str(ev.get("eventId", "")))),
            _row("instance", inst)]
    run = run_link_of(ev)
    if run:
        rows.append(_row("action run", escape(run)))
    return _table(rows)


def _txn_section(feed: EventFeed, f: EventFacts) -> str:
    if not f.in_txn or f.state_event is None:
        return ""
    meta = f.state_event.get("meta") or {}
    origin = escape(str(meta.get("originKind", "?")))
    if meta.get("originName"):
        origin += f" <b>{escape(str(meta['originName']))}</b>"
    patches = str(meta.get("patchCount", "?"))
    if meta.get("patchesTruncated"):
        patches += f" <span style='{_WARN}'>(truncated)</span>"
    rows = [_row("txn", f"<b>{escape(f.txn_id or '')}</b>"), _row("origin", origin),
            _row("commit", f"{escape(str(meta.get('commitMode')))} · priority {escape(str(meta.get('priority')))}"),
            _row("patches", patches), _row("events", str(len(f.txn_rows)))]
    return _h("Transaction") + _table(rows)


def _dirty_section(feed: EventFeed, f: EventFacts) -> str:
    if not f.in_txn or f.state_row is None:
        return ""
    paths, warning = dirty_paths(feed.store, f.state_row)
    items = []
    for p in paths:
        text = f"<code>{escape(p.text)}</code>"
        items.append(text if p.known else f"<span style='{_WARN}'>{text} ⚠</span>")
    body = ", ".join(items) if items else "<i>nothing</i>"
    if warning:
        body += f"<br><span style='{_WARN}'>⚠ {escape(warning)}</span>"
    return _h("Dirty set") + body


def _changed_inside(p: dict[str, Any]) -> list[str]:
    """What a patch changed inside its value (lists aligned: a shift is one item out, one in); [] for a scalar."""
    if "from" not in p or "to" not in p:
        return []
    return [path for path in state_diff(p["to"], p["from"]).changed_paths() if path]


def _patch_tooltip(path: str, p: dict[str, Any], inside: list[str]) -> str:
    lines = [path, f"written by {p.get('traitNodeId') or p.get('reason', '?')}"]
    for side, name in (("from", "from"), ("to", "to")):
        lines += ["", f"{name}:", preview_text(p[side]) if side in p else "(none)"]
    if inside:
        shown = ", ".join(inside[:8]) + (f", … {len(inside) - 8} more" if len(inside) > 8 else "")
        lines += ["", f"changed inside: {shown}"]
    return "\n".join(lines)


def _patches_section(feed: EventFeed, f: EventFacts, width: int, out: Summary) -> str:
    """Each patch as its path (elided in the middle, never wrapped) and who wrote it, then from -> to on one
    line when both fit, else on a line each; the full path and values are in the patch's tooltip."""
    if not f.in_txn or f.state_event is None:
        return ""
    meta = f.state_event.get("meta") or {}
    patches = meta.get("patches")
    if not patches:
        return ""
    digest = meta.get("staticIrDigest")
    table = feed.store.field_paths(digest) if isinstance(digest, str) else None
    blocks = []
    for i, p in enumerate(patches[:64]):
        pid = p.get("pathId")
        path = ".".join(table[pid]) if table is not None and isinstance(pid, int) and 0 <= pid < len(table) \
            else f"#{pid}"
        src = str(p.get("traitNodeId") or p.get("reason", ""))
        href = f"patch:{i}"
        inside = _changed_inside(p)
        out.tooltips[href] = _patch_tooltip(path, p, inside)
        out.paths[href] = path
        shown_path = elide_middle(path, max(8, width - len(src) - 2))
        head = (f"<a href='{href}' style='color:inherit;text-decoration:none'><code>{escape(shown_path)}</code></a>"
                f"&nbsp;&nbsp;<span style='color:gray'>{escape(src)}</span>")
        budget = max(12, width - 4)
        before = short_text(p["from"], budget) if "from" in p else "(new)"
        after = short_text(p["to"], budget) if "to" in p else "(deleted)"
        if len(before) + len(after) + 3 <= budget:
            body = [f"{escape(before)} → {escape(after)}"]
        else:
            body = [f"<span style='color:gray'>from</span> {escape(before)}",
                    f"<span style='color:gray'>to&nbsp;&nbsp;</span> {escape(after)}"]
            if inside:  # neither value fits whole: say what differs between them
                changed = elide_end(", ".join(inside), budget - 5)
                body.append(f"<span style='color:gray'>changed</span> {escape(changed)}")
        lines = [f"<div style='{_NOWRAP}'>{head}</div>"]
        lines += [f"<div style='{_NOWRAP};margin-left:12px'>{line}</div>" for line in body]
        blocks.append("".join(lines))
    more = f"<div><i>… {len(patches) - 64} more</i></div>" if len(patches) > 64 else ""
    return _h("Patches") + "".join(blocks) + more


def _converge_section(f: EventFacts) -> str:
    c = f.converge
    if not c:
        return ""
    mode = f"{escape(str(c.get('requestedMode')))} → <b>{escape(str(c.get('executedMode')))}</b>"
    outcome = str(c.get("outcome"))
    outcome_html = f"<span style='{_ERR}'>{escape(outcome)}</span>" if outcome == "Degraded" else escape(outcome)
    stats = c.get("stepStats") or {}
    cache = c.get("cache") or {}
    rows = [_row("mode", mode), _row("outcome", outcome_html),
            _row("reasons", escape(", ".join(map(str, c.get("reasons") or [])) or "—")),
            _row("steps", f"{stats.get('executedSteps', '?')} of {stats.get('totalSteps', '?')} ran, "
                          f"{stats.get('changedSteps', '?')} changed"),
            _row("decision", f"{c.get('decisionDurationMs', 0):.3f} ms of {c.get('decisionBudgetMs', '?')} ms"),
            _row("execution", f"{c.get('executionDurationMs', 0):.3f} ms of {c.get('executionBudgetMs', '?')} ms"),
            _row("plan cache", ("hit" if cache.get("hit") else "miss") +
                 f" ({cache.get('hits', 0)} hits, {cache.get('misses', 0)} misses)")]
    return _h("Converge") + _table(rows)


def _errors_section(f: EventFacts) -> str:
    if not f.errors:
        return ""
    parts = []
    for e in f.errors:
        code = f" [{escape(str(e['code']))}]" if e.get("code") else ""
        hint = f"<br><span style='color:gray'>hint: {escape(str(e['hint']))}</span>" if e.get("hint") else ""
        parts.append(f"<span style='{_ERR}'><b>{escape(str(e.get('name')))}</b>{code}: "
                     f"{escape(str(e.get('message')))}</span>{hint}")
    return _h("Errors") + "<br>".join(parts)


def _payload_section(f: EventFacts) -> str:
    """What export did to the recorded copy of the events (cut to size, values converted): said apart from the
    converge outcome, which is about the transaction itself."""
    if not f.downgrades:
        return ""
    parts = [f"<span style='{_WARN}'><b>{escape(label)}</b>: "
             f"{escape(PAYLOAD_TEXT.get(reason, f'payload changed for export ({reason})'))}</span>"
             for label, reason in f.downgrades]
    return _h("Recorded payload") + "<br>".join(parts)


def _details_section(f: EventFacts) -> str:
    """For an event outside a transaction (a tick, a diagnostic, a lifecycle event): its meta, field by field."""
    meta = f.event.get("meta")
    if f.in_txn or not isinstance(meta, dict) or not meta:
        return ""
    rows = [_row(str(k), escape(short_text(v, 90))) for k, v in list(meta.items())[:24]]
    return _h("Details") + _table(rows)


def summary_html(feed: EventFeed, f: EventFacts, width: int = 60) -> Summary:
    """Every section that has something to say, in reading order; `width` is the pane's width in characters
    (long paths and values are cut to it, never wrapped)."""
    links = Summary("")
    html = "".join([_event_section(feed, f), call_site_section(f, width, links.tooltips, links.sites),
                    _txn_section(feed, f), _dirty_section(feed, f),
                    _patches_section(feed, f, width, links), _converge_section(f), _errors_section(f),
                    _payload_section(f), _details_section(f)])
    return Summary(html, links.tooltips, links.paths, links.sites)
