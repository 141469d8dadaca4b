"""Comparators: what simple extrapolations of the observed rate say, beside the model's baseline.

Three standard methods, all fitted to the observed resident urbanization rates of the targets
file (the 2020 census and the end-2022 bulletin, plus any later row a planner adds):

- **linear trend**: least squares ``rate = a + b t``, extrapolated;
- **logistic (S-curve)**: least squares ``logit(rate / K) = a + b t`` with a saturation
  level ``K`` (default 0.75, a long-run level typical of Chinese prefectures; with two
  observations the ceiling has to be assumed, which is why it is a parameter);
- **UN urban-rural growth difference (URGD)**: the UN method of *World Urbanization
  Prospects*: ``logit(rate) = ln(U/R)`` grows by the difference between the urban and rural
  growth rates; the observed difference converges linearly, over ``convergence_years`` (25),
  to a hypothetical norm (``urgd_norm``, 2.75% a year, the UN's conventional value).

The model's baseline is the posterior-predictive ensemble (mean and 5-95% band over runs that
draw their behaviour from the posterior). :func:`comparator_table` returns all of them in one
tidy table (method, date, rate, p05, p95) for the report's table and chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hdsim.calibration.targets import DAYS_PER_YEAR, CalibrationError, TargetSet

LOGISTIC_CEILING = 0.75
"""Saturation level of the logistic comparator (assumption)."""
URGD_NORM = 0.0275
"""Hypothetical urban-rural growth difference the UN method converges to, per year."""
URGD_CONVERGENCE_YEARS = 25.0
"""Years over which the observed URGD converges to the norm (UN convention)."""


def observed_rates(targets: TargetSet) -> pd.DataFrame:
    """Observed urbanization rates (and residents, where given) from the targets' ``level`` rows.

    Returns:
        date, rate, residents (NaN where the targets give no population that day), sorted by
        date.

    Raises:
        CalibrationError: Fewer than two dates with an observed rate.
    """
    levels = [t for t in targets.targets if t.statistic == "level" and t.kind != "bound"]
    rates = {t.date: t.value for t in levels if t.indicator == "urbanization_rate"}
    pops = {t.date: t.value for t in levels if t.indicator == "resident_population"}
    if len(rates) < 2:
        raise CalibrationError("the comparators need observed urbanization rates on two dates")
    frame = pd.DataFrame({"date": list(rates), "rate": list(rates.values())}).sort_values(
        "date", ignore_index=True
    )
    frame["residents"] = frame["date"].map(pops).astype(float)
    return frame


def _years(dates: pd.Series | pd.DatetimeIndex, origin: pd.Timestamp) -> np.ndarray:
    return np.asarray((pd.DatetimeIndex(dates) - origin).days, dtype=float) / DAYS_PER_YEAR


def linear_trend(observed: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """Least-squares straight line through the observed rates, at ``dates``."""
    origin = observed["date"].iloc[0]
    b, a = np.polyfit(_years(observed["date"], origin), observed["rate"], 1)
    return np.clip(a + b * _years(dates, origin), 0.0, 1.0)


def logistic_fit(
    observed: pd.DataFrame, dates: pd.DatetimeIndex, ceiling: float = LOGISTIC_CEILING
) -> np.ndarray:
    """Least-squares logistic curve with saturation ``ceiling``, at ``dates``."""
    if not (observed["rate"] < ceiling).all():
        raise CalibrationError(f"logistic ceiling {ceiling} must exceed every observed rate")
    origin = observed["date"].iloc[0]
    share = observed["rate"].to_numpy() / ceiling
    b, a = np.polyfit(_years(observed["date"], origin), np.log(share / (1 - share)), 1)
    z = a + b * _years(dates, origin)
    return ceiling / (1.0 + np.exp(-z))


def urgd_projection(
    observed: pd.DataFrame,
    dates: pd.DatetimeIndex,
    norm: float = URGD_NORM,
    convergence_years: float = URGD_CONVERGENCE_YEARS,
) -> np.ndarray:
    """UN urban-rural growth-difference projection from the last observation, at ``dates``.

    The observed URGD is the least-squares slope of ``ln(U/R) = logit(rate)`` over the
    observations; after the last observation it moves linearly to ``norm`` over
    ``convergence_years``. Before the last observation the fitted line is returned.
    """
    origin = observed["date"].iloc[0]
    t_obs = _years(observed["date"], origin)
    logit = np.log(observed["rate"] / (1 - observed["rate"])).to_numpy()
    urgd, a = np.polyfit(t_obs, logit, 1)
    t_last, z_last = t_obs[-1], logit[-1]
    t = _years(dates, origin)
    s = np.maximum(t - t_last, 0.0)
    c = np.minimum(s, convergence_years)
    # integral of urgd + (norm - urgd) * min(s', T)/T ds' from 0 to s
    gain = urgd * s + (norm - urgd) * (c * c / (2 * convergence_years) + (s - c))
    z = np.where(t <= t_last, a + urgd * t, z_last + gain)
    return 1.0 / (1.0 + np.exp(-z))


def year_ends(first_year: int, last_year: int) -> pd.DatetimeIndex:
    """December 31 of each year from ``first_year`` to ``last_year``."""
    return pd.DatetimeIndex([pd.Timestamp(f"{y}-12-31") for y in range(first_year, last_year + 1)])


def abm_band(ensemble: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Mean and 5-95% quantiles of the model's urbanization rate over runs, at ``dates``."""
    rate = ensemble[(ensemble["indicator"] == "urbanization_rate") & ensemble["date"].isin(dates)]
    grouped = rate.groupby("date")["value"]
    return pd.DataFrame(
        {
            "rate": grouped.mean(),
            "p05": grouped.quantile(0.05),
            "p95": grouped.quantile(0.95),
            "runs": grouped.size(),
        }
    ).reset_index()


