"""The main sections of a report, from the answer to the policies' contributions.

Each ``section_*`` function returns a :class:`~hdsim.report.document.Section`, or None when the
outputs hold nothing for it (a single run has no policy contributions, a run written without
township series has no township section). Numbers in tables are formatted by the catalogue, and
figures are drawn from the same frames as the tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import pandas as pd

from hdsim.report import analysis as an
from hdsim.report import figures as fg
from hdsim.report.catalogue import Catalogue
from hdsim.report.document import FigureBlock, Paragraph, Section, Table
from hdsim.report.inputs import ReportInputs, county_name

T = TypeVar("T")


class Context:
    """What every section needs: the inputs, the catalogue and derived labels."""

    def __init__(self, inputs: ReportInputs, cat: Catalogue) -> None:
        self.inputs = inputs
        self.cat = cat
        self.h = inputs.horizon
        self.county = county_name(inputs.data, cat.lang)
        self.end = inputs.horizon.target_end
        self.target = cat.pct(inputs.horizon.target_rate, 0)
        self.labels = {
            s: cat.scenario(s, inputs.info[s].label_zh if s in inputs.info else None)
            for s in inputs.scenarios
        }
        self.colours = {s: fg.colour(i) for i, s in enumerate(inputs.scenarios)}
        self.start = an.start_date(inputs.county)
        self.start_label = cat.date(self.start)
        obs = inputs.data.observations
        rate = obs[obs["indicator"] == "urbanization_rate"]
        self.observed = rate[["date", "value", "source"]].reset_index(drop=True)
        self.marks = fg.Marks(
            target=inputs.horizon.target_rate,
            target_end=self.end,
            target_label=cat("legend_target", target=self.target),
            year_label=cat("legend_target_year", year=inputs.horizon.target_year),
            observed=self.observed,
            observed_label=cat("legend_observed"),
        )

    def label(self, scenario: str) -> str:
        """Display name of a scenario."""
        return self.labels.get(scenario, scenario)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, computed once per set of inputs (shared by sections and workbook).

        Only for values that do not depend on the language.
        """
        derived = self.inputs.derived
        if key not in derived:
            derived[key] = compute()
        return derived[key]

    def fan(self) -> pd.DataFrame:
        """:func:`hdsim.report.analysis.fan` of the urbanization rate (computed once)."""
        return self.memo("fan", lambda: an.fan(self.inputs.county))

    def source(self, text: str, file: str) -> str:
        """A data source or note of the county data as the report shows it.

        The Chinese report shows the county folder's Chinese text of it (``texts_zh.yaml``)
        when there is one, else :meth:`Catalogue.source_text` (the text when it is Chinese, a
        pointer to ``file`` otherwise).
        """
        if self.cat.lang == "zh":
            from hdsim.report.texts import county_sources_zh

            translated = county_sources_zh(Path(self.inputs.data.directory)).get(text.strip())
            if translated:
                return translated
        return self.cat.source_text(text, file)


def bar_height(groups: int, bars: int) -> float:
    """Height (inches) of a grouped horizontal bar chart."""
    bars = max(1, min(bars, fg.MAX_BAR_SCENARIOS))
    return 1.3 + groups * (0.12 + 0.055 * bars)


def _crosses(value: object) -> int | None:
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() else None


def _verdict(p: float) -> str:
    if p >= 0.9:
        return "verdict_very_likely"
    if p >= 0.5:
        return "verdict_likely"
    if p >= 0.1:
        return "verdict_unlikely"
    return "verdict_very_unlikely"


def answer_table(ctx: Context) -> Table:
    """The planner's table, one row per scenario, formatted from ``summary``."""
    cat, h = ctx.cat, ctx.h
    rows = []
    for r in ctx.inputs.summary.itertuples():
        year = _crosses(r.year_mean_crosses)
        rows.append(
            [
                ctx.label(str(r.scenario)),
                str(int(r.replicates)),
                cat.pct(r.rate_mean),
                f"{cat.pct(r.rate_p05)}–{cat.pct(r.rate_p95)}",
                cat.pct(r.p_reach, 0),
                f"{cat.pct(r.p_reach_lo, 0)}–{cat.pct(r.p_reach_hi, 0)}",
                str(year) if year else cat("not_by", end_year=h.end_year),
                cat.pct(r.hukou_rate_mean),
            ]
        )
    columns = [
        cat("col_scenario"),
        cat("col_replicates"),
        cat("col_rate_end", target_year=h.target_year),
        cat("col_interval"),
        cat("col_p_reach", target=ctx.target),
        cat("col_p_ci"),
        cat("col_year_crosses", target=ctx.target),
        cat("col_hukou_end", target_year=h.target_year),
    ]
    return Table("answer", "", columns, rows)


