"""`tickscope tail HOST:PORT --token T [--count N]`: print a live runtime's events as JSON lines (headless, no Qt).

Each line is one ObservationEnvelope as the inspector sent it (`debug:event`, `static-ir`, `inspect:control`).
Losses (this reader was too slow) and reconnects are reported on stderr, never mixed into stdout. The token can
also come from the TICKSCOPE_TOKEN environment variable, which keeps it out of the process list, or from
`--token-file F`, re-read before every reconnect (a process that restarts with a new token is followed once F holds
it). An address that sends no HELLO within `--handshake-timeout S` is given up on with one line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from runtime.inspect import InspectClient

__all__ = ["add", "run", "add_connection_options", "client_from_args"]


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    from runtime.inspect import HANDSHAKE_TIMEOUT

    parser.add_argument("address", metavar="HOST:PORT", help="where the runtime's inspector listens")
    parser.add_argument("--token", default=os.environ.get("TICKSCOPE_TOKEN"),
                        help="the inspector's token (default: $TICKSCOPE_TOKEN)")
    parser.add_argument("--token-file", metavar="F",
                        help="read the token from F, again before every reconnect: a process that restarts with a "
                             "new token and writes it there is followed")
    parser.add_argument("--no-reconnect", action="store_true", help="stop when the connection ends")
    parser.add_argument("--handshake-timeout", type=float, default=HANDSHAKE_TIMEOUT, metavar="S",
                        help=f"give up when the address sends no HELLO within S seconds (default: "
                             f"{HANDSHAKE_TIMEOUT:g})")


def add(parser: argparse.ArgumentParser) -> None:
    add_connection_options(parser)
    parser.add_argument("--count", type=int, metavar="N", help="stop after N events")


def client_from_args(args: argparse.Namespace, *, wait_for_token: bool = False) -> InspectClient:
    """An InspectClient for the parsed options; raises ValueError naming a bad address, a missing token or an
    unreadable token file. With `wait_for_token` (or a token file) a token refused on a reconnect makes the client
    wait for a new one instead of ending."""
    from runtime.inspect import InspectClient, parse_address

    host, port = parse_address(args.address)
    token_source = None
    if args.token_file:
        path = Path(args.token_file)

        def token_source() -> str:
            return path.read_text(encoding="utf-8").strip()

        try:
            args.token = token_source()
        except (OSError, UnicodeDecodeError) as err:
            raise ValueError(f"cannot read the token file {path}: {getattr(err, 'strerror', None) or err}") from None
        if not args.token:
            raise ValueError(f"the token file {path} is empty")
    if not args.token:
        raise ValueError("a token is needed: --token T, --token-file F (or TICKSCOPE_TOKEN); the inspected process "
                         "printed it")
    if not args.handshake_timeout > 0:
        raise ValueError(f"--handshake-timeout must be > 0 seconds, not {args.handshake_timeout:g}")
    return InspectClient(host, port, args.token, reconnect=not args.no_reconnect,
                         handshake_timeout=args.handshake_timeout, token_source=token_source,
                         wait_for_token=wait_for_token)


def run(args: argparse.Namespace) -> int:
    if args.count is not None and args.count < 1:
        print(f"tickscope tail: --count must be at least 1, not {args.count}", file=sys.stderr)
        return 2
    try:
        client = client_from_args(args)
    except ValueError as err:
        print(f"tickscope tail: {err}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_tail(client, args.count))
    except KeyboardInterrupt:
        return 130


async def _tail(client: InspectClient, count: int | None) -> int:
    from runtime.inspect import InspectError

    out = sys.stdout.buffer
    printed = 0

    def say_refused(_connected: bool) -> None:
        if client.token_refused is not None:
            print(f"tickscope tail: {client.host}:{client.port} refused the token (the process restarted with a new "
                  "one?); waiting for a new token in the token file", file=sys.stderr)

    client.on_connection(say_refused)
    try:
        await client.connect()
        print(f"tickscope tail: attached to {client.host}:{client.port} run {client.run_id}", file=sys.stderr)
        async for batch in client.batches():
            if batch.new_run:
                print(f"tickscope tail: the process restarted; now run {batch.run_id}", file=sys.stderr)
            if batch.dropped_count:
                print(f"tickscope tail: {batch.dropped_count} events lost ({batch.dropped_reason})", file=sys.stderr)
            events = batch.events if count is None else batch.events[: count - printed]
            if events:
                out.write(b"".join(orjson.dumps(e) + b"\n" for e in events))
                out.flush()
                printed += len(events)
            if count is not None and printed >= count:
                return 0
        return 0
    except InspectError as err:
        print(f"tickscope tail: {err.message} ({err.code})", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `tickscope tail ... | head` closed our stdout: a normal way to stop
        return 0
    finally:
        await client.close()
