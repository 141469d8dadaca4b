"""Structured-config dataclasses for hdsim, and their validation.

Hydra composes YAML files (``configs/``, ``scenarios/``, ``experiments/``) on top of these
dataclasses, so a wrong type is rejected when an override is merged. Ranges are declared as
field metadata (``bounds``) and checked by :func:`to_config`, which turns a composed
``DictConfig`` into a validated :class:`HdsimConfig` or raises :class:`ConfigError` with one line
naming the key, the bad value and the allowed range.

Every behavioural coefficient carries a ``status`` in its help text: ``calibrated`` (fitted to
Hongtong's observed figures), ``literature`` (taken from published estimates) or ``assumption``
(set by judgement, to be replaced). See ``docs/model.md`` for the equations they enter.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from hdsim.config.fields import MONTH_PATTERN, ConfigError, bounded, month
from hdsim.config.policies import (  # the levers of a scenario: hdsim/config/policies.py
    HukouReformLever,
    IndustrialClusterLever,
    LandSupplyLever,
    PoliciesConfig,
    PublicServicesLever,
    TownshipUpgradeLever,
)

__all__ = [
    "MONTH_PATTERN",
    "ConfigError",
    "HukouReformLever",
    "IndustrialClusterLever",
    "LandSupplyLever",
    "PoliciesConfig",
    "PublicServicesLever",
    "TownshipUpgradeLever",
    "bounded",
    "month",
]

# --------------------------------------------------------------------------------------------
# Simulation frame
# --------------------------------------------------------------------------------------------


@dataclass
class HorizonConfig:
    """Simulated period: monthly steps from the census month to the end of ``end_year``."""

    start: str = month("2020-11", "Census month the synthetic population reproduces (t0).")
    end_year: int = bounded(2025, 2021, 2060, "Last simulated year (runs to its December).")
    target_year: int = bounded(
        2025, 2021, 2060, "Year whose December rate is compared with the target."
    )
    plan_start_year: int = bounded(2023, 2020, 2060, "First year of the three-year action plan.")
    target_rate: float = bounded(0.55, 0.0, 1.0, "Resident urbanization target of the plan.")


@dataclass
class HouseholdsConfig:
    """Size of the synthetic population relative to the real county."""

    scale: float = bounded(
        1.0,
        0.001,
        8.0,
        "Households simulated per real household; results are reported in real persons.",
    )


@dataclass
class DataConfig:
    """Where the county data files live."""

    dir: str | None = field(
        default=None,
        metadata={
            "help": "Folder with the county CSV files; empty uses the embedded Hongtong data."
        },
    )


# --------------------------------------------------------------------------------------------
# Behaviour
# --------------------------------------------------------------------------------------------


@dataclass
class DemographyParams:
    """Vital rates and out-of-county migration of individuals."""

    mortality_multiplier: float = bounded(
        0.9005,
        0.2,
        5.0,
        "Scales the age-specific death probabilities (calibrated: ABC median).",
    )
    fertility_multiplier: float = bounded(
        1.127,
        0.0,
        5.0,
        "Scales the age-specific fertility rates (calibrated: ABC median).",
    )
    fertility_trend: float = bounded(
        -0.05,
        -0.5,
        0.5,
        "Yearly relative change of fertility (literature: China's births fell ~10%/yr 2020-22).",
    )
    departure_rate: float = bounded(
        0.08628,
        0.0,
        1.0,
        "Yearly probability a resident aged 16-34 leaves to work outside (calibrated: ABC median).",
    )
    return_rate: float = bounded(
        0.02252,
        0.0,
        1.0,
        "Yearly probability a person working outside comes back (calibrated: ABC median).",
    )
    job_response: float = bounded(
        1.5,
        0.0,
        10.0,
        "Elasticity of departures (down) and returns (up) to local job prospects (assumption).",
    )
    household_return_rate: float = bounded(
        0.02,
        0.0,
        1.0,
        "Yearly probability a household living outside the county comes back (assumption).",
    )


@dataclass
class LocationParams:
    """Random-utility (logit) choice of where a household lives."""

    consider_rate: float = bounded(
        0.1032,
        0.0,
        1.0,
        "Yearly probability a household considers moving (calibrated: ABC median).",
    )
    beta_income: float = bounded(
        1.2, 0.0, 10.0, "Utility per unit of log expected income (assumption, to calibrate)."
    )
    beta_school: float = bounded(
        0.9, 0.0, 10.0, "Utility of school quality for households with children (assumption)."
    )
    beta_health: float = bounded(
        0.6, 0.0, 10.0, "Utility of health and elderly-care quality for the elderly (assumption)."
    )
    beta_amenity: float = bounded(
        0.5, 0.0, 10.0, "Utility of urban amenity and infrastructure (assumption)."
    )
    beta_housing: float = bounded(
        2.0, 0.0, 20.0, "Disutility per unit housing-cost share of income (assumption)."
    )
    beta_hukou: float = bounded(
        0.8,
        0.0,
        10.0,
        "Disutility of being barred from urban services by an agricultural hukou (assumption).",
    )
    beta_land: float = bounded(
        0.35, 0.0, 10.0, "Disutility per log(1+mu) of farmland left behind (assumption)."
    )
    moving_cost: float = bounded(
        1.741, 0.0, 20.0, "Fixed disutility of moving (calibrated: ABC median)."
    )
    moving_cost_per_km: float = bounded(
        0.02, 0.0, 1.0, "Disutility per km between origin village and destination (assumption)."
    )
    beta_peers: float = bounded(
        2.0,
        0.0,
        20.0,
        "Utility per share of village peers already at the destination (assumption).",
    )
    asc_county_city: float = bounded(
        3.23,
        -10.0,
        10.0,
        "Alternative-specific constant of the county city (calibrated: ABC median).",
    )
    asc_seat: float = bounded(
        0.4927,
        -10.0,
        10.0,
        "Constant of town and township seats (calibrated: ABC median).",
    )
    asc_outside: float = bounded(
        -0.6396, -10.0, 10.0, "Constant of leaving the county (calibrated: ABC median)."
    )
    asc_return_village: float = bounded(
        -2.0, -10.0, 10.0, "Constant of returning to the home village (assumption, hand-set)."
    )
    elderly_inertia: float = bounded(
        1.0, 0.0, 10.0, "Extra moving disutility when the household head is 60+ (assumption)."
    )
    outside_wage_ratio: float = bounded(
        1.45, 0.5, 5.0, "Wage outside the county relative to the county city (assumption)."
    )


@dataclass
class LabourParams:
    """Firms' hiring, wages and farm income."""

    separation_rate: float = bounded(
        0.012, 0.0, 0.5, "Monthly probability an employee leaves the job (assumption)."
    )
    commute_km: float = bounded(
        12.0, 0.0, 100.0, "Distance scale of daily commuting, km (assumption)."
    )
    wage_growth: float = bounded(
        0.067, -0.2, 0.5, "Yearly nominal wage growth (official: urban income +6.7%/yr 2015-20)."
    )
    farm_income_per_mu: float = bounded(
        900.0, 0.0, 10000.0, "Net farm income, yuan per mu and year (estimate)."
    )
    retirement_age: int = bounded(60, 45, 80, "Age at which workers leave firm jobs.")
    hire_efficiency: float = bounded(
        0.5, 0.0, 1.0, "Share of open vacancies filled per month when seekers exist (assumption)."
    )


