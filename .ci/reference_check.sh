#!/usr/bin/env bash
# The cross-check against the reference (not part of pytest, whose tests need nothing outside the repository): a demo
# trace recorded at full level and its evidence export must both pass ../shared/tools/check_trace.py, which
# validates them against ../shared/reference/schemas. Fails when either fails.
# TICKSCOPE overrides the command (e.g. TICKSCOPE="python -m devtools.cli" runs this checkout without installing it).
set -euo pipefail
cd "$(dirname "$0")/.."

checker=../shared/tools/check_trace.py
if [ ! -f "$checker" ]; then
  echo "reference_check: $checker is missing: shared/ must sit beside the project" >&2
  exit 1
fi
read -r -a tickscope <<< "${TICKSCOPE:-tickscope}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"${tickscope[@]}" record --demo --seconds 3 -o "$work/demo.jsonl" --level full
"${tickscope[@]}" export "$work/demo.jsonl" --to evidence -o "$work/demo.evidence.json"

# Kinds a three-second demo always shows; the checker fails a file that lacks one of them.
require=(--require state/state:update --require trait:converge --require action/async-action
         --require devtools/trace:tick)
status=0
python "$checker" --quiet "${require[@]}" "$work/demo.jsonl" || status=1
python "$checker" --quiet "${require[@]}" "$work/demo.evidence.json" || status=1
if [ "$status" -ne 0 ]; then
  echo "reference_check: the demo trace or its evidence package breaks the reference schemas" >&2
fi
exit "$status"
