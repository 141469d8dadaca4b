"""CPU milliseconds of each monthly step (``STEPS``), old and new code, in fresh processes.

The per-step table of a speed change: one full run per (code, scenario), each step of
:data:`hdsim.model.model.STEPS` timed with ``time.process_time`` around its entry in
``step_functions`` (CPU time, so that a busy machine inflates old and new alike), the build and
the urbanization rate of 2025 (equal for old and new when results are unchanged). Old and new
alternate, ``--repeat`` times; the medians are printed as a Markdown table.

Usage::

    git archive main | tar -x -C /tmp/old
    python benchmarks/bench_steps.py --old /tmp/old --scale 1 --scenarios baseline,seven_actions
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from measure import median_table, run_child

HERE = Path(__file__).resolve().parent

CHILD = """
import json, sys, time
sys.path.insert(0, {bench!r})
import entry_points as hd
hd.quiet_mesa()
data = hd.load_data()
hd.model_class()
c0 = time.process_time()
model = hd.build_model({scale}, data=data, scenario={scenario!r})
build = time.process_time() - c0
spent = {{name: 0.0 for name in model.step_order}}
for name in model.step_order:
    def timed(f=model.step_functions[name], name=name):
        c = time.process_time()
        f()
        spent[name] += time.process_time() - c
    model.step_functions[name] = timed
c0 = time.process_time()
steps = 0
while model.running:
    model.step()
    steps += 1
total = time.process_time() - c0
print(json.dumps({{"build_s": build, "steps_s": total, "steps": steps,
                  "ms_per_step": {{k: 1000 * v / steps for k, v in spent.items()}},
                  "rate": model.urbanization_rate()}}))
"""


def one(scale: float, scenario: str | None, old: Path | None) -> dict:
    """One run in a fresh process of the old (``old`` first on PYTHONPATH) or this code."""
    return run_child(CHILD.format(bench=str(HERE), scale=scale, scenario=scenario), old)


def table(runs: dict[str, list[dict]]) -> str:
    """Markdown table of the medians: a row per step (costliest first), a column per side."""
    first = runs[next(iter(runs))]

    def cost(step: str) -> float:
        return -statistics.median(r["ms_per_step"][step] for r in first)

    steps = sorted(first[0]["ms_per_step"], key=cost)
    totals = (("steps_s", "all steps, CPU s"), ("build_s", "build, CPU s"))
    return median_table("step", runs, steps, totals)


def main() -> None:
    """Alternate old and new; print one table per scenario (and the raw figures as JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="folder of the old checkout")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--scenarios", default="baseline,seven_actions")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = {}
    for name in args.scenarios.split(","):
        scenario = None if name == "baseline" else name
        runs: dict[str, list[dict]] = {"before": [], "after": []}
        for _ in range(args.repeat):
            runs["before"].append(one(args.scale, scenario, args.old.resolve()))
            runs["after"].append(one(args.scale, scenario, None))
        result[name] = runs
        print(f"\n{name}, scale {args.scale}:\n{table(runs)}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