@dataclass
class HukouParams:
    """Conversion of agricultural hukou into urban (non-agricultural) hukou."""

    conversion_rate: float = bounded(
        0.02,
        0.0,
        1.0,
        "Yearly probability an eligible urban household converts its hukou (assumption, hand-set).",
    )
    residence_months: int = bounded(
        24, 0, 240, "Months of urban residence required before conversion (assumption)."
    )


@dataclass
class TownshipParams:
    """Services, housing and built-up growth of townships and the county city."""

    congestion: float = bounded(
        0.5, 0.0, 5.0, "Elasticity of service quality to capacity per user (assumption)."
    )
    housing_elasticity: float = bounded(
        1.5, 0.0, 10.0, "Elasticity of house prices to occupancy (assumption)."
    )
    builtup_density: float = bounded(
        9000.0, 1000.0, 50000.0, "Residents per km² of built-up area (estimate)."
    )
    builtup_growth_km2: float = bounded(
        0.833,
        0.0,
        20.0,
        "Yearly built-up growth of the county city on trend, km² (calibrated: ABC median).",
    )
    km2_per_village: float = bounded(
        0.9,
        0.05,
        20.0,
        "Built-up growth that absorbs one adjoining village into the urban area, km² (estimate).",
    )
    housing_units_growth: float = bounded(
        0.015, 0.0, 0.5, "Yearly growth of county-city housing on trend (estimate)."
    )


