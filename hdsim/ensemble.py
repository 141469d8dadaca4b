"""The main job: run scenarios × replicates, summarise them, answer "is 55% reachable?".

:func:`run_ensemble` runs every (scenario, replicate) pair, in parallel processes when asked,
skipping runs whose outputs are already complete (an interrupted job resumes where it stopped),
and collects the county series of all runs into ``ensemble.parquet``. :func:`summarise` turns
them into the planner's table, one row per scenario:

- resident urbanization rate at the end of the target year: mean and 5-95% interval over
  replicates;
- probability of reaching the target (share of replicates at or above it) with a Wilson 95%
  confidence interval;
- the year in which the ensemble mean first reaches the target, or "not by <horizon>";
- hukou urbanization rate at the end of the target year (mean).
"""

from __future__ import annotations

import atexit
import gc
import math
import os
import threading
import time
from concurrent.futures import Executor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from tqdm import tqdm

from hdsim.calibration.effective import NOTED_ENV, effective_config
from hdsim.data import CountyData, load_county_data
from hdsim.model.config import HdsimConfig, ScenarioConfig
from hdsim.population.fit import write_job_fit
from hdsim.run import run_and_write_scenarios
from hdsim.utils.io import OutputError, atomic_write_parquet, atomic_write_text
from hdsim.utils.pool import (
    WATCH_SECONDS,
    process_pool,
    start_workers,
    stop_pool,
    worker_count,
)

if TYPE_CHECKING:
    from hdsim.population.reuse import SynthesisCache

_KEPT_POOL: tuple[tuple[int, str | None], Executor] | None = None
"""The main job's pool, kept for its outlook (``run_ensemble(keep_pool=True)``)."""

_WORKER_DATA: CountyData | None = None
_WORKER_SYNTHESIS: SynthesisCache | None = None
"""The populations this process synthesized: the scenarios of a replicate reuse them."""


def run_dir_for(root: Path, scenario: str, replicate: int) -> Path:
    """Folder of one run inside a job folder."""
    return root / "runs" / scenario / f"rep_{replicate:03d}"


def _init_worker(data_dir: str | None, job_pid: int | None = None, noted: bool = False) -> None:
    """Worker set-up: watch the job's main process, then load the county data once.

    A pool worker (``job_pid`` given) also imports the model (Mesa, 1.3-2 s) now, while the
    parent is still checking the job, rather than in its first run; the pool then freezes
    what it holds (``hdsim.utils.pool``). ``noted``: the job prints the posterior's notices
    itself (``announce_calibration``) before its first run, so this worker does not repeat
    them (a worker started before that cannot inherit :data:`NOTED_ENV` from it).
    """
    global _WORKER_DATA, _WORKER_SYNTHESIS
    if noted:
        os.environ[NOTED_ENV] = "1"
    if job_pid is not None:
        threading.Thread(target=_watch_job, args=(job_pid,), daemon=True).start()
        import hdsim.model.model  # noqa: F401  (warm: every run needs it)
    from hdsim.data import DataError
    from hdsim.population.reuse import SynthesisCache  # workers only: keep it out of the parent

    _WORKER_SYNTHESIS = SynthesisCache(size=1)
    try:
        _WORKER_DATA = load_county_data(data_dir)
    except (DataError, OSError):
        if job_pid is None:
            raise
        # a pool started early (start_pool) may start before the job reads the data: the job
        # reports a broken folder in one line; a run given no data would load it and fail
        _WORKER_DATA = None


def _job_running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (a killed, unreaped main job)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return state not in ("Z", "X")


def _watch_job(pid: int) -> None:
    """Exit this worker as soon as the job's main process ``pid`` is gone (e.g. kill -9).

    The pool's own watch (``hdsim.utils.pool``) compares the worker's parent with the parent
    it saw at start-up, which misses a main job killed while the worker was still starting;
    this watch knows the job's PID from the start.
    """
    while _job_running(pid):
        time.sleep(WATCH_SECONDS)
    os._exit(70)


