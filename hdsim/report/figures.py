"""Report figures: each function draws one figure into a Matplotlib (sub)figure.

The functions take the small frames of :mod:`hdsim.report.analysis` and already translated
labels, so they hold no text of their own: every word comes from the catalogue through the
caller. They draw into the figure they are given (a standalone figure for PNG/SVG files, a
sub-figure of an A4 page for the PDF), and must be called inside
``matplotlib.rc_context(report_rc())`` so that Chinese renders with the CJK font.

Standalone figures are laid out by :class:`SnappedLayout`: Matplotlib's constrained layout
with its result rounded to :data:`LAYOUT_GRID`, so that a figure's PNG is the same bytes
whichever process draws it and whatever was drawn before it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import YearLocator
from matplotlib.figure import Figure, FigureBase, SubFigure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter
from matplotlib.transforms import Bbox

PALETTE: tuple[str, ...] = (
    "#4c72b0",
    "#dd8452",
    "#55a868",
    "#c44e52",
    "#8172b3",
    "#937860",
    "#da8bc3",
    "#8c8c8c",
    "#ccb974",
    "#64b5cd",
)
"""Scenario colours, in scenario order."""

MAX_BAR_SCENARIOS = 6
"""Scenarios drawn side by side in grouped bar charts."""

MAX_CALIBRATION_PANELS = 8
"""Indicators drawn in the calibration figure (all are in its table)."""


LAYOUT_GRID = 1e-6
"""Grid (figure fraction) the constrained layout's positions are rounded to: 0.0012 pixel of
a 150 dpi PNG 8 inches wide, far below what a pixel shows, and about 10^9 times the spread of
the layout solver's results (below)."""


def snap(value: float) -> float:
    """``value`` rounded to the nearest multiple of :data:`LAYOUT_GRID`."""
    return round(value / LAYOUT_GRID) * LAYOUT_GRID


def _snap_bbox(bbox: Bbox) -> Bbox:
    (x0, y0), (x1, y1) = bbox.get_points()
    return Bbox([[snap(x0), snap(y0)], [snap(x1), snap(y1)]])


class SnappedLayout(ConstrainedLayoutEngine):
    """Constrained layout whose positions do not depend on the process's memory.

    Matplotlib's constrained layout solves its constraints with kiwisolver, which orders a
    constraint's variables by their addresses in memory; the order of the floating-point
    operations, hence the last bits of every axes' and sub-figure's position, then depends on
    what the process allocated before (other figures drawn, modules imported, a helper
    process's pool). Measured on the main job's migration figure: 3 layouts in 20 draws of
    the same figure in one process, differing by 3e-16 of the figure height, enough to change
    7 antialiased pixels of a PNG by one level.

    This engine runs the constrained layout and rounds every sub-figure's box, axes position
    and figure-level title position to :data:`LAYOUT_GRID`, so the drawing that follows starts
    from the same numbers. Guaranteed: the same positions, hence the same bytes, as long as
    the solver's results differ by less than the grid and do not straddle a rounding boundary
    (a chance of about 2 x 3e-16 / 1e-6, i.e. 1e-9 per coordinate). Not guaranteed: the same
    bytes across Matplotlib, kiwisolver or FreeType versions.
    """

    def execute(self, fig: Figure) -> None:
        """Lay ``fig`` out with the constrained layout, then round the result."""
        super().execute(fig)
        snap_layout(fig)


def snap_layout(fig: Figure | SubFigure) -> None:
    """Round the positions the layout set in ``fig`` (and its sub-figures) to the grid."""
    for sub in fig.subfigs:
        sub.bbox_relative.set_points(_snap_bbox(sub.bbox_relative).get_points())
        snap_layout(sub)
    for ax in getattr(fig, "_localaxes", []):  # this (sub)figure's own axes
        ax._set_position(_snap_bbox(ax.get_position(original=True)), which="original")
        ax._set_position(_snap_bbox(ax.get_position(original=False)), which="active")
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        label = getattr(fig, name, None)
        if label is not None:
            x, y = label.get_position()
            label.set_position((snap(x), snap(y)))


def colour(i: int) -> str:
    """Colour of the ``i``-th scenario."""
    return PALETTE[i % len(PALETTE)]


BASELINE = "baseline"
"""Scenario drawn last and on top in line charts, so other scenarios never hide it."""

BASELINE_ZORDER = 4
"""Drawing order of the baseline's line (above the other scenarios' lines and bands)."""