@dataclass
class BehaviourConfig:
    """All behavioural parameters, grouped by mechanism."""

    demography: DemographyParams = field(default_factory=DemographyParams)
    location: LocationParams = field(default_factory=LocationParams)
    labour: LabourParams = field(default_factory=LabourParams)
    hukou: HukouParams = field(default_factory=HukouParams)
    townships: TownshipParams = field(default_factory=TownshipParams)


# --------------------------------------------------------------------------------------------
# Policies (the levers and the budget: hdsim/config/policies.py)
# --------------------------------------------------------------------------------------------


@dataclass
class ScenarioConfig:
    """A named set of policy levers and the question it answers."""

    name: str = "baseline"
    label_zh: str = "基准情景"
    question: str = "Where does the trend lead without new policy?"
    policies: PoliciesConfig = field(default_factory=PoliciesConfig)


# --------------------------------------------------------------------------------------------
# Run and outputs
# --------------------------------------------------------------------------------------------


@dataclass
class DesignConfig:
    """A sampled design over parameters (uncertainties and levers); see docs/experiments.md."""

    method: str = field(
        default="none",
        metadata={"help": "Sampler: none, lhs (Latin hypercube), sobol (Saltelli) or morris."},
    )
    samples: int = bounded(
        0,
        0,
        1_000_000,
        "Base size: rows (lhs), N of Saltelli (N*(D+2) rows), Morris trajectories (N*(D+1) rows).",
    )
    levels: int = bounded(4, 2, 100, "Grid levels of the Morris trajectories.")
    seed: int = bounded(20201101, 0, 2**32 - 1, "Seed of the design sampler (not of the runs).")
    parameters: dict[str, Any] = field(
        default_factory=dict,
        metadata={"help": "Dotted config key -> [low, high] range of each sampled parameter."},
    )


@dataclass
class ExperimentConfig:
    """Identity of a sweep job: the experiment, and the design row it runs (if any)."""

    name: str = field(default="", metadata={"help": "Experiment name (experiments/<name>.yaml)."})
    sample_id: int | None = field(
        default=None,
        metadata={"help": "Row of the design this job runs; empty runs the config as it is."},
    )
    crn_across_samples: bool = field(
        default=False,
        metadata={
            "help": "Share a replicate's random stream across design rows (default: each row "
            "has its own streams)."
        },
    )
    design: DesignConfig = field(default_factory=DesignConfig)


class CalibrationUse(StrEnum):
    """Where a run takes its fitted behavioural parameters from."""

    posterior = "posterior"
    point = "point"


@dataclass
class CalibrationConfig:
    """Parameter uncertainty: draw the fitted behaviour of each replicate from the posterior.

    See ``docs/calibration.md``. With ``use: posterior`` replicate k of every scenario draws one
    accepted parameter set of the stored ABC posterior (the draw depends on the base seed and
    k only, so scenarios share it: common random numbers); the drawn values replace the
    fitted parameters of ``behaviour``. ``use: point`` keeps the values of ``behaviour`` (the
    point estimate in ``configs/behaviour/hongtong.yaml``, or your own overrides).
    """

    use: CalibrationUse = field(
        default=CalibrationUse.posterior,
        metadata={"help": "posterior (draw per replicate) or point (the behaviour values)."},
    )
    file: str | None = field(
        default=None,
        metadata={"help": "Posterior CSV; empty uses hdsim/data/calibration/posterior.csv."},
    )


