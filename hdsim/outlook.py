"""The outlook: the year each scenario reaches the target if its levers stay on.

The plan's target year stays the question of the main job; the outlook answers the follow-up a
leadership meeting asks ("and when would we get there?"). After the main job's runs, the same
scenarios are run again from the census month to the end of :data:`OUTLOOK_END_YEAR` with every
lever left as configured (running costs keep being paid), at a reduced scale and with fewer
replicates, so that the follow-up costs a small fraction of the job (issue 16's time budget).
The reduced scale is written beside the result and stated on the report page.

Output, in ``<job>/outlook/``: the runs (``runs/<scenario>/rep_<k>``), their county series
(``ensemble.parquet``) and ``outlook.csv`` with one row per scenario: the year the mean
resident urbanization rate first reaches the target (empty when not by the end year), the mean
rate at the end of the target year and of the end year, and the scale, replicates and end year
used.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from pathlib import Path

import pandas as pd

from hdsim.model.config import HdsimConfig, to_config

OUTLOOK_END_YEAR = 2035
"""Last year of the outlook runs (year; assumption: the county's 2035 long-range horizon)."""

OUTLOOK_SCALE = 0.03
"""Largest household scale of the outlook runs (agents per real household; assumption, chosen
to keep the outlook to 10 short runs: 19.9 s measured on 2 busy cores). A smaller job scale is
kept."""

OUTLOOK_REPLICATES = 2
"""Most replicates per scenario in the outlook (count; assumption, as for the scale)."""

OUTLOOK_FOLDER = "outlook"
"""Sub-folder of the job that holds the outlook."""

OUTLOOK_FILE = "outlook.csv"
"""Table of the outlook inside :data:`OUTLOOK_FOLDER`."""


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


def outlook_table(
    ensemble: pd.DataFrame, cfg: HdsimConfig, scale: float, replicates: int
) -> pd.DataFrame:
    """One row per scenario: the year the mean rate reaches the target, and the mean rates.

    Args:
        ensemble: County series of the outlook runs.
        cfg: The main job's config (target rate and year).
        scale: Household scale of the outlook runs.
        replicates: Replicates per scenario of the outlook runs.
    """
    h = cfg.horizon
    rate = ensemble[ensemble["indicator"] == "urbanization_rate"]
    rows = []
    for scenario, frame in rate.groupby("scenario", sort=False):
        mean = frame.groupby("date")["value"].mean().sort_index()
        year_end = mean[(mean.index.month == 12) & (mean.index.day == 31)]
        reached = year_end[year_end >= h.target_rate]
        end_year = int(year_end.index[-1].year) if len(year_end) else OUTLOOK_END_YEAR
        target_end = pd.Timestamp(f"{h.target_year}-12-31")
        rows.append(
            {
                "scenario": scenario,
                "year_reaches_target": int(reached.index[0].year) if len(reached) else None,
                "rate_target_year": float(year_end.get(target_end, float("nan"))),
                "rate_end_year": float(year_end.iloc[-1]) if len(year_end) else float("nan"),
                "target_rate": h.target_rate,
                "end_year": end_year,
                "scale": scale,
                "replicates": replicates,
            }
        )
    table = pd.DataFrame(rows)
    table["year_reaches_target"] = table["year_reaches_target"].astype("Int64")
    return table


def write_outlook(configs: list[HdsimConfig], cfg: HdsimConfig, out_dir: Path) -> Path | None:
    """Run the outlook of the main job's scenarios and write ``outlook/outlook.csv``.

    Skipped (None) when the job builds no report (``output.report=false``: tests, benchmarks),
    since the report is what reads it.

    Returns:
        Path of ``outlook.csv``, or None when skipped.
    """
    from hdsim.ensemble import run_ensemble
    from hdsim.utils.io import atomic_write_text

    if not cfg.output.report or not configs:
        return None
    started = time.perf_counter()
    continued = outlook_configs(configs)
    replicates = max(1, min(int(cfg.replicates), OUTLOOK_REPLICATES))
    folder = out_dir / OUTLOOK_FOLDER
    ensemble = run_ensemble(continued, replicates, folder, cfg.n_jobs, progress=False)
    table = outlook_table(ensemble, cfg, float(continued[0].households.scale), replicates)
    path = folder / OUTLOOK_FILE
    atomic_write_text(path, table.to_csv(index=False))
    seconds = time.perf_counter() - started
    print(
        f"hdsim: outlook to {continued[0].horizon.end_year} at scale "
        f"{continued[0].households.scale} x {replicates} replicates in {seconds:.1f} s -> {path}",
        flush=True,
    )
    return path


__all__ = [
    "OUTLOOK_END_YEAR",
    "OUTLOOK_FILE",
    "OUTLOOK_FOLDER",
    "OUTLOOK_REPLICATES",
    "OUTLOOK_SCALE",
    "outlook_configs",
    "outlook_table",
    "write_outlook",
]
