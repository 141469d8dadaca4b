"""The decision summary (page 1) and the costs section: what a leadership meeting needs.

:func:`section_summary` is the page a planner hands over alone: a one-sentence verdict in bold
(can the target be reached by the target year, with what probability, under which scenario), a
small table of the scenarios (target-year rate and band, P(≥ target), gain over the baseline,
what it costs, the year the target is reached if the levers stay on), the headline chart, and
the levers that matter most (with the sensitivity result when an experiment is present).

:func:`section_costs` holds spending by lever and year against the yearly budget, gain per 亿元,
the unit costs with their basis (estimates marked), and the levers outside the model's effects.

Costs are the policies' own: gains and money come from
:func:`hdsim.policies.budget.cost_effectiveness` applied to the county series (the runs'
``spending_<lever>`` and ``spending_total``), unit costs and their basis from the lever
definitions in :mod:`hdsim.config.policies`. P(≥ target by 2028, 2030, 2035) with the levers on
is read from the job's outlook (``outlook/outlook.csv``, written by :mod:`hdsim.outlook`), with
the sentence saying which runs every probability on the page comes from.
"""

from __future__ import annotations

import dataclasses
import math
import re
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import FigureBase

from hdsim.report import analysis as an
from hdsim.report import figures as fg
from hdsim.report.document import FigureBlock, Paragraph, Section, Table
from hdsim.report.sections import Context

OUTLOOK_PATH = ("outlook", "outlook.csv")
"""Where the main job writes its outlook (see :mod:`hdsim.outlook`), relative to the job."""

TOP_LEVERS = 3
"""Levers named in the decision summary."""

COST_INDICATORS = ("urbanization_rate", "spending_total")
"""The indicators :func:`hdsim.policies.budget.cost_effectiveness` reads."""

BASE_LEVER_FIELDS = ("start", "intensity", "ramp_months", "cost_yi", "running_yi")
"""Fields every lever has; a lever with no other field has no modelled effect on the rate."""


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def costs(ctx: Context) -> pd.DataFrame | None:
    """Gain over the baseline and money spent per scenario (the policies' own analysis).

    Returns:
        :func:`hdsim.policies.budget.cost_effectiveness` of the county series, or None when
        there is no baseline, no other scenario or no spending series.
    """
    return ctx.memo("costs", lambda: _costs(ctx))


def _costs(ctx: Context) -> pd.DataFrame | None:
    from hdsim.policies.budget import cost_effectiveness

    county = ctx.inputs.county
    base = an.baseline_of(ctx.inputs.info)
    if base is None or len(ctx.inputs.scenarios) < 2 or not an.has(county, "spending_total"):
        return None
    # Only the two indicators it reads: it lists the scenarios by walking the frame's column in
    # Python (0.6 s over the main job's 700,000 rows); the same order, or the whole frame.
    rows = county[county["indicator"].isin(COST_INDICATORS)]
    if list(dict.fromkeys(rows["scenario"])) == list(ctx.inputs.scenarios):
        county = rows
    try:
        return cost_effectiveness(county, ctx.h.target_year, baseline=base)
    except (ValueError, KeyError):
        return None


def outlook(ctx: Context) -> pd.DataFrame | None:
    """The job's outlook table (year the target is reached with the levers on), if written."""
    path = ctx.inputs.root.joinpath(*OUTLOOK_PATH)
    if not path.is_file():
        return None
    table = pd.read_csv(path)
    if not {"scenario", "year", "p", "p_lo", "p_hi", "n", "scale", "behaviour"} <= set(table):
        return None
    return table


def _outlook_years(out: pd.DataFrame) -> list[int]:
    from hdsim.outlook import OUTLOOK_YEARS

    return [y for y in OUTLOOK_YEARS if y in set(out["year"])]


def yearly_spending(ctx: Context) -> pd.DataFrame:
    """Mean spending per scenario, calendar year and lever (亿元), and the budget line.

    Returns:
        Columns scenario, year, lever (``total`` and ``budget`` included), value.
    """
    return ctx.memo("yearly_spending", lambda: _yearly_spending(ctx))