@dataclass
class OutputConfig:
    """What a run writes."""

    dir: str = field(default=".", metadata={"help": "Output folder (Hydra's run dir by default)."})
    township_series: bool = field(
        default=True, metadata={"help": "Write township time series beside the county series."}
    )
    report: bool = field(
        default=True,
        metadata={"help": "Build the main job's report (hdsim-report, Chinese) when it ends."},
    )


@dataclass
class HdsimConfig:
    """The complete configuration of an hdsim job."""

    seed: int = bounded(20201101, 0, 2**63 - 1, "Base seed of the experiment.")
    replicates: int = bounded(20, 1, 10000, "Replicates (seeds) per scenario.")
    replicate: int | None = field(
        default=None,
        metadata={"help": "Run only this replicate (used by sweeps); empty runs all replicates."},
    )
    n_jobs: int = bounded(1, -1, 256, "Processes for the replicates of the main job (-1 = cores).")
    progress: bool = field(default=True, metadata={"help": "Show a progress bar."})
    compare: list[str] = field(
        default_factory=lambda: [
            "baseline",
            "hukou_reform",
            "public_services",
            "industrial_cluster",
            "seven_actions",
        ],
        metadata={"help": "Scenarios the main job compares; `scenario=X` narrows it to X."},
    )
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    horizon: HorizonConfig = field(default_factory=HorizonConfig)
    households: HouseholdsConfig = field(default_factory=HouseholdsConfig)
    data: DataConfig = field(default_factory=DataConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _check(obj: Any, path: str) -> None:
    """Check bounds and month fields of a dataclass tree, raising a one-line ConfigError."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}.{f.name}" if path else f.name
        if dataclasses.is_dataclass(value):
            _check(value, key)
            continue
        bounds = f.metadata.get("bounds")
        if bounds is not None and value is not None:
            lo, hi = bounds
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ConfigError(
                    f"{key}={value} is out of range: it must lie in [{lo}, {hi}] "
                    f"({f.metadata['help']})"
                )
        if f.metadata.get("month") and not MONTH_PATTERN.match(str(value)):
            raise ConfigError(f"{key}={value!r} is not a month: write it as YYYY-MM, e.g. 2023-01")
    if isinstance(obj, PoliciesConfig):
        obj.check_budget()  # again: the values may have changed since construction
    if isinstance(obj, HorizonConfig):
        start_year = int(obj.start[:4])
        if obj.end_year <= start_year:
            raise ConfigError(
                f"horizon.end_year={obj.end_year} must come after the start {obj.start}"
            )
        if not start_year < obj.target_year <= obj.end_year:
            raise ConfigError(
                f"horizon.target_year={obj.target_year} must lie between the start year "
                f"and horizon.end_year={obj.end_year}"
            )


def to_config(cfg: DictConfig | HdsimConfig) -> HdsimConfig:
    """Turn a composed config into a validated :class:`HdsimConfig`.

    Args:
        cfg: A ``DictConfig`` composed by Hydra (or an ``HdsimConfig`` already built).

    Returns:
        The validated dataclass tree.

    Raises:
        ConfigError: A value has the wrong type or lies outside its range.
    """
    if isinstance(cfg, HdsimConfig):
        obj = cfg
    else:
        try:
            if OmegaConf.get_type(cfg) is not HdsimConfig:  # untyped: type it by the schema
                cfg = OmegaConf.merge(OmegaConf.structured(HdsimConfig), cfg)
            obj = OmegaConf.to_object(cfg)  # Hydra's composition is typed already: 20x faster
        except Exception as exc:  # omegaconf raises several error classes
            raise ConfigError(_one_line(exc)) from exc
    assert isinstance(obj, HdsimConfig)
    _check(obj, "")
    return obj


def _one_line(exc: Exception) -> str:
    """Condense an OmegaConf error into one line naming the key."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    key = getattr(exc, "full_key", None)
    return f"{key}: {first}" if key else first


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore so YAML files are validated against it."""
    cs = ConfigStore.instance()
    cs.store(name="hdsim_schema", node=HdsimConfig)
    cs.store(group="scenario", name="scenario_schema", node=ScenarioConfig)
