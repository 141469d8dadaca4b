"""The townships section: dot plots of every township and the county city's growth.

:func:`section_townships` shows each township's urbanization rate, the change of its urban
residents and the change of its village residents (:func:`draw_townships`, three dot-plot
panels sharing the township rows, the township holding the county city on a row and scale of
its own), their tables, and the county city's residents, built-up area, absorbed villages and
upgraded townships (counts as the mean over the runs with their range). The split of the
urban population's change into its statistical and behavioural parts is
:mod:`hdsim.report.rate_split`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from matplotlib.ticker import PercentFormatter

from hdsim.report import analysis as an
from hdsim.report import figures as fg
from hdsim.report.catalogue import Catalogue
from hdsim.report.document import FigureBlock, Paragraph, Section, Table
from hdsim.report.sections import Context


@dataclass
class TownshipPanels:
    """Titles and axis labels of the township dot plots.

    Attributes:
        rate: Title of the urbanization-rate panel.
        urban: Title of the urban-population-change panel.
        village: Title of the village-population-change panel.
        start: Legend label of the census-day value.
        persons: Axis label of the urban change (persons).
        own_scale: Note on the county city's row (drawn on its own scale).
    """

    rate: str
    urban: str
    village: str
    start: str
    persons: str
    own_scale: str


def _dots(
    ax: Axes,
    rows: pd.DataFrame,
    column: str,
    names: Sequence[str],
    scenarios: Sequence[str],
    labels: dict[str, str],
    colours: dict[str, str],
    start: str | None,
    start_label: str,
) -> None:
    """One row per township: a grey span over the scenarios, a dot per scenario."""
    y = np.arange(len(names))
    wide = rows.pivot_table(index="township", columns="scenario", values=column, sort=False)
    wide = wide.reindex(list(names))
    present = [s for s in scenarios if s in wide.columns]
    values = wide[present].to_numpy(dtype=float)
    lo = np.nanmin(values, axis=1) if values.size else np.zeros(len(names))
    hi = np.nanmax(values, axis=1) if values.size else np.zeros(len(names))
    if start is not None:
        first = rows.drop_duplicates("township").set_index("township")[start].reindex(list(names))
        begin = first.to_numpy(dtype=float)
        lo, hi = np.fmin(lo, begin), np.fmax(hi, begin)
        ax.scatter(begin, y, s=26, facecolors="white", edgecolors="#777", lw=1.0, zorder=3,
                   label=start_label)  # fmt: skip
    ax.hlines(y, lo, hi, color="#d0d0d0", lw=3, zorder=1)
    for name in fg.baseline_last(present):
        base = name == fg.BASELINE
        ax.scatter(
            wide[name].to_numpy(dtype=float),
            y,
            s=30 if base else 22,
            marker="D" if base else "o",
            color=colours[name],
            edgecolors="black" if base else "none",
            lw=0.6,
            zorder=fg.BASELINE_ZORDER if base else 2,
            label=labels[name],
        )
    ax.set_yticks(y, list(names))
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="both", labelsize=7.5)


def draw_townships(
    fig: FigureBase,
    profile: pd.DataFrame,
    names: dict[str, str],
    scenarios: Sequence[str],
    labels: dict[str, str],
    colours: dict[str, str],
    text: TownshipPanels,
) -> None:
    """Dot plots of every township: urbanization rate, urban change, village change.

    Three panels side by side share the township rows: the urban share of residents (census
    day as an open circle, each scenario's end value as a dot), the change in urban residents
    and the relative change in village residents. The township holding the county city has its
    own row of axes above the others, on its own scale in the persons panel, so the other
    townships' changes stay readable.

    Args:
        fig: Figure to draw into.
        profile: :func:`hdsim.report.analysis.township_profile`.
        names: Display name per township code.
        scenarios: Scenarios in report order.
        labels: Display name per scenario.
        colours: Colour per scenario.
        text: Titles and labels.
    """
    profile = profile.assign(township=profile["township_code"].astype(str).map(names))
    city = profile[profile["county_city"]]
    rest = profile[~profile["county_city"]]
    city_names = list(dict.fromkeys(city["township"]))
    rest_names = list(dict.fromkeys(rest["township"]))
    heights = [max(len(city_names), 1) + 0.6, max(len(rest_names), 1)]
    grid = fig.add_gridspec(2 if city_names else 1, 3, height_ratios=heights if city_names
                            else None, hspace=0.05, wspace=0.08)  # fmt: skip
    panels = (
        ("rate_end", "rate_start", text.rate),
        ("urban_change", None, text.urban),
        ("village_change", None, text.village),
    )
    bottom_axes: list[Axes] = []
    for j, (column, start, title) in enumerate(panels):
        row = 1 if city_names else 0
        ax = fig.add_subplot(grid[row, j], sharey=bottom_axes[0] if bottom_axes else None)
        _dots(ax, rest, column, rest_names, scenarios, labels, colours, start, text.start)
        bottom_axes.append(ax)
        if j:
            ax.tick_params(axis="y", labelleft=False)
        if start is None:
            ax.axvline(0, color="#333", lw=0.8)
        top = None
        if city_names:
            top = fig.add_subplot(grid[0, j], sharex=None if column == "urban_change" else ax)
            _dots(top, city, column, city_names, scenarios, labels, colours, start, text.start)
            top.set_title(title, fontsize=9)
            top.tick_params(axis="x", labelbottom=column == "urban_change", labelsize=7)
            if j:
                top.tick_params(axis="y", labelleft=False)
            if start is None:
                top.axvline(0, color="#333", lw=0.8)
            if column == "urban_change":
                top.set_xlabel(text.own_scale, fontsize=7, color="#555")
                fg._thousands(top, "x")
        else:
            ax.set_title(title, fontsize=9)
        if column in ("rate_end", "village_change"):
            _percent_axis_x(ax)
        else:
            fg._thousands(ax, "x")
            ax.set_xlabel(text.persons, fontsize=8)
    fg._legend_below(fig, bottom_axes[:1], max_cols=6)


def _percent_axis_x(ax: Axes) -> None:
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))



def _township_names(ctx: Context, start: pd.DataFrame) -> list[str]:
    if ctx.cat.lang == "zh":
        return [str(t) for t in start["township"]]
    pinyin = dict(
        zip(
            ctx.inputs.data.townships["code"].astype(str),
            ctx.inputs.data.townships["name_pinyin"],
            strict=True,
        )
    )
    return [
        str(pinyin.get(str(c), t))
        for c, t in zip(start["township_code"], start["township"], strict=True)
    ]


def township_height(townships: int) -> float:
    """Height (inches) of the township dot plots."""
    return 1.6 + 0.24 * (townships + 1)


def _township_blocks(ctx: Context, township: pd.DataFrame) -> list[Paragraph | Table | FigureBlock]:
    """Dot plots and tables of every township: urbanization, urban and village change."""
    cat, h = ctx.cat, ctx.h
    start, change = an.township_urban_change(township, ctx.end)
    change = change[[s for s in ctx.inputs.scenarios if s in change.columns]]
    names = _township_names(ctx, start)
    by_code = dict(zip(start["township_code"].astype(str), names, strict=True))
    scen = list(change.columns)
    profile = an.township_profile(township, ctx.end)
    profile = profile[profile["scenario"].isin(scen)]
    blocks: list[Paragraph | Table | FigureBlock] = [
        Paragraph(cat("townships_intro", start=ctx.start_label, target_year=h.target_year)),
        FigureBlock(
            "townships",
            cat("fig_townships", start=ctx.start_label, target_year=h.target_year),
            partial(
                draw_townships,
                profile=profile,
                names=by_code,
                scenarios=scen,
                labels=ctx.labels,
                colours=ctx.colours,
                text=TownshipPanels(
                    rate=cat("panel_township_rate", target_year=h.target_year),
                    urban=cat("panel_township_urban"),
                    village=cat("panel_township_village"),
                    start=cat("legend_census_day", date=ctx.start_label),
                    persons=cat("axis_persons"),
                    own_scale=cat("axis_own_scale"),
                ),
            ),
            size=(8.0, township_height(len(names))),
        ),
    ]
    rows = [
        [name, cat.count(u), *[cat.signed_count(change.at[i, s]) for s in scen]]
        for i, (name, u) in enumerate(zip(names, start["urban_start"], strict=True))
    ]
    columns = [
        cat("col_township"),
        cat("col_urban_start", date=ctx.start_label),
        *[cat("col_change", label=ctx.label(s)) for s in scen],
    ]
    blocks.append(Table("townships", cat("townships_urban_caption"), columns, rows))
    wide = {
        column: profile.pivot_table(
            index="township_code", columns="scenario", values=column, sort=False
        ).reindex(start["township_code"])
        for column in ("rate_end", "village_change")
    }
    first = profile.drop_duplicates("township_code").set_index("township_code")
    first = first.reindex(start["township_code"])
    blocks.append(
        Table(
            "township_rates",
            cat("townships_rate_caption", start=ctx.start_label, target_year=h.target_year),
            [
                cat("col_township"),
                cat("col_rate_start", date=ctx.start_label),
                *[ctx.label(s) for s in scen],
            ],
            [
                [
                    name,
                    cat.pct(first["rate_start"].iloc[i], 1),
                    *[cat.pct(wide["rate_end"][s].iloc[i], 1) for s in scen],
                ]
                for i, name in enumerate(names)
            ],
        )
    )
    blocks.append(
        Table(
            "village_change",
            cat("townships_village_caption", start=ctx.start_label, target_year=h.target_year),
            [
                cat("col_township"),
                cat("col_village_start", date=ctx.start_label),
                *[ctx.label(s) for s in scen],
            ],
            [
                [
                    name,
                    cat.count(first["village_start"].iloc[i]),
                    *[cat.pct_signed(wide["village_change"][s].iloc[i]) for s in scen],
                ]
                for i, name in enumerate(names)
            ],
        )
    )
    return blocks


def section_townships(ctx: Context) -> Section | None:
    """Township dot plots and tables, county-city growth and reclassified villages."""
    cat = ctx.cat
    blocks: list = []
    township = ctx.inputs.township
    if township is not None and len(township):
        blocks += _township_blocks(ctx, township)
    county = ctx.inputs.county
    if an.has(county, "county_city_population"):
        cc = an.county_city(county, ctx.end)
        for r in cc.itertuples():
            blocks.append(
                Paragraph(
                    cat(
                        "county_city_intro",
                        label=ctx.label(r.scenario),
                        start=cat.count(r.population_start),
                        end=cat.count(r.population_end),
                        km2=f"{r.builtup_end:.1f}{'' if cat.lang == 'zh' else ' '}"
                        f"{cat('axis_km2')}",
                        villages=_mean_range(r.reclassified_end, r.reclassified_min,
                                             r.reclassified_max, cat),
                        upgraded=_mean_range(r.upgraded_end, r.upgraded_min, r.upgraded_max,
                                             cat),
                    )
                )
            )
        panels = [
            (
                cat("panel_county_city_population"),
                an.means(county, "county_city_population"),
                cat("axis_persons"),
            ),
        ]
        if an.has(county, "county_city_builtup_km2"):
            panels.append(
                (cat("panel_builtup"), an.means(county, "county_city_builtup_km2"), cat("axis_km2"))
            )
        if an.has(county, "reclassified_villages"):
            panels.append(
                (
                    cat("panel_reclassified"),
                    an.means(county, "reclassified_villages"),
                    cat("axis_villages"),
                )
            )
        blocks.append(
            FigureBlock(
                "county_city",
                cat("fig_county_city"),
                partial(
                    fg.draw_panels, panels=panels, labels=ctx.labels, colours=ctx.colours, cols=3
                ),
                size=(8.0, 3.4),
            )
        )
    return Section("townships", cat("sec_townships"), blocks) if blocks else None


def _mean_range(mean: float, lo: float, hi: float, cat: Catalogue) -> str:
    """A mean count over replicates with the range of the runs, e.g. "5.7（4–7）"."""
    if round(lo) == round(hi):
        if round(hi) == 0:
            return cat("count_none")
        return cat("count_all_runs", n=f"{round(mean)}")
    return cat("count_mean_range", mean=f"{mean:.1f}", lo=f"{round(lo)}", hi=f"{round(hi)}")


__all__ = ["TownshipPanels", "draw_townships", "section_townships", "township_height"]
