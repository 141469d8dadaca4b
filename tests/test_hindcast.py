"""The 2010 -> 2020 hindcast: the 2010 folders, the scores, and the pipeline end to end.

Small on purpose (scale 0.03, two draws, the small county 永和县 for the runs): the full
hindcast is ``hdsim-hindcast`` (docs/validation.md).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hdsim.county.census2010 import census_2010, write_folder_2010
from hdsim.data import load_county_data
from hdsim.hindcast import benchmarks
from hdsim.hindcast.cli import main as hindcast_main
from hdsim.hindcast.figures import FIGURES, FitTarget, held_out
from hdsim.hindcast.pipeline import COHORT, MODEL, hindcast_county, load_settings
from hdsim.hindcast.scoring import crps, effective_size, interval, score
from hdsim.population.fit import t0_fit
from hdsim.population.synthesis import synthesize
from hdsim.state.places import build_geography

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED_2010 = ROOT / "hdsim" / "data" / "hongtong_2010"
SMALL = "141032"
"""永和县: a small mountain county (64,000 residents in 2010), cheap to run."""


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hindcast") / SMALL
    write_folder_2010(folder, SMALL)
    return folder


# -- scoring on known cases ---------------------------------------------------------------------


def test_crps_of_a_point_mass_is_the_absolute_error():
    """A point forecast's CRPS is |x - y|; it is 0 on the observation."""
    assert crps(np.array([3.0]), 5.0) == pytest.approx(2.0)
    assert crps(np.array([5.0]), 5.0) == 0.0
    assert crps(np.array([7.0, 7.0, 7.0]), 4.0) == pytest.approx(3.0)


def test_crps_of_a_two_point_ensemble_and_of_a_normal_match_their_closed_forms():
    """{0, 2} at y = 1: E|X-y| - E|X-X'|/2 = 1 - 0.5. N(0, 1) at y = 0: 2 phi(0) - 1/sqrt(pi)."""
    assert crps(np.array([0.0, 2.0]), 1.0) == pytest.approx(0.5)
    from statistics import NormalDist

    grid = np.array([NormalDist().inv_cdf((i + 0.5) / 2000) for i in range(2000)])
    closed = 2 * math.exp(0) / math.sqrt(2 * math.pi) - 1 / math.sqrt(math.pi)
    assert crps(grid, 0.0) == pytest.approx(closed, abs=2e-3)
    assert crps(grid, 2.0) > crps(grid, 0.0)  # farther from the centre scores worse


def test_weights_move_the_interval_and_the_coverage():
    """1..100 equally weighted: interval [5, 95]; weight on the top moves it up."""
    x = np.arange(1.0, 101.0)
    assert interval(x) == (5.0, 95.0)
    assert score(x, 50.0).covered and not score(x, 99.5).covered
    w = np.where(x > 50, 9.0, 1.0)
    lo, hi = interval(x, w)
    assert lo > 5.0 and hi > 95.0
    assert effective_size(np.ones(10)) == pytest.approx(10.0)
    assert effective_size(np.array([1.0, 0.0, 0.0])) == pytest.approx(1.0)


def test_a_bound_target_scores_zero_inside_and_its_overshoot_outside():
    t = FitTarget("pace", 0.01, 0.002, 0.0, lo=0.005, hi=0.015)
    assert t.z(0.01) == 0.0
    assert t.z(0.019) == pytest.approx(2.0)
    p = FitTarget("rate", 10.0, 3.0, 4.0)
    assert p.z(15.0) == pytest.approx(1.0)


def test_trend_benchmarks_follow_the_province():
    """Linear adds the province's points; logistic and the UN method move the logit up."""
    assert benchmarks.linear(0.30, 0.48, 0.62) == pytest.approx(0.44)
    assert benchmarks.logistic(0.30, 0.48, 0.62) > 0.30
    assert benchmarks.urgd(0.30, 0.48, 0.62) > 0.30
    assert benchmarks.urgd(0.30, 0.5, 0.5, norm=0.0) == pytest.approx(0.30)


