"""The target rate and year come from the county folder's plan unless the user sets them.

Another county's plan may aim at another rate by another year; ``hdsim.yaml``'s values are only
the fallback. A value set on the command line always wins, and every adoption is a note.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from hdsim.config.frame import HorizonConfig
from hdsim.config.validation import adopt_plan_target, check_horizon
from hdsim.data import EMBEDDED_DIR


def _county_with_plan(tmp_path: Path, rate: float, year: int) -> str:
    """A copy of the embedded county whose plan aims at ``rate`` by ``year``."""
    folder = tmp_path / "county"
    shutil.copytree(EMBEDDED_DIR, folder)
    table = pd.read_csv(folder / "county.csv", dtype=str, keep_default_na=False)
    plan_rows = table["key"].isin(["target_urbanization_rate", "target_year"])
    table.loc[plan_rows, "year"] = str(year)
    table.loc[table["key"] == "target_urbanization_rate", "value"] = str(rate)
    table.loc[table["key"] == "target_year", "value"] = str(year)
    table.to_csv(folder / "county.csv", index=False)
    return str(folder)


def test_embedded_plan_matches_the_defaults_so_nothing_moves() -> None:
    """Hongtong's folder holds the plan the defaults repeat: no adoption, no note."""
    horizon = HorizonConfig()
    assert adopt_plan_target(horizon, None) == []
    assert (horizon.target_rate, horizon.target_year) == (0.55, 2025)


def test_unset_target_follows_the_county_plan_and_the_end_year_moves_out(tmp_path) -> None:
    """A county aiming at 60% by 2027: rate and year adopted, the horizon extended, 3 notes."""
    folder = _county_with_plan(tmp_path, 0.6, 2027)
    horizon = HorizonConfig()
    notes = adopt_plan_target(horizon, folder)
    assert (horizon.target_rate, horizon.target_year, horizon.end_year) == (0.6, 2027, 2027)
    assert len(notes) == 3 and all(folder in n or "end_year" in n for n in notes)
    assert check_horizon(horizon) == []


def test_values_set_by_the_user_win_over_the_county_plan(tmp_path) -> None:
    """Keys on the command line are never adjusted; a shortened horizon still moves the year."""
    folder = _county_with_plan(tmp_path, 0.6, 2027)
    horizon = HorizonConfig(target_rate=0.5, end_year=2024)
    chosen = {"horizon.target_rate", "horizon.end_year"}
    adopt_plan_target(horizon, folder, chosen)
    assert horizon.target_rate == 0.5 and horizon.end_year == 2024
    notes = check_horizon(horizon, chosen)
    assert horizon.target_year == 2024 and "follows horizon.end_year" in notes[0]
