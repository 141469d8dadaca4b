"""The Excel workbook beside every report, and the CSV files meant for people.

:func:`workbook_frames` gathers the sheets from the same inputs as the report, with headers in
the report's language (Chinese in the zh version) and numbers as numbers (rates as fractions
formatted as percentages in Excel, money in 亿元):

- summary (摘要): the planner's table, one row per scenario;
- costs (成本): gain over the baseline and money spent, when there is a baseline;
- levers (各措施年度支出): mean spending of every lever by year (亿元), one row per scenario
  and lever, with the sum over the years;
- series (年度序列): year-end means of every county indicator per scenario;
- townships (乡镇×情景): every township indicator at the end of the target year, mean over
  replicates, one row per township and scenario;
- rate split (城镇化率变化分解): the yearly change of the urban count split into its
  statistical part (reclassification) and its behavioural parts (births, deaths, arrivals,
  departures at urban places), per scenario, township and settlement type, mean over the runs
  (persons, one column per component), and per scenario and year for the whole county (全县)
  with the change of the rate split in percentage points;
- inputs (输入数据): every input figure of the county data with unit, source and confidence.

:func:`write_workbook` writes them with openpyxl (atomically); :func:`write_people_csv` writes
a CSV with a UTF-8 byte-order mark, which Excel on a Chinese Windows desktop needs.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hdsim.report.sections import Context

SHEETS: tuple[str, ...] = (
    "summary", "costs", "levers", "series", "townships", "rate_split", "inputs"
)
"""Sheet keys in workbook order; their titles are ``sheet_<key>`` in the catalogue."""

PERCENT_COLUMNS: tuple[str, ...] = (
    "rate_mean",
    "rate_p05",
    "rate_p95",
    "p_reach",
    "p_reach_lo",
    "p_reach_hi",
    "hukou_rate_mean",
)
"""Summary columns holding fractions, shown as percentages."""


def _labelled(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """``frame`` with its column names translated (``col_<name>`` or the indicator name)."""
    cat = ctx.cat
    names = {}
    for column in frame.columns:
        if isinstance(column, int):
            names[column] = cat("xl_year_column", year=column)
            continue
        key = f"xl_{column}"
        try:
            names[column] = cat(key)
        except KeyError:
            names[column] = cat.indicator(str(column))
    return frame.rename(columns=names)


def summary_frame(ctx: Context) -> pd.DataFrame:
    """The summary table (``summary.csv`` or recomputed), with scenario labels added."""
    summary = ctx.inputs.summary.copy()
    summary.insert(1, "label", [ctx.label(str(s)) for s in summary["scenario"]])
    return summary


def series_frame(ctx: Context) -> pd.DataFrame:
    """Year-end means of every county indicator: one row per scenario and year."""
    county = ctx.inputs.county
    dates = pd.to_datetime(county["date"])
    year_end = county[(dates.dt.month == 12) & (dates.dt.day == 31)]
    mean = year_end.groupby(["scenario", "date", "indicator"], sort=False)["value"].mean()
    wide = mean.unstack("indicator").reset_index()
    wide.insert(1, "label", [ctx.label(str(s)) for s in wide["scenario"]])
    wide.insert(2, "year", pd.to_datetime(wide["date"]).dt.year)
    return wide.drop(columns=["date"])


def township_frame(ctx: Context) -> pd.DataFrame | None:
    """Township indicators at the end of the target year, mean over replicates."""
    township = ctx.inputs.township
    if township is None or township.empty:
        return None
    last = township["date"][township["date"] <= ctx.end].max()
    at_end = township[township["date"] == last]
    keys = ["township_code", "township", "scenario"]
    per_run = at_end.groupby([*keys, "replicate", "indicator"], sort=False)["value"].sum()
    mean = per_run.groupby(level=[*keys, "indicator"], sort=False).mean()
    wide = mean.unstack("indicator").reset_index()
    wide.insert(3, "label", [ctx.label(str(s)) for s in wide["scenario"]])
    return wide


SPLIT_COMPONENTS: tuple[str, ...] = ("reclassification", "births", "deaths", "arrivals",
                                     "departures")  # fmt: skip
"""Components of ``rate_change.parquet``'s persons rows, one column each in the sheet."""


