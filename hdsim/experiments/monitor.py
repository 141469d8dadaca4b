"""Hydra callback of an experiment: job records, error files, progress with an ETA, timing.

Experiment configs enable it with::

    hydra:
      callbacks:
        sweep_monitor:
          _target_: hdsim.experiments.monitor.SweepMonitor

What it does, under any launcher (basic, joblib, submitit, ...):

- before the sweep (main process): counts the jobs, checks that a swept
  ``experiment.sample_id`` stays inside the design (one-line error otherwise), and by default
  (``validate_jobs: first``) lets Hydra's basic sweeper compose only the first job up front
  instead of all of them serially (see :func:`_validate_first_job_only`);
- after each job (in the process that ran it): writes ``job.json`` in the job folder (status,
  seconds, whether the run was resumed, peak memory of the worker, process id, host) and, when
  the job failed, ``_ERROR`` (exception, then traceback); a later successful run removes it;
- during the sweep (a thread of the main process): every ``interval`` seconds, counts the job
  records written since the sweep started and prints ``done/total``, runs per minute and an ETA,
  also written to ``progress.json`` in the sweep folder (readable from a login node);
- at the end, also when the sweep raised because a job failed: writes ``timing.json`` in the
  sweep folder (wall time, runs per minute, failures, peak memory per worker) and prints one
  line.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import socket
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from hdsim.config.fields import ConfigError
from hdsim.run import SUCCESS
from hdsim.utils.io import atomic_write_text, make_folder

ERROR = "_ERROR"
JOB_RECORD = "job.json"


def _format_seconds(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 3600:d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def sweep_jobs(config: DictConfig) -> list[list[str]] | None:
    """The overrides of every job of a basic-sweeper multirun, in launch order.

    Returns:
        One override list per job, or None when another sweeper decides the jobs.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    sweeper = config.hydra.get("sweeper", {})
    if not str(sweeper.get("_target_", "")).endswith("BasicSweeper"):  # others decide the jobs
        return None
    params = sweeper.get("params") or {}
    lines = [f"{k}={v}" for k, v in params.items()]
    lines += list(config.hydra.overrides.task)
    overrides = OverridesParser.create().parse_overrides(lines)
    batches = BasicSweeper.split_arguments(overrides, None)
    return batches[0] if batches else []


def swept_values(jobs: list[list[str]], key: str) -> list[str]:
    """Values that ``key`` takes across the jobs."""
    out = []
    for job in jobs:
        for item in job:
            k, _, v = item.partition("=")
            if k.lstrip("+~") == key:
                out.append(v)
    return out


def check_design_sweep(config: DictConfig, jobs: list[list[str]]) -> None:
    """Check that a swept ``experiment.sample_id`` covers rows of the declared design only.

    Raises:
        ConfigError: A swept row does not exist in the design.
    """
    from hdsim.experiments.design import design_size
    from hdsim.model.config import to_config

    values = swept_values(jobs, "experiment.sample_id")
    if not values:
        return
    task = OmegaConf.masked_copy(config, [str(k) for k in config if k != "hydra"])
    spec = to_config(task).experiment.design
    size = design_size(spec)
    rows = sorted({int(v) for v in values})
    if rows[0] < 0 or rows[-1] >= size:
        raise ConfigError(
            f"experiment.sample_id sweeps rows {rows[0]}..{rows[-1]} but the {spec.method} "
            f"design has {size} rows: sweep experiment.sample_id=range(0,{size})"
        )
    if len(rows) < size:
        print(
            f"hdsim: note: the sweep covers {len(rows)} of the design's {size} rows",
            file=sys.stderr,
            flush=True,
        )


