"""Before and after of the per-run overhead work (issue 16 round 4), old and new alternating.

Old code (a ``git archive`` folder, first on ``PYTHONPATH``) and this checkout run the same
commands in fresh processes, in turn, ``--repeat`` times; each figure is the median, with the
load average (``os.getloadavg``, 1 minute) read just before every command next to it:

- **main job** (``hdsim output.report=false``, 5 scenarios × ``--replicates``, ``--jobs``
  processes, at ``--scale``): seconds of runs (``timing.json``), wall seconds of the whole
  command, user + system CPU seconds of its process tree (``/usr/bin/time``); and whether every
  output file is byte-identical between old and new (``bench_before_after.differing``);
- **sweep** (``bench_sweep.sweep``: ``hdsim -m`` over ``--sweep-runs`` replicates at
  ``--scale``), serial (basic launcher) and ``hdsim_joblib`` with ``--jobs`` workers: runs per
  minute of the sweep's window (``timing.json``), the command's wall seconds, and the speed-up;
- **outlook** (``--outlook R``: the job of R replicates with its report, hence its 2035
  outlook, once per side): the outlook's seconds as printed and whether ``summary.csv``,
  ``ensemble.parquet`` and ``outlook/outlook.csv`` are byte-identical;
- **startup** (issue 16 round 6, ``--startup-repeat`` times each): whole-process wall seconds
  of ``hdsim --help``, ``hdsim --cfg job``, the one-line errors of a value that is no number
  (``households.scale=abc``, Hydra's composition refuses it) and of one out of range
  (``households.scale=-1``, the validation refuses it), one small run as a command (0.01x to
  2021) and one full-scale run as a command (``bench_speed.one_run_command``'s); and whether
  the run folders' Parquet files are byte-identical.

    git archive <branch point> | tar -x -C /tmp/old
    python benchmarks/bench_overheads.py --old /tmp/old --out benchmarks/before_after_overheads.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import bench_before_after as ba
import bench_sweep
import entry_points as hd


def load() -> float:
    """The 1-minute load average now."""
    return round(os.getloadavg()[0], 2)


def main_job(scale: float, replicates: int, jobs: int, folder: Path, old: Path | None) -> dict:
    """One main job without report: runs s, command wall s, CPU s of the tree, load before."""
    before = load()
    out = ba.main_job(scale, replicates, jobs, folder, old)
    return out | {"load": before}


def sweep(scale: float, runs: int, launcher: str | None, jobs: int, old: Path | None) -> dict:
    """One sweep (``bench_sweep.sweep``) with the old or this checkout on ``PYTHONPATH``."""
    env = ba._env(old)
    before = load()
    with tempfile.TemporaryDirectory(prefix="hdsim_ovh_") as tmp:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            row = bench_sweep.sweep(scale, runs, launcher, jobs, Path(tmp))
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return row | {"load": before}


STARTUP_RUN = ["scenario=baseline", "replicate=0", "output.report=false", "progress=false"]
"""The single run of the start-up section (its scale and horizon are added per command)."""


def startup_commands(folder: Path) -> dict[str, tuple[list[str], bool, Path | None]]:
    """The start-up section's commands: ``name -> (command, fails, folder it writes)``."""
    small, full = folder / "small_run", folder / "full_run"
    return {
        "help": ([hd.HDSIM, "--help"], False, None),
        "cfg_job": ([hd.HDSIM, "--cfg", "job"], False, None),
        "error_not_a_number": ([hd.HDSIM, "households.scale=abc"], True, None),
        "error_out_of_range": ([hd.HDSIM, "households.scale=-1"], True, None),
        "small_run": (
            [
                hd.HDSIM,
                *STARTUP_RUN,
                "households.scale=0.01",
                "horizon.end_year=2021",
                f"hydra.run.dir={small}",
            ],
            False,
            small,
        ),
        "full_run": ([hd.HDSIM, *STARTUP_RUN, f"hydra.run.dir={full}"], False, full),
    }


