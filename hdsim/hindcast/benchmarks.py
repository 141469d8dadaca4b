"""Benchmarks of the hindcast: what simple methods, knowing the same things, say for 2020.

The county is known at one census (2010), so a trend of its own rate cannot be fitted; each
trend takes its slope from the province's decade (the figures a planner of 2010 would have
extrapolated from the provincial plans, here the province's census rates 2010 and 2020, stated
as such in the validation note):

- **linear trend**: the county's 2010 rate plus the province's change in points a year;
- **logistic trend**: ``logit(rate / K)`` of the county moves as the province's does, with the
  ceiling ``K`` of the calibration's comparators (0.75);
- **UN urban-rural growth difference**: ``ln(U / R) = logit(rate)`` grows by the province's
  URGD, which converges linearly to the UN norm (2.75% a year) over 25 years (*World
  Urbanization Prospects* method, as in :mod:`hdsim.calibration.comparators`);
- **no change**: every figure as at the 2010 census (for the figures without a trend method);
- **cohort-component without migration choice** is the model's own demography with the
  location step off, run by :mod:`hdsim.hindcast.pipeline` (not here).

Residents under the trend methods follow the province's growth of residents; urban residents
are the rate times the residents.
"""

from __future__ import annotations

import math

from hdsim.calibration.comparators import LOGISTIC_CEILING, URGD_CONVERGENCE_YEARS, URGD_NORM

YEARS: float = 10.0
"""Years from the 2010 census (2010-11-01) to the 2020 census (2020-11-01)."""


def _logit(x: float) -> float:
    return math.log(x / (1.0 - x))


def _expit(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def linear(rate0: float, prov0: float, prov1: float, years: float = YEARS) -> float:
    """The county's rate moved by the province's change in points."""
    return min(max(rate0 + (prov1 - prov0) / YEARS * years, 0.0), 1.0)


def logistic(
    rate0: float, prov0: float, prov1: float, years: float = YEARS,
    ceiling: float = LOGISTIC_CEILING,
) -> float:
    """The county's ``logit(rate / K)`` moved as the province's."""
    rate0 = min(rate0, 0.999 * ceiling)
    slope = (_logit(min(prov1, 0.999 * ceiling) / ceiling)
             - _logit(min(prov0, 0.999 * ceiling) / ceiling)) / YEARS
    return ceiling * _expit(_logit(rate0 / ceiling) + slope * years)


def urgd(
    rate0: float, prov0: float, prov1: float, years: float = YEARS,
    norm: float = URGD_NORM, convergence: float = URGD_CONVERGENCE_YEARS,
) -> float:
    """UN method: the province's URGD converging to the norm, applied to the county's logit."""
    d0 = (_logit(prov1) - _logit(prov0)) / YEARS
    c = min(years, convergence)
    gain = d0 * years + (norm - d0) * (c * c / (2.0 * convergence) + (years - c))
    return _expit(_logit(rate0) + gain)


def trend_benchmarks(
    start: dict[str, float], prov: tuple[float, float], prov_residents: tuple[float, float]
) -> dict[str, dict[str, float]]:
    """Point forecasts of the benchmark methods for every figure they cover.

    Args:
        start: The county's figures at the 2010 census (:func:`figures.start_figures`).
        prov: The province's rate at the 2010 and 2020 censuses.
        prov_residents: The province's residents at the two censuses.

    Returns:
        Method -> figure -> forecast for 2020.
    """
    r0 = start["urbanization_rate"]
    residents = start["residents"] * prov_residents[1] / prov_residents[0]
    out: dict[str, dict[str, float]] = {}
    for name, rate in (
        ("linear trend", linear(r0, *prov)),
        ("logistic trend", logistic(r0, *prov)),
        ("UN URGD", urgd(r0, *prov)),
    ):
        out[name] = {
            "urbanization_rate": rate,
            "residents": residents,
            "urban_residents": rate * residents,
        }
    out["no change"] = dict(start)
    return out