def _validate_first_job_only() -> None:
    """Make Hydra's basic sweeper compose only the first job of a batch before launching.

    ``BasicSweeper.validate_batch_is_legal`` composes every job's config in the main process
    (to catch errors early); with hdsim's large schema that serial step dominates short runs.
    The patch lives in this process only, for the sweep the monitor watches.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    original = BasicSweeper.validate_batch_is_legal
    if getattr(original, "_hdsim_first_only", False):
        return

    def first_only(self: BasicSweeper, batch: Any) -> None:
        original(self, list(batch)[:1])

    first_only._hdsim_first_only = True  # type: ignore[attr-defined]
    BasicSweeper.validate_batch_is_legal = first_only  # type: ignore[method-assign,assignment]


class SweepMonitor(Callback):
    """Hydra callback writing job records, error files, progress and the sweep's timing."""

    def __init__(
        self, interval: float = 10.0, verbose: bool = True, validate_jobs: str = "first"
    ) -> None:
        """Configure the monitor.

        Args:
            interval: Seconds between two progress lines.
            verbose: Print progress lines (``progress.json`` is written either way).
            validate_jobs: ``all``: Hydra's basic sweeper composes every job's config in the
                main process before launching any (about 0.3-0.6 s per job with hdsim's
                schema, serial, which caps the speed-up of parallel launchers); ``first``:
                only the first job of each batch is composed up front, the others compose in
                their own process and a bad value fails that job only (with its ``_ERROR``).
        """
        if validate_jobs not in ("all", "first"):
            raise ValueError(f"validate_jobs must be 'all' or 'first', not {validate_jobs!r}")
        self.interval = float(interval)
        self.verbose = bool(verbose)
        self.validate_jobs = validate_jobs
        self.sweep_dir: Path | None = None
        self.total: int | None = None
        self.started_wall: float = 0.0
        self.started_epoch: float = 0.0
        self.experiment: str = ""
        self.launcher: str = ""
        self._job_started: float = 0.0
        self._job_epoch: float = 0.0
        self._finished = False
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled for the worker processes without the main process's thread."""
        state = self.__dict__.copy()
        state["_stop"] = None
        state["_thread"] = None
        return state

    # ---------------------------------------------------------------------- main process

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Count the jobs, check the design, start the progress thread."""
        self.sweep_dir = Path(str(config.hydra.sweep.dir)).resolve()
        make_folder(self.sweep_dir)
        self.experiment = str(OmegaConf.select(config, "experiment.name", default="") or "")
        self.launcher = str(OmegaConf.select(config, "hydra.launcher._target_", default=""))
        jobs = sweep_jobs(config)
        if jobs is not None:
            self.total = len(jobs)
            try:
                check_design_sweep(config, jobs)
            except ConfigError as exc:  # Hydra would only warn about a callback's exception
                print(f"hdsim: error: {exc}", file=sys.stderr, flush=True)
                sys.exit(2)
        if self.validate_jobs == "first":
            _validate_first_job_only()
        self.started_wall = time.perf_counter()
        self.started_epoch = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="hdsim-progress", daemon=True)
        self._thread.start()
        atexit.register(self._finish)
        total = f"{self.total} jobs" if self.total is not None else "jobs"
        self._say(f"sweep {self.experiment or '(unnamed)'}: {total} -> {self.sweep_dir}")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Stop the progress thread and write ``timing.json``."""
        self._finish(completed=True)

    def _say(self, line: str) -> None:
        if self.verbose:
            print(f"hdsim: {line}", file=sys.stderr, flush=True)

    def records(self) -> list[dict[str, Any]]:
        """Job records written since this sweep started."""
        assert self.sweep_dir is not None
        out = []
        for path in self.sweep_dir.rglob(JOB_RECORD):
            try:
                if path.stat().st_mtime + 1.0 < self.started_epoch:
                    continue
                out.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                continue  # a record being replaced right now
        return [r for r in out if r.get("finished_at", 0) >= self.started_epoch - 1.0]

    def progress(self) -> dict[str, Any]:
        """Counts, rate and ETA of the sweep so far."""
        recs = self.records()
        done = len(recs)
        failed = sum(r["status"] == "failed" for r in recs)
        resumed = sum(bool(r.get("resumed")) for r in recs)
        elapsed = time.perf_counter() - self.started_wall
        rate = done / elapsed * 60 if elapsed > 0 else 0.0
        eta = None
        if self.total is not None and done:
            eta = (self.total - done) / (done / elapsed)
        return {
            "experiment": self.experiment,
            "total": self.total,
            "done": done,
            "failed": failed,
            "resumed": resumed,
            "elapsed_seconds": round(elapsed, 2),
            "runs_per_minute": round(rate, 2),
            "eta_seconds": None if eta is None else round(eta, 1),
        }

    def _poll(self) -> None:
        assert self._stop is not None and self.sweep_dir is not None
        while not self._stop.wait(self.interval):
            p = self.progress()
            atomic_write_text(self.sweep_dir / "progress.json", json.dumps(p, indent=2) + "\n")
            total = p["total"] if p["total"] is not None else "?"
            eta = "?" if p["eta_seconds"] is None else _format_seconds(p["eta_seconds"])
            self._say(
                f"{p['done']}/{total} runs ({p['failed']} failed), "
                f"{p['runs_per_minute']:.1f} runs/min, elapsed "
                f"{_format_seconds(p['elapsed_seconds'])}, ETA {eta}"
            )

    def _finish(self, completed: bool = False) -> None:
        """Write ``timing.json`` and say how the sweep ended.

        Args:
            completed: Hydra reached the end of the sweep (``on_multirun_end``). Called at exit
                instead, the sweep stopped early: a job failed, the launcher could not submit,
                or the user interrupted it.
        """
        if self._finished or self.sweep_dir is None:
            return
        self._finished = True
        if self._stop is not None:
            self._stop.set()
        p = self.progress()
        recs = self.records()
        peaks: dict[str, float] = {}
        for r in recs:
            key = f"{r.get('host')}:{r.get('pid')}"
            peaks[key] = max(peaks.get(key, 0.0), float(r.get("peak_rss_mb", 0.0)))
        executed = [r for r in recs if not r.get("resumed")]
        ended = completed or (self.total is not None and p["done"] >= self.total)
        timing = p | {
            "completed": ended,
            "launcher": self.launcher,
            "workers_seen": len(peaks),
            "peak_rss_mb_per_worker_max": round(max(peaks.values()), 1) if peaks else None,
            "peak_rss_mb_per_worker_mean": (
                round(sum(peaks.values()) / len(peaks), 1) if peaks else None
            ),
            "run_seconds_mean": (
                round(sum(r["seconds"] for r in executed) / len(executed), 3) if executed else None
            ),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.started_epoch)),
        }
        atomic_write_text(self.sweep_dir / "progress.json", json.dumps(p, indent=2) + "\n")
        atomic_write_text(self.sweep_dir / "timing.json", json.dumps(timing, indent=2) + "\n")
        total = f" of {self.total}" if self.total is not None else ""
        line = (
            f"sweep {'done' if ended else 'stopped'}: {p['done']}{total} runs "
            f"({p['resumed']} resumed, {p['failed']} failed) in "
            f"{_format_seconds(p['elapsed_seconds'])}, {p['runs_per_minute']:.1f} runs/min"
        )
        if p["failed"]:
            line += f"; failed runs have an {ERROR} file, list them with hdsim-aggregate"
        self._say(line)

    # ---------------------------------------------------------------------- job process

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Note when the job started."""
        self._job_started = time.perf_counter()
        self._job_epoch = time.time()

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Write ``job.json`` and, for a failed job, ``_ERROR``."""
        job_dir = Path(str(config.hydra.runtime.output_dir))
        failed = job_return.status == JobStatus.FAILED
        success = job_dir / SUCCESS
        resumed = (
            not failed and success.exists() and success.stat().st_mtime < self._job_epoch - 0.5
        )
        record = {
            "status": "failed" if failed else "complete",
            "job_num": int(config.hydra.job.num),
            "overrides": list(config.hydra.overrides.task),
            "seconds": round(time.perf_counter() - self._job_started, 3),
            "resumed": bool(resumed),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "finished_at": time.time(),
        }
        if failed:
            exc = job_return._return_value
            head = f"{type(exc).__name__}: {exc}".splitlines()[0] if exc is not None else "failed"
            body = "".join(traceback.format_exception(exc)) if exc is not None else ""
            record["error"] = head
            atomic_write_text(job_dir / ERROR, head + "\n\n" + body)
        else:
            (job_dir / ERROR).unlink(missing_ok=True)
        atomic_write_text(job_dir / JOB_RECORD, json.dumps(record, indent=2) + "\n")