def section_answer(ctx: Context) -> Section:
    """The answer first: sentences, the planner's table and the headline chart."""
    cat, h = ctx.cat, ctx.h
    summary = ctx.inputs.summary
    fan = ctx.fan()
    last = fan.groupby("scenario", sort=False)["mean"].last()
    n = int(summary["replicates"].max()) if len(summary) else 0
    blocks: list = [
        Paragraph(cat("answer_intro", target_year=h.target_year, target=ctx.target, n=n))
    ]
    for r in summary.itertuples():
        year = _crosses(r.year_mean_crosses)
        if year:
            crossing = cat("crossing_year", year=year, target=ctx.target)
        else:
            gap = h.target_rate - float(last.get(r.scenario, r.rate_mean))
            crossing = cat(
                "crossing_never", end_year=h.end_year, target=ctx.target, gap=cat.pp_words(gap)
            )
        blocks.append(
            Paragraph(
                cat(
                    "sentence",
                    label=ctx.label(str(r.scenario)),
                    target_year=h.target_year,
                    mean=cat.pct(r.rate_mean),
                    lo=cat.pct(r.rate_p05),
                    hi=cat.pct(r.rate_p95),
                    target=ctx.target,
                    p=cat.pct(r.p_reach, 0),
                    crossing=crossing,
                    verdict=cat(_verdict(float(r.p_reach))),
                )
            )
        )
    blocks.append(answer_table(ctx))
    if len(ctx.observed):
        points = "；" if cat.lang == "zh" else "; "
        text = points.join(
            cat(
                "observed_point",
                date=cat.date(o.date),
                value=cat.pct(o.value),
                source=ctx.source(str(o.source), "observations.csv"),
            )
            for o in ctx.observed.itertuples()
        )
        blocks.append(Paragraph(cat("observed_note", points=text)))
    title = cat("sec_answer", target=ctx.target, target_year=h.target_year)
    return Section("answer", title, blocks)


def section_runs(ctx: Context) -> Section | None:
    """Missing and failed runs, when there are any."""
    failed = ctx.inputs.failed
    if not failed:
        return None
    cat = ctx.cat
    ok = len(ctx.inputs.runs) - len(failed)
    rows = []
    for r in failed:
        try:
            where = str(r.path.relative_to(ctx.inputs.root))
        except ValueError:
            where = str(r.path)
        problem = cat(r.problem, error=r.error) if r.problem == "problem_error" else cat(r.problem)
        rows.append([where, problem])
    return Section(
        "runs",
        cat("sec_runs"),
        [
            Paragraph(cat("runs_ok", ok=ok, bad=len(failed))),
            Table("failed_runs", "", [cat("col_run"), cat("col_problem")], rows),
        ],
    )


def section_trajectories(ctx: Context) -> Section:
    """Fan charts per scenario and the mean rate at each year end."""
    cat, h = ctx.cat, ctx.h
    fan = ctx.fan()
    scenarios = list(ctx.inputs.scenarios)
    rows_n = math.ceil(len(scenarios) / min(3, len(scenarios)))
    fig = FigureBlock(
        "fan",
        cat("fig_fan"),
        partial(
            fg.draw_fans,
            fan=fan,
            scenarios=scenarios,
            labels=ctx.labels,
            colours=ctx.colours,
            marks=ctx.marks,
            band_labels=(cat("legend_median"), cat("legend_band_50"), cat("legend_band_90")),
        ),
        size=(8.0, 2.9 * rows_n + 0.4),
    )
    means = an.means(ctx.inputs.county, "urbanization_rate")
    year_ends = [d for d in means.index if d.month == 12 and d.day == 31]
    table = Table(
        "rate_by_year",
        cat("rate_by_year_caption"),
        [cat("col_scenario"), *[str(d.year) for d in year_ends]],
        [[ctx.label(s), *[cat.pct(means.at[d, s]) for d in year_ends]] for s in means.columns],
    )
    intro = Paragraph(cat("traj_intro", target=ctx.target, target_year=h.target_year))
    return Section(
        "trajectories", cat("sec_trajectories", end_year=h.end_year), [intro, fig, table]
    )


