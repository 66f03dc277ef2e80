"""Mutation testing of the runtime's core with mutmut: one target at a time, in a scratch copy of a commit.

    pip install -e '.[mutation]'
    python -m bench.mutation list
    nice -n 15 python -m bench.mutation run machine --rev main --workdir /tmp/mut-machine --time-limit 1200
    nice -n 15 python -m bench.mutation run kernel --workdir /tmp/mut-inst --only 'runtime.kernel.instance*'
    nice -n 15 python -m bench.mutation retest /tmp/mut-machine --rev HEAD     # the survivors, with newer tests
    python -m bench.mutation report /tmp/mut-machine --survivors --json machine.json
    python -m bench.mutation compare /tmp/mut-kernel-main /tmp/mut-kernel-head      # the mutants both runs checked

`run` exports the commit with `git archive` into the work folder (so the working tree is never mutated and any
commit can be scored), adds the target's [tool.mutmut] section to its pyproject.toml and runs mutmut with one
child, bounded by `--time-limit`; run it again on the same folder to go on where it stopped. For each mutant
mutmut runs only the target's tests that reach the mutated function.

`retest` replaces the folder's tests with those of another commit (and the target's test selection with the current
one) and runs the surviving mutants and those no test reached again: tests that were only added or made stricter
kill at least what the old ones killed, so the score after a change to the tests is the old kills plus what the new
tests kill of the survivors (the code under test must be the same in both commits; `retest` refuses otherwise).

When the code under test changed too, score the new commit with `run` in another folder and `compare` the two: a
bounded run checks the first mutants in mutmut's order, so the mutants both runs checked are scored side by side.

`report` prints killed, survived, timeout, suspicious, no tests and not checked, and the score: killed + timeout
over the mutants checked. Not part of CI's time budget: a target takes 10 to 30 minutes on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    mutate: tuple[str, ...]
    tests: tuple[str, ...]


TARGETS = {t.name: t for t in (
    Target("kernel", ("runtime/kernel/transaction.py", "runtime/kernel/kernel.py", "runtime/kernel/instance.py",
                      "runtime/kernel/fast_dispatch.py"),
           ("tests/runtime/test_transactions.py", "tests/runtime/test_derived_fields.py",
            "tests/runtime/test_dirty_sets.py", "tests/runtime/test_dirty_reasons.py",
            "tests/runtime/test_dirty_keys.py", "tests/runtime/test_generation_bumps.py",
            "tests/runtime/test_field_config_errors.py", "tests/runtime/test_step_op_ids.py",
            "tests/runtime/test_kernel_guards.py", "tests/runtime/parts/test_transaction_alone.py",
            "tests/runtime/parts/test_instance_alone.py", "tests/runtime/test_converge_budget.py",
            "tests/runtime/test_converge_config.py", "tests/runtime/test_converge_off_evidence.py",
            "tests/runtime/test_converge_planner.py", "tests/runtime/test_converge_property.py",
            "tests/runtime/test_dirty_plan.py", "tests/runtime/test_plan_cache.py", "tests/runtime/test_list_check.py",
            "tests/runtime/test_check_events.py", "tests/runtime/test_debug_sink.py",
            "tests/runtime/test_store_no_tearing.py", "tests/runtime/test_source_fields.py",
            "tests/runtime/test_links_declarative.py", "tests/runtime/test_actions_runs.py",
            "tests/runtime/test_external_store_field.py", "tests/runtime/test_kernel_behaviour.py",
            "tests/runtime/test_kernel_windows.py", "tests/runtime/test_list_check_evidence.py",
            # not test_call_sites.py: under mutmut the first frame outside the runtime is mutmut's trampoline
            "tests/runtime/test_action_payloads.py", "tests/runtime/test_shared_root.py",
            "tests/runtime/test_optimistic.py", "tests/runtime/test_replace_evidence_kept.py",
            "tests/runtime/test_auto_learns_full_cost.py", "tests/runtime/test_instance_batches.py",
            "tests/runtime/test_instance_lifecycle.py", "tests/runtime/test_owned_field_guard.py",
            "tests/runtime/test_instance_reports.py", "tests/runtime/test_instance_reshape.py",
            "tests/runtime/test_instance_time_travel.py", "tests/runtime/test_instance_events.py",
            # session 29 (instance.py's core path); not test_transact_call_site_line.py, for the reason above
            "tests/runtime/test_instance_id_counters.py", "tests/runtime/test_instance_window_errors.py",
            "tests/runtime/test_instance_entry_points.py", "tests/runtime/test_instance_action_events.py",
            "tests/runtime/test_instance_transact_origin.py", "tests/runtime/test_instance_converge_events.py",
            "tests/runtime/test_instance_quiet_at_off.py", "tests/runtime/test_instance_ir_announce.py",
            "tests/runtime/test_instance_own_state.py",
            "tests/runtime/test_hub_views.py",
            "tests/runtime/test_subscriber_errors.py", "tests/runtime/test_patch_count.py",
            "tests/runtime/test_window_hook_veto.py", "tests/runtime/test_op_seq_numbering.py",
            "tests/runtime/test_in_transaction_flag.py", "tests/runtime/test_dispatch_paths_property.py")),
    Target("ticks", ("runtime/ticks/scheduler.py",),
           ("tests/runtime/test_tick_scheduling.py", "tests/runtime/test_tick_budget.py",
            "tests/runtime/test_tick_trace.py", "tests/runtime/test_tick_telemetry.py",
            "tests/runtime/test_store_topics.py", "tests/runtime/test_tick_priorities.py",
            "tests/runtime/test_tick_scheduler_rules.py", "tests/runtime/parts/test_scheduler_alone.py",
            "tests/runtime/test_e2e_segments.py", "tests/runtime/test_ticks_entry_points.py",
            "tests/runtime/test_ticks_budget_edges.py", "tests/runtime/test_external_store_windows.py",
            "tests/runtime/test_external_store_sources.py", "tests/runtime/test_external_store_field.py",
            "tests/runtime/test_links_declarative.py", "tests/runtime/test_ticks_starvation_in_a_loop.py",
            "tests/runtime/test_dispatch_paths_property.py", "tests/runtime/test_ticks_degraded_report.py",
            "tests/runtime/test_ticks_short_tick_company.py", "tests/runtime/test_ticks_short_tick_followers.py",
            "tests/runtime/test_ticks_loop_handover.py", "tests/runtime/parts/test_scheduler_short_tick.py")),
    Target("machine", ("runtime/operations/machine.py", "runtime/operations/stages.py"),
           ("tests/operations/test_machine.py", "tests/operations/test_properties.py",
            "tests/operations/test_machine_rules.py", "tests/operations/test_late_and_fenced_facts.py",
            "tests/operations/test_tracker_backend.py", "tests/operations/test_machine_fact_log.py",
            "tests/operations/test_inferred_facts_backend.py")),
    Target("session", ("runtime/inspect/session.py",),
           ("tests/runtime/inspect/",)),
    # the write path of every dispatch: the draft's direct top-level writes, undo, the SharedRoot density switch
    Target("draft", ("runtime/base/draft.py", "runtime/base/state_root.py"),
           ("tests/runtime/test_draft_direct_writes.py", "tests/runtime/test_shared_root.py",
            "tests/runtime/test_shared_root_density.py", "tests/runtime/test_shared_root_equality.py",
            "tests/runtime/test_transactions.py",
            "tests/runtime/test_dirty_sets.py", "tests/runtime/test_converge_assembly.py",
            "tests/runtime/test_converge_property.py", "tests/runtime/test_converge_assembly_property.py",
            "tests/runtime/test_dispatch_paths_property.py")),
)}

_STATUS = {  # `mutmut results` verdicts
    "killed": "killed", "survived": "survived", "timeout": "timeout", "suspicious": "suspicious",
    "no tests": "no_tests", "not checked": "not_checked", "skipped": "skipped",
    "caught by type check": "typecheck", "segfault": "segfault",
}
_TARGET_FILE = ".mutation-target.json"


def _mutmut(workdir: Path, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(workdir), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _export(rev: str, where: Path, only: str | None = None) -> None:
    archive = subprocess.run(["git", "archive", rev, *([only] if only else [])], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)


def _config(target: Target, workdir: Path) -> str:
    tests = [t for t in target.tests if (workdir / t).exists()]
    return "\n".join([
        "", "[tool.mutmut]",
        'source_paths = ["runtime"]',
        "only_mutate = " + json.dumps(list(target.mutate)),
        'also_copy = ["devtools", "resources", "bench"]',
        "pytest_add_cli_args_test_selection = " + json.dumps(tests),
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]',
        "timeout_multiplier = 5.0",
        "use_git_change_detection = false",
        "",
    ])


def _tree_hash(rev: str, paths: tuple[str, ...]) -> str:
    return subprocess.run(["git", "rev-parse", *[f"{rev}:{p}" for p in paths]], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


def _bounded(workdir: Path, args: list[str], time_limit_s: float) -> str:
    env = {**os.environ, "PYTHONPATH": str(workdir), "QT_QPA_PLATFORM": "offscreen"}
    # a session of its own: at the time limit the mutant mutmut is testing stops too, not only mutmut
    proc = subprocess.Popen([sys.executable, "-m", "mutmut", "run", "--max-children", "1", *args], cwd=workdir,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=time_limit_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate()
        return "stopped at the time limit"
    return "finished" if proc.returncode == 0 else "failed:\n" + out[-3000:] + err[-3000:]


def prepare(target: Target, rev: str, workdir: Path) -> None:
    """Export the commit into the work folder and add the target's mutmut section (`run` does it when needed)."""
    if not (workdir / _TARGET_FILE).exists():
        workdir.mkdir(parents=True, exist_ok=True)
        _export(rev, workdir)
        with open(workdir / "pyproject.toml", "a") as f:
            f.write(_config(target, workdir))
        sources = tuple(p for p in target.mutate if "*" not in p)
        (workdir / _TARGET_FILE).write_text(json.dumps({"target": target.name, "rev": rev,
                                                        "sources": _tree_hash(rev, sources)}))