class RunOutputError(OSError):
    """A run's outputs could not be written (``OutputError`` raised in a worker).

    ``OutputError`` cannot cross a process boundary (unpickling it fails); this carries its
    one-line message to the main job.
    """

    def __str__(self) -> str:
        """The one-line message."""
        return str(self.args[0]) if self.args else "cannot write a run's outputs"


def _work(runs: list[tuple[HdsimConfig, Path]], replicate: int) -> list[pd.DataFrame]:
    """Run scenarios ``runs`` of one replicate, sharing its county and its months before levers.

    The county is built once, and the months before any of their levers acts are simulated
    once (:func:`hdsim.run.run_and_write_scenarios`); runs already in their folders are read.
    """
    eff = [(effective_config(cfg, replicate), run_dir) for cfg, run_dir in runs]
    try:
        frames = run_and_write_scenarios(eff, replicate, _WORKER_DATA, _WORKER_SYNTHESIS)
    except OutputError as exc:
        raise RunOutputError(str(exc)) from None
    gc.collect()  # the last model of the task (see run_scenarios) before the next task's
    return frames


def replicate_tasks(
    configs: list[HdsimConfig], replicates: int, root: Path, workers: int
) -> list[tuple[list[tuple[HdsimConfig, Path]], int]]:
    """The runs of a job grouped by replicate, so that a worker builds each county once.

    The scenarios of a replicate share its random streams, hence its synthesized county and its
    months before the levers: one task runs them together (:func:`hdsim.run.run_scenarios`).
    With several workers and fewer replicates than about two tasks per worker, a replicate's
    scenarios are split into smaller tasks so that every worker has work.

    Args:
        configs: One config per scenario.
        replicates: Replicates per scenario.
        root: Job folder.
        workers: Worker processes.

    Returns:
        ``(runs, replicate)`` tasks, replicate by replicate, scenarios in their order.
    """
    chunks = min(max(1, len(configs)), max(1, math.ceil(2 * workers / max(replicates, 1))))
    if workers == 1:
        chunks = 1  # one process: a replicate's scenarios share its months before the levers
    size = max(1, math.ceil(len(configs) / chunks))
    tasks = []
    for r in range(replicates):
        runs = [(cfg, run_dir_for(root, cfg.scenario.name, r)) for cfg in configs]
        tasks += [(runs[i : i + size], r) for i in range(0, len(runs), size)]
    return tasks


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``k / n``."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _pool(workers: int, data_dir: str | None) -> Executor:
    """The kept pool when it has ``workers`` workers of the same data, else a new one."""
    global _KEPT_POOL
    if _KEPT_POOL is not None:
        key, pool = _KEPT_POOL
        _KEPT_POOL = None
        if key == (workers, data_dir):
            return pool
        pool.shutdown(wait=True)
    return process_pool(workers, _init_worker, (data_dir, os.getpid()))


def job_workers(n_jobs: int, runs: int) -> int:
    """Worker processes of a job of ``runs`` runs asked to use ``n_jobs`` (1: in-process)."""
    return min(worker_count(n_jobs) if n_jobs else 1, max(1, runs))


def start_pool(n_jobs: int, runs: int, data_dir: str | None) -> bool:
    """Start the workers of a job of ``runs`` runs now, for :func:`run_ensemble` to use.

    The ``hdsim`` command calls this as soon as its configuration is checked (it prints the
    posterior's notices itself before the first run: the workers are told not to), so the workers'
    start (Python, numpy, pandas, hdsim and Mesa imported and the county data loaded in each,
    2-4 s) overlaps what the parent still does before the first run (Hydra's set-up of the
    job, the scenario configs, the posterior's notices) instead of following it. The pool
    is kept as the outlook's is: :func:`run_ensemble` with the same workers and data takes it,
    any other shuts it down first; :func:`release_pool` or the process's exit ends it.

    Args:
        n_jobs: Processes asked for (see :func:`hdsim.utils.pool.worker_count`).
        runs: Runs of the job (no more workers than runs).
        data_dir: County folder of the job's runs (None: the embedded data).

    Returns:
        Whether a pool was started (not for a job that runs in this process).
    """
    global _KEPT_POOL
    workers = job_workers(n_jobs, runs)
    if workers == 1:
        return False
    release_pool()
    pool = process_pool(workers, _init_worker, (data_dir, os.getpid(), True))
    start_workers(pool, workers)
    _KEPT_POOL = ((workers, data_dir), pool)
    atexit.register(_stop_unused_pool)
    return True