def rate_split_frame(ctx: Context) -> pd.DataFrame | None:
    """The split of the urban count's change, every scenario: mean over its runs.

    One row per scenario, year, township and settlement type, with one column per component
    (persons; a run without a row for a key counts as zero there, so the means add up like the
    runs' sums) and their statistical (reclassification) and behavioural (the rest) totals;
    then one row per scenario and year for the whole county, whose last two columns split the
    change of the rate in percentage points. None when no run wrote a split.
    """
    split = ctx.inputs.rate_change
    if split is None or split.empty:
        return None
    runs = ["replicate"] + (["seed"] if "seed" in split.columns else [])
    n_runs = split.groupby("scenario", sort=False)[runs].apply(lambda f: len(f.drop_duplicates()))
    where = ["scenario", "year", "township_code", "township", "settlement"]
    persons = split[split["unit"] == "persons"]
    wide = persons.pivot_table(
        index=where, columns="component", values="value", aggfunc="sum", fill_value=0.0,
        sort=False,
    ).reindex(columns=list(SPLIT_COMPONENTS), fill_value=0.0)  # fmt: skip
    wide = wide.div(wide.index.get_level_values("scenario").map(n_runs).astype(float), axis=0)
    wide["statistical"] = wide["reclassification"]
    wide["behavioural"] = wide[list(SPLIT_COMPONENTS[1:])].sum(axis=1)
    wide = wide.reset_index()
    county = wide.groupby(["scenario", "year"], sort=False)[
        [*SPLIT_COMPONENTS, "statistical", "behavioural"]
    ].sum()
    rate = split[split["unit"] == "rate"].pivot_table(
        index=["scenario", "year"], columns="part", values="value", aggfunc="sum", sort=False
    )
    rate = rate.div(rate.index.get_level_values("scenario").map(n_runs).astype(float), axis=0)
    county["statistical_pp"] = 100.0 * rate.get("statistical", 0.0)
    county["behavioural_pp"] = 100.0 * rate.get("behavioural", 0.0)
    county = county.reset_index().assign(township_code="all", township="all", settlement="all")
    frame = pd.concat([wide, county], ignore_index=True)
    frame = frame.sort_values(["scenario", "year"], kind="stable", ignore_index=True)
    frame.insert(1, "label", [ctx.label(str(s)) for s in frame["scenario"]])
    cat = ctx.cat
    frame["settlement"] = [cat(f"settlement_{v}") for v in frame["settlement"]]
    frame.loc[frame["township"] == "all", "township"] = cat("settlement_all")
    return frame


def workbook_frames(ctx: Context) -> dict[str, pd.DataFrame]:
    """The workbook's sheets by key (see the module docstring), untranslated columns."""
    from hdsim.report.summary import costs, lever_spending

    frames = {"summary": summary_frame(ctx)}
    cost = costs(ctx)
    if cost is not None:
        cost = cost.copy()
        cost.insert(1, "label", [ctx.label(str(s)) for s in cost["scenario"]])
        frames["costs"] = cost
        levers = lever_spending(ctx)
        if len(levers):
            levers.insert(1, "label", [ctx.label(str(s)) for s in levers["scenario"]])
            levers.insert(3, "measure", [ctx.cat.lever(str(lv)) for lv in levers["lever"]])
            frames["levers"] = levers
    if len(ctx.inputs.county):
        frames["series"] = series_frame(ctx)
    towns = township_frame(ctx)
    if towns is not None:
        frames["townships"] = towns
    split = rate_split_frame(ctx)
    if split is not None:
        frames["rate_split"] = split
    frames["inputs"] = ctx.inputs.data.provenance()
    return frames


def write_workbook(ctx: Context, path: Path) -> dict[str, pd.DataFrame]:
    """Write the workbook (``.xlsx``, openpyxl) atomically; return the frames written.

    Headers are in the report's language; the first row is frozen and columns are widened to
    their content. The sheets are streamed (openpyxl's write-only mode: a third of the time of
    ``DataFrame.to_excel`` for the main job's 26,000 cells), with the cells ``to_excel`` wrote:
    missing values left empty, infinities as ``inf``, numbers as numbers, the rest as text.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    from hdsim.utils.io import atomic_write_bytes

    frames = workbook_frames(ctx)
    book = Workbook(write_only=True)
    for key in SHEETS:
        if key not in frames:
            continue
        frame = _labelled(frames[key], ctx)
        sheet = book.create_sheet(ctx.cat(f"sheet_{key}")[:31])
        sheet.freeze_panes = "A2"
        formats: dict[int, str] = {}
        for j, column in enumerate(frames[key].columns):
            width = max(len(str(frame.columns[j])), 8)
            sheet.column_dimensions[get_column_letter(j + 1)].width = min(40, width * 1.6 + 2)
            if key == "summary" and column in PERCENT_COLUMNS:
                formats[j] = "0.00%"
            if key == "levers" and (isinstance(column, int) or column == "total"):
                formats[j] = "0.00"
        sheet.append([_cell_value(c) for c in frame.columns])
        for row in _rows(frame):
            for j, fmt in formats.items():
                cell = WriteOnlyCell(sheet, row[j])
                cell.number_format = fmt
                row[j] = cell
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return frames


def _cell_value(value: Any) -> Any:
    """A cell's value as ``DataFrame.to_excel`` writes it (None: an empty cell)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return float(value)
    return str(value)


def _rows(frame: pd.DataFrame) -> list[list[Any]]:
    """The cell values of ``frame``'s rows (:func:`_cell_value`), column by column."""
    columns = [[_cell_value(v) for v in frame.iloc[:, j].tolist()] for j in range(frame.shape[1])]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def write_people_csv(path: Path, frame: pd.DataFrame) -> None:
    """A CSV meant to be opened in Excel: UTF-8 with a byte-order mark."""
    from hdsim.utils.io import atomic_write_csv

    atomic_write_csv(path, frame, bom=True)


__all__ = [
    "SHEETS",
    "rate_split_frame",
    "series_frame",
    "summary_frame",
    "township_frame",
    "workbook_frames",
    "write_people_csv",
    "write_workbook",
]

