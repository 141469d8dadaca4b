"""CPU milliseconds per step of named kernels (methods), old and new code, in fresh processes.

The per-kernel table of a kernel change: one full run per side, each named method wrapped with
``time.process_time`` (CPU time, so that a busy machine inflates old and new alike), its time
summed over the run's steps and divided by them. A kernel's figure includes the kernels it
calls (``HousingMarket.purchase_probability`` includes ``incomes``, ``Relocation.move`` a
``recount``): read each row on its own, do not add them up. A method the old code lacks is
left blank. Old and new alternate, ``--repeat`` times; the medians are printed as a Markdown
table, with the whole step and the urbanization rate of 2025 (equal for old and new when the
results are unchanged).

Usage::

    git archive main | tar -x -C /tmp/old
    python benchmarks/bench_kernels.py --old /tmp/old --scale 1 --scenario seven_actions
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from measure import median_table, run_child

HERE = Path(__file__).resolve().parent

KERNELS = (
    "hdsim.mechanisms.labour:LabourMarket._hire",
    "hdsim.mechanisms.labour:LabourMarket.seekers",
    "hdsim.state.members:MemberIndex.rebuild",
    "hdsim.state.members:MemberIndex.members",
    "hdsim.state.members:MemberIndex.members_by_household",
    "hdsim.state.members:MemberIndex.reassign",
    "hdsim.state.census:Residence.recount",
    "hdsim.state.census:Residence.aged",
    "hdsim.mechanisms.housing:HousingMarket.renters",
    "hdsim.mechanisms.housing:HousingMarket.incomes",
    "hdsim.mechanisms.housing:HousingMarket.purchase_probability",
    "hdsim.mechanisms.housing:HousingMarket.ration",
    "hdsim.mechanisms.hazards:LifeEvents.month_events",
    "hdsim.mechanisms.hazards:MonthEvents.codes",
    "hdsim.model.recorder:Recorder.record",
    "hdsim.population.moves:Relocation.move",
)
"""Kernels timed by default (``module:Class.method``)."""

CHILD = """
import functools, importlib, json, sys, time
sys.path.insert(0, {bench!r})
import entry_points as hd
spent = {{}}
for name in {kernels!r}:
    module, attr = name.split(":")
    cls_name, method = attr.split(".")
    cls = getattr(importlib.import_module(module), cls_name)
    if not hasattr(cls, method):
        continue
    def timed(*args, _f=getattr(cls, method), _name=attr, **kwargs):
        c = time.process_time()
        try:
            return _f(*args, **kwargs)
        finally:
            spent[_name] += time.process_time() - c
    spent[attr] = 0.0
    setattr(cls, method, functools.wraps(getattr(cls, method))(timed))
hd.quiet_mesa()
data = hd.load_data()
model = hd.build_model({scale}, data=data, scenario={scenario!r})
spent.update({{k: 0.0 for k in spent}})
c0 = time.process_time()
steps = 0
while model.running:
    model.step()
    steps += 1
total = time.process_time() - c0
print(json.dumps({{"ms_per_step": {{k: 1000 * v / steps for k, v in spent.items()}},
                  "step_ms": 1000 * total / steps, "rate": model.urbanization_rate()}}))
"""


def one(scale: float, scenario: str | None, kernels: tuple[str, ...], old: Path | None) -> dict:
    """One run in a fresh process of the old (``old`` first on PYTHONPATH) or this code."""
    code = CHILD.format(bench=str(HERE), kernels=kernels, scale=scale, scenario=scenario)
    return run_child(code, old)


def table(runs: dict[str, list[dict]], kernels: tuple[str, ...]) -> str:
    """Markdown table of the medians: one row per kernel, one column per side."""
    names = [k.split(":")[1] for k in kernels]
    return median_table("kernel", runs, names, (("step_ms", "whole step"),))


def main() -> None:
    """Alternate old and new; print the table (and write the raw figures as JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="folder of the old checkout")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--scenario", default="seven_actions")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--kernels", default=",".join(KERNELS), help="module:Class.method,...")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    kernels = tuple(args.kernels.split(","))
    scenario = None if args.scenario == "baseline" else args.scenario
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    for _ in range(args.repeat):
        runs["before"].append(one(args.scale, scenario, kernels, args.old.resolve()))
        runs["after"].append(one(args.scale, scenario, kernels, None))
    print(f"\n{args.scenario}, scale {args.scale}:\n{table(runs, kernels)}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(runs, indent=2) + "\n")


if __name__ == "__main__":
    main()
