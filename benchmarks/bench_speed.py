"""Where people wait (issue 16): start-up, one run as a command, kernels, the main job, its report.

Every figure is the wall time of a real command or of public Python entry points (named in
``entry_points.py`` only), measured in this session; ``run_all.py`` divides each by the fixed
numpy reference of ``measure.py`` measured in the same session.

- **Start-up**: ``hdsim --help``, ``hdsim --cfg job`` and a one-line config error
  (``households.scale=-1``), whole process, best and median of N (hyperfine when installed).
- **One run as a command**: ``hdsim scenario=baseline replicate=0 output.report=false``, whole
  process, best and median of N, each into an emptied folder (a rerun into a finished run's
  folder skips the model: before round 3 this figure timed that skip, 1.1 s, not the run).
- **Leading kernels**: the model's 62 steps under cProfile in a fresh process; a kernel is an hdsim
  function and the numpy/builtin calls it makes directly (Python callees in other packages, such
  as Mesa's ``AgentSet.do``, are left out so nothing is counted twice); top 5 in ms per step
  (profiled time, so larger than unprofiled).
- **The main job**: ``hdsim output.report=false n_jobs=2`` (5 scenarios × replicates): seconds of
  runs (the job's ``timing.json`` when it writes one, else the whole command), the whole command,
  and the peak memory of the whole process tree (summed PSS, and summed RSS); then
  ``hdsim-report FOLDER``: seconds of the report. From the runs' own seconds
  (``provenance.json``: build, steps and series) it also gives the time a run costs a worker
  outside the model: seconds of runs × processes / runs − the runs' mean.
- **The outlook**: the main job's 2035 outlook alone (``write_outlook``, no report), seconds.

Usage (normally through ``run_all.py``): ``python benchmarks/bench_speed.py --kernels SCALE``
prints the kernel table of one profiled run as JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import entry_points as hd
from measure import run_sampled, time_command

HERE = Path(__file__).resolve().parent


def startup(runs: int, hyperfine: str | None, where: Path) -> dict[str, dict]:
    """Whole-process times of the three start-up commands."""
    return {
        "help": time_command([hd.HDSIM, "--help"], runs, where, hyperfine=hyperfine),
        "cfg_job": time_command([hd.HDSIM, "--cfg", "job"], runs, where, hyperfine=hyperfine),
        "config_error": time_command(
            [hd.HDSIM, "households.scale=-1"], runs, where, True, hyperfine=hyperfine
        ),
        "python": time_command([sys.executable, "-c", "pass"], runs, where, hyperfine=hyperfine),
    }


def one_run_command(scale: float, runs: int, hyperfine: str | None, where: Path) -> dict:
    """Whole-process time of one run as a command (no report)."""
    cmd = [
        hd.HDSIM,
        "scenario=baseline",
        "replicate=0",
        "output.report=false",
        f"households.scale={scale}",
        f"hydra.run.dir={where / 'one_run'}",
    ]
    return time_command(cmd, runs, where, hyperfine=hyperfine, fresh=where / "one_run")


def kernels(scale: float, top: int = 5) -> dict:
    """Profile one model's steps in this process; return the leading kernels in ms per step."""
    hd.quiet_mesa()
    model = hd.build_model(scale)
    profile = cProfile.Profile()
    steps = 0
    start = time.perf_counter()
    profile.enable()
    while model.running:
        model.step()
        steps += 1
    profile.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    own: dict[str, float] = {}
    for func, (_, _, tottime, _, callers) in stats.items():
        if _is_hdsim(func[0]):
            own[_name(func)] = own.get(_name(func), 0.0) + tottime
        elif _is_kernel_callee(func[0]):
            for caller, (_, _, _, cumtime) in callers.items():
                if _is_hdsim(caller[0]):
                    own[_name(caller)] = own.get(_name(caller), 0.0) + cumtime
    leading = sorted(own.items(), key=lambda kv: -kv[1])[:top]
    return {
        "steps": steps,
        "profiled_s": wall,
        "top": [{"kernel": k, "ms_per_step": 1000 * v / max(steps, 1)} for k, v in leading],
    }


