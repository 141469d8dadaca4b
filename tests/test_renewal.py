"""Collective households that renew, the fertility floor, and returners who choose.

Each property on a small hand-built county (``tests/test_mechanisms.small_geography``), with
no county data and no ``CountyModel``: the mechanisms are built from the state alone.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from test_mechanisms import CITY, OUT, SEAT, V1, V2, V3, labour_of, location_of, small_state

from hdsim.config.behaviour import BehaviourConfig, DemographyParams
from hdsim.mechanisms.collective import CollectiveRenewal
from hdsim.mechanisms.demography import Demography
from hdsim.population.moves import Relocation
from hdsim.state.county import CountyState, origin_matrix
from hdsim.state.members import MemberIndex
from hdsim.state.tables import HouseholdTable, PersonTable

PER_AGE = 20
"""Residents of every single year of age in the renewal county."""
COLLECTIVE_PER_AGE = {15: 4, 16: 4, 17: 4, 18: 4, 19: 4, 20: 2, 21: 2, 22: 2, 23: 2, 24: 2}
"""Collective residents by age at t0: shares 0.2 at 15-19 and 0.1 at 20-24 (whole persons)."""


def no_rates() -> pd.DataFrame:
    return pd.DataFrame(
        [(0, 110, sex, 0.0, 0.0) for sex in ("male", "female")],
        columns=["age_lo", "age_hi", "sex", "mortality", "fertility"],
    )


def demography_of(state: CountyState, rates: pd.DataFrame | None = None, **changes: float):
    params = dataclasses.replace(
        BehaviourConfig().demography, departure_rate=0.0, household_return_rate=0.0, **changes
    )
    return Demography(
        state,
        no_rates() if rates is None else rates,
        params,
        np.random.default_rng(0),
        labour_of(state),
        Relocation(state, 36.0),
    )


def renewal_county(per_age: dict[int, int] | None = None) -> CountyState:
    """Ages 0-29 (``per_age`` residents each), families in villages, two dormitories."""
    state = small_state()
    counts = per_age or dict.fromkeys(range(30), PER_AGE)
    ages = np.repeat(list(counts), list(counts.values()))
    n = ages.size
    n_family = 40
    h = HouseholdTable(n_family + 2, capacity=n_family + 64)
    h.place[:n_family] = np.resize([V1, V2, V3, SEAT], n_family)
    h.origin[:n_family] = h.place[:n_family]
    h.place[n_family:] = CITY
    h.origin[n_family:] = CITY
    h.collective[n_family:] = True
    p = PersonTable(n, capacity=4 * n)
    p.age[:n] = ages
    p.birth_month[:n] = 9
    p.female[:n] = np.arange(n) % 2 == 0
    collective = np.zeros(n, dtype=bool)
    for age, k in COLLECTIVE_PER_AGE.items():
        collective[np.flatnonzero(ages == age)[:k]] = True
    p.household[:n] = np.where(collective, n_family + np.arange(n) % 2, np.arange(n) % n_family)
    p.collective[:n] = collective
    p.place[:n] = h.place[p.household[:n]]
    return dataclasses.replace(
        state,
        persons=p,
        households=h,
        members=MemberIndex(p, h.n),
        households_by_origin=origin_matrix(h, state.geo.n_places),
    )


def collective_residents(state: CountyState) -> int:
    p = state.persons
    n = p.n
    return int((p.alive[:n] & ~p.away[:n] & p.collective[:n] & (p.place[:n] != OUT)).sum())


def residents(state: CountyState) -> int:
    p = state.persons
    return int((p.alive[: p.n] & ~p.away[: p.n] & (p.place[: p.n] != OUT)).sum())


def one_year(state: CountyState, demography: Demography, renewal: CollectiveRenewal) -> None:
    """Age everyone a year (as the September birthdays do), then renew the dormitories."""
    p = state.persons
    alive = np.flatnonzero(p.alive[: p.n])
    p.age[alive] += 1
    state.clock.steps = 11  # September
    renewal.step()


def test_with_constant_cohorts_the_collective_stock_is_stationary():
    state = renewal_county()
    demography = demography_of(state)
    renewal = CollectiveRenewal(state, np.random.default_rng(0), demography)
    start, people = collective_residents(state), residents(state)
    for _ in range(8):
        one_year(state, demography, renewal)
        # constant cohorts: the 30-year-olds leave the county's books, 20 newborns arrive
        p = state.persons
        old = np.flatnonzero(p.alive[: p.n] & (p.age[: p.n] >= 30))
        p.alive[old] = False
        new = p.append(PER_AGE)
        p.household[new] = np.arange(PER_AGE)
        p.place[new] = state.households.place[np.arange(PER_AGE)]
        p.age[new] = 0
        state.flows.reset()
        before = residents(state)
        renewal.renew()
        assert collective_residents(state) == start
        assert residents(state) == before == people  # renewal moves people, it adds none
        assert state.flows.arrivals.sum() == state.flows.departures.sum()
    assert state.members.members(np.arange(state.households.n)).size == state.persons.n


def test_a_larger_cohort_fills_more_collective_places_as_it_ages():
    small = renewal_county()
    large = renewal_county({a: (2 * PER_AGE if 10 <= a <= 14 else PER_AGE) for a in range(30)})
    stocks = []
    for state in (small, large):
        renewal = CollectiveRenewal(state, np.random.default_rng(0), demography_of(state))
        for _ in range(5):
            one_year(state, renewal.demography, renewal)
        stocks.append(collective_residents(state))
    assert stocks[1] > stocks[0]
    # five years on, the doubled cohort is 15-19, where a fifth of residents live collectively
    assert stocks[1] - stocks[0] == 5 * 4


def test_collective_persons_who_age_out_leave_for_family_households():
    state = renewal_county()
    renewal = CollectiveRenewal(state, np.random.default_rng(0), demography_of(state))
    for _ in range(10):
        one_year(state, renewal.demography, renewal)
    p = state.persons
    n = p.n
    coll = p.alive[:n] & p.collective[:n]
    assert (p.age[:n][coll] >= 15).all() and (p.age[:n][coll] <= 24).all()
    h = state.households
    assert np.array_equal(p.collective[:n][p.alive[:n]], h.collective[p.household[:n]][p.alive[:n]])
    assert np.array_equal(p.place[:n][p.alive[:n]], h.place[p.household[:n]][p.alive[:n]])


# ------------------------------------------------------------------------------- fertility


def test_the_fertility_trend_stops_at_the_floor_and_never_lifts_fertility():
    state = small_state()
    rates = no_rates()
    rates.loc[rates.sex == "female", "fertility"] = 1.5 / 35.0  # TFR 1.5 over ages 15-49
    rates.loc[:, "age_lo"] = [0, 15]
    rates.loc[:, "age_hi"] = [110, 49]
    params = DemographyParams(fertility_multiplier=1.0, fertility_trend=-0.05, tfr_floor=1.0)
    mech = Demography(
        state, rates, params, np.random.default_rng(0), labour_of(state), Relocation(state, 36.0)
    )
    assert np.isclose(mech.tfr0, 1.5)
    assert np.isclose(mech.fertility_factor(1.0), 0.95)
    for years in (5.0, 10.0, 20.0, 40.0):
        assert mech.tfr0 * mech.fertility_factor(years) >= 1.0 - 1e-12
    assert np.isclose(mech.tfr0 * mech.fertility_factor(40.0), 1.0)
    high_floor = dataclasses.replace(params, tfr_floor=2.5)
    mech.params = high_floor
    assert mech.fertility_factor(10.0) == 1.0


# ------------------------------------------------------------------------------- returners


def away_county() -> tuple[CountyState, np.ndarray]:
    """The small county with one adult of every village household away."""
    state = small_state()
    p = state.persons
    village = np.flatnonzero(np.isin(state.households.view("place"), [V1, V2, V3]))
    rows = p.append(village.size)
    away = np.arange(rows.start, rows.stop)
    p.household[away] = village
    p.age[away] = 25
    p.place[away] = state.households.place[village]
    p.away[away] = True
    state.members.rebuild()
    state.take_census()
    return state, away


def returning(state: CountyState, **location: float) -> Demography:
    chooser = location_of(state, seed=1, **location)
    mech = demography_of(state, return_rate=1.0, older_return_factor=1.0, job_response=0.0)
    mech.returners = chooser
    mech.labour = chooser.labour
    return mech


def vacant_county_city(state: CountyState, dwellings: int) -> None:
    """Give the county city ``dwellings`` vacant dwellings beyond its occupied ones."""
    occupied = int((state.households.view("place") == CITY).sum())
    state.housing.units[CITY] = occupied + dwellings


def test_returners_who_prefer_the_county_city_form_their_own_households_there():
    """With vacant dwellings for all of them, every returner who prefers the county city
    forms a one-person household there, keeping the origin of the household left behind."""
    state, away = away_county()
    vacant_county_city(state, 200)  # vacancy rate ~0.98: the search finds a dwelling
    households = state.households.n
    registered = int(state.persons.view("alive").sum())
    mech = returning(state, asc_county_city=30.0)
    state.clock.steps = 1
    mech._returns()
    p = state.persons
    assert int(p.view("alive").sum()) == registered  # nobody is lost or doubled
    assert not p.alive[away].any() and not p.view("away")[p.view("alive")].any()
    new = np.arange(households, state.households.n)
    assert new.size == away.size
    assert (state.households.place[new] == CITY).all()
    assert (state.households.origin[new] == state.households.origin[p.household[away]]).all()
    members = state.members.members(new)
    assert members.size == away.size and p.alive[members].all()
    assert np.array_equal(state.households_by_origin, origin_matrix(state.households, 6))
    assert state.flows.arrivals[CITY] == away.size


def test_returners_turned_away_by_a_full_county_city_settle_in_their_home_village():
    """With no vacant dwelling in the county city, no returner forms a household there: each
    goes to the fallback, its home village (a one-person household) or its household."""
    state, away = away_county()
    vacant_county_city(state, 0)
    households = state.households.n
    mech = returning(state, asc_county_city=30.0)
    state.clock.steps = 1
    mech._returns()
    p = state.persons
    new = np.arange(households, state.households.n)
    assert not (state.households.place[new] == CITY).any()
    assert not p.view("away")[p.view("alive")].any()
    assert state.flows.arrivals[CITY] == 0
    assert state.flows.migration["housing_turned_away"] == away.size


def test_returners_who_prefer_their_home_village_rejoin_their_household():
    state, away = away_county()
    households = state.households.n
    parents = state.persons.household[away].copy()
    mech = returning(state, asc_county_city=-30.0, asc_seat=-30.0, asc_return_village=30.0)
    state.clock.steps = 1
    mech._returns()
    assert state.households.n == households  # no household formed
    p = state.persons
    back = np.flatnonzero(p.view("alive") & np.isin(p.view("household"), parents))
    assert (p.age[back] == 25).sum() == away.size
    assert not p.view("away")[p.view("alive")].any()
    assert np.array_equal(state.households_by_origin, origin_matrix(state.households, 6))
    assert (p.place[back] == state.households.place[p.household[back]]).all()