def section_hukou(ctx: Context) -> Section | None:
    """Resident against hukou urbanization and the gap between them."""
    county = ctx.inputs.county
    if not an.has(county, "urbanization_rate", "hukou_urbanization_rate"):
        return None
    cat, h = ctx.cat, ctx.h
    gap = an.hukou_gap(county, ctx.end)
    rows = [
        [
            ctx.label(r.scenario),
            cat.pct(r.resident),
            cat.pct(r.hukou),
            cat.pp(r.gap, signed=False),
            cat.pp(r.gap_start, signed=False),
        ]
        for r in gap.itertuples()
    ]
    table = Table(
        "hukou",
        "",
        [
            cat("col_scenario"),
            cat("col_resident_rate"),
            cat("col_hukou_rate"),
            f"{cat('col_gap')} ({cat('axis_pp')})",
            f"{cat('col_gap_start', date=ctx.start_label)} ({cat('axis_pp')})",
        ],
        rows,
    )
    resident = an.means(county, "urbanization_rate")
    hukou = an.means(county, "hukou_urbanization_rate")
    fig = FigureBlock(
        "hukou",
        cat("fig_hukou"),
        partial(
            fg.draw_hukou,
            resident=resident,
            hukou=hukou,
            labels=ctx.labels,
            colours=ctx.colours,
            titles=(cat("fig_hukou"), cat("fig_hukou_gap")),
            ylabel_gap=cat("axis_pp"),
        ),
        size=(8.0, 3.8),
    )
    intro = Paragraph(cat("hukou_intro", target_year=h.target_year))
    return Section("hukou", cat("sec_hukou"), [intro, table, fig])


def section_jobs(ctx: Context) -> Section | None:
    """Jobs by sector: start, change to the end of the target year."""
    county = ctx.inputs.county
    if not an.sectors(county):
        return None
    cat, h = ctx.cat, ctx.h
    jobs = an.jobs_by_sector(county, ctx.end)
    wide = jobs.pivot_table(index="sector", columns="scenario", values="change", sort=False)
    wide = wide[[s for s in ctx.inputs.scenarios if s in wide.columns]]
    start = jobs.drop_duplicates("sector").set_index("sector")["start"]
    sectors = [s for s in wide.index if s != "total"]

    def name(sector: str) -> str:
        return cat("sector_total") if sector == "total" else cat.sector(sector)

    rows = [
        [
            name(sec),
            cat.count(start[sec]),
            *[cat.signed_count(wide.at[sec, s]) for s in wide.columns],
        ]
        for sec in wide.index
    ]
    table = Table(
        "jobs",
        "",
        [
            cat("col_sector"),
            cat("col_jobs_start", date=ctx.start_label),
            *[cat("col_change", label=ctx.label(s)) for s in wide.columns],
        ],
        rows,
    )
    fig = FigureBlock(
        "jobs",
        cat("fig_jobs", start=ctx.start_label, target_year=h.target_year),
        partial(
            fg.draw_grouped_bars,
            categories=[name(s) for s in sectors],
            values=wide.loc[sectors].reset_index(drop=True),
            labels=ctx.labels,
            colours=ctx.colours,
            xlabel=cat("axis_persons"),
        ),
        size=(
            8.0,
            bar_height(len(sectors), wide.shape[1]),
        ),
    )
    intro = Paragraph(cat("jobs_intro", start=ctx.start_label, target_year=h.target_year))
    return Section("jobs", cat("sec_jobs"), [intro, fig, table])


