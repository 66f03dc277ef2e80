"""`tickscope backend`: run the loopback backend for operations standalone (no Qt)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8765, help="TCP port (0 picks a free one; default 8765)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--db", default=None, help="SQLite file (default: a temporary file removed at exit)")


async def _serve(args: argparse.Namespace) -> None:
    from devtools.demo.backend import BackendServer

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # not on Windows: Ctrl-C still ends it there
            loop.add_signal_handler(sig, stop.set)
    async with BackendServer(args.db, host=args.host, port=args.port) as backend:
        print(f"tickscope backend listening on {backend.base_url} (db {backend.db_path})", flush=True)
        await stop.wait()  # a signal stops it cleanly: the store is closed and a temporary database removed


def run(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0
