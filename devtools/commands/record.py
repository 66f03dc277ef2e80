"""`tickscope record --demo --seconds S -o FILE [--level light|sampled|full]`: record the demo runtime headless."""

from __future__ import annotations

import argparse
import asyncio
import sys

from runtime import Runtime
from runtime.trace import TraceWriter

from .progress import ProgressBar

LEVELS = ("light", "sampled", "full")


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="run the embedded demo application (no window)")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to record (default 5)")
    parser.add_argument("-o", "--output", required=True, help="the trace file to write (JSON Lines)")
    parser.add_argument("--level", choices=LEVELS, default="light",
                        help="diagnostics level (full also writes whole-state snapshots for exact replay)")


async def _record(args: argparse.Namespace) -> int:
    from devtools.demo import run_demo

    rt = Runtime(label="demo", diagnostics=args.level)
    writer = TraceWriter(args.output, label="demo").attach(rt.hub, runtime=rt)
    bar = ProgressBar(f"recording {args.seconds:g} s")
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def show() -> None:
        while True:
            bar.update(loop.time() - start, args.seconds)
            await asyncio.sleep(0.1)

    shower = asyncio.create_task(show())
    try:
        await run_demo(rt, args.seconds)
    finally:
        shower.cancel()
        await asyncio.gather(shower, return_exceptions=True)
        bar.update(args.seconds, args.seconds)
        bar.close()
        writer.close()
        rt.dispose()
    print(f"{args.output}: {writer.count} records at level {args.level} over {args.seconds:g} s")
    return 0


def run(args: argparse.Namespace) -> int:
    if not args.demo:
        print("tickscope record: say what to record; only --demo (the embedded demo) is available", file=sys.stderr)
        return 2
    if args.seconds <= 0:
        print(f"tickscope record: --seconds must be positive, not {args.seconds:g}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_record(args))
    except OSError as exc:
        print(f"tickscope record: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
