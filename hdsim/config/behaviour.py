"""Behavioural parameters of the mechanisms, grouped by mechanism.

Every coefficient carries a ``status`` in its help text: ``calibrated`` (fitted to the county's
observed figures), ``literature`` (taken from published estimates), ``estimate`` or
``assumption`` (set by judgement, to be replaced). See ``docs/model.md`` for the equations they
enter; ``hdsim/conf/behaviour/`` holds the calibrated point values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hdsim.config.fields import bounded


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