def _is_hdsim(filename: str) -> bool:
    return "/hdsim/" in filename and "/site-packages/" not in filename


def _is_kernel_callee(filename: str) -> bool:
    return filename == "~" or "/numpy/" in filename


def _name(func: tuple[str, int, str]) -> str:
    path = Path(func[0])
    return f"{path.parent.name}/{path.name}:{func[2]}"


def kernels_child(scale: float) -> dict:
    """Run :func:`kernels` in a fresh process (so imports and caches are not shared)."""
    out = subprocess.run(
        [sys.executable, __file__, "--kernels", str(scale)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _model_seconds(prov: dict) -> float:
    """A run's model seconds: its own months plus its share of the months it shares."""
    return float(prov["seconds"]) + float(prov.get("shared_seconds", 0.0)) / int(
        prov.get("shared_by", 1)
    )


def main_job(
    scale: float, replicates: int, jobs: int, where: Path, report_format: str | None = None
) -> dict:
    """Run the main job (no report), then its report; seconds of each and peak memory.

    Args:
        scale: Households per real household.
        replicates: Replicates per scenario.
        jobs: Processes of the job (``n_jobs``).
        where: Scratch folder; the job goes to a subfolder.
        report_format: ``hdsim-report --format`` value, or None for the default (what the main
            job builds).

    Returns:
        Seconds of runs, of the whole command and of the report; peak memory of each tree.
    """
    folder = where / f"main_{scale}_{replicates}"
    cmd = [
        hd.HDSIM,
        f"households.scale={scale}",
        f"replicates={replicates}",
        f"n_jobs={jobs}",
        "output.report=false",
        "progress=false",
        f"hydra.run.dir={folder}",
    ]
    job = run_sampled(cmd, where)
    timing = folder / "timing.json"
    runs_s = json.loads(timing.read_text())["seconds"] if timing.exists() else job["wall_s"]
    model = [
        _model_seconds(json.loads(p.read_text()))
        for p in folder.glob("runs/*/rep_*/provenance.json")
    ]  # build + steps + series of each run, as the worker timed it (hdsim.run.run_scenarios)
    model_mean = sum(model) / max(len(model), 1)
    report_cmd = [hd.HDSIM_REPORT, str(folder)]
    if report_format:
        report_cmd += ["--format", report_format]
    report = run_sampled(report_cmd, where)
    return {
        "scale": scale,
        "replicates": replicates,
        "processes": jobs,
        "runs_s": float(runs_s),
        "runs_from": "timing.json" if timing.exists() else "command",
        "runs": len(model),
        "model_s_mean": model_mean,
        "outside_model_s_per_run": float(runs_s) * jobs / max(len(model), 1) - model_mean,
        "command_s": job["wall_s"],
        "peak_tree_mb": job["peak_tree_mb"],
        "peak_tree_rss_mb": job["peak_tree_rss_mb"],
        "report_s": report["wall_s"],
        "report_peak_mb": report["peak_tree_mb"],
    }


def outlook_child(scale: float, replicates: int, jobs: int, where: Path) -> dict:
    """The main job's 2035 outlook in a fresh process (:func:`entry_points.outlook`)."""
    folder = where / f"outlook_{scale}_{replicates}"
    code = (
        f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import entry_points as hd; "
        f"hd.quiet_mesa(); from pathlib import Path; "
        f"print(json.dumps(hd.outlook({scale}, {replicates}, {jobs}, Path({str(folder)!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=where, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Entry point of the ``--kernels`` child (or a stand-alone run of the whole section)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", type=float, metavar="SCALE")
    args = parser.parse_args()
    if args.kernels is not None:
        print(json.dumps(kernels(args.kernels)))
        return
    with tempfile.TemporaryDirectory(prefix="hdsim_bench_") as tmp:
        print(json.dumps(startup(3, None, Path(tmp)), indent=2))


if __name__ == "__main__":
    main()
