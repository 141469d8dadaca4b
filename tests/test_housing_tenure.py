"""Tenure and registration at the census: the synthetic start holds the census's housing sources
and the hukou urbanization rate counts the county's registered population only.

- The t0 shares of rented, self-built and bought family households are the census's
  housing-source shares (10% long form, 继承或赠予 as bought, 其他 as rented) within 0.5 points,
  for the embedded county and for a county scaffolded by ``hdsim-county init``.
- ``owner`` is true exactly when a household does not rent; every household on its own
  homestead in its home village built its house; nobody registered outside the county did.
- The hukou urbanization rate (户籍人口城镇化率 = urban-hukou persons / persons registered in
  the county) ignores residents registered in another county or province and counts members
  away from the county.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import point, small_config

from hdsim.county.cli import main as county_main
from hdsim.data import load_county_data
from hdsim.model.model import CountyModel
from hdsim.population.fit import SHARE_TOLERANCE, t0_fit
from hdsim.population.synthesis import synthesize
from hdsim.state.housing import HOUSING_SOURCE_KEYS, Tenure, census_tenure_shares
from hdsim.state.places import PlaceKind, build_geography

OTHER_COUNTY = "141023"
"""襄汾县, scaffolded from the shipped census tables."""

SCALE = 0.05


def _population(data, seed: int = 3):
    geo = build_geography(data.townships, data.figure("area_km2"))
    return geo, synthesize(data, geo, SCALE, np.random.default_rng(seed))


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tenure") / OTHER_COUNTY
    assert county_main(["init", str(folder), "--code", OTHER_COUNTY]) == 0
    return load_county_data(folder)


def _tenure_shares(pop) -> np.ndarray:
    h = pop.households
    family = ~h.collective[: h.n]
    return np.bincount(h.tenure[: h.n][family], minlength=len(Tenure)) / family.sum()


def test_census_tenure_shares_add_inherited_to_bought_and_other_to_rented(data):
    """Hongtong's long-form counts 559 / 15,617 / 3,461 / 438 / 273 of 20,348 give
    rented 4.09%, self-built 76.75%, bought 19.16%."""
    shares = census_tenure_shares({k: data.figure(k) for k in HOUSING_SOURCE_KEYS})
    assert shares is not None
    assert shares == pytest.approx([832 / 20348, 15617 / 20348, 3899 / 20348])
    assert census_tenure_shares({"housing_rented_2020": 1.0}) is None


@pytest.mark.parametrize("county", ["embedded", "scaffolded"])
def test_t0_tenure_shares_match_the_census_within_half_a_point(data, scaffolded, county):
    """Rented, self-built and bought shares of family households at t0 equal the census's to
    0.5 points (the fit table's tolerance), in Hongtong and in a scaffolded county."""
    folder = data if county == "embedded" else scaffolded
    shares = census_tenure_shares({k: folder.figure(k) for k in HOUSING_SOURCE_KEYS})
    assert shares is not None
    geo, pop = _population(folder)
    assert np.abs(_tenure_shares(pop) - shares).max() <= SHARE_TOLERANCE
    table = t0_fit(folder, geo, pop).set_index("target")
    rows = [t for t in table.index if t.startswith("share of family households")]
    assert len(rows) == 3 and table.loc[rows, "within"].all()


def test_owners_are_exactly_the_households_that_do_not_rent(data, scaffolded):
    for folder in (data, scaffolded):
        _, pop = _population(folder)
        h = pop.households
        assert np.array_equal(h.owner[: h.n], h.tenure[: h.n] != Tenure.RENTED)
        assert not h.owner[: h.n][h.collective[: h.n]].any()


def test_homestead_households_built_and_outsiders_did_not(data):
    """Every household on its own homestead in its home village is self-built (the census
    self-built count exceeds them in Hongtong); no household all of whose residents are
    registered outside the county is self-built; renting is commoner in the county city than
    in villages."""
    geo, pop = _population(data)
    h, p = pop.households, pop.persons
    n = h.n
    place = h.place[:n]
    home = (
        (place == h.origin[:n])
        & h.homestead[:n]
        & (geo.kind[place] == PlaceKind.VILLAGE)
        & ~h.collective[:n]
    )
    assert (h.tenure[:n][home] == Tenure.SELF_BUILT).all()
    res = ~p.away[: p.n]
    hh = p.household[: p.n]
    members = np.bincount(hh[res], minlength=n)
    outsiders = np.bincount(hh[res & (p.hukou_township[: p.n] < 0)], minlength=n)
    all_out = (members > 0) & (outsiders == members)
    assert all_out.any()
    assert not (h.tenure[:n][all_out] == Tenure.SELF_BUILT).any()
    rented = h.tenure[:n] == Tenure.RENTED
    family = ~h.collective[:n]
    city = family & (geo.kind[place] == PlaceKind.COUNTY_CITY)
    village = family & (geo.kind[place] == PlaceKind.VILLAGE)
    assert rented[city].mean() > 5 * rented[village].mean()


def test_a_folder_without_housing_sources_keeps_the_owner_rule(data):
    """Without the housing-source keys the older rule applies: village households own."""
    county = data.county.drop(index=list(HOUSING_SOURCE_KEYS))
    bare = dataclasses.replace(data, county=county)
    geo, pop = _population(bare)
    h = pop.households
    village = geo.kind[h.place[: h.n]] == PlaceKind.VILLAGE
    assert h.owner[: h.n][village].all()
    assert np.array_equal(h.owner[: h.n], h.tenure[: h.n] != Tenure.RENTED)


# ------------------------------------------------------------------ hukou rate denominator


@pytest.fixture(scope="module")
def model():
    cfg = point(small_config(scale=0.02))
    return CountyModel(cfg)


def _rate(model) -> tuple[float, float]:
    model.recorder.record()
    frame = model.recorder.county_frame()
    last = frame.drop_duplicates("indicator", keep="last").set_index("indicator")["value"]
    return float(last["hukou_urbanization_rate"]), float(last["registered_population"])


def test_hukou_rate_is_urban_hukou_over_persons_registered_in_the_county(model):
    p = model.persons
    n = p.n
    registered = p.alive[:n] & (p.hukou_township[:n] >= 0)
    rate, pop = _rate(model)
    assert rate == pytest.approx(p.hukou_urban[:n][registered].mean())
    assert pop == pytest.approx(registered.sum() * model.weight)
    assert (p.hukou_township[:n] < 0).sum() > 0


def test_in_migrants_registered_elsewhere_do_not_move_the_hukou_rate_but_away_members_do(model):
    """Giving every resident registered in another county or province an urban hukou leaves
    the rate unchanged; giving the members away from the county one raises it."""
    p = model.persons
    n = p.n
    before, _ = _rate(model)
    saved = p.hukou_urban[:n].copy()
    try:
        p.hukou_urban[:n] |= p.hukou_township[:n] < 0
        same, _ = _rate(model)
        p.hukou_urban[:n] |= p.away[:n] & p.alive[:n]
        raised, _ = _rate(model)
    finally:
        p.hukou_urban[:n] = saved
    assert same == before
    assert raised > before + 0.01
