"""``make bench``: every speed figure of issue 16 in one session, in seconds and as a ratio.

One session measures, in this order (each section can be skipped with ``--skip``):

1. ``reference``: the fixed numpy workload of ``measure.py`` (best of 3), the yardstick, and
   its throughput in 2 processes at once over 1 (the ceiling of a pool on this machine);
2. ``startup``: ``hdsim --help``, ``hdsim --cfg job``, a one-line config error, bare Python;
3. ``command``: one full-scale run as a command (``bench_speed.py``), best/median of 3;
4. ``core``: build and 62 steps in-process, best of 3 fresh processes, the scale curve to 4× and
   the agent-by-agent reference ratio (``bench_core.py``);
5. ``kernels``: the five leading kernels per step under cProfile (``bench_speed.py``);
6. ``main-full`` and ``main-tenth``: the main job (5 scenarios × 20 replicates, 2 processes) at
   full scale and at 0.1, seconds of runs and of its report, peak memory of the process tree;
   (and, from the runs' own seconds, what a run costs a worker outside the model);
7. ``outlook``: the main job's 2035 outlook alone (0.1× job of 20 replicates: 5 × 40 runs at
   0.03× to 2035), seconds;
8. ``sweep``: runs per minute of a 0.1× sweep with the pool launcher against serial
   (``bench_sweep.py``, ``--sweep-runs`` runs each, 60 by default: a user's sweep);
9. ``policies``: the policy table of ``bench_policies.py`` (not a speed figure; skipped in quick).

Every time is also given as a ratio to the reference of the same session, so that sessions on a
busy or a different machine can be compared. The session is written to
``benchmarks/results/<date>T<time>.json`` and the "Speed figures" section of
``benchmarks/RESULTS.md`` is rebuilt from the saved sessions (newest four, quick ones excluded).

    .venv/bin/python benchmarks/run_all.py                       # everything (~15 min)
    .venv/bin/python benchmarks/run_all.py --skip main-full      # without the 2.5 min full job
    .venv/bin/python benchmarks/run_all.py --label "before (main at abc1234, loaded machine)"
    .venv/bin/python benchmarks/run_all.py --quick --out /tmp/b  # smoke check at tiny scale

``--quick`` runs every section at tiny scale (seconds, not minutes), writes only to ``--out`` and
leaves RESULTS.md alone: it checks that the harness works, its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import bench_speed
from measure import best_reference, ensure_hyperfine, reference_in_parallel

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
SECTIONS = (
    "reference", "startup", "command", "core", "kernels", "main-full", "main-tenth", "outlook",
    "sweep", "policies",
)  # fmt: skip
KERNELS = 5
SESSIONS_SHOWN = 4


@dataclass(frozen=True)
class Plan:
    """Sizes of one session: the real one (issue 16's figures) or the quick smoke check."""

    full_scale: float = 1.0
    tenth_scale: float = 0.1
    replicates: int = 20
    jobs: int = 2
    startup_runs: int = 5
    command_runs: int = 3
    core_repeat: int = 3
    curve: str = "0.1,1,4"
    agents_scale: float = 0.1
    sweep_runs: int = 60
    reference_repeat: int = 3
    reference_months: int = 62
    report_format: str | None = None


QUICK = Plan(
    full_scale=0.02,
    tenth_scale=0.01,
    replicates=1,
    startup_runs=1,
    command_runs=1,
    core_repeat=1,
    curve="0.01,0.02,0.04",
    agents_scale=0.005,
    sweep_runs=2,
    reference_repeat=1,
    reference_months=6,
    report_format="md",
)

# Every figure: key -> (label, unit, issue 16's target). run_all writes all of them unless a
# section is skipped; the quick test checks that each is there, positive and finite.
FIGURES: dict[str, tuple[str, str, str]] = {
    "reference_s": ("numpy reference workload (the yardstick)", "s", ""),
    "reference_pair_speedup": (
        "numpy reference, 2 processes at once, throughput over 1 (a pool's ceiling here)",
        "×",
        "",
    ),
    "python_start_s": ("bare `python -c pass`, median", "s", ""),
    "help_s": ("`hdsim --help`, median", "s", "≤ 1"),
    "cfg_job_s": ("`hdsim --cfg job`, median", "s", "≤ 1"),
    "config_error_s": ("`hdsim households.scale=-1` (error), median", "s", "≤ 1"),
    "command_best_s": ("one full-scale run as a command, best", "s", "≤ 3"),
    "command_median_s": ("one full-scale run as a command, median", "s", ""),
    "build_s": ("in-process build (synthesis, staffing), best of 3", "s", ""),
    "steps_s": ("in-process 62 steps, best of 3", "s", ""),
    "build_steps_s": ("in-process build + 62 steps", "s", "≤ 1.2"),
    "run_peak_mb": ("one full-scale run, peak memory of the process", "MB", ""),
    "profiled_step_ms": ("one step under cProfile", "ms/step", ""),
    **{
        f"kernel_{i}_ms": (f"kernel {i} under cProfile (name in `kernels`)", "ms/step", "")
        for i in range(1, KERNELS + 1)
    },
    "main_full_runs_s": ("main job, full scale: runs", "s", "≤ 75"),
    "main_full_command_s": ("main job, full scale: whole command (no report)", "s", ""),
    "main_full_report_s": ("main job, full scale: `hdsim-report FOLDER`", "s", "≤ 8"),
    "main_full_peak_mb": ("main job, full scale: peak memory, all processes (PSS)", "MB", "≤ 1200"),
    "main_full_peak_rss_mb": ("main job, full scale: peak of summed RSS", "MB", ""),
    "main_tenth_runs_s": ("main job, 0.1×: runs", "s", "≤ 15"),
    "main_tenth_command_s": ("main job, 0.1×: whole command (no report)", "s", ""),
    "main_tenth_report_s": ("main job, 0.1×: `hdsim-report FOLDER`", "s", ""),
    "main_tenth_peak_mb": ("main job, 0.1×: peak memory, all processes (PSS)", "MB", ""),
    "main_tenth_peak_rss_mb": ("main job, 0.1×: peak of summed RSS", "MB", ""),
    "main_tenth_model_s": ("main job, 0.1×: a run's model (build, steps, series), mean", "s", ""),
    "main_tenth_outside_s": ("main job, 0.1×: a run's time outside the model, per worker", "s", ""),
    "outlook_s": ("main job's 2035 outlook (0.1× job: 5 × 40 runs at 0.03×)", "s", ""),
    "sweep_serial_rpm": ("sweep 0.1×, serial (basic launcher)", "runs/min", ""),
    "sweep_pool_rpm": ("sweep 0.1×, `hdsim_joblib`, 2 workers", "runs/min", ""),
    "sweep_speedup": ("sweep 0.1×, pool over serial", "×", "≥ 2.0"),
    "curve_small_ratio": ("scale curve: run time per household, 0.1× over 1×", "×", ""),
    "curve_large_ratio": ("scale curve: run time per household, 4× over 1×", "×", "≈ 1"),
    "agents_rule_ratio": ("agent by agent over vectorized: household rule", "×", ""),
    "agents_run_ratio": ("agent by agent over vectorized: whole run", "×", ""),
}
SECTION_FIGURES = {
    "reference": ["reference_s", "reference_pair_speedup"],
    "startup": ["python_start_s", "help_s", "cfg_job_s", "config_error_s"],
    "command": ["command_best_s", "command_median_s"],
    "core": [
        "build_s", "steps_s", "build_steps_s", "run_peak_mb", "curve_small_ratio",
        "curve_large_ratio", "agents_rule_ratio", "agents_run_ratio",
    ],
    "kernels": ["profiled_step_ms", *[f"kernel_{i}_ms" for i in range(1, KERNELS + 1)]],
    "main-full": ["main_full_runs_s", "main_full_command_s", "main_full_report_s",
                  "main_full_peak_mb", "main_full_peak_rss_mb"],
    "main-tenth": ["main_tenth_runs_s", "main_tenth_command_s", "main_tenth_report_s",
                   "main_tenth_peak_mb", "main_tenth_peak_rss_mb", "main_tenth_model_s"],
    "outlook": ["outlook_s"],
    "sweep": ["sweep_serial_rpm", "sweep_pool_rpm", "sweep_speedup"],
    "policies": [],
}  # fmt: skip


def machine() -> dict[str, str | int]:
    """nproc, CPU model, Python and numpy versions of this machine."""
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count() or 1,
        "cpu": cpu,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def commit() -> str:
    """Short commit of the checkout, with ``+dirty`` when the tree has changes."""

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def _script(name: str, *args: str) -> None:
    subprocess.run([sys.executable, str(HERE / name), *args], check=True, cwd=ROOT)


def measure(plan: Plan, skip: set[str], quick: bool, where: Path) -> dict:
    """Run the sections of one session; return raw results and the figures."""
    raw: dict[str, object] = {}
    fig: dict[str, float] = {}

    def section(name: str) -> bool:
        run = name not in skip
        if run:
            print(f"== {name} ({time.strftime('%H:%M:%S')})", flush=True)
        return run

    if section("reference"):
        fig["reference_s"] = best_reference(plan.reference_repeat, plan.reference_months)
        fig["reference_pair_speedup"] = reference_in_parallel(2, plan.reference_months)
    if section("startup"):
        hyperfine = None if quick else ensure_hyperfine()
        start = bench_speed.startup(plan.startup_runs, hyperfine, where)
        raw["startup"] = start
        fig["python_start_s"] = start["python"]["median_s"]
        fig["help_s"] = start["help"]["median_s"]
        fig["cfg_job_s"] = start["cfg_job"]["median_s"]
        fig["config_error_s"] = start["config_error"]["median_s"]
    if section("command"):
        hyperfine = None if quick else ensure_hyperfine()
        cmd = bench_speed.one_run_command(plan.full_scale, plan.command_runs, hyperfine, where)
        raw["command"] = cmd
        fig["command_best_s"] = cmd["best_s"]
        fig["command_median_s"] = cmd["median_s"]
    if section("core"):
        out = where / "core.json"
        _script(
            "bench_core.py", "--repeat", str(plan.core_repeat), "--scales", plan.curve,
            "--reference-scale", str(plan.agents_scale), "--out", str(out), "--no-markdown",
        )  # fmt: skip
        core = json.loads(out.read_text())
        raw["core"] = core
        full = core["full"]
        fig["build_s"] = full["build_s"]
        fig["steps_s"] = full["run_s"]
        fig["build_steps_s"] = full["build_s"] + full["run_s"]
        fig["run_peak_mb"] = full["peak_mb"]
        per_hh = {float(s): r["run_s"] / r["households"] for s, r in core["curve"].items()}
        scales = sorted(per_hh)
        base = per_hh[float(core["full_scale"])]
        fig["curve_small_ratio"] = per_hh[scales[0]] / base
        fig["curve_large_ratio"] = per_hh[scales[-1]] / base
        vec, agents = core["reference"]["vectorized"], core["reference"]["agents"]
        fig["agents_rule_ratio"] = agents["household_rule_s"] / vec["household_rule_s"]
        fig["agents_run_ratio"] = agents["run_s"] / vec["run_s"]
    if section("kernels"):
        prof = bench_speed.kernels_child(plan.full_scale)
        raw["kernels"] = prof
        fig["profiled_step_ms"] = 1000 * prof["profiled_s"] / prof["steps"]
        for i, row in enumerate(prof["top"][:KERNELS], start=1):
            fig[f"kernel_{i}_ms"] = row["ms_per_step"]
    for name, prefix, scale in (
        ("main-full", "main_full", plan.full_scale),
        ("main-tenth", "main_tenth", plan.tenth_scale),
    ):
        if section(name):
            job = bench_speed.main_job(scale, plan.replicates, plan.jobs, where, plan.report_format)
            raw[name] = job
            fig[f"{prefix}_runs_s"] = job["runs_s"]
            fig[f"{prefix}_command_s"] = job["command_s"]
            fig[f"{prefix}_report_s"] = job["report_s"]
            fig[f"{prefix}_peak_mb"] = job["peak_tree_mb"]
            fig[f"{prefix}_peak_rss_mb"] = job["peak_tree_rss_mb"]
            if prefix == "main_tenth":
                fig["main_tenth_model_s"] = job["model_s_mean"]
                if job["outside_model_s_per_run"] > 0:  # negative only in a 1-run smoke check
                    fig["main_tenth_outside_s"] = job["outside_model_s_per_run"]
    if section("outlook"):
        out = bench_speed.outlook_child(plan.tenth_scale, plan.replicates, plan.jobs, where)
        raw["outlook"] = out
        fig["outlook_s"] = out["seconds"]
    if section("sweep"):
        out = where / "sweep.json"
        _script(
            "bench_sweep.py", "--runs", str(plan.sweep_runs), "--scale", str(plan.tenth_scale),
            "--full-runs", "0", "--launchers", "hdsim_joblib", "--jobs", str(plan.jobs),
            "--out", str(out),
        )  # fmt: skip
        rows = json.loads(out.read_text())["rows"]
        raw["sweep"] = rows
        serial = next(r for r in rows if r["launcher"] == "basic")
        pool = next(r for r in rows if r["launcher"] == "hdsim_joblib")
        fig["sweep_serial_rpm"] = serial["runs_per_minute"]
        fig["sweep_pool_rpm"] = pool["runs_per_minute"]
        fig["sweep_speedup"] = pool["runs_per_minute"] / serial["runs_per_minute"]
    if not quick and section("policies"):
        _script("bench_policies.py")
    return {"raw": raw, "figures": figures(fig)}


def figures(values: dict[str, float]) -> dict[str, dict]:
    """Each figure with its label, unit, target and (for times) its ratio to the reference."""
    ref = values.get("reference_s")
    out = {}
    for key, value in values.items():
        label, unit, target = FIGURES[key]
        ratio = value / ref if unit == "s" and ref and key != "reference_s" else None
        out[key] = {"label": label, "value": value, "unit": unit, "target": target, "ratio": ratio}
    return out


def expected_keys(skip: set[str]) -> list[str]:
    """The figure keys a session without the ``skip`` sections must have."""
    return [k for s in SECTIONS if s not in skip for k in SECTION_FIGURES[s]]


def check(session: dict, skip: set[str]) -> list[str]:
    """Problems of a session: missing figures, values or ratios not positive and finite."""
    problems = []
    for key in expected_keys(skip):
        entry = session["figures"].get(key)
        if entry is None:
            problems.append(f"{key}: missing")
            continue
        for what in ("value", "ratio"):
            v = entry[what]
            if (what == "value" or v is not None) and not (
                isinstance(v, float | int) and math.isfinite(v) and v > 0
            ):
                problems.append(f"{key}: {what} {v!r} is not a positive finite number")
    return problems


def _cell(entry: dict | None) -> str:
    if entry is None:
        return "–"
    v, unit = entry["value"], entry["unit"]
    digits = 0 if unit == "MB" else 2 if v < 100 else 1
    text = f"{v:,.{digits}f} {unit}"
    return text + (f" ({entry['ratio']:.2f})" if entry["ratio"] is not None else "")


def write_markdown(path: Path, sessions: list[dict]) -> None:
    """Rebuild the 'Speed figures' section of RESULTS.md from ``sessions`` (oldest first)."""
    shown = sessions[-SESSIONS_SHOWN:]
    lines = [
        "## Speed figures (issue 16)",
        "",
        "Written by `make bench` (`benchmarks/run_all.py`) from `benchmarks/results/*.json`, the "
        f"newest {SESSIONS_SHOWN} sessions. Each time is given in seconds and, in brackets, as a "
        "ratio to the numpy reference workload of the same session (`benchmarks/measure.py`: 62 "
        "months of vectorized draws, masks, relocations, counts and sums by place over 791,271 "
        "persons), so that sessions on a busy machine can be compared. Start-up and commands are "
        "whole-process wall times (hyperfine when installed); in-process figures are best of 3 "
        "fresh processes; kernels are hdsim functions with the numpy calls they make, under "
        "cProfile; memory of the main job is the peak, sampled every second, of the summed "
        "proportional set sizes of all its processes (shared pages split between them; the "
        "summed resident sets, which count them once per process, are given too). Sessions "
        "before 2026-12-03 12:00 UTC sampled every 50 ms, which itself slowed the main job by "
        "7-20 % on 2 cores (`benchmarks/measure.py`): their main-job seconds read high.",
        "",
        "| session | label | commit | machine | load before → after |",
        "|---|---|---|---|---|",
    ]
    for s in shown:
        m = s["machine"]
        lines.append(
            f"| {s['date']} | {s['label']} | {s['commit']} | {m['nproc']} cores, {m['cpu']}, "
            f"Python {m['python']}, numpy {m['numpy']} | {s['load_before'][0]:.1f} → "
            f"{s['load_after'][0]:.1f} |"
        )
    notes = [f"- {s['label']}: {s['note']}" for s in shown if s.get("note")]
    if notes:
        lines += ["", *notes]
    lines += [
        "",
        "| figure | target | " + " | ".join(s["label"] for s in shown) + " |",
        "|---|---|" + "---|" * len(shown),
    ]
    for key, (label, _, target) in FIGURES.items():
        if not any(key in s["figures"] for s in shown):
            continue
        cells = " | ".join(_cell(s["figures"].get(key)) for s in shown)
        lines.append(f"| {label} | {target} | {cells} |")
    lines += ["", "Leading kernels (ms per step under cProfile):", ""]
    for s in shown:
        top = s["raw"].get("kernels", {}).get("top", [])
        if top:
            names = ", ".join(f"`{k['kernel']}` {k['ms_per_step']:.1f}" for k in top)
            lines.append(f"- {s['label']}: {names}")
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    start = old.find("## Speed figures")
    if start >= 0:
        end = old.find("\n## ", start + 1)
        old = old[:start] + (old[end + 1 :] if end >= 0 else "")
    head, sep, rest = old.partition("\n## ")
    body = "\n".join(lines) + "\n"
    path.write_text(head.rstrip() + "\n\n" + body + ("\n## " + rest if sep else ""))


def main() -> None:
    """Run a benchmark session and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny-scale smoke check")
    parser.add_argument("--skip", default="", help=f"sections to skip: {','.join(SECTIONS)}")
    parser.add_argument("--sweep-runs", type=int, default=None, help="runs per sweep (100)")
    parser.add_argument("--label", default=None, help="column title in RESULTS.md")
    parser.add_argument("--note", default=None, help="a sentence on the session (load, caveat)")
    parser.add_argument("--out", type=Path, default=None, help="folder of the session's JSON")
    parser.add_argument(
        "--markdown-only", action="store_true", help="rebuild RESULTS.md from the saved sessions"
    )
    args = parser.parse_args()
    if args.markdown_only:
        _rebuild_markdown()
        return
    skip = {s for s in args.skip.split(",") if s}
    if unknown := skip - set(SECTIONS):
        raise SystemExit(f"run_all: unknown section(s) {sorted(unknown)}; use {SECTIONS}")
    plan = QUICK if args.quick else Plan()
    if args.sweep_runs:
        plan = Plan(**{**plan.__dict__, "sweep_runs": args.sweep_runs})
    stamp = time.strftime("%Y-%m-%dT%H-%M")
    session: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "label": args.label or ("quick" if args.quick else commit()),
        "commit": commit(),
        "quick": args.quick,
        "plan": plan.__dict__,
        "skipped": sorted(skip),
        "note": args.note or "",
        "machine": machine(),
        "load_before": list(os.getloadavg()),
    }
    with tempfile.TemporaryDirectory(prefix="hdsim_bench_") as tmp:
        session.update(measure(plan, skip, args.quick, Path(tmp)))
    session["load_after"] = list(os.getloadavg())
    out_dir = args.out or RESULTS
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{stamp}.json"
    out.write_text(json.dumps(session, indent=2, ensure_ascii=False) + "\n")
    print(f"run_all: session written to {out}")
    if problems := check(session, skip | ({"policies"} if args.quick else set())):
        raise SystemExit("run_all: " + "; ".join(problems))
    if not args.quick:
        _rebuild_markdown()


def _rebuild_markdown() -> None:
    saved = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    write_markdown(HERE / "RESULTS.md", [s for s in saved if not s.get("quick")])
    print(f"run_all: {HERE / 'RESULTS.md'} updated")


if __name__ == "__main__":
    main()
