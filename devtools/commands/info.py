"""`tickscope info FILE`: what a trace holds: counts by kind, instances, time span, ticks, transactions, runs,
operations."""

from __future__ import annotations

import argparse
from collections import Counter

from runtime.trace import Replay

from .progress import load_with_progress


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a trace (.jsonl) or an evidence package (.json)")


def run(args: argparse.Namespace) -> int:
    store = load_with_progress(args.file)
    if store is None:
        return 1
    n = len(store)
    header = store.header or {}
    print(f"{args.file}: run {header.get('runId')} from {header.get('source', {}).get('label', '?')}, {n} events")
    if n:
        span = store.ts[n - 1] - store.ts[0]
        print(f"  time span: {span / 1000:.3f} s")
    kinds = Counter((store.kind[r], store.label[r]) for r in range(n))
    print("  events by kind/label:")
    for (k, lab), count in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"    {count:9d}  {store.kinds.values[k]}/{store.labels.values[lab]}")
    per_instance = Counter(store.instance[r] for r in range(n))
    states = store.index.state_rows()
    txns = Counter(store.instance[r] for r in states)
    print("  instances:")
    for code, count in per_instance.most_common():
        iid = store.instances.values[code]
        print(f"    {iid:24s} {count:9d} events {txns.get(code, 0):8d} transactions"
              f"  (runtime {store.runtime_of_instance(iid)})")
    runs = {store.link[r] for r in range(n) if store.link[r] >= 0 and store.label_of(r) == "async-action"}
    print(f"  transactions: {len(states)}")
    print(f"  ticks: {store.index.tick_count()}")
    print(f"  action runs: {len(runs)} (link ids: {len(store.links)})")
    print(f"  operations: {len(store.commands)}")
    print(f"  static IRs: {len(store.static_irs)}; side records: "
          + (", ".join(f"{t} {len(store.side(t))}" for t in store.side_types()) or "none"))
    print(f"  replay: {Replay(store).capability()}")
    if store.problems:
        print(f"  problems: {len(store.problems)} lines skipped")
        for p in store.problems[:10]:
            print(f"    line {p.line}: {p.message}")
    return 0
