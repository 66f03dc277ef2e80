"""What the sidebar's selection scopes every pane to: a set of instances, and the runtimes they live in.

One function for every pane (the events table, the inspector, the timeline, the overview), so that selecting
`todos#1` in the sidebar shows the same instance everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.trace import EventStore

from ..state import Selection

__all__ = ["Scope", "scope_of", "EVERYTHING"]


@dataclass(frozen=True, slots=True)
class Scope:
    """The instances and runtimes in scope; `instances is None` means everything."""

    instances: frozenset[str] | None
    runtimes: frozenset[str] | None

    @property
    def everything(self) -> bool:
        return self.instances is None

    def has_instance(self, instance_id: str) -> bool:
        return self.instances is None or instance_id in self.instances

    def has_runtime(self, label: str) -> bool:
        return self.runtimes is None or label in self.runtimes


EVERYTHING = Scope(None, None)


def scope_of(store: EventStore, selection: Selection) -> Scope:
    """The scope of a sidebar selection (`{runtime, module, instance}`, each None or a name) over `store`."""
    instance, module, runtime = selection["instance"], selection["module"], selection["runtime"]
    if instance:
        known = instance in store.instances.values
        return Scope(frozenset({instance}),
                     frozenset({store.runtime_of_instance(instance)}) if known else frozenset({runtime or ""}))
    if not module and not runtime:
        return EVERYTHING
    chosen = []
    for iid in store.instances.values:
        if runtime and store.runtime_of_instance(iid) != runtime:
            continue
        rows = store.index.rows_of_instance(iid)
        if module and (not len(rows) or store.module_of(rows[0]) != module):
            continue
        chosen.append(iid)
    runtimes = frozenset({runtime}) if runtime else frozenset(store.runtime_of_instance(i) for i in chosen)
    return Scope(frozenset(chosen), runtimes)
