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

from hdsim.county.census import census_row
from hdsim.county.census2010 import census_2010, write_folder_2010
from hdsim.data import load_county_data
from hdsim.hindcast import benchmarks
from hdsim.hindcast.cli import main as hindcast_main
from hdsim.hindcast.figures import FIGURES, FitTarget, held_out, start_figures
from hdsim.hindcast.pipeline import (
    COHORT,
    MODEL,
    hindcast_config,
    hindcast_county,
    load_settings,
)
from hdsim.hindcast.scoring import crps, effective_size, interval, score
from hdsim.hindcast.structure import (
    DISSIMILARITY,
    ESTIMATED_TYPES,
    PYRAMID_FIGURES,
    TYPE_FIGURES,
    census_type_shares,
    dissimilarity,
    estimated_types,
    generation_counts,
    pyramid_of,
    type_shares,
)
from hdsim.population.fit import t0_fit
from hdsim.population.synthesis import synthesize
from hdsim.state.places import build_geography

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED_2010 = ROOT / "hdsim" / "data" / "hongtong_2010"
EMBEDDED_2020 = ROOT / "hdsim" / "data" / "hongtong"
SMALL = "141032"
"""永和县: a small mountain county (64,000 residents in 2010), cheap to run."""
COUNTIES = ("141024", "141023", "141032", "141082")
"""The hindcast's counties (``hindcast.yaml``)."""
ESTIMATOR_TOLERANCE = 2.5
"""Largest error (points of the share of family households) the household-type estimator
may make on a synthetic t0 population at scale 0.03 (measured: at most 1.1 points at scale
0.02 on Hongtong 2010 and 2020, 1.4 on 永和县 2010 at 0.03; the rest is sampling noise)."""


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


# -- the pyramid and the household types -------------------------------------------------------


@pytest.mark.parametrize("code", COUNTIES)
def test_the_held_out_pyramid_sums_to_one_and_is_the_census_row(code):
    """36 shares, males 0-4 ... 85+ then females, each the census count over all residents."""
    truth = held_out(code)
    shares = np.array([truth[f] for f in PYRAMID_FIGURES])
    assert shares.size == 36 and shares.sum() == pytest.approx(1.0, abs=1e-12)
    c = census_row(code)
    counts = np.array([*c.male, *c.female], dtype=float)
    assert np.allclose(shares, counts / counts.sum(), rtol=0, atol=1e-15)
    assert truth["pyramid_male_85_plus"] == pytest.approx(c.male[-1] / counts.sum())
    assert {f for f, _, _ in FIGURES} >= {*PYRAMID_FIGURES, DISSIMILARITY, *TYPE_FIGURES}


@pytest.mark.parametrize("code", COUNTIES)
def test_the_dissimilarity_index_is_zero_on_the_census_and_the_2010_gap_for_no_change(code):
    """Census against itself: 0. No change: half the summed |2010 share - 2020 share|, points."""
    truth = held_out(code)
    assert truth[DISSIMILARITY] == 0.0
    assert dissimilarity(truth, truth) == 0.0
    c10, c20 = census_2010(code), census_row(code)
    n10, n20 = sum(c10.male) + sum(c10.female), sum(c20.male) + sum(c20.female)
    by_hand = 0.0
    for a, b in zip([*c10.male, *c10.female], [*c20.male, *c20.female], strict=True):
        by_hand += abs(a / n10 - b / n20)
    by_hand *= 100 / 2
    assert start_figures(code)[DISSIMILARITY] == pytest.approx(by_hand, rel=1e-12)
    assert 1.0 < by_hand < 50.0  # a decade of ageing moves a pyramid, but not wholesale


def test_the_census_type_shares_split_the_one_generation_count_and_sum_to_one():
    """一代户 includes the 一人户: the one-generation share is of households of 2+ persons."""
    shares = census_type_shares(100, 20, 45, 35, 15, 5)
    assert shares == pytest.approx({
        "one_person_share": 0.20, "one_generation_share": 0.25,
        "two_generation_share": 0.35, "three_plus_generation_share": 0.20,
    })
    for code in COUNTIES:
        truth = held_out(code)
        assert sum(truth[f] for f in ESTIMATED_TYPES) == pytest.approx(1.0)
        assert sum(start_figures(code)[f] for f in ESTIMATED_TYPES) == pytest.approx(1.0)