def comparator_table(
    targets: TargetSet,
    ensemble: pd.DataFrame | None,
    last_year: int,
    ceiling: float = LOGISTIC_CEILING,
    norm: float = URGD_NORM,
) -> pd.DataFrame:
    """The comparators and the model's baseline at each year end, as one tidy table.

    Args:
        targets: Targets holding the observed rates.
        ensemble: County series of the model's baseline runs (tidy), or None.
        last_year: Last year end to project to.
        ceiling: Saturation level of the logistic comparator.
        norm: Hypothetical URGD of the UN method.

    Returns:
        Columns method, date, rate, p05, p95 (bands for the model only); plus the observed
        points as method ``observed``.
    """
    observed = observed_rates(targets)
    dates = year_ends(observed["date"].iloc[0].year, last_year)
    parts = [
        pd.DataFrame(
            {"method": "linear trend", "date": dates, "rate": linear_trend(observed, dates)}
        ),
        pd.DataFrame(
            {
                "method": f"logistic (ceiling {ceiling:.0%})",
                "date": dates,
                "rate": logistic_fit(observed, dates, ceiling),
            }
        ),
        pd.DataFrame(
            {
                "method": "UN urban-rural growth difference",
                "date": dates,
                "rate": urgd_projection(observed, dates, norm),
            }
        ),
        observed.assign(method="observed")[["method", "date", "rate"]],
    ]
    if ensemble is not None and len(ensemble):
        band = abm_band(ensemble, dates)
        parts.append(band.assign(method="hdsim baseline (posterior predictive)"))
    table = pd.concat(parts, ignore_index=True)
    for column in ("p05", "p95", "runs"):
        if column not in table:
            table[column] = np.nan
    return table[["method", "date", "rate", "p05", "p95", "runs"]]


def wide_comparison(table: pd.DataFrame) -> pd.DataFrame:
    """The comparator table with one column per method and one row per year end."""
    ends = table[table["method"] != "observed"]
    wide = ends.pivot_table(index="date", columns="method", values="rate", sort=False)
    return wide.sort_index()


DRIVER_FLOWS: tuple[str, ...] = (
    "births",
    "deaths",
    "leave_county_individuals",
    "return_individuals",
    "moves_to_county_city",
    "moves_to_seats",
)
"""Yearly flows (persons) shown beside the model's pace, to say where it comes from."""


def baseline_drivers(ensemble: pd.DataFrame, periods: list[tuple[int, int]]) -> pd.DataFrame:
    """The model's yearly pace and flows by period, averaged over runs.

    Args:
        ensemble: County series of the baseline runs (tidy).
        periods: ``(first_year, last_year)`` pairs, e.g. ``[(2021, 2022), (2023, 2025)]``.

    Returns:
        One row per period: the yearly change of the urbanization rate (points), the yearly
        flows of DRIVER_FLOWS (persons), and villages reclassified per year.
    """
    year = ensemble["date"].dt.year
    rows = []
    for first, last in periods:
        years = last - first + 1
        start, end = pd.Timestamp(f"{first - 1}-12-31"), pd.Timestamp(f"{last}-12-31")
        row: dict[str, float | str] = {"period": f"{first}-{last}"}
        levels = ensemble[ensemble["date"].isin([start, end])]
        for name, column in (
            ("urbanization_rate", "pace_points"),
            ("reclassified_villages", "villages_reclassified"),
        ):
            part = levels[levels["indicator"] == name].pivot_table(
                index="replicate", columns="date", values="value"
            )
            if start in part and end in part:
                scale = 100.0 if name == "urbanization_rate" else 1.0
                row[column] = float((part[end] - part[start]).mean() * scale / years)
        inside = ensemble[(year >= first) & (year <= last)]
        for flow in DRIVER_FLOWS:
            part = inside[inside["indicator"] == flow]
            if len(part):
                row[flow] = float(part.groupby("replicate")["value"].sum().mean() / years)
        rows.append(row)
    return pd.DataFrame(rows)
