"""A stand-in for a user's application: the demo runtime with an inspector, run as its own process.

    python tests/e2e/inspected_app.py --port P --token T [--seconds S]

Prints one JSON line `{"host", "port", "runId"}` on stdout once the inspector listens, then drives the demo until
the time is up (or forever, or until SIGTERM) and exits cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from devtools.demo import build_demo, run_demo  # noqa: E402
from runtime import Runtime  # noqa: E402
from runtime.inspect import InspectConfig  # noqa: E402


async def main(port: int, token: str, seconds: float | None) -> None:
    rt = Runtime(label="app", diagnostics="full",
                 inspect=InspectConfig(port=port, token=token, announce=False))
    build_demo(rt)
    host, bound = rt.inspector.address
    print(json.dumps({"host": host, "port": bound, "runId": rt.inspector.run_id}), flush=True)
    stop = asyncio.Event()
    # terminate() from the tests ends the demo cleanly: its loopback backend stops and removes its database
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await run_demo(rt, seconds, stop=stop)
    finally:
        rt.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", required=True)
    parser.add_argument("--seconds", type=float)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.token, args.seconds))
