"""Before and after of a speed change, measured in one session on a busy machine.

``run_all.py`` gives wall seconds and ratios to a fixed numpy workload; when other sessions
share the cores, wall times swing from run to run and a comparison of two sessions means
little. This script compares two checkouts of hdsim in the same session instead, old and new
alternating in fresh processes, in CPU seconds of the process (``time.process_time``) and for
the main job in user + system CPU seconds of its whole process tree (``/usr/bin/time``):

- **model**: build (synthesis, staffing) and 62 monthly steps in-process, at each scale given;
  the urbanization rate of 2025 is printed too (the same for both when results are unchanged);
- **main job**: ``hdsim output.report=false`` (5 scenarios × ``--replicates``, ``--jobs``
  processes) at ``--job-scale``; CPU seconds of all processes, seconds of runs (its
  ``timing.json``), and whether every output file is byte-identical between old and new
  (all but provenance, Hydra's own files and ``timing.json``);
- **outlook** (``--outlook R``): the same job of R replicates with its report, hence its 2035
  outlook; the outlook's seconds as the job prints them, and whether ``summary.csv``,
  ``ensemble.parquet`` and ``outlook/outlook.csv`` are byte-identical between old and new.

The old checkout is a folder with the old ``hdsim`` package (e.g. from ``git archive``); it is
put first on ``PYTHONPATH`` so the same virtual environment runs it.

Usage::

    git archive main | tar -x -C /tmp/old
    python benchmarks/bench_before_after.py --old /tmp/old --repeat 3 --scales 1,0.1
    (options: --job-scale 0.1 --replicates 4 --outlook 4 --out benchmarks/results/ba.json)
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import entry_points as hd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SKIPPED = {"provenance.json", "timing.json", "hydra.yaml", "config.yaml", "overrides.yaml"}
"""Output files that differ between any two runs (times, paths, commits)."""

CHILD = """
import json, sys, time
sys.path.insert(0, {bench!r})
import entry_points as hd
hd.quiet_mesa()
data = hd.load_data()
hd.model_class()
c0, t0 = time.process_time(), time.perf_counter()
model = hd.build_model({scale}, data=data)
c1, t1 = time.process_time(), time.perf_counter()
model.run()
c2, t2 = time.process_time(), time.perf_counter()
print(json.dumps({{"build_cpu": c1 - c0, "steps_cpu": c2 - c1, "build_wall": t1 - t0,
                  "steps_wall": t2 - t1, "rate": model.urbanization_rate()}}))
"""


def _env(old: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if old is not None:
        env["PYTHONPATH"] = str(old) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def model_once(scale: float, old: Path | None) -> dict[str, float]:
    """Build and run one model in a fresh process of the old (or this) checkout."""
    code = CHILD.format(bench=str(HERE), scale=scale)
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(old), cwd=tempfile.gettempdir(),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main_job(scale: float, replicates: int, jobs: int, folder: Path, old: Path | None) -> dict:
    """The main job without report; CPU seconds of its process tree and its seconds of runs."""
    cmd = [
        "/usr/bin/time", "-f", "%U %S %e", hd.HDSIM, f"households.scale={scale}",
        f"replicates={replicates}", f"n_jobs={jobs}", "output.report=false", "progress=false",
        f"hydra.run.dir={folder}",
    ]  # fmt: skip
    out = subprocess.run(
        cmd, env=_env(old), cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True
    )
    user, system, wall = (float(v) for v in out.stderr.strip().splitlines()[-1].split())
    runs = json.loads((folder / "timing.json").read_text())["seconds"]
    return {"cpu_s": user + system, "wall_s": wall, "runs_s": float(runs)}


def outlook_job(scale: float, replicates: int, jobs: int, folder: Path, old: Path | None) -> dict:
    """The main job with its outlook (and report): seconds of the outlook as it prints them.

    The outlook runs only when the job builds its report, so the report is built too; its
    seconds are not the outlook's.
    """
    cmd = [
        "/usr/bin/time", "-f", "%U %S %e", hd.HDSIM, f"households.scale={scale}",
        f"replicates={replicates}", f"n_jobs={jobs}", "progress=false", f"hydra.run.dir={folder}",
    ]  # fmt: skip
    out = subprocess.run(
        cmd, env=_env(old), cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True
    )
    user, system, wall = (float(v) for v in out.stderr.strip().splitlines()[-1].split())
    line = next(x for x in out.stdout.splitlines() if x.startswith("hdsim: outlook to"))
    seconds = float(line.split(" runs per scenario in ")[1].split(" s ")[0])
    runs = json.loads((folder / "timing.json").read_text())["seconds"]
    return {"cpu_s": user + system, "wall_s": wall, "runs_s": float(runs), "outlook_s": seconds}


def differing(a: Path, b: Path) -> list[str]:
    """Output files of two job folders that are not byte-identical (or exist in one only)."""
    names = {
        str(p.relative_to(root))
        for root in (a, b)
        for p in root.rglob("*")
        if p.is_file() and p.name not in SKIPPED and ".hydra" not in p.parts
        and not p.name.endswith(".log")
    }  # fmt: skip
    return sorted(
        n for n in names
        if not ((a / n).exists() and (b / n).exists() and filecmp.cmp(a / n, b / n, False))
    )  # fmt: skip


def main() -> None:
    """Measure old and new alternating; print and write the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="folder of the old checkout")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scales", default="1,0.1")
    parser.add_argument("--job-scale", type=float, default=0.1)
    parser.add_argument("--replicates", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-job", action="store_true")
    parser.add_argument(
        "--outlook", type=int, metavar="REPLICATES", default=0,
        help="also time the outlook of a job of REPLICATES replicates (with report), old and new",
    )  # fmt: skip
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sides = {"before": args.old.resolve(), "after": None}
    result: dict[str, dict] = {"model": {}, "job": {}}
    for scale in (float(s) for s in args.scales.split(",")):
        rows: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for _ in range(args.repeat):
            for name, old in sides.items():
                rows[name].append(model_once(scale, old))
        result["model"][str(scale)] = {
            name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} | {"raw": runs}
            for name, runs in rows.items()
        }
        print(json.dumps({scale: {n: v for n, v in result["model"][str(scale)].items()}}))
    if not args.skip_job:
        with tempfile.TemporaryDirectory(prefix="hdsim_ba_") as tmp:
            folders = {}
            for name, old in sides.items():
                folders[name] = Path(tmp) / name
                result["job"][name] = main_job(
                    args.job_scale, args.replicates, args.jobs, folders[name], old
                )
                print(name, result["job"][name], flush=True)
            result["job"]["differing_files"] = differing(folders["before"], folders["after"])
            result["job"]["scale"] = args.job_scale
            result["job"]["replicates"] = args.replicates
    if args.outlook:
        result["outlook"] = {}
        with tempfile.TemporaryDirectory(prefix="hdsim_ba_") as tmp:
            folders = {}
            for name, old in sides.items():
                folders[name] = Path(tmp) / name
                result["outlook"][name] = outlook_job(
                    args.job_scale, args.outlook, args.jobs, folders[name], old
                )
                print(name, result["outlook"][name], flush=True)
            same = [
                n for n in ("summary.csv", "ensemble.parquet", "outlook/outlook.csv")
                if filecmp.cmp(folders["before"] / n, folders["after"] / n, False)
            ]  # fmt: skip
            result["outlook"]["identical"] = same
            result["outlook"]["scale"] = args.job_scale
            result["outlook"]["replicates"] = args.outlook
    print(json.dumps(result["job"]))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