def _yearly_spending(ctx: Context) -> pd.DataFrame:
    county = ctx.inputs.county
    names = county["indicator"].astype(str)
    keep = names.str.startswith("spending_") | (names == "budget_line_yi")
    rows = county[keep & (county["date"] <= ctx.end)].copy()
    if rows.empty:
        return pd.DataFrame(columns=["scenario", "year", "lever", "value"])
    rows["year"] = pd.to_datetime(rows["date"]).dt.year
    rows["lever"] = (
        rows["indicator"]
        .astype(str)
        .str.replace("spending_", "", regex=False)
        .replace({"budget_line_yi": "budget"})
    )
    by_rep = rows.groupby(["scenario", "replicate", "year", "lever"], sort=False)["value"].sum()
    mean = by_rep.groupby(level=["scenario", "year", "lever"], sort=False).mean()
    return mean.reset_index()


def lever_spending(ctx: Context) -> pd.DataFrame:
    """Mean spending of every lever by calendar year, per scenario (亿元), to the target year.

    Returns:
        One row per scenario and lever that spends something (scenarios in report order, then
        each scenario's levers in the order of its series): columns scenario, lever, one column
        per year (int) and ``total`` (sum over the years). Empty when nothing was spent.
    """
    spending = yearly_spending(ctx)
    spent = spending[~spending["lever"].isin(["total", "budget"])]
    if spent.empty:
        return pd.DataFrame(columns=["scenario", "lever", "total"])
    wide = spent.pivot_table(
        index=["scenario", "lever"], columns="year", values="value", sort=False
    ).fillna(0.0)
    wide = wide[sorted(wide.columns)]
    wide.columns = [int(y) for y in wide.columns]
    wide["total"] = wide.sum(axis=1)
    wide = wide[wide["total"] > 0].reset_index()
    order = {name: i for i, name in enumerate(ctx.inputs.scenarios)}
    wide["_order"] = wide["scenario"].map(order)
    wide = wide.sort_values("_order", kind="stable").drop(columns="_order")
    return wide.reset_index(drop=True)


def unit_costs(ctx: Context) -> pd.DataFrame:
    """Unit costs of every lever that is on in some scenario, with the basis of each figure.

    Returns:
        Columns lever, cost_yi, running_yi, basis (text of the help), flag (estimate,
        assumption, official, literature or unknown), effect (whether the lever has a modelled
        effect on the rate).
    """
    from hdsim.model.config import PoliciesConfig

    on: dict[str, dict[str, Any]] = {}
    for name in ctx.inputs.scenarios:
        info = ctx.inputs.info.get(name)
        for lever, settings in (info.levers if info else {}).items():
            on.setdefault(lever, settings)
    defaults = PoliciesConfig().levers()
    rows = []
    for lever, settings in on.items():
        template = defaults.get(lever)
        if template is None:
            continue
        fields = {f.name: f for f in dataclasses.fields(template)}
        basis = _basis(fields, settings)
        rows.append(
            {
                "lever": lever,
                "cost_yi": float(settings.get("cost_yi", template.cost_yi)),
                "running_yi": float(settings.get("running_yi", template.running_yi)),
                "basis": basis,
                "flag": _flag(basis),
                "effect": any(n not in BASE_LEVER_FIELDS for n in fields),
            }
        )
    return pd.DataFrame(rows, columns=["lever", "cost_yi", "running_yi", "basis", "flag", "effect"])


def _basis(fields: dict[str, dataclasses.Field[Any]], settings: dict[str, Any]) -> str:
    texts = []
    for name in ("cost_yi", "running_yi"):
        help_text = str(fields[name].metadata.get("help", "")) if name in fields else ""
        found = re.search(r"\((.*)\)\.?$", help_text)
        if found and found.group(1) != "none":
            texts.append(found.group(1))
    return "; ".join(texts)


