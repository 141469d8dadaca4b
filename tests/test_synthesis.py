"""A census-true start: the synthetic population reproduces each county's census table at t0.

Every target of the t0 fit (``hdsim.population.fit``) is checked within its stated tolerance
for the embedded county at full scale and for three other counties scaffolded from the census
tables at scale 0.05; the stocks of residents registered elsewhere become state
(``hukou_township``, ``origin``); urban and rural places follow the stated age pattern; a dated
乡→镇 upgrade happens in its month, not at t0; the same seed gives the same population.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import point

from hdsim.county.cli import main as county_main
from hdsim.data import load_county_data
from hdsim.model.config import HdsimConfig
from hdsim.model.model import CountyModel
from hdsim.population.fit import t0_fit
from hdsim.population.households import ipf
from hdsim.population.placement import OUTSIDE_COUNTY, tilt
from hdsim.population.synthesis import synthesize
from hdsim.run import replicate_seed
from hdsim.state.places import build_geography
from hdsim.utils.calendar import month_after

OTHER_COUNTIES = ("141023", "141032", "141082")
"""襄汾县 (large), 永和县 (small mountain county), 霍州市 (county-level city)."""

SCALE = 0.05


def _build(data, scale, seed=5):
    geo = build_geography(data.townships, data.figure("area_km2"))
    return geo, synthesize(data, geo, scale, np.random.default_rng(seed))


@pytest.fixture(scope="module")
def embedded_fit(data):
    geo, pop = _build(data, 1.0)
    return geo, pop, t0_fit(data, geo, pop)


@pytest.fixture(scope="module")
def other_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("census_counties")
    for code in OTHER_COUNTIES:
        assert county_main(["init", str(root / code), "--code", code]) == 0
    return {code: load_county_data(root / code) for code in OTHER_COUNTIES}


def _failures(table):
    bad = table[~table["within"]]
    return [
        f"{r.target}: census {r.census:g}, synthetic {r.synthetic:g}, tolerance {r.tolerance:g}"
        for r in bad.itertuples()
    ]


def test_every_census_target_of_the_embedded_county_is_met_within_its_tolerance(embedded_fit):
    """Full scale: totals, 36 age-sex shares, households and types, elderly households, urban
    share, the age pattern by settlement type, household sizes and the registration stocks."""
    _, _, table = embedded_fit
    assert len(table) >= 60
    assert _failures(table) == []


@pytest.mark.parametrize("code", OTHER_COUNTIES)
def test_every_census_target_of_other_counties_is_met_at_small_scale(other_folders, code):
    """Scaffolded counties at scale 0.05: tolerances never below one simulated household."""
    data = other_folders[code]
    geo, pop = _build(data, SCALE)
    table = t0_fit(data, geo, pop)
    targets = set(table["target"])
    assert {"households three_generation", "households with two aged 65+",
            "registered in another township of the county", "share 60+ rural"} <= targets
    assert _failures(table) == []


def test_household_types_and_elderly_households_are_the_census_counts_exactly(data, embedded_fit):
    """At full scale the types and the households with 1, 2, 3+ persons aged 65+ are exact."""
    _, _, table = embedded_fit
    by = table.set_index("target")
    for target, key in (
        ("households three_generation", "three_generation_households_2020"),
        ("households four_plus_generation", "four_plus_generation_households_2020"),
        ("households with one aged 65+", "households_one_65_plus_2020"),
        ("households with two aged 65+", "households_two_65_plus_2020"),
        ("households with three or more aged 65+", "households_three_plus_65_plus_2020"),
    ):
        assert by.at[target, "synthetic"] == data.figure(key), target


def test_residents_registered_elsewhere_are_state_with_the_census_stocks(data, embedded_fit):
    """59,288 live away from their home township, 13,567 + 4,638 are registered outside the
    county (hukou_township -1, origin 1 or 2); nobody else is registered outside."""
    geo, pop, _ = embedded_fit
    p = pop.persons
    n = p.n
    res = ~p.away[:n]
    home, origin = p.hukou_township[:n], p.origin[:n]
    assert p.hukou_township.dtype == np.int32 and p.origin.dtype == np.int8
    outside = home == OUTSIDE_COUNTY
    assert np.array_equal(outside, origin > 0)
    assert int((origin == 1).sum()) == data.figure("away_other_county_2020")
    assert int((origin == 2).sum()) == data.figure("away_other_province_2020")
    elsewhere = res & ~outside & (home != geo.township[p.place[:n]])
    assert abs(int(elsewhere.sum()) - data.figure("away_same_county_2020")) <= 10
    assert home[~outside].min() >= 0 and home[~outside].max() < geo.n_townships


def test_agricultural_households_registered_elsewhere_hold_land_in_their_home_township(
    embedded_fit,
):
    """A household living away from its home township keeps its home village (land) there."""
    geo, pop, _ = embedded_fit
    p, h = pop.persons, pop.households
    n = p.n
    res = ~p.away[:n] & ~p.collective[:n] & (p.origin[:n] == 0)
    away = res & (p.hukou_township[:n] != geo.township[p.place[:n]])
    hh = np.unique(p.household[:n][away])
    land = hh[h.homestead[hh] & ~h.hukou_urban[hh]]
    assert land.size > 1000
    first = np.full(h.n, -1)
    first[p.household[:n][away][::-1]] = p.hukou_township[:n][away][::-1]
    assert np.array_equal(geo.township[h.origin[land]], first[land])


def test_villages_are_older_than_urban_places_by_the_stated_ratio_not_by_sorting(embedded_fit):
    """Shares aged 60+ follow the national 城镇/乡村 ratio (1.505) within 0.05, and children are
    not concentrated in urban places (their urban share is within 5 points of the urban
    share)."""
    geo, pop, _ = embedded_fit
    p = pop.persons
    n = p.n
    res = ~p.away[:n]
    urban = geo.urban[p.place[:n]] & res
    rural = ~geo.urban[p.place[:n]] & res
    age = p.age[:n]
    ratio = ((age >= 60) & rural).sum() / rural.sum() / (((age >= 60) & urban).sum() / urban.sum())
    assert ratio == pytest.approx(0.2381 / 0.1582, abs=0.05)
    kids = (age < 15) & res
    assert abs((kids & urban).sum() / kids.sum() - urban.sum() / res.sum()) < 0.05


def test_the_same_seed_gives_the_same_population_and_another_seed_does_not(data):
    """Reproducibility: identical tables for one seed; a different seed changes the draw."""
    _, a = _build(data, 0.05, seed=11)
    _, b = _build(data, 0.05, seed=11)
    _, c = _build(data, 0.05, seed=12)
    for col in ("age", "female", "household", "hukou_township", "origin", "place"):
        assert np.array_equal(a.persons.view(col), b.persons.view(col)), col
    assert np.array_equal(a.households.view("place"), b.households.view("place"))
    assert not np.array_equal(a.persons.view("age"), c.persons.view("age"))


def test_ipf_meets_both_margins_and_keeps_structural_zeros():
    seed = np.array([[1.0, 0.0, 0.0], [0.5, 1.0, 0.2], [0.0, 1.0, 1.0]])
    rows = np.array([10.0, 30.0, 60.0])
    cols = np.array([25.0, 45.0, 30.0])
    fit = ipf(seed, rows, cols)
    assert fit.sum(axis=1) == pytest.approx(rows, rel=1e-6)
    assert fit.sum(axis=0) == pytest.approx(cols, rel=1e-6)
    assert fit[0, 1] == 0 and fit[0, 2] == 0 and fit[2, 0] == 0


def test_tilt_solves_the_expected_totals():
    """The urban-rural logit meets the expected households, persons 60+ and persons."""
    x = np.array([[1.0, 0, 2], [1.0, 1, 2], [1.0, 2, 2], [1.0, 0, 4], [1.0, 1, 5]])
    count = np.array([100.0, 50, 40, 80, 30])
    target = np.array([120.0, 45.0, 330.0])
    theta = tilt(x, count, target)
    p = 1 / (1 + np.exp(-(x @ theta)))
    assert x.T @ (p * count) == pytest.approx(target, rel=1e-6)


@pytest.fixture(scope="module")
def run_to_2022(data):
    cfg = HdsimConfig()
    cfg.households.scale = 0.02
    cfg.horizon.end_year = 2022
    model = CountyModel(point(cfg), data=data, seed_sequence=replicate_seed(3, 0))
    change = data.admin_changes[data.admin_changes["kind"] == "upgrade"].iloc[0]
    t = model.geo.township_index(str(change["township_code"]))
    seat = model.geo.seat_of[t]
    seen = {"t0": (bool(model.geo.township_is_town[t]), bool(model.geo.urban[seat]))}
    while model.running:
        model.step()
        y, m = month_after(model.config.horizon.start, model.steps - 1)
        seen[f"{y}-{m:02d}"] = (bool(model.geo.township_is_town[t]), bool(model.geo.urban[seat]))
    return change, seen


def test_township_upgrade_happens_in_its_month_not_at_t0(run_to_2022):
    """辛村 is a 乡 (rural seat) at the census and in 2020-12, a 镇 (urban seat) in 2022-01."""
    change, seen = run_to_2022
    month = f"{change['date'].year}-{change['date'].month:02d}"
    assert seen["t0"] == (False, False)
    assert seen["2020-12"] == (False, False)
    assert seen["2022-01"] == (True, True)
    before = month_after(month, -1)
    assert seen[f"{before[0]}-{before[1]:02d}"] == (False, False)
    assert seen[month] == (True, True)


def test_job_fit_file_lists_every_target_with_census_and_synthetic(tmp_path):
    """``t0_fit.csv`` of a job folder: one row per target, all within tolerance at scale 0.05."""
    import pandas as pd

    from hdsim.population.fit import FIT_COLUMNS, write_job_fit

    path = tmp_path / "t0_fit.csv"
    table = write_job_fit(path, None, 0.05, 7)
    back = pd.read_csv(path)
    assert list(back.columns) == list(FIT_COLUMNS)
    assert len(back) == len(table) and back["within"].all()
