"""Where the time of ``hdsim-report FOLDER`` goes (issue 16 item 4): whole process and phases.

Two measurements of one job folder (a copy: the report is written into it):

- **whole process**: ``hdsim-report FOLDER`` in fresh processes, ``--repeat`` times, wall
  seconds and CPU seconds of its process tree (medians) with the 1-minute load average read
  just before each; with ``--old`` an older checkout's command runs in turn with this one;
- **phases**: one build in a fresh process with the helper process off, so that every phase
  runs in one process and the phases add up; each phase is timed by wrapping the function
  that does it (``time.perf_counter``; nested phases are not subtracted from their parents).
  ``--profile FILE`` also writes a cProfile of that build.

    python benchmarks/bench_report.py /tmp/job_copy --repeat 3 --out /tmp/report_bench.json
    git archive ce336c1 | tar -x -C /tmp/old   # then, old and new in turn:
    python benchmarks/bench_report.py /tmp/job_copy --repeat 3 --old /tmp/old
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import entry_points as hd


def load() -> float:
    """The 1-minute load average now."""
    return round(os.getloadavg()[0], 2)


def _env(old: Path | None) -> dict[str, str]:
    """The environment of a command: ``old`` (a ``git archive`` folder) first on the path."""
    env = dict(os.environ)
    if old is not None:
        paths = [str(old), env.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


def once(folder: Path, old: Path | None = None, out: Path | None = None) -> dict[str, Any]:
    """One ``hdsim-report FOLDER`` in a fresh process: wall and CPU seconds (its whole tree).

    Args:
        folder: The job folder.
        old: Code to run instead of this checkout (first on ``PYTHONPATH``), or None.
        out: ``--out`` folder of the report, or None for the default.
    """
    before = load()
    cmd = [hd.HDSIM_REPORT, str(folder), *(["--out", str(out)] if out else [])]
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        cmd, capture_output=True, text=True, env=_env(old), cwd=tempfile.gettempdir()
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"hdsim-report failed: {done.stderr.strip().splitlines()[-1]}")
    used = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    return {"wall_s": round(wall, 3), "cpu_s": round(used, 3), "load": before,
            "stderr": done.stderr}  # fmt: skip


def whole(folder: Path, repeat: int, old: Path | None = None) -> dict[str, Any]:
    """``repeat`` runs of :func:`once` (this checkout, or old and new in turn when ``old``)."""
    sides = {"new": [], "old": []} if old is not None else {"new": []}
    for _ in range(repeat):
        for side in sides:
            sides[side].append(once(folder, old if side == "old" else None))
    return {
        side: {
            "median_s": statistics.median(r["wall_s"] for r in rows),
            "median_cpu_s": statistics.median(r["cpu_s"] for r in rows),
            "runs": rows,
        }
        for side, rows in sides.items()
    }


Timings = dict[str, list[float]]


def _wrap(owner: Any, name: str, label: str | Callable[..., str], times: Timings) -> None:
    """Replace ``owner.name`` by a timed copy recording under ``label`` (or ``label(*args)``).

    Nothing is done when ``owner`` has no ``name`` (an older checkout).
    """
    inner = getattr(owner, name, None)
    if inner is None:
        return

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            key = label(*args, **kwargs) if callable(label) else label
            times[key].append(time.perf_counter() - start)

    setattr(owner, name, timed)


def phases(folder: str, profile: str | None) -> dict[str, float]:
    """Seconds per phase of one build of ``folder``'s report in this process, helper off."""
    times: Timings = defaultdict(list)
    start = time.perf_counter()
    import hdsim.report.build as build

    times["import hdsim.report.build"].append(time.perf_counter() - start)
    from hdsim.report import document, fonts, inputs, typeset, workbook

    _wrap(build, "load_inputs", "read: load_inputs (all)", times)
    _wrap(inputs, "_read_series", "read: ensemble.parquet", times)
    _wrap(inputs, "_read_townships", lambda paths, name="township.parquet": f"read: {name}", times)
    _wrap(inputs, "_read_run_config", "read: run config.yaml files", times)
    _wrap(inputs, "_load_data", "read: county data folder", times)
    _wrap(fonts, "register_cjk_font", "font: register CJK face", times)
    for i, builder in enumerate(build.SECTION_BUILDERS):
        label = f"section: {builder.__name__.removeprefix('section_')}"
        box: list[Any] = [builder]

        def timed(ctx: Any, _box: list[Any] = box, _label: str = label) -> Any:
            t = time.perf_counter()
            try:
                return _box[0](ctx)
            finally:
                times[_label].append(time.perf_counter() - t)

        builders = list(build.SECTION_BUILDERS)
        builders[i] = timed
        build.SECTION_BUILDERS = tuple(builders)
    _wrap(build, "build_document", "document: build_document (all sections)", times)
    _wrap(document, "draw_block", lambda block, *a, **k: f"figure: {block.key}", times)
    _wrap(build, "render_figures", "figures: render_figures (all)", times)
    _wrap(build, "page_text", "html: page_text", times)
    _wrap(build, "render_markdown", "md: render_markdown", times)
    _wrap(typeset, "markup", "pdf: typst markup", times)
    _wrap(typeset, "compile_pdf", "pdf: compile_pdf (typst)", times)
    _wrap(typeset, "compile_folder", "pdf: compile_folder (typst)", times)
    _wrap(build, "write_workbook", "xlsx: write_workbook (all)", times)
    _wrap(workbook, "workbook_frames", "xlsx: frames", times)
    _wrap(fonts, "web_font_subset", "html: font subset (web_font_subset)", times)
    _wrap(build, "render_html", "html: render_html", times)
    _wrap(build, "write_people_csv", "csv: inputs.csv + summary.csv", times)
    runner: Any = None
    if profile:
        import cProfile

        runner = cProfile.Profile()
        runner.enable()
    t = time.perf_counter()
    build.build_report(folder, helper=False)
    times["build_report (all)"].append(time.perf_counter() - t)
    if runner is not None:
        runner.disable()
        runner.dump_stats(profile)
    return {k: round(sum(v), 3) for k, v in times.items()}


