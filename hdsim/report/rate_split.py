"""The split of the urbanization rate's change into its statistical and behavioural parts.

Every run writes ``rate_change.parquet`` (``hdsim.model.recorder.Recorder.rate_change_frame``):
per year, township and settlement type, the persons who became urban or rural because their
place's code changed (the statistical layer: 城乡划分 reclassification, 撤乡设镇, village
mergers) and the births, deaths, arrivals and departures at urban places (behaviour), plus the
county's change of the rate in points split the same way. :func:`rate_split_blocks` turns the
runs of the report's first scenario into two tables: by year (persons and points, the mean over
the runs), and by settlement type over the whole simulated period: the section
:func:`section_rate_split`, placed after the calibration appendix (it is about how the rate is
measured).
"""

from __future__ import annotations

import pandas as pd

from hdsim.report.document import Paragraph, Section, Table
from hdsim.report.sections import Context

SETTLEMENTS = ("county_city", "seat", "village")
"""Settlement types of the by-type table, in display order."""


def _mean_over_runs(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum ``value`` per run and ``by``, then average over the runs."""
    runs = ["replicate"] + (["seed"] if "seed" in frame.columns else [])
    per_run = frame.groupby(runs + by, as_index=False)["value"].sum()
    return per_run.groupby(by, as_index=False)["value"].mean()


def rate_split_blocks(ctx: Context) -> list[Paragraph | Table]:
    """The split tables of the report's first scenario (none when the runs have no split).

    Args:
        ctx: The report's context (inputs, catalogue, labels).

    Returns:
        An introduction and the two tables, or an empty list.
    """
    split = ctx.inputs.rate_change
    if split is None or split.empty or not ctx.inputs.scenarios:
        return []
    cat = ctx.cat
    scenario = ctx.inputs.scenarios[0]
    frame = split[split["scenario"] == scenario]
    if frame.empty:
        return []
    persons = frame[frame["unit"] == "persons"]
    points = frame[frame["unit"] == "rate"]
    yearly = _mean_over_runs(persons, ["year", "part"]).pivot(
        index="year", columns="part", values="value"
    )
    rate = _mean_over_runs(points, ["year", "part"]).pivot(
        index="year", columns="part", values="value"
    )
    rows = []
    for year in yearly.index:
        stat = float(yearly.at[year, "statistical"]) if "statistical" in yearly else 0.0
        behav = float(yearly.at[year, "behavioural"]) if "behavioural" in yearly else 0.0
        rows.append(
            [
                str(year),
                cat.signed_count(stat),
                cat.signed_count(behav),
                cat.signed_count(stat + behav),
                cat.pp(float(rate.at[year, "statistical"])) if year in rate.index else "–",
                cat.pp(float(rate.at[year, "behavioural"])) if year in rate.index else "–",
            ]
        )
    blocks: list[Paragraph | Table] = [
        Paragraph(cat("rate_split_intro", label=ctx.label(scenario))),
        Table(
            "rate_split",
            cat("rate_split_caption", label=ctx.label(scenario)),
            [
                cat("col_year"),
                cat("col_split_statistical"),
                cat("col_split_behavioural"),
                cat("col_split_total"),
                cat("col_split_statistical_pp"),
                cat("col_split_behavioural_pp"),
            ],
            rows,
        ),
    ]
    by_type = _mean_over_runs(persons, ["settlement", "part"]).pivot(
        index="settlement", columns="part", values="value"
    )
    type_rows = []
    for settlement in SETTLEMENTS:
        if settlement not in by_type.index:
            continue
        stat = float(by_type.at[settlement, "statistical"]) if "statistical" in by_type else 0.0
        behav = float(by_type.at[settlement, "behavioural"]) if "behavioural" in by_type else 0.0
        type_rows.append(
            [
                cat(f"settlement_{settlement}"),
                cat.signed_count(stat),
                cat.signed_count(behav),
                cat.signed_count(stat + behav),
            ]
        )
    blocks.append(
        Table(
            "rate_split_settlement",
            cat("rate_split_settlement_caption", label=ctx.label(scenario)),
            [
                cat("col_settlement"),
                cat("col_split_statistical"),
                cat("col_split_behavioural"),
                cat("col_split_total"),
            ],
            type_rows,
        )
    )
    return blocks


def section_rate_split(ctx: Context) -> Section | None:
    """The section of the split tables (None when the runs wrote no split)."""
    blocks = rate_split_blocks(ctx)
    return Section("rate_split", ctx.cat("sec_rate_split"), list(blocks)) if blocks else None


__all__ = ["rate_split_blocks", "section_rate_split"]
