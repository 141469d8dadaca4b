"""hdsim's process-pool launcher for Hydra sweeps (``hydra/launcher=hdsim_joblib``).

Hydra instantiates launchers only from the ``hydra_plugins`` package, so the class lives here;
the work is done by :mod:`hdsim.experiments.pool`, which says why it exists: the sweep's
context goes to each worker once instead of with every job. Configured in
``hdsim/conf/hydra/launcher/hdsim_joblib.yaml``::

    hdsim -m +experiment=lever_grid hydra/launcher=hdsim_joblib hydra.launcher.n_jobs=2
"""

from collections.abc import Sequence
from concurrent.futures import Executor

from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class PoolLauncher(Launcher):
    """Hydra launcher: a loky process pool that receives the sweep context once per worker."""

    def __init__(self, n_jobs: int = -1) -> None:
        """Configure the pool.

        Args:
            n_jobs: Worker processes; -1 is one per core, -2 all cores but one.
        """
        self.n_jobs = int(n_jobs)
        self.config: DictConfig | None = None
        self.task_function: TaskFunction | None = None
        self.hydra_context: HydraContext | None = None
        self.executor: Executor | None = None

    def setup(
        self,
        *,
        hydra_context: HydraContext,
        task_function: TaskFunction,
        config: DictConfig,
    ) -> None:
        """Keep the sweep's context and start the workers (Hydra calls this once, first).

        The workers start while the sweeper checks every job's config; the first batch of
        jobs runs on them.
        """
        from hdsim.experiments.pool import start

        self.config = config
        self.task_function = task_function
        self.hydra_context = hydra_context
        self.executor = start(
            hydra_context=hydra_context, task_function=task_function, config=config,
            n_jobs=self.n_jobs,
        )  # fmt: skip

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Run the jobs on the pool; results come back in the order of ``job_overrides``."""
        from hdsim.experiments.pool import launch

        assert self.config is not None and self.task_function is not None
        assert self.hydra_context is not None
        executor, self.executor = self.executor, None  # the started pool serves one batch
        return launch(
            hydra_context=self.hydra_context,
            task_function=self.task_function,
            config=self.config,
            job_overrides=job_overrides,
            initial_job_idx=initial_job_idx,
            n_jobs=self.n_jobs,
            executor=executor,
        )