# -- the 2010 folders ---------------------------------------------------------------------------


def test_the_embedded_2010_folder_reproduces_its_census_targets_at_t0():
    """Synthesised at scale 0.03, the 2010 folder meets every t0 census target of the fit."""
    data = load_county_data(EMBEDDED_2010)
    c = census_2010(data.name("code"))
    assert data.figure("resident_population_2020") == c.total
    assert int(data.county.loc["family_households_2020", "year"]) == 2010
    geo = build_geography(data.townships, data.figure("area_km2"))
    pop = synthesize(data, geo, 0.03, np.random.default_rng(3))
    table = t0_fit(data, geo, pop)
    bad = table[~table["within"]]
    assert bad.empty, bad[["target", "census", "synthetic", "tolerance"]].to_string()
    assert {"residents", "urban share", "mean family-household size"} <= set(table["target"])


def test_the_embedded_2010_folder_has_the_units_before_the_2021_changes():
    """The upgraded and merged units of 2021 are back to their 2020-06-30 codes; no later
    change is scheduled, and no figure of the 2020 census or after is in the folder."""
    data = load_county_data(EMBEDDED_2010)
    codes = set(data.townships["code"])
    changed = load_county_data(None).admin_changes
    for row in changed.itertuples():
        assert row.to_code not in codes
        assert set(str(row.from_codes).split(";")) <= codes
    assert data.admin_changes.empty
    assert (data.observations["date"] < pd.Timestamp("2020-11-01")).all()
    assert "resident_population_2022" not in data.county.index


def test_a_2010_folder_is_built_from_the_tables_for_another_county(small_folder):
    data = load_county_data(small_folder)
    c = census_2010(SMALL)
    assert data.figure("resident_population_2020") == c.total
    assert data.figure("urban_population_2020") == c.urban
    assert data.townships["population_2020"].sum() == c.family_persons
    assert (data.county["confidence"] == "estimate").any()


# -- the pipeline end to end --------------------------------------------------------------------


def test_the_hindcast_pipeline_scores_every_method_on_the_held_out_census(small_folder):
    rows, summary = hindcast_county(small_folder, SMALL, load_settings(), scale=0.03, draws=2)
    methods = set(rows["method"])
    assert {MODEL, COHORT, "linear trend", "logistic trend", "UN URGD", "no change"} <= methods
    model = rows[rows["method"] == MODEL]
    assert list(model["figure"]) == [f for f, _, _ in FIGURES]
    truth = held_out(SMALL)
    assert np.allclose(model["observed_2020"], [truth[f] for f, _, _ in FIGURES])
    assert np.isfinite(rows["crps"]).all() and (rows["crps"] >= 0).all()
    assert (model["p05"] <= model["p95"]).all()
    assert 1.0 <= summary["ess"] <= 2.0


def test_hdsim_hindcast_writes_its_table_and_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "out"
    assert hindcast_main(["--counties", "12", "--out", str(out)]) == 2
    assert "not 6-digit county codes" in capsys.readouterr().err
    assert not out.exists()
    doc = tmp_path / "note.md"
    doc.write_text("no markers\n", encoding="utf-8")
    assert hindcast_main(["--counties", SMALL, "--out", str(out), "--doc", str(doc)]) == 2
    assert not out.exists()
    doc.write_text(
        "# note\n<!-- hdsim-hindcast: generated tables begin -->\nSTALE-TABLE\n"
        "<!-- hdsim-hindcast: generated tables end -->\ntail\n",
        encoding="utf-8",
    )
    args = ["--counties", SMALL, "--scale", "0.03", "--draws", "2", "--out", str(out)]
    assert hindcast_main([*args, "--doc", str(doc)]) == 0
    table = pd.read_csv(out / "hindcast.csv", dtype={"county_code": str})
    assert set(table["county_code"]) == {SMALL}
    text = doc.read_text(encoding="utf-8")
    assert "STALE-TABLE" not in text and text.endswith("tail\n") and "永和县" in text
