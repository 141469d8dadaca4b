"""Measuring instruments: command timing, process-tree memory, the fixed numpy reference.

- :func:`time_command` runs a command N times (after one warm-up) and returns the best and the
  median wall time of the whole process; it uses ``hyperfine`` when it is installed
  (:func:`ensure_hyperfine` installs it from Debian when missing and the user may) and repeated
  ``subprocess`` timing otherwise.
- :func:`run_sampled` runs a command once while sampling the memory of its whole process tree
  (the command and every descendant, from ``/proc``) and returns the wall time and the peaks of
  the summed proportional set sizes (shared pages split between processes) and resident sets.
- :func:`run_child` runs a snippet in a fresh Python process, of the old code (a checkout first
  on ``PYTHONPATH``) or this one, and returns the JSON its last line prints;
  :func:`median_table` sets the medians of such runs side by side (``bench_steps.py``,
  ``bench_kernels.py``).
- :func:`reference_workload` is the fixed numpy workload every time is divided by, so that figures
  measured on a busy or a different machine can be compared: 62 "months" of vectorized operations
  over arrays the size of the full-scale person table (random draws, masks, a relocation by fancy
  indexing, counts and sums by place, a gather, a cumulative sum). It involves no hdsim code, so
  it does not change when the model does.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import hdsim  # noqa: F401  # first: the workload runs numpy's kernels as hdsim pins them (utils.numerics)

# The reference workload's size: persons of the full-scale county when the harness was written
# (791,271 in benchmarks/RESULTS.md, 2026-11-28), places of the order of the county's, 62 months
# (2020-11 to 2025-12). Fixed on purpose: the reference must not move with the model.
REFERENCE_PERSONS = 791_271
REFERENCE_PLACES = 512
REFERENCE_MONTHS = 62
# Seconds between two memory samples of a sampled command. Reading a process's
# /proc/PID/smaps_rollup makes the kernel walk its page tables: 4.7 ms of CPU for a 480 MB
# process on the 2026-12-03 host, so sampling the main job's three processes every 50 ms took
# 7-20 % of its run time on 2 cores (0.1x main job, two pairs: runs 84.3 and 75.0 s sampled every
# 50 ms, 70.4 and 70.2 s every 1 s, the same peak within 1 MB). Once a second costs under 1 %;
# the job's memory moves on the scale of its runs (seconds), so the peak is not missed.
SAMPLE_INTERVAL_S = 1.0


def reference_workload(
    n: int = REFERENCE_PERSONS, months: int = REFERENCE_MONTHS, seed: int = 0
) -> float:
    """Run the fixed numpy workload once and return its wall time in seconds.

    Args:
        n: Rows of the person-sized arrays.
        months: Iterations of the monthly block.
        seed: Seed of the workload's generator.

    Returns:
        Seconds of the workload (array set-up excluded).
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    place = rng.integers(0, REFERENCE_PLACES, n)
    age = rng.integers(0, 100, n).astype(np.int16)
    wage = rng.random(n)
    start = time.perf_counter()
    for _ in range(months):
        movers = np.flatnonzero(rng.random(n) < 0.01)
        place[movers] = rng.integers(0, REFERENCE_PLACES, movers.size)
        residents = np.bincount(place, minlength=REFERENCE_PLACES)
        working = (age >= 16) & (age < 60)
        income = np.bincount(place[working], weights=wage[working], minlength=REFERENCE_PLACES)
        mean_income = income / np.maximum(residents, 1)
        wage += 0.01 * (mean_income[place] - wage)
        np.cumsum(residents)
        age[rng.random(n) < 1 / 12] += 1
    return time.perf_counter() - start


def best_reference(repeat: int = 3, months: int = REFERENCE_MONTHS) -> float:
    """Best of ``repeat`` runs of :func:`reference_workload` in this process, in seconds."""
    reference_workload(months=2)  # warm-up: page in numpy and the arrays
    return min(reference_workload(months=months) for _ in range(repeat))