def _flag(basis: str) -> str:
    for word in ("official", "literature", "estimate", "assumption"):
        if word in basis.lower():
            return word
    return "unknown"


# --------------------------------------------------------------------------------------------
# Decision summary
# --------------------------------------------------------------------------------------------


def _best(summary: pd.DataFrame) -> Any:
    ranked = summary.sort_values(["p_reach", "rate_mean"], ascending=False)
    return next(ranked.itertuples())


def _yi(cat_lang: str, value: float, digits: int = 1) -> str:
    if value is None or not math.isfinite(float(value)):
        return "–"
    return f"{float(value):,.{digits}f}"


def verdict(ctx: Context) -> str:
    """The one-sentence verdict (bold at the top of the decision summary)."""
    cat, h = ctx.cat, ctx.h
    summary = ctx.inputs.summary
    best = _best(summary)
    values = {
        "target_year": h.target_year,
        "target": ctx.target,
        "label": ctx.label(str(best.scenario)),
        "mean": cat.pct(best.rate_mean),
        "lo": cat.pct(best.rate_p05),
        "hi": cat.pct(best.rate_p95),
        "p": cat.pct(best.p_reach, 0),
    }
    if float(best.p_reach) >= 0.5:
        return cat("summary_verdict_reached", **values)
    base = an.baseline_of(ctx.inputs.info)
    base_rate = summary.set_index("scenario")["rate_mean"].get(base, float("nan"))
    gap = h.target_rate - float(base_rate)
    share = (float(best.rate_mean) - float(base_rate)) / gap if gap > 0 else float("nan")
    return cat("summary_verdict_not", share=cat.pct(share, 0), **values)


def summary_table(ctx: Context, cost: pd.DataFrame | None, out: pd.DataFrame | None) -> Table:
    """One row per scenario: rate and band, P(≥ target), gain, cost, year with levers on."""
    cat, h = ctx.cat, ctx.h
    by_cost = cost.set_index("scenario") if cost is not None else None
    rows = []
    for r in ctx.inputs.summary.itertuples():
        name = str(r.scenario)
        row = [
            ctx.label(name),
            cat.pct(r.rate_mean),
            f"{cat.pct(r.rate_p05)}–{cat.pct(r.rate_p95)}",
            cat.pct(r.p_reach, 0),
        ]
        if by_cost is not None:
            c = by_cost.loc[name] if name in by_cost.index else None
            row += [
                cat.pp(c["gain_pp"] / 100) if c is not None else "–",
                _yi(cat.lang, c["spending_yi"]) if c is not None else "–",
                _yi(cat.lang, c["yi_per_pp"]) if c is not None else "–",
            ]
        if out is not None:
            mine = out[out["scenario"] == name].set_index("year")["p"]
            cells = [cat.pct(mine[y], 0) if y in mine.index else "–" for y in _outlook_years(out)]
            row.append(" / ".join(cells))
        rows.append(row)
    columns = [
        cat("col_scenario"),
        cat("col_rate_end", target_year=h.target_year),
        cat("col_interval"),
        cat("col_p_reach", target=ctx.target),
    ]
    if by_cost is not None:
        columns += [
            cat("col_gain_pp"),
            cat("col_spending_yi", target_year=h.target_year),
            cat("col_yi_per_pp"),
        ]
    if out is not None:
        years = "/".join(str(y) for y in _outlook_years(out))
        columns.append(cat("col_year_outlook", target=ctx.target, years=years))
    return Table("summary", "", columns, rows)


