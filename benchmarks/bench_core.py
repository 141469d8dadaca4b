"""Benchmark of the core model: full-scale speed and memory, scale curve, reference path.

Every measurement runs in a fresh Python process, so peak memory is that of one model and
interpreter start-up is excluded from the times. Figures are written to
``benchmarks/RESULTS.md`` (section "Core model") and as JSON beside it.

- **Full scale** (223,466 households, 2020-11 → 2025-12, 62 monthly steps): build time (census
  synthesis, staffing firms), run time, CPU time, peak resident memory, and memory after the
  imports alone (the interpreter and libraries) as the reference.
- **Scale curve** at 0.1×, 1× and 4× households (4× is a synthetic county four times larger):
  run time per household relative to 1× (1.0 = linear).
- **Reference path**: the same household rule (consider moving, logit choice, move) applied
  agent by agent through Mesa's ``shuffle_do`` instead of once over all households; the ratio
  is the time of the household-rule stage (and of the whole run) on the reference path over the
  vectorized one, measured in the same benchmark run.

Usage: ``python benchmarks/bench_core.py [--repeat 3] [--scales 0.1,1,4] [--reference-scale 0.1]
[--out FILE] [--no-markdown]``; the first of ``--scales`` equal to 1 (or the middle one) is the
"full scale" row.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import entry_points as hd

HERE = Path(__file__).resolve().parent


def _measure(scale: float, path: str) -> dict[str, Any]:
    """Build and run one model in this process; return times and memory."""
    import numpy as np

    hd.quiet_mesa()
    data = hd.load_data()
    hd.model_class()
    hd.seed(0)
    imports_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, c0 = time.perf_counter(), time.process_time()
    model = hd.build_model(scale, replicate=0, path=path, data=data)
    t1 = time.perf_counter()
    rule = 0.0
    stage = model.step_functions["location"]  # model.household_stage

    def timed_stage() -> None:
        nonlocal rule
        start = time.perf_counter()
        stage()
        rule += time.perf_counter() - start

    model.step_functions["location"] = timed_stage
    model.run()
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "scale": scale,
        "path": path,
        "households": int(model.households.n),
        "persons": int(model.persons.n),
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "cpu_s": (c2 - c0),
        "household_rule_s": rule,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "imports_mb": imports_mb,
        "urbanization_2025": float(np.round(model.urbanization_rate(), 4)),
    }


def _child(scale: float, path: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(scale), path],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _best(scale: float, path: str, repeat: int) -> dict[str, Any]:
    runs = [_child(scale, path) for _ in range(repeat)]
    return min(runs, key=lambda r: r["build_s"] + r["run_s"])


def main() -> None:
    """Run the benchmark and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scales", default="0.1,1,4", help="scale curve, comma-separated")
    parser.add_argument("--reference-scale", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=HERE / "core_results.json")
    parser.add_argument("--no-markdown", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument("--child", nargs=2, metavar=("SCALE", "PATH"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(float(args.child[0]), args.child[1])))
        return
    results: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {platform.python_version()}, {os.cpu_count()} cores",
    }
    scales = [float(s) for s in args.scales.split(",")]
    curve = {s: _best(s, "vectorized", args.repeat) for s in scales}
    full_scale = 1.0 if 1.0 in curve else scales[len(scales) // 2]
    results["full_scale"] = full_scale
    results["full"] = curve[full_scale]
    results["curve"] = curve
    ref_scale = args.reference_scale
    vec = curve[ref_scale] if ref_scale in curve else _best(ref_scale, "vectorized", args.repeat)
    agents = _best(ref_scale, "agents", 1)
    results["reference"] = {"vectorized": vec, "agents": agents}
    args.out.write_text(json.dumps(results, indent=2))
    if not args.no_markdown:
        write_markdown(results)
        print((HERE / "RESULTS.md").read_text())


def write_markdown(results: dict) -> None:
    """Write the 'Core model' section of benchmarks/RESULTS.md, keeping other sections."""
    full = results["full"]
    curve = results["curve"]
    ref = results["reference"]
    per_hh_1 = full["run_s"] / full["households"]
    lines = [
        "## Core model",
        "",
        f"Measured {results['date']} on {results['machine']} with `python "
        "benchmarks/bench_core.py` (best of 3 fresh processes; interpreter start excluded).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| full scale: households / persons | {full['households']:,} / {full['persons']:,} |",
        f"| full scale: build (synthesis, staffing) | {full['build_s']:.2f} s |",
        f"| full scale: run 2020-11 → 2025-12 (62 steps) | {full['run_s']:.2f} s |",
        f"| full scale: build + run | {full['build_s'] + full['run_s']:.2f} s |",
        f"| full scale: peak memory (process) | {full['peak_mb']:.0f} MB |",
        f"| reference: memory after imports | {full['imports_mb']:.0f} MB |",
        "",
        "Scale curve (vectorized path; ratio = run time per household relative to 1×, "
        "1.00 = linear):",
        "",
        "| scale | households | build s | run s | peak MB | ratio per household |",
        "|---|---|---|---|---|---|",
    ]
    for s, r in curve.items():
        ratio = (r["run_s"] / r["households"]) / per_hh_1
        lines.append(
            f"| {s}× | {r['households']:,} | {r['build_s']:.2f} | {r['run_s']:.2f} | "
            f"{r['peak_mb']:.0f} | {ratio:.2f} |"
        )
    v, a = ref["vectorized"], ref["agents"]
    lines += [
        "",
        f"Reference path at {v['scale']}× ({v['households']:,} households): the household "
        "rule applied agent by agent through Mesa's `shuffle_do` against the vectorized step.",
        "",
        "| path | household-rule time s | whole run s | urbanization 2025 |",
        "|---|---|---|---|",
        f"| vectorized | {v['household_rule_s']:.3f} | {v['run_s']:.2f} | "
        f"{v['urbanization_2025']:.2%} |",
        f"| agent by agent (`shuffle_do`) | {a['household_rule_s']:.3f} | {a['run_s']:.2f} | "
        f"{a['urbanization_2025']:.2%} |",
        f"| **ratio** | **{a['household_rule_s'] / max(v['household_rule_s'], 1e-9):.0f}×** | "
        f"**{a['run_s'] / max(v['run_s'], 1e-9):.1f}×** | |",
        "",
    ]
    path = HERE / "RESULTS.md"
    old = path.read_text() if path.exists() else "# Benchmark results\n\n"
    start = old.find("## Core model")
    if start >= 0:
        end = old.find("\n## ", start + 1)
        old = old[:start] + (old[end + 1 :] if end >= 0 else "")
    path.write_text(old.rstrip() + "\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