def reference_in_parallel(processes: int = 2, months: int = REFERENCE_MONTHS) -> float:
    """Throughput of the reference workload in ``processes`` processes at once over one alone.

    The ceiling of a process pool on this machine for code like the model's (vectorized
    numpy over person-sized arrays): the cores share the memory bus and the last-level cache,
    so ``processes`` copies at once may each run slower than one alone. On the 2026-12-03 host
    a pair ran at 1.62x, 1.91x, 2.00x, 2.00x and 1.72x in five tries within half an hour (one
    alone took 2.25 s, the pair of the first try 2.68 and 2.87 s), while a pure-Python loop ran
    a pair at 1.95x: the ceiling itself moves with what else the host runs. A sweep's pool
    speed-up is read against this figure of the same session.

    Args:
        processes: Copies run at once, each in a fresh process.
        months: Iterations of the workload's monthly block.

    Returns:
        ``processes`` x (seconds alone) / (mean seconds of the copies run together).
    """
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
        "from measure import reference_workload as w; w(months=2); "
        f"print(w(months={months}))"
    )

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)

    alone = float(start().communicate()[0])
    together = [start() for _ in range(processes)]
    seconds = [float(p.communicate()[0]) for p in together]
    return processes * alone / statistics.mean(seconds)


def ensure_hyperfine(install: bool = True) -> str | None:
    """Path of ``hyperfine``; install it from Debian first when missing, ``install`` and root."""
    found = shutil.which("hyperfine")
    if found or not install or os.geteuid() != 0:
        return found
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "hyperfine"],
        capture_output=True,
        check=False,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("hyperfine")


def time_command(
    cmd: Sequence[str],
    runs: int,
    cwd: Path,
    expect_failure: bool = False,
    hyperfine: str | None = None,
    fresh: Path | None = None,
) -> dict[str, float | str | int]:
    """Wall time of a whole command, best and median of ``runs`` after one warm-up.

    Args:
        cmd: The command (no shell).
        runs: Timed runs; with 1, the checking run is timed and there is no warm-up.
        cwd: Working folder.
        expect_failure: The command must exit non-zero (a config error); otherwise zero.
        hyperfine: Path of hyperfine, or None to time with ``subprocess``.
        fresh: A folder the command writes, removed before every run (untimed). A run command
            must get it: a rerun into a finished run's folder only checks its ``_SUCCESS`` key
            and skips the model (``output.resume``), which timed 1.1 s instead of 5.5 s.

    Returns:
        ``best_s``, ``median_s``, ``runs`` and ``tool``.

    Raises:
        SystemExit: The command's exit status is not the expected one.
    """
    if fresh is not None:
        shutil.rmtree(fresh, ignore_errors=True)
    start = time.perf_counter()
    check = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)  # warm-up and check
    first = time.perf_counter() - start
    if (check.returncode != 0) != expect_failure:
        raise SystemExit(
            f"bench: {' '.join(cmd)} exited {check.returncode}: {check.stderr.strip()[-500:]}"
        )
    if runs <= 1:  # a smoke check: the checked run is the only one
        return {"best_s": first, "median_s": first, "runs": 1, "tool": "subprocess"}
    if hyperfine:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "hf.json"
            line = " ".join(_quote(c) for c in cmd)
            hf = [hyperfine, "-N", "-i", "--style", "none", "--runs", str(runs)]
            if fresh is not None:
                hf += ["--prepare", f"rm -rf {_quote(str(fresh))}"]
            hf += ["--export-json", str(out), line]
            subprocess.run(hf, cwd=cwd, capture_output=True, check=True)
            times = json.loads(out.read_text())["results"][0]["times"]
        tool = "hyperfine"
    else:
        times = []
        for _ in range(runs):
            if fresh is not None:
                shutil.rmtree(fresh, ignore_errors=True)
            start = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, capture_output=True)
            times.append(time.perf_counter() - start)
        tool = "subprocess"
    return {
        "best_s": min(times),
        "median_s": statistics.median(times),
        "runs": runs,
        "tool": tool,
    }


