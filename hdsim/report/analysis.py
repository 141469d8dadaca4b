"""The numbers behind each report section, computed from tidy outputs only.

Every function takes the tidy county series (scenario, replicate, date, indicator, value) or the
township series and returns a small DataFrame that a figure draws and a table prints, so that
figures and tables always show the same numbers.

Policy contributions use common random numbers: replicate *k* of every scenario shares its random
streams, so ``scenario_k - baseline_k`` is the policy's effect in that replicate; the interaction
of a combined scenario is its effect minus the sum of the effects of its single-lever scenarios,
replicate by replicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hdsim.report.inputs import ScenarioInfo

QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles of the fan charts."""

FLOWS: tuple[str, ...] = (
    "moves_to_county_city",
    "moves_to_seats",
    "moves_to_villages",
    "leave_county_individuals",
    "leave_county_households",
    "return_individuals",
    "return_households",
)
"""Monthly migration counters (persons) summed into yearly flows."""

BASELINE = "baseline"


def indicator(county: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows of one indicator."""
    return county[county["indicator"] == name]


def has(county: pd.DataFrame, *names: str) -> bool:
    """Whether the series holds all the indicators ``names``."""
    present = set(county["indicator"].unique())
    return all(n in present for n in names)


def start_date(county: pd.DataFrame) -> pd.Timestamp:
    """First recorded date (the census day)."""
    return pd.Timestamp(county["date"].min())


def _only(county: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """The rows of the indicators ``names``, taken out once for several :func:`at_date` calls."""
    return county[county["indicator"].isin(names)]


def at_date(county: pd.DataFrame, name: str, date: pd.Timestamp) -> pd.DataFrame:
    """Value of ``name`` at ``date`` by scenario and replicate (columns scenario, replicate, value).

    When ``date`` is not recorded, the last date before it is used.
    """
    rows = indicator(county, name)
    dates = rows["date"][rows["date"] <= date]
    when = dates.max() if len(dates) else rows["date"].min()
    out = rows[rows["date"] == when]
    return out.groupby(["scenario", "replicate"], sort=False, as_index=False)["value"].mean()


def fan(county: pd.DataFrame, name: str = "urbanization_rate") -> pd.DataFrame:
    """Quantiles and mean over replicates by scenario and date.

    Returns:
        Columns scenario, date, mean, q05, q25, q50, q75, q95.
    """
    rows = indicator(county, name)
    grouped = rows.groupby(["scenario", "date"], sort=False)["value"]
    out = grouped.mean().rename("mean").to_frame()
    for q in QUANTILES:
        out[f"q{round(q * 100):02d}"] = grouped.quantile(q)
    return out.reset_index()


def means(county: pd.DataFrame, name: str) -> pd.DataFrame:
    """Mean over replicates, one column per scenario, one row per date."""
    rows = indicator(county, name)
    wide = rows.pivot_table(index="date", columns="scenario", values="value", aggfunc="mean")
    order = [str(s) for s in pd.unique(rows["scenario"])]
    return wide[[s for s in order if s in wide.columns]]


def hukou_gap(county: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Resident and hukou urbanization and their gap, by scenario.

    Returns:
        Columns scenario, resident, hukou, gap (at ``end``), gap_start (at the census day).
    """
    start = start_date(county)
    county = _only(county, ("urbanization_rate", "hukou_urbanization_rate"))
    res = at_date(county, "urbanization_rate", end).groupby("scenario", sort=False)["value"]
    huk = at_date(county, "hukou_urbanization_rate", end).groupby("scenario", sort=False)["value"]
    res0 = at_date(county, "urbanization_rate", start).groupby("scenario", sort=False)["value"]
    huk0 = at_date(county, "hukou_urbanization_rate", start).groupby("scenario", sort=False)[
        "value"
    ]
    out = pd.DataFrame({"resident": res.mean(), "hukou": huk.mean()})
    out["gap"] = out["resident"] - out["hukou"]
    out["gap_start"] = res0.mean() - huk0.mean()
    return out.reset_index()


def _first_and_last(
    dates: pd.Series, rows: pd.Series, end: pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first date of the ``rows`` (a mask) and their last date up to ``end`` (or NaT)."""
    mine = dates[rows.to_numpy()]
    return mine.min(), mine[mine <= end].max()


def township_urban_change(
    township: pd.DataFrame, end: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Urban residents by township at the census day and at ``end`` (mean over replicates).

    Returns:
        ``(start, change)``: ``start`` has columns township_code, township, urban_start (the
        first scenario's census-day value, the same in every scenario); ``change`` is wide, one
        row per township (same order) and one column per scenario, in persons.
    """
    wanted = township["indicator"] == "urban_residents"
    first, last = _first_and_last(township["date"], wanted, end)
    # only the two dates compared are taken out of the series (1/30 of its rows)
    urban = township[wanted & township["date"].isin([first, last])]
    per_run = urban.groupby(
        ["scenario", "replicate", "date", "township_code", "township"], sort=False, as_index=False
    )["value"].sum()
    mean = per_run.groupby(["scenario", "date", "township_code", "township"], sort=False)[
        "value"
    ].mean()
    frame = mean.reset_index()
    begin = frame[frame["date"] == first]
    finish = frame[frame["date"] == last]
    start = (
        begin.drop_duplicates("township_code")[["township_code", "township", "value"]]
        .rename(columns={"value": "urban_start"})
        .sort_values("township_code")
        .reset_index(drop=True)
    )
    change = finish.pivot_table(
        index="township_code", columns="scenario", values="value", aggfunc="mean"
    ) - begin.pivot_table(index="township_code", columns="scenario", values="value", aggfunc="mean")
    order = [str(s) for s in pd.unique(urban["scenario"])]
    change = change[[s for s in order if s in change.columns]].reindex(start["township_code"])
    return start, change.reset_index(drop=True)


CITY_INDICATORS: tuple[str, ...] = (
    "county_city_population",
    "county_city_builtup_km2",
    "reclassified_villages",
    "upgraded_townships",
)
"""Indicators :func:`county_city` reads."""


def county_city(county: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """County-city growth by scenario (means over replicates, and ranges of the counts).

    Returns:
        Columns scenario, population_start, population_end, builtup_end, reclassified_end,
        upgraded_end, and the smallest and largest count over the replicates of reclassified
        villages and upgraded townships (reclassified_min/max, upgraded_min/max).
    """
    start = start_date(county)
    county = _only(county, CITY_INDICATORS)

    def at(name: str, date: pd.Timestamp, how: str = "mean") -> pd.Series:
        grouped = at_date(county, name, date).groupby("scenario", sort=False)["value"]
        return grouped.agg(how)

    out = pd.DataFrame(
        {
            "population_start": at("county_city_population", start),
            "population_end": at("county_city_population", end),
            "builtup_end": at("county_city_builtup_km2", end),
            "reclassified_end": at("reclassified_villages", end),
            "upgraded_end": at("upgraded_townships", end),
            "reclassified_min": at("reclassified_villages", end, "min"),
            "reclassified_max": at("reclassified_villages", end, "max"),
            "upgraded_min": at("upgraded_townships", end, "min"),
            "upgraded_max": at("upgraded_townships", end, "max"),
        }
    )
    return out.reset_index()


COUNTY_CITY_SETTLEMENT = "county_city"
"""Settlement type of the county city in the township series."""

VILLAGE_SETTLEMENT = "village"
"""Settlement type of villages in the township series."""


def township_profile(township: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Each township's urbanization and village population, at the census day and at ``end``.

    Values are means over replicates of each run's township totals.

    Returns:
        One row per township and scenario, townships in code order: township_code, township,
        scenario, county_city (the township holds the county city), rate_start, rate_end
        (urban share of its residents), urban_change (persons), village_start, village_end
        (village residents) and village_change (relative change, NaN without villages).
    """
    keep = township["indicator"].isin(["residents", "urban_residents"])
    first, last = _first_and_last(township["date"], keep, end)
    last = first if pd.isna(last) else last
    rows = township[keep & township["date"].isin([first, last])]
    village = rows["settlement"].astype(str) == VILLAGE_SETTLEMENT
    rows = rows.assign(
        indicator=np.where(
            village & (rows["indicator"] == "residents"), "village", rows["indicator"]
        )
    )
    keys = ["scenario", "replicate", "date", "township_code", "township", "indicator"]
    per_run = rows.groupby(keys, sort=False)["value"].sum()
    # residents of a township = its village rows (renamed) + its other settlement rows
    wide = per_run.unstack("indicator", fill_value=0.0)
    for column in ("residents", "urban_residents", "village"):
        if column not in wide:
            wide[column] = 0.0
    wide["residents"] = wide["residents"] + wide["village"]
    mean = wide.groupby(level=["scenario", "date", "township_code", "township"], sort=False).mean()
    frame = mean.reset_index()
    begin = frame[frame["date"] == first].set_index(["scenario", "township_code"])
    finish = frame[frame["date"] == last].set_index(["scenario", "township_code"])
    out = pd.DataFrame(
        {
            "township": begin["township"],
            "rate_start": begin["urban_residents"] / begin["residents"].replace(0, np.nan),
            "rate_end": finish["urban_residents"] / finish["residents"].replace(0, np.nan),
            "urban_change": finish["urban_residents"] - begin["urban_residents"],
            "village_start": begin["village"],
            "village_end": finish["village"],
        }
    )
    out["village_change"] = (out["village_end"] - out["village_start"]) / out[
        "village_start"
    ].replace(0, np.nan)
    city = set(
        township.loc[
            township["settlement"].astype(str) == COUNTY_CITY_SETTLEMENT, "township_code"
        ].unique()
    )  # unique first: a set of the column's 380,000 cells walks them in Python
    out = out.reset_index()
    out["county_city"] = out["township_code"].isin(city)
    order = [str(s) for s in pd.unique(township["scenario"])]
    out["scenario"] = pd.Categorical(out["scenario"], categories=order, ordered=True)
    out = out.sort_values(["township_code", "scenario"]).reset_index(drop=True)
    out["scenario"] = out["scenario"].astype(str)
    columns = ["township_code", "township", "scenario", "county_city", "rate_start", "rate_end"]
    columns += ["urban_change", "village_start", "village_end", "village_change"]
    return out[columns]


def sectors(county: pd.DataFrame) -> list[str]:
    """Sector names of the ``jobs_<sector>`` indicators, in first-seen order."""
    names = [str(i) for i in pd.unique(county["indicator"])]
    return [n[5:] for n in names if n.startswith("jobs_") and n != "jobs_total"]


def jobs_by_sector(county: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Jobs by sector at the census day and at ``end``, by scenario (means over replicates).

    Returns:
        Columns scenario, sector, start, end, change; sector ``total`` last.
    """
    start = start_date(county)
    present = set(county["indicator"].unique())
    names = [s for s in [*sectors(county), "total"] if f"jobs_{s}" in present]
    # the rows of these indicators once, rather than a scan of the whole series per sector
    jobs = county[county["indicator"].isin([f"jobs_{s}" for s in names])]
    rows = []
    for sector in names:
        name = f"jobs_{sector}"
        a = at_date(jobs, name, start).groupby("scenario", sort=False)["value"].mean()
        b = at_date(jobs, name, end).groupby("scenario", sort=False)["value"].mean()
        for scenario in a.index:
            rows.append(
                {
                    "scenario": scenario,
                    "sector": sector,
                    "start": float(a[scenario]),
                    "end": float(b[scenario]),
                    "change": float(b[scenario] - a[scenario]),
                }
            )
    return pd.DataFrame(rows, columns=["scenario", "sector", "start", "end", "change"])


def migration_yearly(county: pd.DataFrame) -> pd.DataFrame:
    """Yearly totals of the migration flows (mean over replicates).

    The census day's row is a state, not a month of flows, and is left out.

    Returns:
        Columns scenario, flow, year, value (persons per year).
    """
    start = start_date(county)
    rows = county[county["indicator"].isin(FLOWS) & (county["date"] > start)]
    rows = rows.assign(year=rows["date"].dt.year)
    per_run = rows.groupby(["scenario", "replicate", "indicator", "year"], sort=False)[
        "value"
    ].sum()
    out = per_run.groupby(["scenario", "indicator", "year"], sort=False).mean().reset_index()
    return out.rename(columns={"indicator": "flow"})


def migration_totals(county: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Flows summed from the census day to ``end`` (mean over replicates); wide, flow x scenario."""
    start = start_date(county)
    rows = county[
        county["indicator"].isin(FLOWS) & (county["date"] > start) & (county["date"] <= end)
    ]
    per_run = rows.groupby(["scenario", "replicate", "indicator"], sort=False)["value"].sum()
    wide = per_run.groupby(["indicator", "scenario"], sort=False).mean().unstack("scenario")
    order = [str(s) for s in pd.unique(rows["scenario"])]
    flows = [f for f in FLOWS if f in wide.index]
    return wide.loc[flows, [s for s in order if s in wide.columns]]


# --------------------------------------------------------------------------------------------
# Policy contributions (common random numbers)
# --------------------------------------------------------------------------------------------


def baseline_of(info: dict[str, ScenarioInfo]) -> str | None:
    """The scenario every other is compared with: ``baseline``, else the one without levers."""
    if BASELINE in info:
        return BASELINE
    return next((name for name, i in info.items() if not i.levers), None)


def pairable(county: pd.DataFrame) -> bool:
    """Whether each (scenario, replicate, date, indicator) holds one value (runs can be paired)."""
    rate = indicator(county, "urbanization_rate")
    return not rate.duplicated(["scenario", "replicate", "date"]).any()


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    series = pd.Series(values, dtype=float)
    return float(series.mean()), float(series.quantile(0.05)), float(series.quantile(0.95))


@dataclass
class Contributions:
    """Policy effects against the baseline, paired by replicate.

    Attributes:
        baseline: Name of the baseline scenario.
        effects: Columns scenario, mean, p05, p95, pairs (effects at the target date).
        per_replicate: Columns scenario, replicate, effect.
        paths: Mean effect over time; one column per scenario, one row per date.
        interactions: Columns scenario, combined, sum_singles, interaction, p05, p95, pairs,
            singles, missing_levers, differing_levers.
    """

    baseline: str
    effects: pd.DataFrame
    per_replicate: pd.DataFrame
    paths: pd.DataFrame
    interactions: pd.DataFrame = field(default_factory=pd.DataFrame)


def contributions(
    county: pd.DataFrame, info: dict[str, ScenarioInfo], end: pd.Timestamp
) -> Contributions | None:
    """Effects of each scenario against the baseline, and interactions of combined scenarios.

    Returns:
        None when there is no baseline or no other scenario, or runs cannot be paired.
    """
    base = baseline_of(info)
    others = [s for s in info if s != base]
    if base is None or not others or not pairable(county):
        return None
    at_end = at_date(county, "urbanization_rate", end)
    wide = at_end.pivot(index="replicate", columns="scenario", values="value")
    rate = indicator(county, "urbanization_rate")
    path = rate.pivot_table(index=["date", "replicate"], columns="scenario", values="value")
    effects, per_rep, paths = [], [], {}
    for s in others:
        if s not in wide.columns:
            continue
        diff = (wide[s] - wide[base]).dropna()
        mean, lo, hi = _interval(diff.to_numpy())
        effects.append({"scenario": s, "mean": mean, "p05": lo, "p95": hi, "pairs": len(diff)})
        per_rep += [{"scenario": s, "replicate": r, "effect": v} for r, v in diff.items()]
        paths[s] = (path[s] - path[base]).groupby(level="date").mean()
    result = Contributions(
        baseline=base,
        effects=pd.DataFrame(effects, columns=["scenario", "mean", "p05", "p95", "pairs"]),
        per_replicate=pd.DataFrame(per_rep, columns=["scenario", "replicate", "effect"]),
        paths=pd.DataFrame(paths),
    )
    result.interactions = _interactions(wide, info, base)
    return result


def _interactions(wide: pd.DataFrame, info: dict[str, ScenarioInfo], base: str) -> pd.DataFrame:
    singles = {
        next(iter(i.levers)): name
        for name, i in info.items()
        if len(i.levers) == 1 and name in wide.columns
    }
    rows = []
    for name, i in info.items():
        if len(i.levers) < 2 or name not in wide.columns:
            continue
        used = [singles[lev] for lev in i.levers if lev in singles]
        if not used:
            continue
        combined = wide[name] - wide[base]
        summed = sum((wide[s] - wide[base] for s in used), start=pd.Series(0.0, index=wide.index))
        inter = (combined - summed).dropna()
        mean, lo, hi = _interval(inter.to_numpy())
        differing = [
            lev
            for lev in i.levers
            if lev in singles and info[singles[lev]].levers[lev] != i.levers[lev]
        ]
        rows.append(
            {
                "scenario": name,
                "combined": float(combined.mean()),
                "sum_singles": float(summed.mean()),
                "interaction": mean,
                "p05": lo,
                "p95": hi,
                "pairs": len(inter),
                "singles": used,
                "missing_levers": [lev for lev in i.levers if lev not in singles],
                "differing_levers": differing,
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "FLOWS",
    "QUANTILES",
    "Contributions",
    "at_date",
    "baseline_of",
    "contributions",
    "county_city",
    "fan",
    "has",
    "hukou_gap",
    "jobs_by_sector",
    "means",
    "migration_totals",
    "migration_yearly",
    "sectors",
    "start_date",
    "township_profile",
    "township_urban_change",
]