def _stop_unused_pool() -> None:
    """At exit: end a pool no job took (the command failed after :func:`start_pool`) at once.

    Its workers may still be starting; waiting for them would delay the one-line error.
    """
    global _KEPT_POOL
    if _KEPT_POOL is not None:
        pool, _KEPT_POOL = _KEPT_POOL[1], None
        stop_pool(pool)


def release_pool() -> None:
    """Shut down the pool a job kept for its outlook (nothing when none is kept)."""
    global _KEPT_POOL
    if _KEPT_POOL is not None:
        _KEPT_POOL[1].shutdown(wait=True)
        _KEPT_POOL = None


def run_ensemble(
    configs: list[HdsimConfig],
    replicates: int,
    root: Path,
    n_jobs: int = 1,
    progress: bool = True,
    keep_pool: bool = False,
) -> pd.DataFrame:
    """Run every scenario config for ``replicates`` replicates and gather the county series.

    Args:
        configs: One validated config per scenario.
        replicates: Replicates per scenario (replicate k uses the same stream in every scenario).
        root: Job folder; runs go to ``root/runs/<scenario>/rep_<k>``.
        n_jobs: Processes (1 = in this process, -1 = one per core).
        progress: Show a progress bar with an ETA.
        keep_pool: Keep the worker processes for the next call (the outlook after the main
            job: its workers are warm, with the model imported and the data loaded; a new
            pool takes 2-4 s to be ready); :func:`release_pool` or the process's exit ends it.

    Returns:
        All runs' county series concatenated (also written to ``root/ensemble.parquet``).
    """
    global _KEPT_POOL
    n_runs = len(configs) * replicates
    workers = job_workers(n_jobs, n_runs)
    tasks = replicate_tasks(configs, replicates, root, workers)
    frames: list[pd.DataFrame] = []
    bar = tqdm(total=n_runs, desc="runs", unit="run", disable=not progress)
    started = time.perf_counter()
    data_dir = configs[0].data.dir if configs else None
    if workers == 1:
        release_pool()  # a pool started for another job shape (start_pool) is not used
        _init_worker(data_dir)
        for runs, r in tasks:
            frames += _work(runs, r)
            bar.update(len(runs))
    else:
        pool = _pool(workers, data_dir)
        try:
            futures = {pool.submit(_work, runs, r): len(runs) for runs, r in tasks}
            for fut in as_completed(futures):
                frames += fut.result()
                bar.update(futures[fut])
        except BaseException:  # Ctrl-C or a failed run: stop now, keep the finished runs
            bar.close()
            stop_pool(pool)
            raise
        if keep_pool:
            _KEPT_POOL = ((workers, data_dir), pool)
            atexit.register(release_pool)
        else:
            pool.shutdown(wait=True)
    bar.close()
    elapsed = time.perf_counter() - started
    ensemble = pd.concat(frames, ignore_index=True)
    ensemble = ensemble.take(job_order(ensemble, [cfg.scenario.name for cfg in configs]))
    atomic_write_parquet(root / "ensemble.parquet", ensemble.reset_index(drop=True))
    splits = [
        pd.read_parquet(d / "rate_change.parquet")
        for runs, _ in tasks
        for _, d in runs
        if (d / "rate_change.parquet").is_file()
    ]
    if splits:  # the statistical/behavioural split of every run (hdsim.model.recorder)
        atomic_write_parquet(root / "rate_change.parquet", pd.concat(splits, ignore_index=True))
    rate = n_runs / max(elapsed, 1e-9) * 60
    atomic_write_text(
        root / "timing.json",
        f'{{"runs": {n_runs}, "seconds": {elapsed:.2f}, "runs_per_minute": {rate:.2f}, '
        f'"processes": {workers}}}\n',
    )
    if configs:
        cfg0 = configs[0]
        write_job_fit(root / "t0_fit.csv", data_dir, cfg0.households.scale, cfg0.seed)
    return ensemble


