"""The Python API: compose a configuration, run replicates or an ensemble, get pandas frames.

Everything here takes the path the ``hdsim`` command takes (the same composition of
``hdsim/conf``, the same effective configuration per replicate, the same runner), so it gives
the same numbers::

    import hdsim

    cfg = hdsim.compose("hukou_reform", ["households.scale=0.02", "horizon.end_year=2021"])
    run = hdsim.run_replicate(cfg, replicate=3)          # run.county: tidy pandas frame
    job = hdsim.run_ensemble(["baseline", "seven_actions"], replicates=4,
                             overrides=["households.scale=0.02"], n_jobs=2)
    job.summary                                           # the planner's table

:class:`CountyModel` builds the Mesa model itself; given a replicate it resolves the same
effective configuration as :func:`run_replicate`, and without one it refuses a configuration
whose posterior draw is unresolved. See ``docs/api.md``.

Importing this module (and so ``hdsim``) is light: the functions import the engine when called,
so ``python -m hdsim.<module>`` and processes that build no model do not load it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hdsim.composition import compose

if TYPE_CHECKING:
    import pandas as pd

    from hdsim.data import CountyData
    from hdsim.model.config import HdsimConfig
    from hdsim.model.model import CountyModel as _Model

__all__ = [
    "CountyModel",
    "Ensemble",
    "Run",
    "compose",
    "effective_config",
    "load_run_config",
    "run_ensemble",
    "run_replicate",
]


def load_run_config(run_dir: str | Path, overrides: Iterable[str] = ()) -> HdsimConfig:
    """The configuration a run folder recorded (its ``config.yaml``), ready to run again."""
    return compose(overrides=overrides, config_dir=run_dir, config_name="config")


@dataclass
class Run:
    """One replicate's results.

    Attributes:
        config: The effective configuration it ran with (what ``config.yaml`` records).
        county: Tidy monthly county series (scenario, replicate, seed, date, indicator, value).
        township: Tidy monthly series by township and settlement type.
        seconds: Wall time of building and running the model.
    """

    config: HdsimConfig
    county: pd.DataFrame
    township: pd.DataFrame
    seconds: float


@dataclass
class Ensemble:
    """An ensemble's results.

    Attributes:
        county: County series of every run, concatenated (``ensemble.parquet``).
        summary: The planner's table, one row per scenario (``summary.csv``).
        root: Job folder holding the runs.
    """

    county: pd.DataFrame
    summary: pd.DataFrame
    root: Path


def effective_config(config: HdsimConfig, replicate: int) -> HdsimConfig:
    """The effective configuration of a replicate (:mod:`hdsim.calibration.effective`)."""
    from hdsim.calibration.effective import effective_config as resolve

    return resolve(config, replicate)


def _config(config: HdsimConfig | str, overrides: Iterable[str]) -> HdsimConfig:
    """A configuration given, or composed from a scenario name and overrides."""
    from hdsim.calibration.effective import with_overrides
    from hdsim.model.config import HdsimConfig

    if isinstance(config, HdsimConfig):
        return with_overrides(config, overrides)
    return compose(config, overrides)


def run_replicate(
    config: HdsimConfig | str = "baseline",
    replicate: int = 0,
    *,
    overrides: Iterable[str] = (),
    data: CountyData | None = None,
) -> Run:
    """Run one replicate, as ``hdsim scenario=<name> replicate=<k>`` does.

    Args:
        config: A configuration (from :func:`compose`) or a scenario name.
        replicate: Replicate number (selects the random stream and the posterior particle).
        overrides: Hydra overrides applied when composing from a scenario name; behaviour keys
            among them are recorded as the user's (they win over the posterior draw).
        data: County data; loaded from ``config.data.dir`` when omitted.

    Returns:
        The effective configuration and the run's tidy frames.
    """
    from hdsim.run import run_replicate as run_effective

    cfg = effective_config(_config(config, overrides), replicate)
    result = run_effective(cfg, replicate, data)
    return Run(cfg, result.county, result.township, result.seconds)


def run_ensemble(
    scenarios: Sequence[str] | None = None,
    replicates: int | None = None,
    *,
    overrides: Iterable[str] = (),
    n_jobs: int = 1,
    root: str | Path | None = None,
    progress: bool = False,
) -> Ensemble:
    """Run scenarios × replicates, as the ``hdsim`` main job does, and summarise them.

    Args:
        scenarios: Scenario names; the configuration's ``compare`` list by default.
        replicates: Replicates per scenario; the configuration's ``replicates`` by default.
        overrides: Hydra overrides of the shared configuration.
        n_jobs: Processes (1 = this process, -1 = one per core).
        root: Job folder (runs are kept there and reused when complete); a temporary folder
            by default.
        progress: Show a progress bar.

    Returns:
        The county series of every run and the planner's table.
    """
    from hdsim.ensemble import run_ensemble as run_all
    from hdsim.ensemble import summarise, with_scenario
    from hdsim.model.scenarios import load_scenario

    base = compose(overrides=overrides)
    names = list(scenarios) if scenarios is not None else list(base.compare)
    configs = [
        base if name == base.scenario.name else with_scenario(base, load_scenario(name))
        for name in names
    ]
    folder = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="hdsim-"))
    reps = int(replicates if replicates is not None else base.replicates)
    county = run_all(configs, reps, folder, n_jobs, progress)
    h = base.horizon
    summary = summarise(county, h.target_year, h.target_rate, h.end_year)
    return Ensemble(county=county, summary=summary, root=folder)


class CountyModel:
    """Build the county model (:class:`hdsim.model.model.CountyModel`) of a configuration.

    ``CountyModel(cfg, replicate=k)`` resolves the effective configuration of replicate ``k``
    and seeds the model with that replicate's stream: ``.run()`` then gives what
    :func:`run_replicate` gives. ``CountyModel(cfg)`` accepts an effective configuration only
    (point estimate, or a recorded particle) and refuses a posterior one with a one-line error,
    so Python and the command line cannot disagree silently. The model (and Mesa) is imported
    on the first call, not when ``hdsim`` is imported.
    """

    def __new__(
        cls, config: HdsimConfig, replicate: int | None = None, **kwargs: Any
    ) -> _Model:
        """Build the model.

        Args:
            config: Validated configuration.
            replicate: Replicate whose effective configuration and random stream to use.
            **kwargs: Passed to the model (``data``, ``seed_sequence``, ``household_path``).

        Returns:
            The Mesa model, built at the census.

        Raises:
            ConfigError: No replicate is given and the posterior draw is unresolved.
        """
        from hdsim.model.config import require_effective
        from hdsim.model.model import CountyModel as Model
        from hdsim.run import run_seed

        if replicate is not None:
            config = effective_config(config, replicate)
            kwargs.setdefault("seed_sequence", run_seed(config, replicate))
        require_effective(config)
        return Model(config, **kwargs)