def _outlook_sentences(ctx: Context, out: pd.DataFrame | None) -> list[Paragraph]:
    cat, h = ctx.cat, ctx.h
    if out is None:
        return [Paragraph(cat("summary_outlook_missing"))] if ctx.inputs.kind == "job" else []
    from hdsim.experiments.design import POSTERIOR_WINDOW

    years = _outlook_years(out)
    end_year = int(out["year"].max())
    last = out[out["year"] == end_year].sort_values("p", ascending=False)
    best = str(last["scenario"].iloc[0])
    mine = out[(out["scenario"] == best) & out["year"].isin(years)]
    sep = "；" if cat.lang == "zh" else "; "
    items = sep.join(
        cat(
            "outlook_p_item",
            year=int(r.year),
            p=cat.pct(r.p, 0),
            lo=cat.pct(r.p_lo, 0),
            hi=cat.pct(r.p_hi, 0),
        )
        for r in mine.itertuples()
    )
    if float(last["p"].iloc[0]) > 0:
        text = cat("summary_outlook_year", label=ctx.label(best), target=ctx.target, items=items)
    else:
        text = cat("summary_outlook_never", end_year=end_year, target=ctx.target, items=items)
    source = str(out["behaviour"].iloc[0])
    runs = ctx.inputs.summary.get("replicates")
    key = f"summary_outlook_note_{source}" if source in ("posterior", "point") else ""
    note = cat(
        key or "summary_p_prior",
        end_year=end_year,
        scale=f"{float(out['scale'].iloc[0]):g}",
        n=int(out["n"].iloc[0]),
        replicates=int(runs.iloc[0]) if runs is not None and len(runs) else "–",
        window=POSTERIOR_WINDOW,
        target_year=h.target_year,
    )
    return [Paragraph(text), Paragraph(note), Paragraph(cat("summary_left_out"))]


def _lever_sentences(ctx: Context, cost: pd.DataFrame | None) -> list[Paragraph]:
    """The levers (single-lever scenarios first) with the largest gains, and sensitivity."""
    cat = ctx.cat
    out = []
    if cost is not None:
        base = an.baseline_of(ctx.inputs.info)
        gains = cost[cost["scenario"] != base].sort_values("gain_pp", ascending=False)
        sep = "；" if cat.lang == "zh" else "; "
        items = [
            cat(
                "summary_lever_item",
                label=ctx.label(str(r.scenario)),
                gain=cat.pp_words(r.gain_pp / 100),
                cost=_yi(cat.lang, r.spending_yi),
            )
            for r in gains.head(TOP_LEVERS).itertuples()
        ]
        if items:
            out.append(Paragraph(cat("summary_levers", items=sep.join(items))))
    sens = _top_sensitivity(ctx)
    if sens:
        out.append(Paragraph(cat("summary_sensitivity", items=sens)))
    return out


def _top_sensitivity(ctx: Context) -> str:
    for name, column in (
        ("sensitivity_sobol", "ST"),
        ("sensitivity_morris", "mu_star"),
        ("sensitivity_rank", "spearman_rho"),
    ):
        table = ctx.inputs.optional.get(name)
        if table is None or column not in table or "parameter" not in table:
            continue
        rows = table
        if "output" in table:
            outputs = list(dict.fromkeys(table["output"]))
            rows = table[table["output"] == outputs[0]]
        top = rows.assign(size=rows[column].abs()).sort_values("size", ascending=False)
        sep = "、" if ctx.cat.lang == "zh" else ", "
        return sep.join(
            f"{r.parameter} ({column} {float(getattr(r, column)):.2f})"
            for r in top.head(TOP_LEVERS).itertuples()
        )
    return ""


def _validation_sentence(ctx: Context) -> list[Paragraph]:
    """How the model did on the decade it never saw (the hindcast of the county's folder)."""
    table = ctx.inputs.validation
    if table is None:
        return []
    model = table["method"] == "model (posterior)"
    rows = table[(table["figure"] == "urbanization_rate") & model]
    if rows.empty:
        return []
    r = rows.iloc[0]
    cat = ctx.cat
    gap = float(r.estimate) - float(r.observed_2020)
    covered = str(r.covered).strip().lower() == "true"
    return [
        Paragraph(
            cat(
                "summary_validation",
                model=cat.pct(float(r.estimate)),
                lo=cat.pct(float(r.p05)),
                hi=cat.pct(float(r.p95)),
                observed=cat.pct(float(r.observed_2020)),
                gap=cat.pp(gap),
                covered=cat("validation_covered" if covered else "validation_not_covered"),
                reading=""
                if covered
                else cat("validation_floor" if gap < 0 else "validation_ceiling"),
                commit=str(r.commit)[:7],
            )
        )
    ]


