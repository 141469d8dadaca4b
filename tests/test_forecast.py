"""The dated forecast: its figures are quantiles of the runs, and its ledger is never edited."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hdsim.forecast import (
    PREAMBLE,
    ForecastDate,
    ForecastError,
    append_entry,
    check_ledger,
    entries,
    forecast_dates,
    forecast_table,
    next_census_year,
    render_entry,
)

ROOT = Path(__file__).resolve().parents[1]


def ensemble(values: dict[str, list[float]], date: str = "2025-12-31") -> pd.DataFrame:
    rows = []
    for scenario, rates in values.items():
        for k, v in enumerate(rates):
            rows.append((scenario, k, pd.Timestamp(date), "urbanization_rate", v))
            rows.append((scenario, k, pd.Timestamp(date), "resident_population", 600_000 + k))
            rows.append((scenario, k, pd.Timestamp(date), "births", 1.0))
    return pd.DataFrame(rows, columns=["scenario", "replicate", "date", "indicator", "value"])


def test_the_forecast_figures_are_the_mean_and_quantiles_of_the_runs():
    rates = list(np.linspace(0.40, 0.50, 21))
    table = forecast_table(
        ensemble({"baseline": rates, "plan": [0.45] * 5}),
        [ForecastDate("end 2025", pd.Timestamp(2025, 12, 31))],
    )
    assert set(table["indicator"]) == {"urbanization_rate", "resident_population"}
    base = table[(table.scenario == "baseline") & (table.indicator == "urbanization_rate")].iloc[0]
    assert base.n == 21 and base["mean"] == pytest.approx(0.45)
    assert base.q05 == pytest.approx(0.405) and base.q50 == pytest.approx(0.45)
    assert base.q95 == pytest.approx(0.495)
    plan = table[(table.scenario == "plan") & (table.indicator == "urbanization_rate")].iloc[0]
    assert plan.q05 == plan.q95 == pytest.approx(0.45)  # a point mass has no spread
    assert list(dict.fromkeys(table.scenario)) == ["baseline", "plan"]


def test_a_date_the_runs_did_not_reach_is_refused_in_one_line():
    with pytest.raises(ForecastError, match=r"horizon\.end_year"):
        forecast_table(ensemble({"baseline": [0.4]}), forecast_dates(2025, 2030))


def test_the_next_census_is_the_first_year_ending_in_zero_after_the_target_year():
    assert next_census_year(2025) == 2030
    assert next_census_year(2030) == 2040
    census = forecast_dates(2025, 2030)[1]
    assert census.date == pd.Timestamp(2030, 10, 31)  # the state at 0:00 on 1 November


def entry_of(day: int) -> str:
    table = forecast_table(
        ensemble({"baseline": [0.41, 0.42, 0.43]}),
        [ForecastDate("end 2025", pd.Timestamp(2025, 12, 31))],
    )
    return render_entry(
        table,
        made=dt.datetime(2026, 12, day, 12, 0, tzinfo=dt.UTC),
        commit="abc1234",
        command="hdsim-forecast",
        data_checksum="0" * 64,
        posterior="test",
        scale=0.1,
        county="test",
    )


def test_appending_keeps_every_earlier_entry_byte_for_byte(tmp_path):
    ledger = tmp_path / "forecast.md"
    append_entry(ledger, entry_of(1), PREAMBLE)
    first = ledger.read_bytes()
    append_entry(ledger, entry_of(2), PREAMBLE)
    assert ledger.read_bytes().startswith(first)
    assert len(entries(ledger.read_text(encoding="utf-8"))) == check_ledger(ledger) == 2


def test_an_edited_entry_is_refused_with_one_line(tmp_path):
    ledger = tmp_path / "forecast.md"
    append_entry(ledger, entry_of(1), PREAMBLE)
    append_entry(ledger, entry_of(2), PREAMBLE)
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text(text.replace("42.00%", "45.00%", 1), encoding="utf-8")
    with pytest.raises(ForecastError, match="entry 1 differs"):
        check_ledger(ledger)
    with pytest.raises(ForecastError):
        append_entry(ledger, entry_of(3), PREAMBLE)  # nothing is added to an edited ledger


def test_the_shipped_ledger_was_never_edited():
    """Every entry of docs/forecast.md matches the checksum recorded when it was written."""
    ledger = ROOT / "docs" / "forecast.md"
    assert check_ledger(ledger) >= 1


def test_the_command_prints_a_draft_entry_from_real_runs():
    out = subprocess.run(
        [sys.executable, "-m", "hdsim.forecast", "--draft", "--runs", "2", "--scale", "0.01",
         "-j", "1", "--scenario", "baseline"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "## Forecast " in out.stdout and "census day 2030-11-01" in out.stdout
    rows = [ln for ln in out.stdout.splitlines() if ln.startswith("| baseline |")]
    assert len(rows) == 6  # three figures at two dates


def test_bad_arguments_exit_2_with_one_line():
    out = subprocess.run(
        [sys.executable, "-m", "hdsim.forecast", "--draft", "--runs", "1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "at least 2 runs" in out.stderr