def run(target: Target, rev: str, workdir: Path, time_limit_s: float, only: list[str]) -> str:
    prepare(target, rev, workdir)
    return _bounded(workdir, only, time_limit_s)


def retest(workdir: Path, rev: str, time_limit_s: float) -> str:
    meta = json.loads((workdir / _TARGET_FILE).read_text())
    target = TARGETS[meta["target"]]
    sources = tuple(p for p in target.mutate if "*" not in p)
    if _tree_hash(rev, sources) != meta["sources"]:
        raise SystemExit(f"{rev} changed the code of target {target.name}: score it with `run` instead")
    # the mutants no test reached too: a wider test selection may reach them now
    survivors = [name for name, status in results(workdir) if status in ("survived", "suspicious", "no_tests")]
    shutil.rmtree(workdir / "tests")
    _export(rev, workdir, "tests")
    shutil.rmtree(workdir / "mutants" / "tests", ignore_errors=True)
    (workdir / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)  # which tests reach what: again
    pyproject = (workdir / "pyproject.toml").read_text()
    head, _, _ = pyproject.partition("\n[tool.mutmut]")
    (workdir / "pyproject.toml").write_text(head + _config(target, workdir))
    meta["retested_with"] = rev
    (workdir / _TARGET_FILE).write_text(json.dumps(meta))
    if not survivors:
        return "no survivors"
    return _bounded(workdir, survivors, time_limit_s)


