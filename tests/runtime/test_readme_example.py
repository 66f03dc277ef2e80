"""The README's first runtime example runs as written and shows what its comments say."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_runtime_example_runs_and_its_comments_hold():
    text = README.read_text(encoding="utf-8")
    section = text.split("## The runtime in one example", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    inst, record = scope["inst"], scope["record"]
    assert inst.get_state()["total"] == 15
    paths = {".".join(inst.shape.registry.paths[i]) for i in record.dirty.root_ids}
    assert paths == {"items", "total"}
    assert record.converge.executed_mode == "dirty"
