"""Where the time of ``hdsim-report FOLDER`` goes (issue 16 item 4): whole process and phases.

Two measurements of one job folder (a copy: the report is written into it):

- **whole process**: ``hdsim-report FOLDER`` in fresh processes, ``--repeat`` times, wall
  seconds (median) with the 1-minute load average read just before each;
- **phases**: one build in a fresh process with the helper process off, so that every phase
  runs in one process and the phases add up; each phase is timed by wrapping the function
  that does it (``time.perf_counter``; nested phases are not subtracted from their parents).
  ``--profile FILE`` also writes a cProfile of that build.

    python benchmarks/bench_report.py /tmp/job_copy --repeat 3 --out /tmp/report_bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import entry_points as hd


def load() -> float:
    """The 1-minute load average now."""
    return round(os.getloadavg()[0], 2)


def whole(folder: Path, repeat: int, extra: list[str] | None = None) -> dict[str, Any]:
    """Wall seconds of ``hdsim-report FOLDER`` in ``repeat`` fresh processes (and the loads)."""
    rows = []
    for _ in range(repeat):
        before = load()
        start = time.perf_counter()
        done = subprocess.run(
            [hd.HDSIM_REPORT, str(folder), *(extra or [])], capture_output=True, text=True
        )
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"hdsim-report failed: {done.stderr.strip().splitlines()[-1]}")
        rows.append({"wall_s": round(wall, 3), "load": before, "stderr": done.stderr})
    return {
        "median_s": statistics.median(r["wall_s"] for r in rows),
        "runs": rows,
    }


Timings = dict[str, list[float]]


def _wrap(owner: Any, name: str, label: str | Callable[..., str], times: Timings) -> None:
    """Replace ``owner.name`` by a timed copy recording under ``label`` (or ``label(*args)``)."""
    inner = getattr(owner, name)

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
    _wrap(build, "write_workbook", "xlsx: write_workbook (all)", times)
    _wrap(workbook, "workbook_frames", "xlsx: frames", times)
    _wrap(fonts, "woff2_subset", "html: font subset (woff2_subset)", times)
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


def phases_child(folder: Path, profile: str | None) -> dict[str, float]:
    """:func:`phases` in a fresh process (imports and caches not shared)."""
    cmd = [sys.executable, __file__, str(folder), "--phases-only"]
    if profile:
        cmd += ["--profile", profile]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
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
    p.add_argument("--phases-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.phases_only:
        print(json.dumps(phases(str(args.folder), args.profile)))
        return
    result: dict[str, Any] = {"load_before": load(), "uptime": os.popen("uptime").read().strip()}
    result["whole"] = whole(args.folder, args.repeat)
    result["phases_load"] = load()
    result["phases"] = phases_child(args.folder, args.profile)
    result["load_after"] = load()
    walls = ", ".join(f"{r['wall_s']:.2f} s (load {r['load']})" for r in result["whole"]["runs"])
    print(f"hdsim-report {args.folder}: median {result['whole']['median_s']:.2f} s [{walls}]")
    print(f"phases, one build without the helper (load {result['phases_load']}):")
    print(table(result["phases"]))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
