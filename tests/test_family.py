"""Households that form at marriage and split for school or work, on small hand-built counties.

The state is the six-place county of ``test_mechanisms.py`` (county city, two villages, a seat,
a village, outside); no county data is loaded and no model is built.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from test_mechanisms import CITY, SEAT, V1, V2, V3, location_of, small_state

from hdsim.config.behaviour import FamilyParams
from hdsim.mechanisms.demography import monthly
from hdsim.mechanisms.family import Family, marriage_hazards, never_married
from hdsim.population.splits import Formation, join, split_off
from hdsim.state.county import CountyState, origin_matrix
from hdsim.state.members import MemberIndex
from hdsim.state.places import PlaceKind

NO_SPLITS = {"school_split_rate": 0.0, "work_split_rate": 0.0}


def family_of(state: CountyState, seed: int = 0, **changes: float) -> Family:
    """The family mechanism of ``state`` with the default parameters changed by ``changes``."""
    location = location_of(state, seed)
    params = dataclasses.replace(FamilyParams(), **changes)
    return Family(state, params, np.random.default_rng(seed + 1), location, location.relocation)


def living_households(state: CountyState) -> np.ndarray:
    """Households with at least one living member."""
    p = state.persons
    alive = p.view("alive")
    return np.flatnonzero(np.bincount(p.view("household")[alive], minlength=state.households.n))


def assert_consistent(state: CountyState) -> None:
    """Person places follow their households; the member index and origin matrix are exact."""
    p, h = state.persons, state.households
    assert np.array_equal(p.view("place"), h.place[p.view("household")])
    for row in range(h.n):
        expected = np.flatnonzero(p.view("household") == row)
        assert np.array_equal(np.sort(state.members.members(np.array([row]))), expected)
    assert np.array_equal(state.households_by_origin, origin_matrix(h, state.geo.n_places))


def young_county(
    n_households: int, young_ages: np.ndarray, young_female: np.ndarray
) -> CountyState:
    """Village households of two parents (55, 53) and one never-married young adult each."""
    state = small_state(n_households=8)
    geo = state.geo
    villages = np.array([V1, V2, V3])
    h = state.households
    h.append(n_households - h.n)
    h.place[:n_households] = villages[np.arange(n_households) % 3]
    h.origin[:n_households] = h.place[:n_households]
    h.farmland_mu[:n_households] = 5.0
    h.homestead[:n_households] = True
    h.owner[:n_households] = True
    p = state.persons
    p.append(3 * n_households - p.n)
    p.household[: p.n] = np.repeat(np.arange(n_households), 3)
    p.age[: p.n] = np.c_[np.full(n_households, 55), np.full(n_households, 53), young_ages].ravel()
    p.female[: p.n] = np.c_[np.zeros(n_households), np.ones(n_households), young_female].ravel()
    p.alive[: p.n] = True
    p.place[: p.n] = h.place[p.household[: p.n]]
    p.employer[: p.n] = -1
    state.members = MemberIndex(p, h.n)
    state.households_by_origin = origin_matrix(h, geo.n_places)
    state.take_census()
    return state


# ------------------------------------------------------------------------ split_off and join


def test_split_off_moves_persons_creates_one_household_per_group_and_balances_flows():
    state = small_state()
    persons_before = state.persons.n
    households_before = state.households.n
    residents = state.take_census().residents_by_place.copy()
    location = location_of(state)
    # the child of household 0 (V1) and the mother of household 1 (V2) found one household at
    # the county city; the child of household 2 (V3) founds another at the seat
    new = split_off(
        location.relocation,
        np.array([2, 4, 8]),
        np.array([0, 0, 1]),
        np.array([0, 2]),
        np.array([CITY, SEAT]),
        Formation.SCHOOL,
    )
    h = state.households
    assert state.persons.n == persons_before
    assert h.n == households_before + 2
    assert np.array_equal(new, [households_before, households_before + 1])
    assert np.array_equal(h.origin_household[new], [0, 2])
    assert (h.formed_by[new] == Formation.SCHOOL).all()
    assert np.array_equal(state.persons.household[[2, 4, 8]], new[[0, 0, 1]])
    after = state.take_census().residents_by_place
    assert after.sum() == residents.sum()
    assert np.array_equal(after - residents, state.flows.arrivals - state.flows.departures)
    assert_consistent(state)
    join(location.relocation, np.array([4]), np.array([1]))
    assert state.persons.place[4] == h.place[1]
    assert_consistent(state)


# -------------------------------------------------------------------------------- marriage


def test_a_marriage_founds_one_household_and_the_parents_keep_their_other_members():
    n = 300
    ages = np.full(n, 28)
    female = np.arange(n) % 2 == 1
    state = young_county(n, ages, female)
    family = family_of(state, **NO_SPLITS, marriage_scale_male=5.0, marriage_scale_female=5.0)
    state.persons.married[: state.persons.n] = False
    persons_before = state.persons.n
    living_before = living_households(state)
    households_before = state.households.n
    family.step()
    h, p = state.households, state.persons
    formed = int(family.counts["households_formed"])
    assert formed > 0
    assert p.n == persons_before
    assert h.n == households_before + formed
    assert np.isin(living_before, living_households(state)).all()  # no household left empty
    new = np.arange(households_before, h.n)
    sizes = np.bincount(p.view("household"), minlength=h.n)
    assert (sizes[new] == 2).all()
    members = np.flatnonzero(np.isin(p.view("household"), new))
    assert p.married[members].all()
    assert (np.bincount(p.household[members][p.female[members]], minlength=h.n)[new] == 1).all()
    parents = np.arange(n) * 3
    assert (np.bincount(p.view("household")[np.r_[parents, parents + 1]], minlength=n) == 2).all()
    assert (h.formed_by[new] == Formation.MARRIAGE).all()
    assert (h.origin_household[new] >= 0).all()
    assert_consistent(state)


def test_marriage_ages_follow_the_hazards_and_nobody_marries_below_the_legal_age():
    """Women's first marriages per woman-month at risk match the monthly hazard of each band.

    Men are twice as many, so brides are never short of grooms and the women's draws are
    what the hazard says.
    """
    n = 30_000
    rng = np.random.default_rng(5)
    ages = rng.integers(16, 50, size=n)
    female = rng.random(n) < 1 / 3
    state = young_county(n, ages, female)
    family = family_of(state, **NO_SPLITS)
    p = state.persons
    young = np.arange(n) * 3 + 2
    p.married[: p.n] = True
    p.married[young] = False
    hazards = monthly(marriage_hazards(family.params))
    at_risk = np.zeros(60)
    events = np.zeros(60)
    for _ in range(6):
        women = young[p.female[young] & ~p.married[young]]
        at_risk += np.bincount(p.age[women], minlength=60)
        family.step()
        wed = women[p.married[women]]
        events += np.bincount(p.age[wed], minlength=60)
    assert events[:20].sum() == 0  # women's legal minimum age is 20
    for lo, hi in [(20, 25), (25, 30), (30, 35), (35, 40), (40, 50)]:
        expected = (at_risk[lo:hi] * hazards[1, lo:hi]).sum()
        assert abs(events[lo:hi].sum() - expected) < 4 * np.sqrt(expected) + 1, (lo, expected)
    grooms = p.married[young] & ~p.female[young]
    assert (p.age[young][grooms] >= 22).all()  # men's legal minimum age is 22


def test_the_t0_marital_status_reproduces_the_never_married_share_of_the_hazards():
    n = 20_000
    rng = np.random.default_rng(3)
    state = young_county(n, rng.integers(15, 60, size=n), rng.random(n) < 0.5)
    family = family_of(state)
    p = state.persons
    young = np.arange(n) * 3 + 2
    expected = never_married(family.hazards)[p.female[young].astype(int), p.age[young]]
    assert abs((~p.married[young]).sum() - expected.sum()) < 4 * np.sqrt(expected.sum())
    assert not p.married[young][p.age[young] < 20].any()


def test_hazards_scaled_up_make_fewer_persons_never_married():
    """A higher scale of the hazards lowers the never-married share at every adult age."""
    low = never_married(marriage_hazards(FamilyParams()))
    high = never_married(
        marriage_hazards(FamilyParams(marriage_scale_male=2.0, marriage_scale_female=2.0))
    )
    assert (high[:, 25:50] < low[:, 25:50]).all()


# ------------------------------------------------------------------------------------ 陪读


def school_county() -> CountyState:
    """Village households of a father (40), a mother (38), a child (10) and a grandmother (65)."""
    state = small_state(n_households=8, size=3)
    p, h = state.persons, state.households
    rows = p.append(h.n)
    p.household[rows] = np.arange(h.n)
    p.age[rows] = 65
    p.female[rows] = True
    p.place[rows] = h.place[: h.n]
    state.members.rebuild()
    state.take_census()
    return state


def test_peidu_moves_a_child_and_a_carer_to_town_and_the_rest_stays():
    state = school_county()
    h = state.households
    before = h.n
    family = family_of(state, school_split_rate=1.0, work_split_rate=0.0)
    family._monthly[:] = 0.0  # no marriages: only the 陪读 rule acts
    family.step()
    p = state.persons
    new = np.arange(before, h.n)
    assert new.size > 0
    for row in new:
        members = np.flatnonzero(p.view("household") == row)
        ages = np.sort(p.age[members])
        assert members.size == 2 and ages[0] == 10 and ages[1] in (38, 65)
        assert state.geo.kind[h.place[row]] in (PlaceKind.COUNTY_CITY, PlaceKind.SEAT)
        source = h.origin_household[row]
        assert state.geo.kind[h.place[source]] == PlaceKind.VILLAGE
        assert (p.view("household") == source).sum() == 2  # the father and one more stay
    assert (h.formed_by[new] == Formation.SCHOOL).all()
    assert family.indicators()["peidu_persons"] == 2 * new.size
    assert_consistent(state)
    # the child leaves junior school: the carer goes home, the young person stays in town
    children = np.flatnonzero(np.isin(p.view("household"), new) & (p.view("age") == 10))
    p.age[children] = 16
    family.params = dataclasses.replace(family.params, school_split_rate=0.0)
    family.step()
    assert int(family.counts["split_rejoins"]) == new.size
    assert (np.bincount(p.view("household"), minlength=h.n)[new] == 1).all()
    assert (h.formed_by[new] == Formation.WORK).all()
    assert_consistent(state)


def test_a_worker_moving_to_town_alone_leaves_the_household_behind():
    state = school_county()
    h = state.households
    before = h.n
    family = family_of(state, school_split_rate=0.0, work_split_rate=1.0)
    family._monthly[:] = 0.0
    village = state.geo.kind[h.place[:before]] == PlaceKind.VILLAGE
    family.step()
    p = state.persons
    new = np.arange(before, h.n)
    assert new.size > 0
    sizes = np.bincount(p.view("household"), minlength=h.n)
    assert (sizes[new] == 1).all()
    worker = np.flatnonzero(np.isin(p.view("household"), new))
    assert ((p.age[worker] >= 20) & (p.age[worker] <= 49)).all()
    assert village[h.origin_household[new]].all()
    assert (sizes[h.origin_household[new]] == 3).all()
    assert (h.formed_by[new] == Formation.WORK).all()
    assert_consistent(state)


def test_a_household_listed_twice_is_counted_at_each_position():
    """Two split households of one origin both see its living members (the home they may rejoin).

    Before 2026-12-02 the count went through a scratch array indexed by household, so a
    household listed twice was counted only at its last position and the first split saw an
    empty home (26 such rows in two full-scale runs of the whole plan).
    """
    state = small_state()
    family = family_of(state)
    p = state.persons
    p.alive[np.flatnonzero(p.household[: p.n] == 1)[0]] = False  # household 1: two living
    rows = np.array([2, 1, 2, 3, 1])
    living = family._living(rows)
    expected = np.array([np.sum(p.alive[: p.n] & (p.household[: p.n] == r)) for r in rows])
    assert np.array_equal(living, expected)
    assert living[0] == living[2] == 3 and living[1] == living[4] == 2
    assert np.array_equal(family._living(np.unique(rows)), expected[[1, 0, 3]])
