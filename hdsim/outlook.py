"""The outlook: the probability that each scenario has reached the target by 2028, 2030, 2035.

The plan's target year stays the question of the main job; the outlook answers the follow-up a
leadership meeting asks ("and when would we get there, and how sure is that?"). After the main
job's runs, the same scenarios are run again from the census month to the end of
:data:`OUTLOOK_END_YEAR` with every lever left as configured (running costs keep being paid), at
a reduced scale and with more, cheaper replicates than the job. Each replicate draws its
behaviour from the calibrated posterior (:mod:`hdsim.calibration.effective`; replicate k draws
the same particle in every scenario), so the share of runs that have reached the target by a
year is a probability over what the observations leave open and over the model's randomness,
not over prior ranges.

"Reached by year Y" means the resident urbanization rate was at or above the target at the end
of some year up to Y: per run it can only switch from no to yes, so the probability is
non-decreasing in the year.

Output, in ``<job>/outlook/``: the runs (``runs/<scenario>/rep_<k>``), their county series
(``ensemble.parquet``) and ``outlook.csv``, tidy, one row per (scenario, year) from the target
year to the end year: ``p`` (share of runs reached by then), its 90% Wilson interval ``p_lo``,
``p_hi``, ``reached`` and ``n`` (runs), the mean rate at the end of that year, the target rate,
the scale, the behaviour source and the sentence that says where the probability comes from.
:data:`OUTLOOK_YEARS` are the years the report shows.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hdsim.experiments.design import behaviour_source, probability_basis
from hdsim.model.config import HdsimConfig, to_config

OUTLOOK_END_YEAR = 2035
"""Last year of the outlook runs (year; assumption: the county's 2035 long-range horizon)."""

OUTLOOK_YEARS = (2028, 2030, 2035)
"""Years of P(reached by year) shown on the report page (years; the plan's mid-term review,
the 2030 census year and the long-range horizon)."""

OUTLOOK_SCALE = 0.03
"""Largest household scale of the outlook runs (agents per real household; assumption: at 0.03
the between-run spread at 2030 is dominated by the posterior draw, not by the sampling of
households). A smaller job scale is kept."""

OUTLOOK_REPLICATES = 40
"""Most runs per scenario in the outlook (count; assumption: 40 runs give a 90% interval of
±0.13 at P = 0.5, ±0.06 at P = 0; measured cost in ``docs/experiments.md`` §10)."""

OUTLOOK_RUNS_PER_REPLICATE = 2
"""Outlook runs per replicate of the main job (count; assumption: the outlook's runs cost a
few per cent of a full-scale run, so twice the job's replicates, at most
:data:`OUTLOOK_REPLICATES`)."""

OUTLOOK_CONFIDENCE_Z = 1.645
"""Normal quantile of the outlook's two-sided 90% Wilson intervals (dimensionless)."""

OUTLOOK_FOLDER = "outlook"
"""Sub-folder of the job that holds the outlook."""

OUTLOOK_FILE = "outlook.csv"
"""Table of the outlook inside :data:`OUTLOOK_FOLDER`."""

COLUMNS = (
    "scenario",
    "year",
    "p",
    "p_lo",
    "p_hi",
    "reached",
    "n",
    "rate_mean",
    "target_rate",
    "scale",
    "behaviour",
    "basis",
)
"""Columns of ``outlook.csv``, in order."""


def outlook_configs(configs: list[HdsimConfig]) -> list[HdsimConfig]:
    """The scenario configs continued to :data:`OUTLOOK_END_YEAR` at the outlook scale."""
    out = []
    for cfg in configs:
        cont = copy.deepcopy(cfg)
        end = max(OUTLOOK_END_YEAR, cont.horizon.end_year)
        cont.horizon = dataclasses.replace(cont.horizon, end_year=end)
        cont.households.scale = min(float(cont.households.scale), OUTLOOK_SCALE)
        out.append(to_config(cont))
    return out


def outlook_replicates(job_replicates: int) -> int:
    """Runs per scenario of the outlook of a job with ``job_replicates`` replicates."""
    return max(1, min(OUTLOOK_REPLICATES, OUTLOOK_RUNS_PER_REPLICATE * int(job_replicates)))


def year_end_rates(ensemble: pd.DataFrame) -> pd.DataFrame:
    """Year-end resident urbanization rate of every run.

    Returns:
        One row per (scenario, replicate), one column per year.
    """
    rate = ensemble[ensemble["indicator"] == "urbanization_rate"]
    dates = pd.to_datetime(rate["date"])
    ends = rate[(dates.dt.month == 12) & (dates.dt.day == 31)]
    years = pd.to_datetime(ends["date"]).dt.year.rename("year")
    wide = ends.assign(year=years).pivot_table(
        index=["scenario", "replicate"], columns="year", values="value", aggfunc="first"
    )
    return wide.sort_index(axis=1)


def reached_by(rates: pd.DataFrame, target_rate: float) -> pd.DataFrame:
    """Whether each run has been at or above ``target_rate`` at some year end up to each year.

    Args:
        rates: :func:`year_end_rates` (one row per run, one column per year).
        target_rate: The target (share).

    Returns:
        Booleans of the same shape: the running maximum of "at or above" along the years.
    """
    above = rates.to_numpy(dtype=float) >= target_rate
    return pd.DataFrame(
        np.logical_or.accumulate(above, axis=1), index=rates.index, columns=rates.columns
    )


def outlook_table(
    ensemble: pd.DataFrame, cfg: HdsimConfig, scale: float, source: str = "posterior"
) -> pd.DataFrame:
    """P(reached the target by year) per scenario and year, with its 90% interval and n.

    Args:
        ensemble: County series of the outlook runs.
        cfg: The main job's config (target rate and year).
        scale: Household scale of the outlook runs.
        source: Where the runs' behaviour comes from (:func:`behaviour_source`).

    Returns:
        The tidy table of the module docstring (columns :data:`COLUMNS`).
    """
    from hdsim.ensemble import wilson_interval

    h = cfg.horizon
    rates = year_end_rates(ensemble)
    hit = reached_by(rates, h.target_rate)
    rows = []
    order = ensemble["scenario"].unique().tolist()  # in order of appearance, as fromkeys
    for scenario in order:
        runs = hit.loc[scenario]
        n = len(runs)
        basis = probability_basis(n, source)
        for year in [y for y in rates.columns if y >= h.target_year]:
            k = int(runs[year].sum())
            lo, hi = wilson_interval(k, n, z=OUTLOOK_CONFIDENCE_Z)
            rows.append(
                {
                    "scenario": scenario,
                    "year": int(year),
                    "p": k / n,
                    "p_lo": lo,
                    "p_hi": hi,
                    "reached": k,
                    "n": n,
                    "rate_mean": float(rates.loc[scenario][year].mean()),
                    "target_rate": h.target_rate,
                    "scale": scale,
                    "behaviour": source,
                    "basis": basis,
                }
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_outlook(configs: list[HdsimConfig], cfg: HdsimConfig, out_dir: Path) -> Path | None:
    """Run the outlook of the main job's scenarios and write ``outlook/outlook.csv``.

    First prints what the job's own P(≥ target) (the table printed before) is a probability
    over. The outlook is skipped (None) when the job builds no report (``output.report=false``:
    tests, benchmarks), since the report is what reads it.

    Returns:
        Path of ``outlook.csv``, or None when skipped.
    """
    from hdsim.ensemble import release_pool, run_ensemble
    from hdsim.utils.io import atomic_write_text

    if configs:
        basis = probability_basis(int(cfg.replicates), behaviour_source(configs[0]))
        print(f"hdsim: P(≥{cfg.horizon.target_rate:.0%}) per scenario {basis}", flush=True)
    if not cfg.output.report or not configs:
        release_pool()
        return None
    started = time.perf_counter()
    continued = outlook_configs(configs)
    replicates = outlook_replicates(cfg.replicates)
    folder = out_dir / OUTLOOK_FOLDER
    try:  # on the main job's workers when it kept them (warm: model imported, data loaded)
        ensemble = run_ensemble(continued, replicates, folder, cfg.n_jobs, progress=False)
    finally:
        release_pool()
    scale = float(continued[0].households.scale)
    table = outlook_table(ensemble, cfg, scale, behaviour_source(continued[0]))
    path = folder / OUTLOOK_FILE
    atomic_write_text(path, table.to_csv(index=False))
    seconds = time.perf_counter() - started
    print(
        f"hdsim: outlook to {continued[0].horizon.end_year} at scale {scale} x {replicates} "
        f"runs per scenario in {seconds:.1f} s -> {path}",
        flush=True,
    )
    for line in outlook_lines(table):
        print(line, flush=True)
    return path


def outlook_lines(table: pd.DataFrame, years: tuple[int, ...] = OUTLOOK_YEARS) -> list[str]:
    """The console lines of the outlook: P(≥ target by each year) per scenario, and its basis."""
    if table.empty:
        return []
    shown = table[table["year"].isin(years)]
    target = float(table["target_rate"].iloc[0])
    lines = []
    for scenario, rows in shown.groupby("scenario", sort=False):
        cells = ", ".join(
            f"by {r.year} {r.p:.0%} [{r.p_lo:.0%}-{r.p_hi:.0%}]" for r in rows.itertuples()
        )
        lines.append(f"  P(≥{target:.0%}) {scenario}: {cells}")
    lines.append(f"  (90% intervals; {table['basis'].iloc[0]})")
    return lines


__all__ = [
    "COLUMNS",
    "OUTLOOK_END_YEAR",
    "OUTLOOK_FILE",
    "OUTLOOK_FOLDER",
    "OUTLOOK_REPLICATES",
    "OUTLOOK_SCALE",
    "OUTLOOK_YEARS",
    "outlook_configs",
    "outlook_lines",
    "outlook_replicates",
    "outlook_table",
    "reached_by",
    "write_outlook",
    "year_end_rates",
]
