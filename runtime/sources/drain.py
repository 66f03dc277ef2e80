"""The sources layer's part of a tick's drain round: declarative links and external-store fields.

After the instances that committed since the last round are known, an urgent commit first carries a pending
coalesced external-store value of its instance along, then the links of those instances dispatch and the
module-as-source fields that read what they touched are marked as inputs. The scheduler sees this as its DrainStep.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from runtime.sources.external_fields import ExternalFields
from runtime.sources.links import DeclarativeLinks

if TYPE_CHECKING:
    from runtime.ticks.job_queue import FreshModule

__all__ = ["SourceDrain"]


class SourceDrain:
    def __init__(self, links: DeclarativeLinks, fields: ExternalFields) -> None:
        self._links = links
        self._fields = fields
        self._link_sources, self._module_sources = links.watched()
        self._field_keys = fields.watched()

    def apply(self, fresh: Mapping[str, FreshModule]) -> None:
        self._fields.flush_urgent(fresh)
        self._links.apply(fresh)

    def idle_for(self, key: str) -> bool:
        """True when applying a commit of the instance `key` would do nothing (a tick may then skip the drain)."""
        return key not in self._field_keys and not self._link_sources.get(key) and not self._module_sources.get(key)

    def has_work_for(self, fresh: Mapping[str, FreshModule]) -> bool:
        return self._links.has_work_for(fresh)

    def pending_windows(self) -> int:
        return self._fields.pending_windows() if self._field_keys else 0  # asked by every tick with diagnostics on
