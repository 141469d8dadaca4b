"""Sweep throughput: runs per minute of a Hydra sweep, serial (basic launcher) vs parallel.

Each sweep is the real command, ``hdsim -m +experiment=compare_scenarios`` with the baseline
scenario and replicates ``0..N-1`` at a given scale, run with the basic launcher (one process,
jobs in turn: the reference), with ``hdsim_joblib`` (hdsim's loky pool, ``--jobs`` workers that
receive the sweep context once) and with Hydra's stock ``joblib`` launcher (same pool size; it
re-sends the context with every job). For each it records the wall time of the command, the
sweep's own timing (``timing.json``, written by the sweep monitor: from the first to the last
job, including the launcher's start), runs per minute, the speed-up over the serial reference of
the same scale measured in the same session (ratio of runs per minute), and the peak resident
memory of each worker process (``job.json``).

    .venv/bin/python benchmarks/bench_sweep.py          # brief: 60 runs at 0.1, 8 at 1.0
    .venv/bin/python benchmarks/bench_sweep.py --runs 1000 --full-runs 1000   # the issue's figure
    .venv/bin/python benchmarks/bench_sweep.py --runs 1000 --full-runs 1000 --full-serial-runs 200

``--full-serial-runs`` shortens the serial reference at full scale (a 1,000-run serial sweep
at full scale takes ~50 minutes on its own); its runs per minute are then measured on fewer runs.
Results go to ``benchmarks/sweep_results.json`` and are printed as a Markdown table for
``benchmarks/RESULTS.md`` (section "Sweeps"). On a shared machine the speed-up is lower than on
a quiet one: say so next to the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from entry_points import HDSIM

ROOT = Path(__file__).resolve().parents[1]


def sweep(scale: float, runs: int, launcher: str | None, jobs: int, where: Path) -> dict:
    """Run one sweep and return its timing record."""
    out = where / f"{launcher or 'basic'}_{scale}_{runs}"
    cmd = [
        HDSIM,
        "-m",
        "+experiment=compare_scenarios",
        "scenario=baseline",
        f"households.scale={scale}",
        f"replicate=range(0,{runs})",
        f"hydra.sweep.dir={out}",
        "hydra.callbacks.sweep_monitor.verbose=false",
    ]
    if launcher:
        cmd += [f"hydra/launcher={launcher}", f"hydra.launcher.n_jobs={jobs}"]
    start = time.perf_counter()
    res = subprocess.run(cmd, cwd=where, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if res.returncode != 0:
        raise SystemExit(f"sweep failed: {' '.join(cmd)}\n{res.stderr[-3000:]}")
    timing = json.loads((out / "timing.json").read_text())
    return {
        "scale": scale,
        "launcher": launcher or "basic",
        "processes": jobs if launcher else 1,
        "runs": runs,
        "command_seconds": round(wall, 2),
        "sweep_seconds": timing["elapsed_seconds"],
        "runs_per_minute": round(runs / timing["elapsed_seconds"] * 60, 1),
        "run_seconds_mean": timing["run_seconds_mean"],
        "peak_rss_mb_per_worker": timing["peak_rss_mb_per_worker_max"],
        "workers_seen": timing["workers_seen"],
    }


def main() -> None:
    """Run the sweeps and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=60, help="runs at the small scale (60: a user's sweep)"
    )
    parser.add_argument("--scale", type=float, default=0.1, help="the small scale (0.1)")
    parser.add_argument("--full-runs", type=int, default=8, help="runs at full scale")
    parser.add_argument(
        "--full-serial-runs",
        type=int,
        default=None,
        help="runs of the serial reference at full scale (default: --full-runs)",
    )
    parser.add_argument(
        "--launchers",
        default="hdsim_joblib,joblib",
        help="parallel launchers to compare with the basic one, comma-separated",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "sweep_results.json")
    args = parser.parse_args()
    rows = []
    parallel = [name for name in args.launchers.split(",") if name]
    plan = ((args.scale, args.runs, args.runs), (1.0, args.full_runs, args.full_serial_runs))
    with tempfile.TemporaryDirectory(prefix="hdsim_bench_") as tmp:
        for scale, runs, serial_runs in plan:
            if runs <= 0:
                continue
            serial = sweep(scale, serial_runs or runs, None, 1, Path(tmp))
            rows.append(serial)
            print(json.dumps(serial), flush=True)
            for launcher in parallel:
                row = sweep(scale, runs, launcher, args.jobs, Path(tmp))
                row["speedup"] = round(row["runs_per_minute"] / serial["runs_per_minute"], 2)
                rows.append(row)
                print(json.dumps(row), flush=True)
    load = os.getloadavg()
    result = {
        "cpu_count": os.cpu_count(),
        "load_average_after": [round(v, 2) for v in load],
        "measured_at": time.strftime("%Y-%m-%d %H:%M"),
        "rows": rows,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("\n| scale | launcher | processes | runs | s | runs/min | speed-up | MB/worker |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['scale']} | {r['launcher']} | {r['processes']} | {r['runs']} | "
            f"{r['sweep_seconds']} | {r['runs_per_minute']} | {r.get('speedup', '')} | "
            f"{r['peak_rss_mb_per_worker']} |"
        )


if __name__ == "__main__":
    main()
