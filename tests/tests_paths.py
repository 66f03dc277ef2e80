"""Where the project and the shared reference sit, for tests that read schemas (importable from any test dir)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