def results(workdir: Path) -> list[tuple[str, str]]:
    out = []
    for line in _mutmut(workdir, "results", "--all", "true").stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name and status in _STATUS:
            out.append((name, _STATUS[status]))
    return out


def report(workdir: Path, diffs: bool) -> dict[str, Any]:
    meta = json.loads((workdir / _TARGET_FILE).read_text())
    verdicts = results(workdir)
    counts = dict.fromkeys(_STATUS.values(), 0)
    for _, status in verdicts:
        counts[status] += 1
    checked = counts["killed"] + counts["timeout"] + counts["survived"] + counts["suspicious"]
    score = round(100.0 * (counts["killed"] + counts["timeout"]) / checked, 1) if checked else 0.0
    out: dict[str, Any] = {**meta, **{k: v for k, v in counts.items() if v}, "checked": checked, "score": score,
                           "survivors": [n for n, s in verdicts if s in ("survived", "suspicious")]}
    if diffs:
        out["diffs"] = {n: _mutmut(workdir, "show", n).stdout for n in out["survivors"]}
    out["verdicts"] = dict(verdicts)
    return out


def compare(before: Path, after: Path) -> dict[str, Any]:
    """Two runs of one target (e.g. before and after a change to the code and its tests), scored on the mutants
    both checked: a bounded run checks the first mutants in the same order, so the common part is comparable."""
    counted = ("killed", "timeout", "survived", "suspicious")
    old, new = dict(results(before)), dict(results(after))
    common = sorted(n for n in old.keys() & new.keys() if old[n] in counted and new[n] in counted)

    def score(verdicts: dict[str, str]) -> float:
        caught = sum(1 for n in common if verdicts[n] in ("killed", "timeout"))
        return round(100.0 * caught / len(common), 1) if common else 0.0

    return {"common": len(common), "before": score(old), "after": score(new),
            "newly_killed": [n for n in common if old[n] in ("survived", "suspicious") and new[n] == "killed"],
            "still_surviving": [n for n in common if new[n] in ("survived", "suspicious")]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the targets and the tests that cover each")
    p_run = sub.add_parser("run", help="mutate one target of a commit (resumes in an existing work folder)")
    p_run.add_argument("target", choices=sorted(TARGETS))
    p_run.add_argument("--rev", default="HEAD")
    p_run.add_argument("--workdir", type=Path, required=True)
    p_run.add_argument("--time-limit", type=float, default=1800.0, help="seconds (default 1800)")
    p_run.add_argument("--only", action="append", default=[], metavar="PATTERN",
                       help="only the mutants whose name matches (fnmatch: 'runtime.kernel.instance*'); repeatable")
    p_prep = sub.add_parser("prepare", help="only export the commit and write the config (to patch it first)")
    p_prep.add_argument("target", choices=sorted(TARGETS))
    p_prep.add_argument("--rev", default="HEAD")
    p_prep.add_argument("--workdir", type=Path, required=True)
    p_re = sub.add_parser("retest", help="run the survivors again with the tests of another commit")
    p_re.add_argument("workdir", type=Path)
    p_re.add_argument("--rev", default="HEAD")
    p_re.add_argument("--time-limit", type=float, default=1800.0)
    p_cmp = sub.add_parser("compare", help="two runs of one target scored on the mutants both checked")
    p_cmp.add_argument("before", type=Path)
    p_cmp.add_argument("after", type=Path)
    p_rep = sub.add_parser("report", help="the verdicts and the score")
    p_rep.add_argument("workdir", type=Path)
    p_rep.add_argument("--survivors", action="store_true", help="print the diff of every surviving mutant")
    p_rep.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    if args.command == "list":
        for t in TARGETS.values():
            print(f"{t.name}: mutates {', '.join(t.mutate)}; tests {', '.join(t.tests)}")
        return 0
    if args.command == "prepare":
        prepare(TARGETS[args.target], args.rev, args.workdir)
        return 0
    if args.command == "run":
        print(run(TARGETS[args.target], args.rev, args.workdir, args.time_limit, args.only))
        return 0
    if args.command == "retest":
        print(retest(args.workdir, args.rev, args.time_limit))
        return 0
    if args.command == "compare":
        print(json.dumps(compare(args.before, args.after), indent=2))
        return 0
    rep = report(args.workdir, args.survivors)
    diffs = rep.pop("diffs", {})
    print(json.dumps({k: v for k, v in rep.items() if k not in ("survivors", "verdicts")}, indent=2))
    for name in rep["survivors"]:
        print(diffs.get(name) or f"survived: {name}")
    if args.json:
        args.json.write_text(json.dumps({**rep, "diffs": diffs}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
