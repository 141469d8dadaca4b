"""Running the model for candidate parameter sets and returning their target statistics.

A calibration run is the baseline scenario with the candidate's values written into
``behaviour`` (``calibration.use = point``, so the stored posterior never interferes), at the
calibration scale, to the last year the targets need. Run ``i`` of a calibration uses replicate
``i`` of the calibration's own seed: every simulation has its own random stream, so the
accepted ensemble carries the model's randomness as well as the parameters' uncertainty.

:class:`Simulator` evaluates a batch in this process or in worker processes (``n_jobs``), each
worker loading the county data once.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import Executor

import numpy as np
import pandas as pd

from hdsim.calibration.effective import run_effective
from hdsim.calibration.priors import with_parameters
from hdsim.calibration.targets import TargetSet, statistics
from hdsim.config.frame import CalibrationUse
from hdsim.data import CountyData, load_county_data
from hdsim.model.config import HdsimConfig, to_config
from hdsim.model.scenarios import load_scenario
from hdsim.utils.pool import process_pool, worker_count

_WORKER: dict[str, object] = {}


def project_config(overrides: list[str] | None = None) -> HdsimConfig:
    """The project's composed configuration (``hdsim/conf/hdsim.yaml``) with Hydra overrides.

    Raises:
        ConfigError: An override is malformed or a value is out of range (one line).
    """
    from hdsim.composition import compose

    return compose(overrides=list(overrides or []))


def calibration_config(
    base: HdsimConfig, targets: TargetSet, scale: float, seed: int | None = None
) -> HdsimConfig:
    """The configuration calibration runs start from.

    Args:
        base: The project's configuration (its behaviour supplies the parameters not fitted).
        targets: Targets; the horizon is extended to the last year they need.
        scale: Households simulated per real household.
        seed: Base seed of the calibration's runs (default: ``base.seed``).

    Returns:
        The baseline scenario, point behaviour, at ``scale``, running to the targets' end.
    """
    end_year = max(targets.end_year, int(base.horizon.start[:4]) + 1)
    horizon = dataclasses.replace(
        base.horizon,
        end_year=end_year,
        target_year=min(base.horizon.target_year, end_year),
    )
    cfg = dataclasses.replace(
        base,
        scenario=load_scenario("baseline"),
        horizon=horizon,
        households=dataclasses.replace(base.households, scale=float(scale)),
        calibration=dataclasses.replace(base.calibration, use=CalibrationUse.point),
        seed=int(base.seed if seed is None else seed),
    )
    return to_config(cfg)


def simulate(
    cfg: HdsimConfig,
    values: dict[str, float],
    replicate: int,
    targets: TargetSet,
    data: CountyData | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Run one candidate and compute its statistics.

    Args:
        cfg: Calibration configuration (see :func:`calibration_config`).
        values: Dotted behavioural parameters to set.
        replicate: Replicate (random stream) of the run.
        targets: Targets whose statistics are computed.
        data: County data (loaded when omitted).

    Returns:
        The statistics in target order, and the run's county series.
    """
    run_cfg = dataclasses.replace(cfg, behaviour=with_parameters(cfg.behaviour, values))
    county = run_effective(run_cfg, replicate, data).county
    return statistics(county, targets), county


def reported_indicators(cfg: HdsimConfig, data: CountyData | None = None) -> set[str]:
    """The county indicators a run of ``cfg`` reports (from its census-day record).

    Builds the model once without stepping it (the recorder records the census day when the
    model is built), so targets naming an indicator the model lacks can be skipped up front.
    """
    from hdsim.calibration.effective import effective_config
    from hdsim.model.model import CountyModel  # heavy import kept out of module import
    from hdsim.run import run_seed

    run_cfg = effective_config(cfg, 0)
    model = CountyModel(run_cfg, data=data, seed_sequence=run_seed(run_cfg, 0))
    return set(model.recorder.county_frame()["indicator"].unique())


def _init(cfg: HdsimConfig, targets: TargetSet) -> None:
    _WORKER["data"] = load_county_data(cfg.data.dir)
    _WORKER["cfg"] = cfg
    _WORKER["targets"] = targets


def _work(values: dict[str, float], replicate: int) -> np.ndarray:
    cfg = _WORKER["cfg"]
    targets = _WORKER["targets"]
    data = _WORKER["data"]
    assert isinstance(cfg, HdsimConfig) and isinstance(targets, TargetSet)
    assert isinstance(data, CountyData)
    return simulate(cfg, values, replicate, targets, data)[0]


class Simulator:
    """Evaluates batches of parameter sets, numbering their runs from 0 upwards.

    Attributes:
        cfg: Calibration configuration.
        targets: Targets whose statistics every run returns (fitted and held out).
        n_jobs: Worker processes (1 = this process, -1 = one per core).
        runs: Runs done so far (the next run uses this replicate number).
        seconds: Wall time spent simulating.
    """

    def __init__(self, cfg: HdsimConfig, targets: TargetSet, n_jobs: int = 1) -> None:
        """Prepare the simulator; worker processes start on the first parallel batch."""
        self.cfg = cfg
        self.targets = targets
        self.n_jobs = worker_count(int(n_jobs)) if n_jobs else 1
        self.runs = 0
        self.seconds = 0.0
        self._pool: Executor | None = None
        self._data: CountyData | None = None

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __call__(self, batch: list[dict[str, float]]) -> np.ndarray:
        """Statistics of every parameter set of ``batch`` (rows), one fresh replicate each."""
        started = time.perf_counter()
        replicates = list(range(self.runs, self.runs + len(batch)))
        self.runs += len(batch)
        if self.n_jobs == 1 or len(batch) == 1:
            if self._data is None:
                self._data = load_county_data(self.cfg.data.dir)
            rows = [
                simulate(self.cfg, v, r, self.targets, self._data)[0]
                for v, r in zip(batch, replicates, strict=True)
            ]
        else:
            if self._pool is None:
                self._pool = process_pool(self.n_jobs, _init, (self.cfg, self.targets))
            rows = list(self._pool.map(_work, batch, replicates, chunksize=4))
        self.seconds += time.perf_counter() - started
        return np.vstack(rows) if rows else np.zeros((0, len(self.targets)))
