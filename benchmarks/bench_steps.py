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
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

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
    env = dict(os.environ)
    if old is not None:
        env["PYTHONPATH"] = str(old) + os.pathsep + env.get("PYTHONPATH", "")
    code = CHILD.format(bench=str(HERE), scale=scale, scenario=scenario)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tempfile.gettempdir(),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(runs: dict[str, list[dict]]) -> str:
    """Markdown table of the medians: one row per step, one column per side."""
    sides = list(runs)
    steps = list(runs[sides[0]][0]["ms_per_step"])
    med = {
        side: {s: statistics.median(r["ms_per_step"][s] for r in rs) for s in steps}
        for side, rs in runs.items()
    }
    order = sorted(steps, key=lambda s: -med[sides[0]][s])
    lines = ["| step | " + " | ".join(f"{s}, CPU ms/step" for s in sides) + " |"]
    lines.append("|---" * (len(sides) + 1) + "|")
    lines += [f"| {s} | " + " | ".join(f"{med[x][s]:.2f}" for x in sides) + " |" for s in order]
    for key, label in (("steps_s", "all steps, CPU s"), ("build_s", "build, CPU s")):
        vals = [statistics.median(r[key] for r in runs[x]) for x in sides]
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    rates = [f"{runs[x][0]['rate']:.6f}" for x in sides]
    lines.append("| urbanization 2025 | " + " | ".join(rates) + " |")
    return "\n".join(lines)


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