def timed(cmd: list[str], fails: bool, fresh: Path | None, old: Path | None) -> dict:
    """One command in a fresh process of the old (or this) checkout: wall seconds, load before."""
    if fresh is not None:
        shutil.rmtree(fresh, ignore_errors=True)
    before = load()
    start = time.perf_counter()
    run = subprocess.run(
        cmd, env=ba._env(old), cwd=tempfile.gettempdir(), capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if (run.returncode != 0) != fails:
        raise SystemExit(f"bench: {' '.join(cmd)} exited {run.returncode}: {run.stderr[-400:]}")
    return {"wall_s": wall, "load": before}


def startup(repeat: int, old: Path) -> dict:
    """The start-up section: old and new alternating, median wall seconds and ratio old/new."""
    sides = {"before": old, "after": None}
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="hdsim_startup_") as tmp:
        folders = {name: Path(tmp) / name for name in sides}
        commands = {name: startup_commands(folders[name]) for name in sides}
        for key in commands["after"]:
            rows: dict[str, list[dict]] = {name: [] for name in sides}
            for _ in range(repeat):
                for name, side in sides.items():
                    rows[name].append(timed(*commands[name][key], side))
            row = {name: {"wall_s": _median(r, "wall_s"), "load": _median(r, "load"), "raw": r}
                   for name, r in rows.items()}  # fmt: skip
            row["ratio"] = row["before"]["wall_s"] / row["after"]["wall_s"]
            out[key] = row
            print("startup", key, {n: round(row[n]["wall_s"], 3) for n in sides}, flush=True)
        out["differing_parquet"] = {
            run: sorted(
                p.name
                for p in (folders["before"] / run).glob("*.parquet")
                if subprocess.run(["cmp", "-s", p, folders["after"] / run / p.name]).returncode
            )
            for run in ("small_run", "full_run")
        }
        out["parquet_files"] = {
            run: len(list((folders["before"] / run).glob("*.parquet")))
            for run in ("small_run", "full_run")
        }
    return out


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(float(r[key]) for r in rows)


def main() -> None:
    """Measure old and new alternating; print and write the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="folder of the old checkout")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--replicates", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sweep-runs", type=int, default=60)
    parser.add_argument("--outlook", type=int, default=2, metavar="REPLICATES")
    parser.add_argument("--startup-repeat", type=int, default=5, metavar="N")
    parser.add_argument("--skip", default="", help="sections to skip: job,sweep,outlook,startup")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    sides = {"before": args.old.resolve(), "after": None}
    result: dict = {
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_start": list(os.getloadavg()),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    if "startup" not in skip:
        result["startup"] = startup(args.startup_repeat, args.old.resolve())
    if "job" not in skip:
        rows: dict[str, list[dict]] = {name: [] for name in sides}
        with tempfile.TemporaryDirectory(prefix="hdsim_ovh_") as tmp:
            for i in range(args.repeat):
                for name, old in sides.items():
                    folder = Path(tmp) / f"{name}_{i}"
                    rows[name].append(main_job(args.scale, args.replicates, args.jobs, folder, old))
                    print(name, rows[name][-1], flush=True)
            diff = ba.differing(Path(tmp) / "before_0", Path(tmp) / "after_0")
        result["job"] = {
            name: {k: _median(r, k) for k in ("runs_s", "wall_s", "cpu_s", "load")} | {"raw": r}
            for name, r in rows.items()
        } | {"differing_files": diff, "scale": args.scale, "replicates": args.replicates}
    if "sweep" not in skip:
        rows = {
            f"{name}_{launcher or 'basic'}": []
            for name in sides
            for launcher in (None, "hdsim_joblib")
        }
        for _ in range(args.repeat):
            for name, old in sides.items():
                for launcher in (None, "hdsim_joblib"):
                    row = sweep(args.scale, args.sweep_runs, launcher, args.jobs, old)
                    rows[f"{name}_{launcher or 'basic'}"].append(row)
                    print(name, row, flush=True)
        keys = ("runs_per_minute", "command_seconds", "sweep_seconds", "load")
        result["sweep"] = {
            k: {q: _median(r, q) for q in keys} | {"raw": r} for k, r in rows.items()
        }
        for name in sides:
            pairs = zip(rows[f"{name}_basic"], rows[f"{name}_hdsim_joblib"], strict=True)
            ratios = [p["runs_per_minute"] / s["runs_per_minute"] for s, p in pairs]
            walls = [
                s["command_seconds"] / p["command_seconds"]
                for s, p in zip(rows[f"{name}_basic"], rows[f"{name}_hdsim_joblib"], strict=True)
            ]
            result["sweep"][f"{name}_speedup"] = {
                "median": statistics.median(ratios),
                "raw": ratios,
                "command_median": statistics.median(walls),
            }
    if args.outlook and "outlook" not in skip:
        result["outlook"] = {}
        with tempfile.TemporaryDirectory(prefix="hdsim_ovh_") as tmp:
            folders = {}
            for name, old in sides.items():
                folders[name] = Path(tmp) / name
                before = load()
                result["outlook"][name] = ba.outlook_job(
                    args.scale, args.outlook, args.jobs, folders[name], old
                ) | {"load": before}
                print(name, result["outlook"][name], flush=True)
            names = ("summary.csv", "ensemble.parquet", "outlook/outlook.csv")
            result["outlook"]["identical"] = [
                n
                for n in names
                if (folders["before"] / n).is_file()
                and subprocess.run(
                    ["cmp", "-s", folders["before"] / n, folders["after"] / n]
                ).returncode
                == 0
            ]
    result["load_end"] = list(os.getloadavg())
    print(json.dumps({k: v for k, v in result.items() if k != "args"}, default=str)[:4000])
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    _ = hd  # the entry points module names the commands (imported for its side checks)
    main()
