"""Costs, the yearly budget, and urbanization gained per 亿元.

Every lever has a capital cost (``cost_yi``, 亿元 at intensity 1) spent evenly over its ramp,
and a running cost (``running_yi``, 亿元 a year at intensity 1) from its start month on; a
scenario pays them times the lever's intensity (乡→镇 upgrades: per upgraded township). The
plan is deterministic, so it can be checked before a run:

- :func:`spending_plan`: 亿元 per month and lever;
- :func:`budget_plan`: 亿元 available per month: ``budget.yearly_yi / 12``, plus, from its
  start, the investment-and-financing lever's ``extra_yearly_yi / 12`` times its intensity;
- :func:`yearly_plan`: both summed by calendar year (the budget lines);
- :func:`check_budget`: a one-line :class:`ConfigError` when a year's planned spending
  exceeds its budget line, unless ``budget.allow_over_budget`` is true.

During a run the policies book what they spend each month (``PolicyEffects.spending``); the
recorder writes it as ``spending_<lever>`` and ``spending_total`` beside ``budget_line_yi``.
:func:`cost_effectiveness` compares the scenarios of an ensemble with the baseline of the same
replicates (common random numbers): urbanization gained by the target year, money spent by
then, percentage points per 亿元 and 亿元 per percentage point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hdsim.config.fields import ConfigError
from hdsim.utils.calendar import month_number

if TYPE_CHECKING:
    from hdsim.config.policies import Lever, PoliciesBase

TOLERANCE_YI = 1e-6
"""Rounding slack of the budget check, 亿元."""


def lever_spending(lever: Lever, first: int, months: int) -> np.ndarray:
    """亿元 a lever spends in each of ``months`` months from absolute month ``first``.

    A lever that starts before ``first`` starts at ``first`` (as in a run whose horizon
    begins after the lever's start month).
    """
    out = np.zeros(months)
    units = lever.cost_units()
    if units <= 0:
        return out
    start = max(month_number(lever.start) - first, 0)
    if start >= months:
        return out
    ramp = max(int(lever.ramp_months), 1)
    out[start : start + ramp] += units * lever.cost_yi / ramp
    out[start:] += units * lever.running_yi / 12.0
    return out


def spending_plan(policies: PoliciesBase, first: str, months: int) -> dict[str, np.ndarray]:
    """Planned spending of every lever that is on, per month from ``first`` (YYYY-MM)."""
    origin = month_number(first)
    return {
        name: lever_spending(lever, origin, months)
        for name, lever in policies.levers().items()
        if lever.is_on()
    }


def budget_plan(policies: PoliciesBase, first: str, months: int) -> np.ndarray:
    """亿元 available in each of ``months`` months from ``first`` (YYYY-MM)."""
    line = np.full(months, policies.budget.yearly_yi / 12.0)
    finance = policies.investment_financing
    if finance.is_on():
        start = max(month_number(finance.start) - month_number(first), 0)
        line[start:] += finance.intensity * finance.extra_yearly_yi / 12.0
    return line


def _plan_years(policies: PoliciesBase) -> range:
    """Calendar years in which the plan's spending can peak."""
    on = [lv for lv in policies.levers().values() if lv.is_on()]
    if not on:
        return range(0)
    first = min(int(lv.start[:4]) for lv in on)
    last = max((month_number(lv.start) + max(int(lv.ramp_months), 1) - 1) // 12 for lv in on)
    return range(first, last + 2)


def yearly_plan(policies: PoliciesBase, years: range | None = None) -> pd.DataFrame:
    """Planned spending by lever, its total and the budget line, by calendar year (亿元).

    Args:
        policies: The scenario's policies.
        years: Calendar years to show; by default from the first start to the year after
            the last ramp ends.

    Returns:
        One row per year: a column per lever that is on, ``total`` and ``budget``.
    """
    years = years if years is not None else _plan_years(policies)
    if len(years) == 0:
        return pd.DataFrame(columns=["total", "budget"], dtype=float)
    first = f"{years[0]}-01"
    months = 12 * len(years)
    plan = spending_plan(policies, first, months)
    table = pd.DataFrame(
        {name: values.reshape(-1, 12).sum(axis=1) for name, values in plan.items()},
        index=pd.Index(list(years), name="year"),
    )
    table["total"] = table.sum(axis=1)
    table["budget"] = budget_plan(policies, first, months).reshape(-1, 12).sum(axis=1)
    return table


def check_budget(policies: PoliciesBase) -> None:
    """Reject a scenario whose planned spending exceeds its budget line in some year.

    Raises:
        ConfigError: One line naming the year, the amounts, the largest levers and the fixes.
    """
    if policies.budget.allow_over_budget:
        return
    table = yearly_plan(policies)
    for year, row in table.iterrows():
        if row["total"] > row["budget"] + TOLERANCE_YI:
            levers = row.drop(["total", "budget"]).sort_values(ascending=False)
            top = ", ".join(f"{k} {v:.1f}" for k, v in levers.head(3).items())
            raise ConfigError(
                f"scenario.policies: planned spending {row['total']:.1f}亿元 in {year} exceeds "
                f"the budget line {row['budget']:.1f}亿元 (largest: {top}); raise "
                "budget.yearly_yi, switch on investment_financing, lower intensities or delay "
                "starts, or set scenario.policies.budget.allow_over_budget=true"
            )


# --------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------


def cost_effectiveness(
    ensemble: pd.DataFrame, target_year: int, baseline: str = "baseline"
) -> pd.DataFrame:
    """Urbanization gained against the baseline and money spent, by scenario.

    Differences are taken replicate by replicate (the scenarios share each replicate's
    random streams), then averaged.

    Args:
        ensemble: County series of several scenarios (``ensemble.parquet``), with
            ``urbanization_rate`` and ``spending_total``.
        target_year: Year whose December rate is compared; spending is summed up to it.
        baseline: Scenario the gains are measured against.

    Returns:
        One row per scenario: ``rate_mean``, ``gain_pp`` (mean gain in percentage points),
        ``gain_pp_se`` (its standard error), ``spending_yi`` (mean 亿元 spent to the end of
        the target year), ``pp_per_yi`` and ``yi_per_pp`` (NaN when nothing was gained).

    Raises:
        ValueError: The baseline is not in the ensemble.
    """
    end = pd.Timestamp(f"{target_year}-12-31")
    rates = ensemble[(ensemble["indicator"] == "urbanization_rate") & (ensemble["date"] == end)]
    rate = rates.pivot_table(index="replicate", columns="scenario", values="value")
    if baseline not in rate.columns:
        raise ValueError(f"baseline scenario '{baseline}' is not in the ensemble")
    spent = ensemble[(ensemble["indicator"] == "spending_total") & (ensemble["date"] <= end)]
    spend = spent.groupby(["scenario", "replicate"])["value"].sum().unstack("scenario")
    order = ensemble["scenario"].unique().tolist()  # in order of appearance, as fromkeys
    rows = []
    for scenario in order:
        gain = 100.0 * (rate[scenario] - rate[baseline]).dropna()
        money = float(spend[scenario].mean()) if scenario in spend.columns else 0.0
        mean_gain = float(gain.mean())
        se = float(gain.std(ddof=1) / np.sqrt(gain.size)) if gain.size > 1 else float("nan")
        rows.append(
            {
                "scenario": scenario,
                "replicates": int(gain.size),
                "rate_mean": float(rate[scenario].mean()),
                "gain_pp": mean_gain,
                "gain_pp_se": se,
                "spending_yi": money,
                "pp_per_yi": mean_gain / money if money > 0 else float("nan"),
                "yi_per_pp": money / mean_gain if money > 0 and mean_gain > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def format_cost_table(table: pd.DataFrame, target_year: int) -> str:
    """The cost-effectiveness table as Markdown."""
    head = (
        f"| scenario | urbanization end {target_year} | gain vs baseline (pp ± se) | "
        f"spent to end {target_year} (亿元) | 亿元 per pp |\n|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r.scenario} | {r.rate_mean:.2%} | {r.gain_pp:+.2f}"
        + (f" ± {r.gain_pp_se:.2f}" if np.isfinite(r.gain_pp_se) else "")
        + f" | {r.spending_yi:.1f} | "
        + (f"{r.yi_per_pp:.1f}" if np.isfinite(r.yi_per_pp) else "–")
        + " |"
        for r in table.itertuples()
    ]
    return head + "\n".join(lines) + "\n"
