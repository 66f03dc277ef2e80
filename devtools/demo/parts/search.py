"""Product search: a `source` field whose async loader takes a little while, driven by a scripted typist.

Each keystroke changes `query`; the source (concurrency `switch`) writes `loading`, cancels the load it had in flight
and starts one for the new key, so while the typist is fast only the last query of a burst reaches `success`. A
query with a `*` is refused by the catalog (`error`), and an empty query resets the field to `idle`. Loads go
through the runtime's resource cache (resource `catalog`): a query searched before is answered from the cache, and
a keystroke that switches away releases the load it no longer needs (cancelled when nobody else reads it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from runtime import SOURCE_IDLE, Module, Runtime, SourceController, attach_sources, computed, source

from ..core import DemoApp, DemoPart, every

__all__ = ["PART", "CATALOG", "search_catalog", "search_module", "TYPIST_SCRIPT", "UnsupportedQuery"]

CATALOG = ("teapot", "tea cosy", "green tea", "bike lock", "bike light", "bicycle pump", "bank card holder",
           "plant pot", "watering can", "report cover", "scone tin", "notebook")


class UnsupportedQuery(ValueError):
    """The catalog does not understand the query (wildcards)."""


def _latency_s(query: str) -> float:
    return 0.12 + 0.01 * len(query)  # longer queries search longer; deterministic, no random jitter


async def search_catalog(query: str) -> list[str]:
    """The catalog service: matching product names, after a short think."""
    await asyncio.sleep(_latency_s(query))
    if "*" in query:
        raise UnsupportedQuery(f"wildcards are not supported: {query!r}")
    needle = query.lower()
    return [name for name in CATALOG if needle in name]


def _key(state: dict[str, Any]) -> str | None:
    query = state["query"].strip()
    return query or None


def search_module() -> Module:
    """A search box: `query`, its `results` source snapshot and a count of what was found."""
    return Module(
        "search",
        initial={"query": "", "results": dict(SOURCE_IDLE), "result_count": 0},
        fields=[
            source("results", deps=["query"], key=_key, load=search_catalog, concurrency="switch",
                   resource="catalog"),
            computed("result_count", deps=["results.data"], derive=lambda data: len(data) if data else 0),
        ],
        reducers={"set_query": _set_query},
    )


def _set_query(draft: Any, text: str) -> None:
    draft["query"] = text


def _typist_script() -> list[str]:
    """The query after each keystroke (one every 0.08 s); a pause repeats the query so its load can finish."""
    steps: list[str] = []
    for word in ("tea", "b*", "bike", "pot"):
        steps += [word[:i] for i in range(1, len(word) + 1)]
        steps += [word] * 6  # a pause
        steps += [word[:i] for i in range(len(word) - 1, -1, -1)]  # backspaced to empty: the source goes idle
    return steps


TYPIST_SCRIPT = _typist_script()


def _mount(rt: Runtime, app: DemoApp) -> None:
    app.instances["search"] = rt.mount(search_module(), "search#1", label="product search")


async def _start(app: DemoApp) -> None:
    app.extras["search.sources"] = attach_sources(app["search"], resources=app.runtime.resources)


async def _type_queries(app: DemoApp, stop: asyncio.Event) -> None:
    search = app["search"]

    def step(n: int) -> None:
        if not search.disposed:
            search.dispatch("set_query", TYPIST_SCRIPT[n % len(TYPIST_SCRIPT)])  # an unchanged query commits nothing

    await every(0.08, stop, step)


async def _close(app: DemoApp) -> None:
    sources: SourceController | None = app.extras.pop("search.sources", None)
    if sources is not None:
        await sources.aclose()


PART = DemoPart("search", _mount, (_type_queries,), _close, _start)