def baseline_last(names: Sequence[str]) -> list[str]:
    """``names`` with the baseline moved to the end (drawn last, so it stays visible)."""
    return [n for n in names if n != BASELINE] + [n for n in names if n == BASELINE]


@dataclass
class Marks:
    """Reference marks of rate charts.

    Attributes:
        target: Target rate (fraction).
        target_end: Last day of the target year.
        target_label: Legend label of the target line.
        year_label: Legend label of the target-year line.
        observed: Observed points: columns date, value.
        observed_label: Legend label of the observed points.
    """

    target: float
    target_end: pd.Timestamp
    target_label: str
    year_label: str
    observed: pd.DataFrame
    observed_label: str


def _percent_axis(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))


def _legend_below(fig: FigureBase, axes: Sequence[Axes], max_cols: int = 5) -> None:
    """One legend for the whole figure, under the plots (handles gathered from ``axes``)."""
    handles, names = [], []
    for ax in axes:
        for handle, name in zip(*ax.get_legend_handles_labels(), strict=True):
            if name not in names:
                handles.append(handle)
                names.append(name)
    if handles:
        fig.legend(
            handles,
            names,
            loc="outside lower center",
            ncols=min(max_cols, len(names)),
            frameon=False,
            fontsize=8,
        )


def _year_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(YearLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{_year_of(x)}"))


def _year_of(x: float) -> int:
    from matplotlib.dates import num2date

    return num2date(x).year


def _marks(ax: Axes, marks: Marks, legend: bool) -> None:
    ax.axhline(
        marks.target, color="#b22222", ls="--", lw=1, label=marks.target_label if legend else None
    )
    ax.axvline(
        marks.target_end, color="#555", ls=":", lw=1, label=marks.year_label if legend else None
    )
    if len(marks.observed):
        ax.scatter(
            marks.observed["date"],
            marks.observed["value"],
            color="black",
            s=18,
            zorder=5,
            label=marks.observed_label if legend else None,
        )


def _thousands(ax: Axes, axis: str = "y") -> None:
    fmt = FuncFormatter(lambda x, _pos: f"{x:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def draw_headline(
    fig: FigureBase,
    fan: pd.DataFrame,
    scenarios: Sequence[str],
    labels: dict[str, str],
    colours: dict[str, str],
    marks: Marks,
    title: str,
    ylabel: str,
) -> None:
    """All scenarios' median and 5-95% band on one chart, with target, target year, observed."""
    ax = fig.subplots()
    for name in baseline_last(scenarios):
        rows = fan[fan["scenario"] == name]
        c = colours[name]
        base = name == BASELINE
        ax.fill_between(rows["date"], rows["q05"], rows["q95"], color=c, alpha=0.18, lw=0)
        ax.plot(
            rows["date"],
            rows["q50"],
            color=c,
            lw=2.4 if base else 1.8,
            ls="--" if base else "-",
            zorder=BASELINE_ZORDER if base else 2,
            label=labels[name],
        )
    _marks(ax, marks, legend=True)
    top = max(float(fan["q95"].max()), marks.target)
    ax.set_ylim(top=top + 0.01)
    _percent_axis(ax)
    _year_axis(ax)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _legend_below(fig, [ax], max_cols=4)


def draw_fans(
    fig: FigureBase,
    fan: pd.DataFrame,
    scenarios: Sequence[str],
    labels: dict[str, str],
    colours: dict[str, str],
    marks: Marks,
    band_labels: tuple[str, str, str],
) -> None:
    """One fan chart per scenario (median, 25-75% and 5-95% bands), sharing the y axis."""
    n = len(scenarios)
    cols = min(3, n)
    rows_n = math.ceil(n / cols)
    axes = np.atleast_1d(fig.subplots(rows_n, cols, sharey=True, squeeze=False)).ravel()
    lo = min(float(fan["q05"].min()), marks.target) - 0.01
    hi = max(float(fan["q95"].max()), marks.target) + 0.01
    for i, name in enumerate(scenarios):
        ax = axes[i]
        rows = fan[fan["scenario"] == name]
        c = colours[name]
        ax.fill_between(
            rows["date"], rows["q05"], rows["q95"], color=c, alpha=0.18, lw=0, label=band_labels[2]
        )
        ax.fill_between(
            rows["date"], rows["q25"], rows["q75"], color=c, alpha=0.35, lw=0, label=band_labels[1]
        )
        ax.plot(rows["date"], rows["q50"], color=c, lw=1.6, label=band_labels[0])
        _marks(ax, marks, legend=i == 0)
        ax.set_title(labels[name])
        ax.set_ylim(lo, hi)
        _percent_axis(ax)
        _year_axis(ax)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    _legend_below(fig, [axes[0]], max_cols=5)


def draw_hukou(
    fig: FigureBase,
    resident: pd.DataFrame,
    hukou: pd.DataFrame,
    labels: dict[str, str],
    colours: dict[str, str],
    titles: tuple[str, str],
    ylabel_gap: str,
) -> None:
    """Resident (solid) and hukou (dashed) rates by scenario, and their gap in points."""
    left, right = fig.subplots(1, 2)
    for name in resident.columns:
        c = colours[name]
        left.plot(resident.index, resident[name], color=c, lw=1.6, label=labels[name])
        if name in hukou.columns:
            left.plot(hukou.index, hukou[name], color=c, lw=1.4, ls="--")
            gap = (resident[name] - hukou[name]) * 100
            right.plot(gap.index, gap, color=c, lw=1.6)
    left.set_title(titles[0])
    right.set_title(titles[1])
    right.set_ylabel(ylabel_gap)
    _percent_axis(left)
    for ax in (left, right):
        _year_axis(ax)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    _legend_below(fig, [left])


def draw_grouped_bars(
    fig: FigureBase,
    categories: Sequence[str],
    values: pd.DataFrame,
    labels: dict[str, str],
    colours: dict[str, str],
    xlabel: str,
) -> None:
    """Horizontal bars, one group per category (row of ``values``), one bar per scenario."""
    ax = fig.subplots()
    cols = list(values.columns)[:MAX_BAR_SCENARIOS]
    n = max(len(cols), 1)
    height = 0.8 / n
    y = np.arange(len(categories))
    for i, name in enumerate(cols):
        ax.barh(
            y - 0.4 + height * (i + 0.5),
            values[name].to_numpy(dtype=float),
            height=height,
            color=colours[name],
            label=labels[name],
        )
    ax.set_yticks(y, list(categories))
    ax.invert_yaxis()
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_xlabel(xlabel)
    _thousands(ax, "x")
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    _legend_below(fig, [ax])


def draw_panels(
    fig: FigureBase,
    panels: Sequence[tuple[str, pd.DataFrame, str]],
    labels: dict[str, str],
    colours: dict[str, str],
    cols: int = 3,
    percent: bool = False,
) -> None:
    """Small multiples: one line per scenario in each panel.

    Args:
        fig: Figure to draw into.
        panels: (title, wide frame with one column per scenario, y label) per panel.
        labels: Display name per scenario.
        colours: Colour per scenario.
        cols: Panels per row.
        percent: Format the y axes as percentages.
    """
    n = len(panels)
    cols = min(cols, n)
    rows_n = math.ceil(n / cols)
    axes = np.atleast_1d(fig.subplots(rows_n, cols, squeeze=False)).ravel()
    for ax, (title, frame, ylabel) in zip(axes, panels, strict=False):
        order = list(frame.columns)
        for name in baseline_last(order):
            i = order.index(name)
            ax.plot(
                frame.index,
                frame[name],
                color=colour(i),
                lw=2.2 if name == BASELINE else 1.5,
                ls="--" if name == BASELINE else "-",
                zorder=BASELINE_ZORDER if name == BASELINE else 2,
                marker="o" if len(frame) < 12 else None,
                ms=3,
                label=labels.get(name, name),
            )
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(ylabel, fontsize=8)
        if percent:
            _percent_axis(ax)
        else:
            _thousands(ax)
        if isinstance(frame.index, pd.DatetimeIndex):
            _year_axis(ax)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    _legend_below(fig, [axes[0]])


def draw_effects(
    fig: FigureBase,
    effects: pd.DataFrame,
    per_replicate: pd.DataFrame,
    paths: pd.DataFrame,
    labels: dict[str, str],
    colours: dict[str, str],
    titles: tuple[str, str],
    ylabel: str,
) -> None:
    """Effects against the baseline: mean with 5-95% bars and replicate points; mean paths."""
    left, right = fig.subplots(1, 2, width_ratios=(1, 1.3))
    x = np.arange(len(effects))
    for i, row in enumerate(effects.itertuples()):
        c = colours[row.scenario]
        left.bar(i, 100 * row.mean, color=c, alpha=0.8)
        left.errorbar(
            i,
            100 * row.mean,
            yerr=[[100 * (row.mean - row.p05)], [100 * (row.p95 - row.mean)]],
            color="#222",
            capsize=4,
            lw=1,
        )
        pts = per_replicate[per_replicate["scenario"] == row.scenario]["effect"] * 100
        left.scatter(
            np.full(len(pts), i) + np.linspace(-0.15, 0.15, len(pts)),
            pts,
            s=6,
            color="#222",
            alpha=0.5,
            zorder=4,
        )
    left.set_xticks(x, [labels.get(s, s) for s in effects["scenario"]], rotation=30, ha="right")
    left.axhline(0, color="#333", lw=0.8)
    left.set_ylabel(ylabel)
    left.set_title(titles[0], fontsize=9)
    for name in paths.columns:
        right.plot(paths.index, paths[name] * 100, color=colours[name], lw=1.6)
    right.axhline(0, color="#333", lw=0.8)
    right.set_ylabel(ylabel)
    right.set_title(titles[1], fontsize=9)
    _year_axis(right)


def draw_index_bars(
    fig: FigureBase,
    parameters: Sequence[str],
    series: Sequence[tuple[str, np.ndarray, np.ndarray | None]],
    title: str,
) -> None:
    """Horizontal bars of sensitivity indices with optional confidence half-widths."""
    ax = fig.subplots()
    n = max(len(series), 1)
    height = 0.8 / n
    y = np.arange(len(parameters))
    for i, (label, values, conf) in enumerate(series):
        ax.barh(
            y - 0.4 + height * (i + 0.5),
            values,
            height=height,
            xerr=conf,
            color=colour(i),
            label=label,
            error_kw={"lw": 0.8, "capsize": 2},
        )
    ax.set_yticks(y, list(parameters))
    ax.invert_yaxis()
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_title(title)
    ax.legend(fontsize=7, frameon=False)


def draw_boxes(fig: FigureBase, boxes: pd.DataFrame, box_label: str) -> None:
    """PRIM boxes: each restricted parameter's kept range, scaled to its sampled range (0-1).

    ``boxes`` has columns box, parameter, lo, hi (already scaled).
    """
    ax = fig.subplots()
    params = list(dict.fromkeys(boxes["parameter"]))
    box_ids = list(dict.fromkeys(boxes["box"]))
    n = max(len(box_ids), 1)
    height = 0.8 / n
    for j, box in enumerate(box_ids):
        rows = boxes[boxes["box"] == box]
        for row in rows.itertuples():
            y = params.index(row.parameter) - 0.4 + height * (j + 0.5)
            ax.barh(y, row.hi - row.lo, left=row.lo, height=height, color=colour(j), alpha=0.8)
        ax.barh(np.nan, 0, color=colour(j), label=f"{box_label} {box}")
    ax.set_yticks(np.arange(len(params)), params)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.legend(fontsize=7, frameon=False)


def draw_calibration(
    fig: FigureBase,
    table: pd.DataFrame,
    titles: dict[str, str],
    legend: tuple[str, str],
) -> None:
    """Simulated mean (5-95% bars when given) against observed values, a panel per indicator."""
    names = list(dict.fromkeys(table["indicator"]))[:MAX_CALIBRATION_PANELS]
    cols = min(2, len(names))
    rows_n = math.ceil(len(names) / cols)
    axes = np.atleast_1d(fig.subplots(rows_n, cols, squeeze=False)).ravel()
    for ax, name in zip(axes, names, strict=False):
        rows = table[table["indicator"] == name].sort_values("date")
        dates = pd.to_datetime(rows["date"])
        sim = rows["sim_mean"].to_numpy(dtype=float)
        err = None
        if {"sim_p05", "sim_p95"} <= set(rows.columns):
            err = np.clip(
                [sim - rows["sim_p05"].to_numpy(float), rows["sim_p95"].to_numpy(float) - sim],
                0,
                None,
            )
        ax.errorbar(dates, sim, yerr=err, fmt="o", color=colour(0), capsize=3, label=legend[0])
        ax.scatter(dates, rows["observed"], marker="x", color="black", zorder=5, label=legend[1])
        ax.set_title(titles.get(name, name), fontsize=9)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    _legend_below(fig, [axes[0]])


__all__ = [
    "LAYOUT_GRID",
    "Marks",
    "SnappedLayout",
    "colour",
    "draw_boxes",
    "draw_calibration",
    "draw_effects",
    "draw_fans",
    "draw_grouped_bars",
    "draw_headline",
    "draw_hukou",
    "draw_index_bars",
    "draw_panels",
    "snap",
    "snap_layout",
]