def section_summary(ctx: Context) -> Section | None:
    """The decision summary: verdict, scenario table, outlook, headline chart, key levers."""
    cat = ctx.cat
    if ctx.inputs.summary.empty:
        return None
    cost = costs(ctx)
    out = outlook(ctx)
    fan = ctx.fan()
    blocks: list[Paragraph | Table | FigureBlock] = [
        Paragraph(verdict(ctx), strong=True),
        summary_table(ctx, cost, out),
    ]
    blocks += _outlook_sentences(ctx, out)
    blocks += _validation_sentence(ctx)
    blocks.append(
        FigureBlock(
            "headline",
            cat("fig_headline", county=ctx.county),
            partial(
                fg.draw_headline,
                fan=fan,
                scenarios=list(ctx.inputs.scenarios),
                labels=ctx.labels,
                colours=ctx.colours,
                marks=ctx.marks,
                title=cat("fig_headline", county=ctx.county),
                ylabel=cat("axis_rate"),
            ),
            size=(8.0, 4.4),
        )
    )
    blocks += _lever_sentences(ctx, cost)
    return Section("summary", cat("sec_summary"), blocks)


# --------------------------------------------------------------------------------------------
# Costs
# --------------------------------------------------------------------------------------------


def draw_spending(
    fig: FigureBase,
    spending: pd.DataFrame,
    levers: list[str],
    names: dict[str, str],
    budget_label: str,
    ylabel: str,
) -> None:
    """Stacked yearly spending by lever, with the yearly budget as a step line."""
    ax = fig.subplots()
    years = sorted(spending["year"].unique())
    wide = spending.pivot_table(index="year", columns="lever", values="value").reindex(years)
    bottom = np.zeros(len(years))
    for i, lever in enumerate(levers):
        values = wide[lever].fillna(0.0).to_numpy(dtype=float)
        ax.bar(years, values, bottom=bottom, color=fg.colour(i), label=names[lever], width=0.7)
        bottom += values
    if "budget" in wide:
        ax.step(
            years,
            wide["budget"].to_numpy(dtype=float),
            where="mid",
            color="#b22222",
            lw=1.6,
            label=budget_label,
            zorder=5,
        )
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=7, frameon=False)


def lever_spending_table(ctx: Context, by_lever: pd.DataFrame) -> Table:
    """Per-lever yearly spending of every scenario (亿元), each scenario's total after it."""
    cat = ctx.cat
    years = [c for c in by_lever.columns if isinstance(c, int)]
    rows = []
    for name in dict.fromkeys(by_lever["scenario"]):
        mine = by_lever[by_lever["scenario"] == name]
        for r in mine.to_dict("records"):
            rows.append(
                [
                    ctx.label(str(name)),
                    cat.lever(str(r["lever"])),
                    *[_yi(cat.lang, r[y]) for y in years],
                    _yi(cat.lang, r["total"]),
                ]
            )
        if len(mine) > 1:
            rows.append(
                [
                    ctx.label(str(name)),
                    cat("col_total"),
                    *[_yi(cat.lang, mine[y].sum()) for y in years],
                    _yi(cat.lang, mine["total"].sum()),
                ]
            )
    return Table(
        "spending_by_lever",
        cat("costs_lever_caption", target_year=ctx.h.target_year),
        [
            cat("col_scenario"),
            cat("col_measure"),
            *[str(y) for y in years],
            cat("col_sum_years", first=years[0], last=years[-1]) if years else cat("col_total"),
        ],
        rows,
    )


