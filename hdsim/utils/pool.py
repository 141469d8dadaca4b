"""The one process pool of hdsim: the main job, target seeking, calibration and sweeps use it.

:func:`process_pool` starts worker processes that

- cap their BLAS/OpenMP threads at their share of the cores (:func:`thread_limits`; without
  it each worker's numpy starts one thread per core and the workers fight for the cores),
  set in the worker's environment before it imports anything;
- watch their parent and exit when it dies (a ``kill -9`` of the parent leaves no orphan
  running on): a daemon thread checks every :data:`WATCH_SECONDS` that the parent is still
  the process that started the pool;
- run the caller's initializer once (e.g. load the county data, receive a sweep context),
  then freeze what they hold (``gc.freeze``: later collections skip it).

Workers are loky processes (spawned, so a crashed worker is reported instead of waited on),
except inside a loky worker itself (a sweep job running a main job), where a nested loky pool
fails: there the standard library's pool with the ``forkserver`` start method is used, with
the same set-up.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

WATCH_SECONDS = 0.5
"""How often (seconds) a worker checks that its parent is alive."""

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
"""Environment variables that set the thread count of numpy's BLAS and OpenMP libraries."""


def worker_count(n_jobs: int) -> int:
    """Worker processes for ``n_jobs`` (-1: one per core; -2: all cores but one, as joblib).

    Raises:
        ValueError: ``n_jobs`` is 0.
    """
    cores = os.cpu_count() or 1
    if n_jobs == 0:
        raise ValueError("n_jobs must not be 0: use -1 for one worker per core")
    return max(1, n_jobs if n_jobs > 0 else cores + 1 + n_jobs)


def thread_limits(workers: int) -> dict[str, str]:
    """Environment capping each worker's BLAS/OpenMP threads at its share of the cores.

    A value the user set is kept.
    """
    share = str(max(1, (os.cpu_count() or 1) // max(1, workers)))
    return {name: os.environ.get(name, share) for name in THREAD_VARIABLES}


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _watch_parent(parent: int, creator: int) -> None:
    """Exit this process as soon as its parent changes or the pool's creator dies.

    The creator (the process that asked for the pool) is watched too because a worker may be
    a grandchild of it (forkserver), or may start after the creator was already killed.
    """
    while os.getppid() == parent and _alive(creator):
        time.sleep(WATCH_SECONDS)
    os._exit(70)


def _bootstrap(
    env: dict[str, str],
    creator: int,
    initializer: Callable[..., Any] | None,
    initargs: tuple[Any, ...],
) -> None:
    """Worker set-up: thread caps, the parent watch, the caller's initializer, a frozen heap.

    What the worker holds once set up (modules, the county data, a sweep's context) lives as
    long as the worker: it is moved out of the cyclic collector's generations
    (``gc.freeze``), so the collection after each run scans only what the run made. A full
    collection was ~90 ms a run in a warm worker (~115,000 objects of Mesa, pandas, Hydra and
    the data), 10% of a run at scale 0.1; frozen, ~1 ms.
    """
    os.environ.update(env)
    # Ctrl-C in a terminal reaches the whole process group: the pool's creator stops its
    # workers (stop_pool), so a worker does not die mid-run with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _alive(creator):  # the job was killed while this worker was starting
        os._exit(70)
    parent = os.getppid()  # the pool's process (or, with forkserver, the server)
    threading.Thread(target=_watch_parent, args=(parent, creator), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)
    gc.collect()
    gc.freeze()


def in_loky_worker() -> bool:
    """Whether this process is a worker of a loky pool (where a nested loky pool fails)."""
    process = sys.modules.get("multiprocessing")
    name = process.current_process().name if process is not None else ""
    return "LokyProcess" in name or "loky" in name.lower()


def process_pool(
    n_jobs: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Executor:
    """A pool of ``worker_count(n_jobs)`` processes set up as the module docstring says.

    Args:
        n_jobs: Worker processes (-1: one per core, -2: all but one).
        initializer: Run once in each worker after the set-up (must be importable).
        initargs: Arguments of ``initializer`` (pickled once per worker).

    Returns:
        A :class:`concurrent.futures.Executor`; use it as a context manager, or call
        ``shutdown``.
    """
    workers = worker_count(n_jobs)
    env = thread_limits(workers)
    setup = (env, os.getpid(), initializer, tuple(initargs))
    if in_loky_worker():
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context, set_start_method

        # A new process is told the start method of its creator, and a loky worker's is
        # 'loky', which the forkserver's children cannot find ("cannot find context for
        # 'loky'"): this worker's own children are forkserver children.
        set_start_method("forkserver", force=True)
        return ProcessPoolExecutor(
            workers, mp_context=get_context("forkserver"), initializer=_bootstrap, initargs=setup
        )
    from joblib.externals.loky import ProcessPoolExecutor as LokyExecutor

    return LokyExecutor(max_workers=workers, env=env, initializer=_bootstrap, initargs=setup)


def _ready() -> bool:
    """A task that returns at once (submitting it starts a worker)."""
    return True


def start_workers(pool: Executor, workers: int) -> None:
    """Start ``pool``'s ``workers`` processes now rather than at its first real task.

    Loky spawns every worker at the first submit, the standard pool one per task: one no-op
    task per worker starts them all either way, so their imports overlap the caller's work.
    """
    for _ in range(max(1, workers)):
        pool.submit(_ready)


def stop_pool(pool: Executor) -> None:
    """Cancel the queued runs of ``pool`` and end its workers without waiting for them.

    Cancelling loky's pending futures from outside races its manager thread, which may then
    fail on a work item: that thread's traceback is silenced (:func:`_quiet_manager_thread`).
    A run cut short leaves no ``_SUCCESS`` (it is written last), so a rerun recomputes it;
    finished runs are kept.
    """
    _quiet_manager_thread()
    for fut in getattr(pool, "_pending_work_items", {}).values():
        fut.future.cancel()
    processes = list(getattr(pool, "_processes", {}).values())  # stdlib pool: no kill option
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    from concurrent.futures import ProcessPoolExecutor

    if isinstance(pool, ProcessPoolExecutor):  # the standard library's pool (nested case)
        pool.shutdown(wait=False, cancel_futures=True)
    else:  # loky: no cancel_futures, but it can kill its workers
        pool.shutdown(wait=False, kill_workers=True)  # type: ignore[call-arg]


def _quiet_manager_thread() -> None:
    """Drop the traceback loky's manager thread prints when its workers are killed under it.

    Killing the workers while the manager thread hands out queued work makes it fail (a
    ``KeyError`` or ``InvalidStateError`` on a work item): harmless, since the pool is being
    abandoned, but it would print a traceback after the one line the user gets.
    """
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.thread is not None and args.thread.name == "ExecutorManagerThread":
            return
        previous(args)

    threading.excepthook = hook