def test_the_generation_estimator_recovers_a_hand_built_household_set():
    """Clusters of members at least 13 years apart are generations."""
    households = [
        [70],                     # one person
        [40, 38],                 # a couple: one generation
        [66, 63, 61],             # siblings and a spouse within 5 years: one generation
        [45, 43, 15, 12],         # parents and children: two
        [30, 6, 1],               # a single parent: two
        [80, 55, 52, 28, 2],      # four generations
        [72, 70, 44, 41, 16, 9],  # three
    ]
    expected = [1, 1, 1, 2, 2, 4, 3]
    rows = np.concatenate([[i] * len(h) for i, h in enumerate(households)])
    ages = np.concatenate(households)
    order = np.random.default_rng(1).permutation(rows.size)  # input order does not matter
    sizes, gens = generation_counts(rows[order], ages[order], len(households) + 1, 13.0)
    assert list(sizes) == [len(h) for h in households] + [0]
    assert list(gens) == [*expected, 0]
    assert type_shares(sizes, gens) == pytest.approx({
        "one_person_share": 1 / 7, "one_generation_share": 2 / 7,
        "two_generation_share": 2 / 7, "three_plus_generation_share": 2 / 7,
    })
    # a gap of exactly G separates; one year less does not
    assert list(generation_counts(np.array([0, 0]), np.array([40, 27]), 1, 13.0)[1]) == [2]
    assert list(generation_counts(np.array([0, 0]), np.array([40, 28]), 1, 13.0)[1]) == [1]


def test_pyramid_of_persons_puts_the_top_ages_in_the_open_group():
    shares = pyramid_of(np.array([0, 4, 5, 84, 85, 99]), np.array([0, 0, 0, 1, 1, 1], bool))
    assert shares["pyramid_male_00_04"] == pytest.approx(2 / 6)
    assert shares["pyramid_male_05_09"] == pytest.approx(1 / 6)
    assert shares["pyramid_female_80_84"] == pytest.approx(1 / 6)
    assert shares["pyramid_female_85_plus"] == pytest.approx(2 / 6)


@pytest.mark.parametrize("which", ["2010 small county", "2020 embedded"])
def test_the_generation_estimator_is_within_its_tolerance_on_a_synthetic_t0_county(
    which, small_folder
):
    """The synthesis meets the census types exactly, so the t0 error is the estimator's."""
    from hdsim.calibration.simulator import project_config
    from hdsim.model.config import to_config
    from hdsim.model.model import CountyModel
    from hdsim.population.households import TYPE_KEYS
    from hdsim.run import run_seed

    settings = load_settings()
    if which.startswith("2010"):
        folder = small_folder
        cfg = hindcast_config(folder, settings, 0.03)
    else:
        folder = EMBEDDED_2020
        cfg = to_config(project_config(
            [f"data.dir={folder}", "households.scale=0.03", "calibration.use=point"]
        ))
    data = load_county_data(folder)
    model = CountyModel(cfg, data=data, seed_sequence=run_seed(cfg, 0))
    est = estimated_types(model, model.state.census.resident, settings["generation_gap"])
    counts = [float(data.figure(k)) for k in TYPE_KEYS]
    census = census_type_shares(sum(counts[1:]), *counts)
    assert est["one_person_share"] == pytest.approx(census["one_person_share"], abs=0.003)
    errors = {f: 100 * (est[f] - census[f]) for f in TYPE_FIGURES}
    assert max(abs(e) for e in errors.values()) <= ESTIMATOR_TOLERANCE, errors
    assert sum(est.values()) == pytest.approx(1.0)


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
    # the pyramid: model, cohort-component and no change have one; the trend methods none
    for method in (MODEL, COHORT, "no change"):
        mine = rows[rows["method"] == method].set_index("figure")
        assert set(PYRAMID_FIGURES) <= set(mine.index)
        assert mine.loc[list(PYRAMID_FIGURES), "estimate"].sum() == pytest.approx(1.0)
        assert mine.loc[DISSIMILARITY, "estimate"] > 0.0
    for method in ("linear trend", "logistic trend", "UN URGD"):
        assert DISSIMILARITY not in set(rows[rows["method"] == method]["figure"])
    # the generation shares: 2010 census plus the change, so the four still sum to 1
    start = start_figures(SMALL)
    m = model.set_index("figure")["estimate"]
    assert sum(m[f] for f in ESTIMATED_TYPES) == pytest.approx(1.0, abs=0.02)
    assert all(abs(m[f] - start[f]) < 0.5 for f in TYPE_FIGURES)
    assert set(summary["estimator_t0_error"]) == set(ESTIMATED_TYPES)
    assert max(abs(v) for v in summary["estimator_t0_error"].values()) <= ESTIMATOR_TOLERANCE


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
