"""Shared fixtures: small validated configs, the embedded data, and cached small runs."""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from hdsim.calibration.effective import run_effective
from hdsim.config.frame import CalibrationUse
from hdsim.data import CountyData, load_county_data
from hdsim.model.config import HdsimConfig, to_config
from hdsim.model.scenarios import load_scenario
from hdsim.run import RunResult

SMALL_SCALE = 0.05
TINY_JOB = [
    "households.scale=0.02",
    "horizon.end_year=2021",
    "horizon.target_year=2021",
    "replicates=1",
    "compare=[baseline]",
    "n_jobs=1",
    "progress=false",
    "output.report=false",
]
"""Overrides of an ``hdsim`` job of a few seconds: one replicate of the baseline, 2% of the
households, 14 months, no report (the command-line fault tests add their calibration)."""


@cache
def county_data() -> CountyData:
    """The embedded Hongtong data, loaded once per test session."""
    return load_county_data()


def small_config(
    scenario: str = "baseline", scale: float = SMALL_SCALE, **horizon: int
) -> HdsimConfig:
    """A validated config of ``scenario`` at a small scale."""
    cfg = HdsimConfig(scenario=load_scenario(scenario))
    cfg.households.scale = scale
    cfg.horizon = dataclasses.replace(cfg.horizon, **horizon)
    return to_config(cfg)


@cache
def small_run(
    scenario: str = "baseline", replicate: int = 0, scale: float = SMALL_SCALE
) -> RunResult:
    """One small run, computed once per session and shared by tests."""
    return run_effective(small_config(scenario, scale), replicate, county_data())


@pytest.fixture(scope="session")
def data() -> CountyData:
    return county_data()


def point(cfg: HdsimConfig) -> HdsimConfig:
    """``cfg`` with its own behaviour values (point calibration), for building a model directly.

    ``CountyModel`` refuses a posterior configuration whose draw is unresolved; tests of model
    mechanics that build it directly run the configuration's behaviour values as they are.
    """
    calibration = dataclasses.replace(cfg.calibration, use=CalibrationUse.point)
    return dataclasses.replace(cfg, calibration=calibration)
