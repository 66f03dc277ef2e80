"""Entry point of the packaged application: the `tickscope` command line (no argument: the devtools on the demo)."""

import sys

from devtools.cli import main

if __name__ == "__main__":
    sys.exit(main())