def phases_child(folder: Path, profile: str | None, old: Path | None = None) -> dict[str, float]:
    """:func:`phases` in a fresh process (imports and caches not shared), of ``old`` if given."""
    cmd = [sys.executable, str(Path(__file__).resolve()), str(folder), "--phases-only"]
    if profile:
        cmd += ["--profile", profile]
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, env=_env(old), cwd=tempfile.gettempdir()
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(rows: dict[str, float], top: int | None = None) -> str:
    """A Markdown table of the phases, slowest first."""
    ranked = sorted(rows.items(), key=lambda kv: -kv[1])[:top]
    lines = ["| phase | s |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in ranked]
    return "\n".join(lines)


def main() -> None:
    """Command line: measure a job folder's report (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path, help="a job folder (a copy: the report is written in it)")
    p.add_argument("--repeat", type=int, default=3, help="whole-process runs (default 3)")
    p.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    p.add_argument("--profile", default=None, help="also write a cProfile of the phase build")
    p.add_argument(
        "--old", type=Path, default=None, help="older code (git archive), timed in turn with this"
    )
    p.add_argument("--phases-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.phases_only:
        print(json.dumps(phases(str(args.folder), args.profile)))
        return
    result: dict[str, Any] = {"load_before": load(), "uptime": os.popen("uptime").read().strip()}
    result["whole"] = whole(args.folder, args.repeat, args.old)
    result["phases_load"] = load()
    result["phases"] = phases_child(args.folder, args.profile)
    if args.old is not None:
        result["phases_old_load"] = load()
        result["phases_old"] = phases_child(args.folder, None, args.old)
    result["load_after"] = load()
    result["uptime_after"] = os.popen("uptime").read().strip()
    for side, runs in result["whole"].items():
        walls = ", ".join(
            f"{r['wall_s']:.2f} s / {r['cpu_s']:.1f} CPU s (load {r['load']})" for r in runs["runs"]
        )
        print(f"{side}: median {runs['median_s']:.2f} s wall, {runs['median_cpu_s']:.1f} CPU s "
              f"[{walls}]")  # fmt: skip
    print(f"phases, one build without the helper (load {result['phases_load']}):")
    print(table(result["phases"]))
    if "phases_old" in result:
        print(f"phases of the old code (load {result['phases_old_load']}):")
        print(table(result["phases_old"]))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
