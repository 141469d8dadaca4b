"""The worker side and the dispatch loop of hdsim's process-pool launcher.

Hydra's joblib launcher pickles the whole job context (the Hydra context with its config
repository, the sweep config, the task function and Hydra's singleton state) for every job and
sends back every job's full config. For hdsim that is about 0.07 s of the main process's CPU
per job, taken from the same cores the workers run on: at 0.1x scale (jobs of about 1 s) it
capped the speed-up on 2 cores at 1.66x.

:func:`launch` keeps a loky worker pool (hdsim's one pool,
:func:`hdsim.utils.pool.process_pool`: spawned processes, BLAS threads capped, workers that
exit with their parent) but hands the context to each worker once, in the worker
initializer, and then sends each job only its index and overrides. A job returns a slim
:class:`~hydra.core.utils.JobReturn` (status, return value, overrides, working folder) without
the two configs Hydra would otherwise keep in the main process for every job. Each job still
composes its own config in its worker and runs through :func:`hydra.core.utils.run_job`, so job
folders, callbacks and outputs are those of any other launcher.

The launcher starts its pool when Hydra sets it up (:func:`start`), before the sweeper composes
every job's config once to check it (about 0.03 s a job in the main process): the workers'
start (Python, numpy, pandas, Hydra, hdsim and Mesa imported in each, about 2 s) overlaps that
check instead of following it. The first batch runs on that pool; each later call of
:func:`launch` (a sweeper that sends many small batches, e.g. an optimiser) starts a fresh one.

The Hydra plugin itself (the class Hydra instantiates) is
``hydra_plugins.hdsim_launchers.pool_launcher.PoolLauncher``; it lives under ``hydra_plugins``
because Hydra only accepts launchers from there, and it calls :func:`launch`. Functions the
workers run are here, in an importable module, so they are pickled by reference.
"""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, run_job, setup_globals
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict

from hdsim.utils.io import make_folder
from hdsim.utils.pool import process_pool, start_workers, stop_pool, worker_count

log = logging.getLogger(__name__)

WARM_MODULE = "hdsim.model.model"
"""Module a worker imports when it starts: the model, with Mesa (1.3-2 s), which every job
needs. (``hdsim.run`` imports the model only inside ``run_replicate``: warming it left the
Mesa import to each worker's first job, inside the sweep's timed window.)"""

# The sweep context of this worker process, set once by _init_worker.
_WORKER: dict[str, Any] = {}


def _init_worker(
    hydra_context: HydraContext,
    config: DictConfig,
    task_function: TaskFunction,
    singleton_state: dict[Any, Any],
) -> None:
    """Receive the sweep's context once, when the worker process starts."""
    setup_globals()
    Singleton.set_state(singleton_state)
    _WORKER.update(hydra_context=hydra_context, config=config, task_function=task_function)
    importlib.import_module(WARM_MODULE)  # what every job imports: paid while the parent checks


def _run_one(idx: int, overrides: Sequence[str]) -> JobReturn:
    """Compose and run one job in this worker; return its slim result."""
    from hydra.core.hydra_config import HydraConfig

    hydra_context: HydraContext = _WORKER["hydra_context"]
    sweep_config = hydra_context.config_loader.load_sweep_config(_WORKER["config"], list(overrides))
    with open_dict(sweep_config):
        sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
        sweep_config.hydra.job.num = idx
    HydraConfig.instance().set_config(sweep_config)
    ret = run_job(
        hydra_context=hydra_context,
        config=sweep_config,
        task_function=_WORKER["task_function"],
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )
    gc.collect()  # the job's model is a reference cycle: free it before the next job
    return slim(ret)


def slim(ret: JobReturn) -> JobReturn:
    """The job's result without its two configs (they are in the job's ``.hydra`` folder)."""
    out = JobReturn(
        overrides=ret.overrides,
        working_dir=ret.working_dir,
        task_name=ret.task_name,
        status=ret.status,
    )
    out._return_value = ret._return_value
    return out


def start(
    *,
    hydra_context: HydraContext,
    task_function: TaskFunction,
    config: DictConfig,
    n_jobs: int,
) -> Executor:
    """Start the pool's workers now (they set up while the sweeper checks the jobs).

    Args:
        hydra_context: Hydra's context of the sweep (config loader, callbacks).
        task_function: The application's task function.
        config: The sweep's config (before any job's overrides).
        n_jobs: Worker processes (see :func:`hdsim.utils.pool.worker_count`).

    Returns:
        The pool, for :func:`launch`.
    """
    workers = worker_count(n_jobs)
    executor = process_pool(  # the one pool helper: thread caps, workers watch this process
        workers,
        initializer=_init_worker,  # runs once per worker: the context is pickled once
        initargs=(hydra_context, config, task_function, Singleton.get_state()),
    )
    start_workers(executor, workers)  # spawns every worker now
    return executor


def launch(
    *,
    hydra_context: HydraContext,
    task_function: TaskFunction,
    config: DictConfig,
    job_overrides: Sequence[Sequence[str]],
    initial_job_idx: int,
    n_jobs: int,
    executor: Executor | None = None,
) -> list[JobReturn]:
    """Run the jobs on the pool; results come back in the order of ``job_overrides``.

    Args:
        hydra_context: Hydra's context of the sweep (config loader, callbacks).
        task_function: The application's task function.
        config: The sweep's config (before any job's overrides).
        job_overrides: One override list per job.
        initial_job_idx: Hydra's job number of the first job of this batch.
        n_jobs: Worker processes (see :func:`hdsim.utils.pool.worker_count`).
        executor: A pool from :func:`start` for these jobs (shut down at the end); None
            starts a fresh one of at most one worker per job.

    Returns:
        One slim :class:`JobReturn` per job.
    """
    setup_globals()
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    sweep_dir = Path(str(config.hydra.sweep.dir))
    make_folder(sweep_dir)
    workers = min(worker_count(n_jobs), max(1, len(job_overrides)))
    if executor is not None:
        workers = worker_count(n_jobs)
    log.info("hdsim pool of %d workers is launching %d jobs", workers, len(job_overrides))
    log.info("Launching jobs, sweep output dir : %s", sweep_dir)
    for idx, overrides in enumerate(job_overrides):
        log.info("\t#%d : %s", initial_job_idx + idx, " ".join(filter_overrides(overrides)))
    if executor is None:
        executor = process_pool(  # the one pool helper: thread caps, workers watch this process
            workers,
            initializer=_init_worker,  # runs once per worker: the context is pickled once
            initargs=(hydra_context, config, task_function, Singleton.get_state()),
        )
    try:  # submitting starts the workers: an interrupt may come while they start
        futures = [
            executor.submit(_run_one, initial_job_idx + idx, list(overrides))
            for idx, overrides in enumerate(job_overrides)
        ]
        results = [f.result() for f in futures]
    except KeyboardInterrupt:  # Ctrl-C: cancel the queued jobs, end the running ones now
        stop_pool(executor)
        raise SweepInterrupted(sweep_dir) from None
    except BaseException:  # a worker died: do not start the queued jobs
        stop_pool(executor)
        raise
    executor.shutdown(wait=True)
    return results


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: its workers are stopped; finished jobs stay in ``folder``.

    Attributes:
        folder: The sweep folder (rerunning the sweep into it reuses the finished jobs).
    """

    def __init__(self, folder: Path) -> None:
        """Record the sweep folder the interrupted jobs wrote into."""
        super().__init__(str(folder))
        self.folder = folder