def section_migration(ctx: Context) -> Section | None:
    """Yearly migration flows and their totals to the end of the target year."""
    county = ctx.inputs.county
    flows = [f for f in an.FLOWS if an.has(county, f)]
    if not flows:
        return None
    cat, h = ctx.cat, ctx.h
    yearly = an.migration_yearly(county)
    yearly = yearly[yearly["year"] > ctx.start.year] if yearly["year"].nunique() > 1 else yearly
    panels = []
    for flow in flows:
        rows = yearly[yearly["flow"] == flow]
        wide = rows.pivot_table(index="year", columns="scenario", values="value", sort=False)
        wide = wide[[s for s in ctx.inputs.scenarios if s in wide.columns]]
        if wide.abs().to_numpy().sum() > 0:
            panels.append((cat.indicator(flow), wide, cat("axis_persons_year")))
    figure = FigureBlock(
        "migration",
        cat("fig_migration"),
        partial(fg.draw_panels, panels=panels, labels=ctx.labels, colours=ctx.colours, cols=3),
        size=(8.0, 2.6 * math.ceil(len(panels) / 3) + 0.3),
    )
    totals = an.migration_totals(county, ctx.end)
    table = Table(
        "migration",
        "",
        [cat("col_flow"), *[ctx.label(s) for s in totals.columns]],
        [
            [cat.indicator(f), *[cat.count(totals.at[f, s]) for s in totals.columns]]
            for f in totals.index
        ],
    )
    intro = Paragraph(cat("migration_intro", start=ctx.start_label, target_year=h.target_year))
    blocks: list[Paragraph | Table | FigureBlock] = (
        [intro, figure, table] if panels else [intro, table]
    )
    return Section("migration", cat("sec_migration"), blocks)


def section_policies(ctx: Context) -> Section | None:
    """Each scenario's effect against the baseline (common random numbers) and interactions."""
    if len(ctx.inputs.scenarios) < 2:
        return None
    cat, h = ctx.cat, ctx.h
    result = an.contributions(ctx.inputs.county, ctx.inputs.info, ctx.end)
    title = cat("sec_policies")
    if result is None:
        reason = "policies_none" if an.pairable(ctx.inputs.county) else "policies_unpaired"
        return Section("policies", title, [Paragraph(cat(reason))])
    sep = "、" if cat.lang == "zh" else ", "

    def levers(name: str) -> str:
        info = ctx.inputs.info.get(name)
        return (
            sep.join(cat.lever(lev) for lev in info.levers) if info and info.levers else cat("none")
        )

    rows = [
        [
            ctx.label(r.scenario),
            levers(r.scenario),
            cat.pp(r.mean),
            f"{cat.pp(r.p05)} – {cat.pp(r.p95)}",
            str(r.pairs),
        ]
        for r in result.effects.itertuples()
    ]
    table = Table(
        "policies",
        "",
        [
            cat("col_scenario"),
            cat("col_levers"),
            f"{cat('col_effect')} ({cat('axis_pp')})",
            cat("col_effect_interval"),
            cat("col_pairs"),
        ],
        rows,
    )
    fig = FigureBlock(
        "policies",
        cat("fig_policies", target_year=h.target_year),
        partial(
            fg.draw_effects,
            effects=result.effects,
            per_replicate=result.per_replicate,
            paths=result.paths,
            labels=ctx.labels,
            titles=(cat("fig_policies", target_year=h.target_year), cat("fig_policy_paths")),
            ylabel=cat("axis_pp"),
            colours=ctx.colours,
        ),
        size=(8.0, 3.9),
    )
    blocks: list = [Paragraph(cat("policies_intro", target_year=h.target_year)), table, fig]
    inter = result.interactions
    if len(inter):
        blocks.append(Paragraph(cat("interaction_intro")))
        blocks.append(
            Table(
                "interactions",
                "",
                [
                    cat("col_scenario"),
                    cat("col_combined"),
                    cat("col_sum_singles"),
                    cat("col_interaction"),
                    cat("col_effect_interval"),
                    cat("col_pairs"),
                ],
                [
                    [
                        ctx.label(r.scenario),
                        cat.pp(r.combined),
                        cat.pp(r.sum_singles),
                        cat.pp(r.interaction),
                        f"{cat.pp(r.p05)} – {cat.pp(r.p95)}",
                        str(r.pairs),
                    ]
                    for r in inter.itertuples()
                ],
            )
        )
        for r in inter.itertuples():
            for names, key in (
                (r.missing_levers, "interaction_missing_levers"),
                (r.differing_levers, "interaction_lever_differs"),
            ):
                if names:
                    text = cat(key, levers=sep.join(cat.lever(x) for x in names))
                    blocks.append(
                        Paragraph(cat("labelled", label=ctx.label(r.scenario), text=text))
                    )
    return Section("policies", title, blocks)


__all__ = [
    "Context",
    "answer_table",
    "section_answer",
    "section_hukou",
    "section_jobs",
    "section_migration",
    "section_policies",
    "section_runs",
    "section_trajectories",
]