def _quote(arg: str) -> str:
    return arg if all(c.isalnum() or c in "-_=./,:+" for c in arg) else "'" + arg + "'"


def _children() -> dict[int, list[int]]:
    """Child pids of every process, from ``/proc/*/stat``."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """Summed resident set and proportional set size (MB) of ``pid`` and all its descendants.

    The resident sets count a page shared by several processes (libraries, forked memory) once
    per process; the proportional set sizes split it between them, so their sum is the memory
    the tree takes from the machine.
    """
    tree = _children()
    todo, rss_kb, pss_kb = [pid], 0, 0
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        rss_kb += _field_kb(f"/proc/{p}/status", "VmRSS:")
        pss_kb += _field_kb(f"/proc/{p}/smaps_rollup", "Pss:")
    return rss_kb / 1024, pss_kb / 1024


def _field_kb(path: str, field: str) -> int:
    """A ``kB`` field of a /proc file, 0 when the process has gone or the field is absent."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_sampled(cmd: Sequence[str], cwd: Path) -> dict[str, float]:
    """Run ``cmd`` once, sampling its process tree's memory; return wall s and peak MB.

    Returns:
        ``wall_s``, ``peak_tree_mb`` (peak of the summed proportional set sizes, the tree's
        memory) and ``peak_tree_rss_mb`` (peak of the summed resident sets, which counts shared
        pages once per process).

    Raises:
        SystemExit: The command failed (its last lines of stderr are shown).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = [0.0, 0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss = tree_memory_mb(proc.pid)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            done.wait(SAMPLE_INTERVAL_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed:\n{err.strip()[-2000:]}")
    return {"wall_s": wall, "peak_tree_mb": peak[0], "peak_tree_rss_mb": peak[1]}


def run_child(code: str, old: Path | None) -> dict:
    """Run ``code`` in a fresh process and return the JSON object its last line prints.

    Args:
        code: A Python snippet that prints one JSON object last.
        old: A checkout put first on ``PYTHONPATH`` (the old code), or None for this code.
    """
    env = dict(os.environ)
    if old is not None:
        env["PYTHONPATH"] = str(old) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tempfile.gettempdir(),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_table(
    label: str, runs: dict[str, list[dict]], rows: Sequence[str], totals: Sequence[tuple[str, str]]
) -> str:
    """Markdown table of the medians of ``runs[side][i]["ms_per_step"][row]``, side by side.

    Args:
        label: Header of the first column (``step``, ``kernel``).
        runs: The runs of each side (``before``, ``after``), each a child's JSON.
        rows: Keys of ``ms_per_step`` to show, in order (a row missing from a run is blank).
        totals: ``(key, label)`` of the whole-run figures shown below the rows (``steps_s``).

    Returns:
        The table, with the 2025 urbanization rate of each side's first run as its last row.
    """
    sides = list(runs)

    def median(side: str, values: list[float], digits: int) -> str:
        return f"{statistics.median(values):.{digits}f}" if values else ""

    lines = [f"| {label} | " + " | ".join(f"{s}, CPU ms/step" for s in sides) + " |"]
    lines.append("|---" * (len(sides) + 1) + "|")
    for row in rows:
        cells = [
            median(s, [r["ms_per_step"][row] for r in runs[s] if row in r["ms_per_step"]], 2)
            for s in sides
        ]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    for key, name in totals:
        digits = 3 if key.endswith("_s") else 2
        cells = [median(s, [r[key] for r in runs[s]], digits) for s in sides]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    rates = [f"{runs[s][0]['rate']:.6f}" for s in sides]
    lines.append("| urbanization 2025 | " + " | ".join(rates) + " |")
    return "\n".join(lines)
