"""Link ids: what ties a transaction to the operation it belongs to.

A transaction triggered by an async action run carries the run's linkId `instanceId::o<opSeq>`; one with no
caller link gets a deterministic fallback `instanceId::l<n>` (n counts the instance's unlinked transactions), so
every transaction is linked and reading its link twice gives the same id. A fallback names one transaction only:
readers that group transactions by run (run tables, trace flows) skip it.
"""

from __future__ import annotations

__all__ = ["fallback_link_id", "fallback_link_prefix", "is_fallback_link"]


def fallback_link_prefix(instance_id: str) -> str:
    """What every fallback link id of the instance starts with: the id is this followed by n."""
    return f"{instance_id}::l"


def fallback_link_id(instance_id: str, n: int) -> str:
    return f"{fallback_link_prefix(instance_id)}{n}"


def is_fallback_link(link_id: str) -> bool:
    """True for an `instanceId::l<n>` fallback (a transaction of its own), False for a run's or a caller's id."""
    head, sep, tail = link_id.rpartition("::l")
    return bool(sep and head and tail.isdigit())