def section_costs(ctx: Context) -> Section | None:
    """Spending by lever and year against the budget, gain per 亿元, unit costs, scope."""
    cat, h = ctx.cat, ctx.h
    cost = costs(ctx)
    if cost is None:
        return None
    blocks: list[Paragraph | Table | FigureBlock] = [Paragraph(cat("costs_intro"))]
    blocks.append(
        Table(
            "costs",
            cat("costs_value_caption", target_year=h.target_year),
            [
                cat("col_scenario"),
                cat("col_rate_end", target_year=h.target_year),
                cat("col_gain_pp"),
                cat("col_spending_yi", target_year=h.target_year),
                cat("col_pp_per_yi"),
                cat("col_yi_per_pp"),
            ],
            [
                [
                    ctx.label(str(r.scenario)),
                    cat.pct(r.rate_mean),
                    cat.pp(r.gain_pp / 100)
                    + (f" ± {r.gain_pp_se:.2f}" if math.isfinite(r.gain_pp_se) else ""),
                    _yi(cat.lang, r.spending_yi),
                    _yi(cat.lang, r.pp_per_yi, 3),
                    _yi(cat.lang, r.yi_per_pp),
                ]
                for r in cost.itertuples()
            ],
        )
    )
    spending = yearly_spending(ctx)
    if len(spending):
        totals = spending[spending["lever"].isin(["total", "budget"])]
        wide = totals.pivot_table(index=["scenario", "lever"], columns="year", values="value")
        years = list(wide.columns)
        rows = []
        for name in ctx.inputs.scenarios:
            for lever, label in (("total", cat("col_total")), ("budget", cat("col_budget"))):
                if (name, lever) in wide.index:
                    values = wide.loc[(name, lever)]
                    rows.append(
                        [ctx.label(name), label, *[_yi(cat.lang, values[y]) for y in years]]
                    )
        blocks.append(
            Table(
                "spending_by_year",
                cat("costs_total_caption"),
                [cat("col_scenario"), cat("col_line"), *[str(y) for y in years]],
                rows,
            )
        )
        richest = str(cost.sort_values("spending_yi", ascending=False).iloc[0]["scenario"])
        mine = spending[spending["scenario"] == richest]
        levers = [
            lv
            for lv in dict.fromkeys(mine["lever"])
            if lv not in ("total", "budget") and mine[mine["lever"] == lv]["value"].sum() > 0
        ]
        by_lever = lever_spending(ctx)
        if len(by_lever):
            blocks.append(lever_spending_table(ctx, by_lever))
        if levers:
            blocks.append(
                FigureBlock(
                    "costs",
                    cat("costs_year_caption", label=ctx.label(richest)),
                    partial(
                        draw_spending,
                        spending=mine,
                        levers=levers,
                        names={lv: cat.lever(lv) for lv in levers},
                        budget_label=cat("legend_budget"),
                        ylabel=cat("axis_yi"),
                    ),
                    size=(8.0, 3.6),
                )
            )
    units = unit_costs(ctx)
    if len(units):
        blocks.append(
            Table(
                "unit_costs",
                cat("costs_units_caption"),
                [
                    cat("col_measure"),
                    cat("col_cost_capital"),
                    cat("col_cost_running"),
                    cat("col_cost_flag"),
                ],
                [
                    [
                        cat.lever(r.lever),
                        _yi(cat.lang, r.cost_yi),
                        _yi(cat.lang, r.running_yi),
                        ("★ " if r.flag == "estimate" else "") + cat(f"status_{r.flag}"),
                    ]
                    for r in units.itertuples()
                ],
            )
        )
        outside = [cat.lever(r.lever) for r in units.itertuples() if not r.effect]
        sep = "、" if cat.lang == "zh" else ", "
        blocks.append(
            Paragraph(
                cat("costs_out_of_scope", items=sep.join(outside))
                if outside
                else cat("costs_out_of_scope_none")
            )
        )
    return Section("costs", cat("sec_costs"), blocks)


__all__ = [
    "costs",
    "draw_spending",
    "lever_spending",
    "lever_spending_table",
    "outlook",
    "section_costs",
    "section_summary",
    "summary_table",
    "unit_costs",
    "verdict",
    "yearly_spending",
]
