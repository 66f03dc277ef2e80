"""Where the project and its own JSON Schemas sit (importable from any test dir). Tests need nothing outside ROOT."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "resources" / "schemas"
