"""Black-box links: a link the tick layer cannot see into, supported as best effort.

    rt.links.blackbox("sync-search", source=form, run=push_query)   # async def push_query(state): ...

`run(state)` is an arbitrary coroutine function (it may await, call out, dispatch to any instance). It is started as a
task after every commit of its source, on the running loop, never inside a transaction window or a tick, so what it
dispatches settles in a **later** tick than the source's commit, unlike a declarative link whose dispatch is settled
in the same tick. Declaring one says so with the info diagnostic `process_link::blackbox_best_effort`
(docs/rules/sources.md). A run that raises is reported (`process_link::blackbox_failed`) and the link goes on; the
link needs a running loop when its source commits, and disposing it cancels what still runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from runtime.errors import DefinitionError

if TYPE_CHECKING:
    from runtime.base.records import TxnRecord
    from runtime.kernel.instance import ModuleInstance
    from runtime.kernel.kernel import Kernel

__all__ = ["BlackboxLink", "BLACKBOX_CODE"]

BLACKBOX_CODE = "process_link::blackbox_best_effort"
BlackboxRun = Callable[[Any], Awaitable[Any]]


class BlackboxLink:
    """One black-box link (returned by `DeclarativeLinks.blackbox`); `dispose()` removes it."""

    def __init__(self, kernel: Kernel, link_id: str, source: ModuleInstance, run: BlackboxRun) -> None:
        if not callable(run):
            raise DefinitionError(f"black-box link {link_id!r}: run must be an async callable")
        self.kernel = kernel
        self.link_id = link_id
        self.source = source
        self.run = run
        self.tasks: set[asyncio.Task[Any]] = set()
        self._off: Callable[[], None] | None = source.subscribe(self._after_commit)
        kernel.sink.diagnostic(
            module_id=source.module_id, instance_id=source.instance_id, code=BLACKBOX_CODE, severity="info",
            message=f"link {link_id!r} is a black box: what it dispatches settles in a later tick than the commit "
            f"of {source.instance_id} that started it",
            hint="declare it with rt.links.declare(...) to settle in the same tick",
            extra={"linkId": link_id},
        )

    def __repr__(self) -> str:
        return f"<BlackboxLink {self.link_id} of {self.source.instance_id}>"

    def _after_commit(self, record: TxnRecord, state: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._report_failure(RuntimeError("no running asyncio loop to run it on"))
            return
        # Started from a callback of its own, so the run begins after this window and its tick are over.
        loop.call_soon(self._start, loop, state)

    def _start(self, loop: asyncio.AbstractEventLoop, state: Any) -> None:
        if self.source.disposed or self._off is None:
            return
        task = loop.create_task(self._guarded(state), name=f"blackbox:{self.link_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _guarded(self, state: Any) -> None:
        try:
            await self.run(state)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._report_failure(exc)

    def _report_failure(self, exc: BaseException) -> None:
        self.kernel.sink.diagnostic(
            module_id=self.source.module_id, instance_id=self.source.instance_id, code="process_link::blackbox_failed",
            severity="error", message=f"black-box link {self.link_id!r} raised {type(exc).__name__}: {exc}",
            error=exc, extra={"linkId": self.link_id},
        )

    def dispose(self) -> None:
        if self._off is not None:
            self._off()
            self._off = None
        for task in list(self.tasks):
            task.cancel()