def job_order(ensemble: pd.DataFrame, scenarios: list[str]) -> np.ndarray:
    """Row order of a job's series: scenario (in ``scenarios``' order), replicate, indicator, date.

    The order ``sort_values(["scenario order", "replicate", "indicator", "date"],
    kind="stable")`` gives, from one stable sort of one integer key built from each column's
    sorted codes (``pd.factorize``): the outlook's 4.2 million rows, concatenation included,
    in ~2 s where ``sort_values`` took 5.5 s, most of it mapping and comparing the text columns.

    Args:
        ensemble: Concatenated county series of the job's runs.
        scenarios: Scenario names in the job's order (every scenario of ``ensemble``).

    Returns:
        Row positions, for ``ensemble.take``.
    """
    key = np.zeros(len(ensemble), dtype=np.int64)
    scenario, names = pd.factorize(ensemble["scenario"])
    rank = {name: i for i, name in enumerate(scenarios)}
    columns = [(np.array([rank[n] for n in names], dtype=np.int64)[scenario], len(scenarios))]
    for column in ("replicate", "indicator", "date"):
        codes, values = pd.factorize(ensemble[column], sort=True)
        columns.append((codes, len(values)))
    for codes, size in columns:
        key *= size
        key += codes
    return np.argsort(key, kind="stable")


def summarise(
    ensemble: pd.DataFrame, target_year: int, target_rate: float, end_year: int
) -> pd.DataFrame:
    """The planner's table: one row per scenario (see the module docstring)."""
    end = pd.Timestamp(f"{target_year}-12-31")
    rows = []
    for scenario, runs in ensemble.groupby("scenario", sort=False):
        rate = runs[runs["indicator"] == "urbanization_rate"]
        at_end = rate[rate["date"] == end]["value"].to_numpy()
        hukou = runs[(runs["indicator"] == "hukou_urbanization_rate") & (runs["date"] == end)]
        mean_path = rate.groupby("date")["value"].mean()
        crossed = mean_path[mean_path >= target_rate]
        k = int((at_end >= target_rate).sum())
        n = int(at_end.size)
        lo, hi = wilson_interval(k, n)
        rows.append(
            {
                "scenario": scenario,
                "replicates": n,
                "rate_mean": float(at_end.mean()) if n else float("nan"),
                "rate_p05": float(pd.Series(at_end).quantile(0.05)) if n else float("nan"),
                "rate_p95": float(pd.Series(at_end).quantile(0.95)) if n else float("nan"),
                "p_reach": k / n if n else float("nan"),
                "p_reach_lo": lo,
                "p_reach_hi": hi,
                "year_mean_crosses": (
                    str(crossed.index[0].year) if len(crossed) else f"not by {end_year}"
                ),
                "hukou_rate_mean": float(hukou["value"].mean()) if len(hukou) else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def format_table(summary: pd.DataFrame, target_year: int, target_rate: float) -> str:
    """The summary as a Markdown table with percentages."""
    head = (
        f"| scenario | urbanization end {target_year}: mean [5%-95%] | "
        f"P(≥{target_rate:.0%}) [95% CI] | year mean crosses {target_rate:.0%} | "
        f"hukou urbanization end {target_year} |\n|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r.scenario} | {r.rate_mean:.2%} [{r.rate_p05:.2%}-{r.rate_p95:.2%}] | "
        f"{r.p_reach:.0%} [{r.p_reach_lo:.0%}-{r.p_reach_hi:.0%}] | {r.year_mean_crosses} | "
        f"{r.hukou_rate_mean:.2%} |"
        for r in summary.itertuples()
    ]
    return head + "\n".join(lines) + "\n"


def with_scenario(cfg: HdsimConfig, scenario: ScenarioConfig) -> HdsimConfig:
    """A copy of ``cfg`` running ``scenario`` instead."""
    return replace(cfg, scenario=scenario)
