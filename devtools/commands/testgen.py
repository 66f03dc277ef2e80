"""`tickscope testgen TRACE -o test_session.py [--instance I ...] [--from MS] [--to MS]`: a pytest file that replays
a recorded session (devtools/model/session_test.py says what it checks). `--from`/`--to` are milliseconds after the
trace's first event, as the devtools' timeline counts them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devtools.model.session_test import SessionTestError, session_test

from .progress import load_with_progress

__all__ = ["add", "run"]


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a trace (.jsonl) or an evidence package (.json)")
    parser.add_argument("-o", "--output", required=True, help="the pytest file to write")
    parser.add_argument("--instance", action="append", metavar="I",
                        help="replay this instance (repeat for more; default: every instance testgen can mount)")
    parser.add_argument("--from", dest="start", type=float, metavar="MS",
                        help="first transaction to replay: milliseconds after the first event (default: the start)")
    parser.add_argument("--to", dest="end", type=float, metavar="MS",
                        help="last transaction to replay: milliseconds after the first event (default: the end)")


def run(args: argparse.Namespace) -> int:
    store = load_with_progress(args.file, prefix="tickscope testgen: ")
    if store is None:
        return 1
    try:
        t0 = store.ts[0] if len(store) else 0.0
        generated = session_test(store, instances=args.instance, source=Path(args.file).name,
                                 start_ms=None if args.start is None else t0 + args.start,
                                 end_ms=None if args.end is None else t0 + args.end)
    except SessionTestError as exc:
        print(f"tickscope testgen: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    try:
        Path(args.output).write_text(generated.source)
    except OSError as exc:
        print(f"tickscope testgen: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for iid, why in generated.skipped.items():
        print(f"tickscope testgen: not replayed: {iid}: {why}", file=sys.stderr)
    print(f"{args.output}: {len(generated.instances)} test(s) ({', '.join(generated.instances)}), "
          f"{generated.steps} transactions replayed")
    return 0
