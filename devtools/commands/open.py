"""`tickscope open FILE`: load a trace (in a worker, with a cancellable progress dialog) and replay it."""

from __future__ import annotations

import argparse

from .gui import add_display_options, run_gui

__all__ = ["add", "run"]


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a tickscope trace (.jsonl) or an EvidencePackage (.json)")
    add_display_options(parser)


def run(args: argparse.Namespace) -> int:
    return run_gui(args.file, screenshot=args.screenshot, exit_after=args.exit_after, size=args.size)
