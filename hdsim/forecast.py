"""The dated forecast: what the model says now about figures not yet published.

A forecast is only worth something if it was written down before the figure it predicts
appeared, and never changed afterwards. ``hdsim-forecast`` runs the county from its census
start with behaviour drawn from the calibrated posterior (replicate k draws particle k, as in
the main job), reads the resident population, the resident urbanization rate and the hukou
urbanization rate at the dates a later publication will report (the end of the plan's target
year in the statistical bulletin, the next census day), and appends one dated entry to a
ledger, by default ``docs/forecast.md``: the date, the commit, the exact command, the
checksums of the county data and of the posterior, the scale and number of runs, and a table
of the mean and the 5/50/95% quantiles of each figure per scenario.

The ledger is append-only. Each entry's SHA-256 is written on its own line to the ledger's
companion ``.sha256`` file when the entry is added, and :func:`check_ledger` (run by the
command before it writes, and by the test suite) refuses a ledger whose earlier entries no
longer match their recorded checksums. A new forecast is a new entry; an old one is scored,
not edited. A tree with uncommitted changes cannot name the commit that made the forecast, so
the command refuses to write from one (``--draft`` prints the entry instead).

The forecast scenarios default to ``baseline`` (the trends of 2020-22 continued, no lever)
and the plan's whole package (``seven_actions``), since which of the two is closer to what the
county does is itself unknown; the entry says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import shlex
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

FORECAST_SCENARIOS = ("baseline", "seven_actions")
"""Scenarios of a forecast unless the command names others."""

FORECAST_RUNS = 40
"""Runs per scenario (count; assumption: 40 posterior draws give the 5% and 95% quantiles to
about ±0.2 points of the rate, measured as the spread of the quantiles over bootstrap
resamples of one forecast)."""

FORECAST_SCALE = 0.1
"""Household scale of the forecast runs (agents per real household; assumption: at 0.1 the
sampling of households adds about 0.1 point of sd to the rate, small beside the posterior's
spread)."""

FORECAST_INDICATORS = {
    "resident_population": "resident population (常住人口), persons",
    "urbanization_rate": "resident urbanization rate (常住人口城镇化率)",
    "hukou_urbanization_rate": "hukou urbanization rate (户籍人口城镇化率)",
}
"""Indicators of the county series a forecast reports, with how the entry labels them."""

QUANTILES = (0.05, 0.5, 0.95)
"""Quantiles of each forecast figure (shares: the 90% interval and the median)."""

LEDGER = Path("docs/forecast.md")
"""Default ledger, relative to the working directory (the repository root)."""

ENTRY_MARK = "\n## Forecast "
"""Every entry of the ledger starts with this line prefix (after the ledger's own preamble)."""


class ForecastError(Exception):
    """A forecast that cannot be written honestly (one line: what is wrong, what to do)."""


@dataclass(frozen=True)
class ForecastDate:
    """A date a publication will report a figure for.

    Attributes:
        label: How the entry names it (e.g. "end 2025 (bulletin)").
        date: The date of the county series row that holds the figure (month-end state).
    """

    label: str
    date: pd.Timestamp


def forecast_dates(target_year: int, census_year: int) -> list[ForecastDate]:
    """The dates a forecast reports: the plan's target year end and the next census day.

    The census counts persons at 0:00 on 1 November, which is the state the county series
    records at the end of October.
    """
    return [
        ForecastDate(
            f"end {target_year} (statistical bulletin)", pd.Timestamp(target_year, 12, 31)
        ),
        ForecastDate(f"census day {census_year}-11-01", pd.Timestamp(census_year, 10, 31)),
    ]


def next_census_year(after: int) -> int:
    """The first decennial census year (years ending in 0) after the year ``after``."""
    return (after // 10 + 1) * 10


def forecast_table(ensemble: pd.DataFrame, dates: Sequence[ForecastDate]) -> pd.DataFrame:
    """Mean and quantiles of every forecast figure, per scenario, indicator and date.

    Args:
        ensemble: County series of the forecast runs (tidy: scenario, replicate, date,
            indicator, value).
        dates: The dates to report.

    Returns:
        One row per (scenario, indicator, date) with ``n``, ``mean`` and ``q05``/``q50``/``q95``.

    Raises:
        ForecastError: A date or indicator the runs did not record.
    """
    rows = []
    frame = ensemble[ensemble["indicator"].isin(list(FORECAST_INDICATORS))]
    stamps = pd.to_datetime(frame["date"])
    for when in dates:
        at = frame[stamps == when.date]
        if at.empty:
            raise ForecastError(
                f"the runs recorded nothing on {when.date.date()}: run them to at least that "
                "month (horizon.end_year)"
            )
        for (scenario, indicator), group in at.groupby(["scenario", "indicator"], sort=False):
            values = group["value"].to_numpy(dtype=float)
            q = np.quantile(values, QUANTILES)
            rows.append(
                {
                    "scenario": scenario,
                    "indicator": indicator,
                    "label": when.label,
                    "date": when.date.date().isoformat(),
                    "n": int(values.size),
                    "mean": float(values.mean()),
                    "q05": float(q[0]),
                    "q50": float(q[1]),
                    "q95": float(q[2]),
                }
            )
    order = {name: i for i, name in enumerate(FORECAST_INDICATORS)}
    table = pd.DataFrame(rows)
    table["_i"] = table["indicator"].map(order)
    scenarios = frame["scenario"].unique().tolist()  # in order of appearance
    table["_s"] = table["scenario"].map({s: i for i, s in enumerate(scenarios)})
    return table.sort_values(["_s", "date", "_i"], kind="stable").drop(columns=["_i", "_s"])


def _cell(indicator: str, value: float) -> str:
    return f"{value:,.0f}" if indicator == "resident_population" else f"{value:.2%}"


def render_entry(
    table: pd.DataFrame,
    *,
    made: dt.datetime,
    commit: str,
    command: str,
    data_checksum: str,
    posterior: str,
    scale: float,
    county: str,
) -> str:
    """The markdown of one ledger entry (starting with :data:`ENTRY_MARK`)."""
    day = made.strftime("%Y-%m-%d")
    lines = [
        f"{ENTRY_MARK.lstrip()}{day} ({commit})",
        "",
        f"- made: {made.strftime('%Y-%m-%d %H:%M UTC')}, commit `{commit}`, county {county}",
        f"- command: `{command}`",
        f"- county data checksum `{data_checksum[:16]}`; posterior {posterior}",
        f"- runs: {int(table['n'].max())} per scenario at household scale {scale}, behaviour "
        "drawn from the posterior (run k draws particle k), from the census state of "
        "2020-11-01",
        "- scenarios: `baseline` continues 2020-22 with no lever; `seven_actions` is the plan's "
        "whole package as configured; which of the two the county follows is not known",
        "",
        "| scenario | figure | date | mean | 5% | median | 95% |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        label = FORECAST_INDICATORS[str(r.indicator)].split(" (")[0]
        cells = [_cell(str(r.indicator), float(v)) for v in (r.mean, r.q05, r.q50, r.q95)]
        lines.append(f"| {r.scenario} | {label} | {r.label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "To be scored against the county's statistical bulletin for the target year and the "
        "next census (covered by the 5-95% interval or not, and the CRPS of the runs).",
        "",
    ]
    return "\n" + "\n".join(lines)


def entries(text: str) -> list[str]:
    """The entries of a ledger's text, each from its :data:`ENTRY_MARK` to the next."""
    parts = text.split(ENTRY_MARK)
    return [ENTRY_MARK + p for p in parts[1:]]


def entry_checksum(entry: str) -> str:
    """SHA-256 of one entry's UTF-8 bytes."""
    return hashlib.sha256(entry.encode("utf-8")).hexdigest()


def checksum_file(ledger: Path) -> Path:
    """The companion file holding one checksum line per entry of ``ledger``."""
    return ledger.with_suffix(ledger.suffix + ".sha256")


def check_ledger(ledger: Path) -> int:
    """Check that no entry of ``ledger`` changed since it was written.

    Returns:
        The number of entries.

    Raises:
        ForecastError: The ledger and its checksums disagree (an entry edited, removed or
            added by hand).
    """
    if not ledger.exists():
        return 0
    found = [entry_checksum(e) for e in entries(ledger.read_text(encoding="utf-8"))]
    sums = checksum_file(ledger)
    recorded = sums.read_text(encoding="utf-8").split() if sums.exists() else []
    if found != recorded:
        changed = next(
            (i + 1 for i, (a, b) in enumerate(zip(found, recorded, strict=False)) if a != b),
            min(len(found), len(recorded)) + 1,
        )
        raise ForecastError(
            f"{ledger}: entry {changed} differs from the checksum recorded in {sums.name} "
            "(forecasts are never edited): restore it from git and add a new entry instead"
        )
    return len(found)


def append_entry(ledger: Path, entry: str, preamble: str) -> None:
    """Append ``entry`` to ``ledger`` (created with ``preamble``) and record its checksum."""
    from hdsim.utils.io import atomic_write_text

    check_ledger(ledger)
    old = ledger.read_text(encoding="utf-8") if ledger.exists() else preamble.rstrip("\n") + "\n"
    sums = checksum_file(ledger)
    old_sums = sums.read_text(encoding="utf-8") if sums.exists() else ""
    atomic_write_text(ledger, old + entry)
    atomic_write_text(sums, old_sums + entry_checksum(entry) + "\n")


PREAMBLE = """# Dated forecasts

Each entry below was written by `hdsim-forecast` on the date it names, from the commit it names,
before the figures it predicts were published. Entries are never edited (their checksums are in
`forecast.md.sha256`, checked by the test suite); a new forecast is a new entry at the end. When
a figure is published, score the entry against it (inside the 5-95% interval or not, and the
CRPS of the runs) in a new section; do not touch the entry.
"""


def clean_commit() -> str:
    """The short commit of the source tree.

    Raises:
        ForecastError: No git, or the tree has uncommitted changes (the commit would not be
            what made the forecast).
    """
    from hdsim.calibration.posterior import git_commit

    commit = git_commit()
    if commit is None:
        raise ForecastError("no git checkout found: a forecast must name the commit that made it")
    if commit.endswith("+dirty"):
        raise ForecastError(
            "the tree has uncommitted changes, so no commit made this forecast: commit them "
            "first, or pass --draft to print the entry without writing it"
        )
    return commit


def build_parser() -> argparse.ArgumentParser:
    """Arguments of ``hdsim-forecast``."""
    parser = argparse.ArgumentParser(
        prog="hdsim-forecast",
        description="Append a dated forecast (posterior-drawn runs from the census start) to a "
        "ledger that is never edited.",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        dest="scenarios",
        help=f"scenario to forecast (repeatable; default: {', '.join(FORECAST_SCENARIOS)})",
    )
    parser.add_argument("--runs", type=int, default=FORECAST_RUNS, help="runs per scenario")
    parser.add_argument("--scale", type=float, default=FORECAST_SCALE, help="household scale")
    parser.add_argument("-j", "--jobs", type=int, default=-1, help="processes (-1: one per core)")
    parser.add_argument("--ledger", type=Path, default=LEDGER, help="the ledger to append to")
    parser.add_argument(
        "--draft", action="store_true", help="print the entry, write nothing (any tree)"
    )
    parser.add_argument("overrides", nargs="*", help="config overrides (key=value), as for hdsim")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hdsim-forecast`` (exit 0, or 2 with one line on stderr)."""
    args = build_parser().parse_args(argv)
    from hdsim.utils.io import OutputError

    try:
        return _main(args, list(sys.argv[1:] if argv is None else argv))
    except (ForecastError, OutputError) as exc:
        print(f"hdsim-forecast: {exc}", file=sys.stderr)
        return 2


def _main(args: argparse.Namespace, argv: list[str]) -> int:
    from hdsim.calibration.posterior import posterior_source
    from hdsim.composition import compose
    from hdsim.config.fields import ConfigError
    from hdsim.data import load_county_data
    from hdsim.ensemble import run_ensemble
    from hdsim.utils.io import check_folder

    if args.runs < 2:
        raise ForecastError(f"--runs {args.runs}: a forecast needs at least 2 runs per scenario")
    if not 0.0 < args.scale <= 1.0:
        raise ForecastError(f"--scale {args.scale}: give a household scale in (0, 1]")
    commit = "draft" if args.draft else clean_commit()
    if not args.draft:
        check_ledger(args.ledger)
        check_folder(args.ledger.parent)  # before the runs: the entry must be writable
    scenarios = args.scenarios or list(FORECAST_SCENARIOS)
    try:
        base = compose(scenarios[0], args.overrides)
    except ConfigError as exc:
        raise ForecastError(str(exc)) from None
    target_year = int(base.horizon.target_year)
    census_year = next_census_year(target_year)
    fixed = [
        f"households.scale={args.scale}",
        f"horizon.end_year={census_year}",
        "output.report=false",
    ]
    try:
        configs = [compose(s, [*args.overrides, *fixed]) for s in scenarios]
    except ConfigError as exc:
        raise ForecastError(str(exc)) from None
    cfg = configs[0]
    with tempfile.TemporaryDirectory(prefix="hdsim-forecast-") as tmp:
        ensemble = run_ensemble(configs, args.runs, Path(tmp), args.jobs)
    table = forecast_table(ensemble, forecast_dates(target_year, census_year))
    source = posterior_source(cfg)
    posterior = (
        "none (calibration.use=point)"
        if cfg.calibration.use.value == "point"
        else f"`{source.path.name}` sha256 `{_sha256(source.path)[:16]}`"
    )
    data = load_county_data(cfg.data.dir)
    entry = render_entry(
        table,
        made=dt.datetime.now(dt.UTC),
        commit=commit,
        command=shlex.join(["hdsim-forecast", *argv]),
        data_checksum=data.checksum,
        posterior=posterior,
        scale=args.scale,
        county=f"{data.name('name_zh')} ({data.name('code')})",
    )
    if args.draft:
        print(entry)
        return 0
    append_entry(args.ledger, entry, PREAMBLE)
    print(f"hdsim-forecast: entry of {commit} appended to {args.ledger}")
    return 0


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


__all__ = [
    "FORECAST_INDICATORS",
    "FORECAST_RUNS",
    "FORECAST_SCALE",
    "FORECAST_SCENARIOS",
    "ForecastDate",
    "ForecastError",
    "append_entry",
    "check_ledger",
    "entries",
    "forecast_dates",
    "forecast_table",
    "main",
    "next_census_year",
    "render_entry",
]
if __name__ == "__main__":
    raise SystemExit(main())
