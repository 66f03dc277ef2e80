"""Resources (090): keyed async loads shared through one bounded cache, with generations and counted consumers.

    from runtime.resources import ResourceCache, resource, resource_key

    catalog = resource("catalog", search_catalog, tags=["catalog"])
    value = await rt.resources.read(catalog, "tea")         # one load however many read the key at once
    rt.resources.invalidate_tag("catalog")                   # the next read loads again

`source` fields load through the cache when they are attached with one (runtime.sources.source_fields), and action
handlers through `ctx.read(defn, args)`. Events: kind `service`, label `resource`, phases start / resolve / reject /
cancel / invalidate (docs/rules/resources.md). `on_pending` reports every load's start and end per resourceKey
with the initiator's linkId: the fact source of busy state.
"""

from runtime.errors import ResourceError
from runtime.resources.cache import CancelReason, PendingChange, ResourceCache, ResourceState
from runtime.resources.definitions import MAX_TAGS, ResourceDef, ResourceStatus, resource, resource_key

__all__ = [
    "MAX_TAGS",
    "CancelReason",
    "PendingChange",
    "ResourceCache",
    "ResourceDef",
    "ResourceError",
    "ResourceState",
    "ResourceStatus",
    "resource",
    "resource_key",
]
