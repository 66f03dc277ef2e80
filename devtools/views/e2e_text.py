"""A run's end-to-end chain (092) as text: one line per segment with its duration, in chain order."""

from __future__ import annotations

from html import escape

from ..model.e2e_chains import E2EChain, E2ESegment

__all__ = ["chain_html", "segment_line", "segment_name"]


def segment_name(kind: str) -> str:
    """`react:commit` is the schema's name for the UI commit of any UI adapter: say which it is."""
    return "UI commit (react:commit)" if kind == "react:commit" else kind


def segment_line(segment: E2ESegment, origin_ms: float) -> str:
    where = [f"+{segment.start_ms - origin_ms:.2f} ms", f"{segment.duration_ms:.3f} ms"]
    if segment.tick_seq is not None:
        where.append(f"tick {segment.tick_seq}")
    if segment.txn_seq is not None:
        where.append(f"txn {segment.txn_seq}")
    if segment.reason:
        where.append(segment.reason)
    if segment.shared_with:
        where.append(f"with {segment.shared_with} other run(s)")
    return f"{segment_name(segment.kind)}: " + " · ".join(where)


def chain_html(chain: E2EChain) -> str:
    """The inspector's section for a run that has an e2e chain."""
    ordered = chain.ordered()
    if not ordered:
        return ""
    origin = ordered[0].start_ms
    latency = chain.action_to_paint_ms()
    head = (f"action → paint <b>{latency:.2f} ms</b>" if latency is not None
            else "action → paint: not painted yet")
    rows = "".join(f"<li>{escape(segment_line(s, origin))}</li>" for s in ordered)
    return (f"<h4>End-to-end chain of <code>{escape(chain.link_id)}</code></h4><p>{head}; {len(ordered)} "
            f"segments (start relative to the first)</p><ul>{rows}</ul>")
