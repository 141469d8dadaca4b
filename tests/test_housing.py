"""Housing market, in-migration and 落户 alone on the small hand-built county of test_mechanisms.

Each test states the property it checks: purchases make owners and move nobody, dearer housing
means fewer purchases, low vacancy turns arrivals away and the stock caps them, in-migrants
arrive registered elsewhere with every dependent table in step, and land at stake holds back
registration in town unless its rights are kept.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from conftest import small_run
from test_mechanisms import CITY, OUT, SEAT, V1, labour_of, small_state

from hdsim.config.behaviour import (
    BehaviourConfig,
    HousingParams,
    HukouParams,
    LocationParams,
    MigrationParams,
    TownshipParams,
)
from hdsim.mechanisms.demography import Demography
from hdsim.mechanisms.housing import HousingMarket
from hdsim.mechanisms.hukou import HukouConversion
from hdsim.mechanisms.migration import InMigration
from hdsim.population.moves import Relocation
from hdsim.state.county import CountyState, origin_matrix
from hdsim.state.housing import Tenure, build_housing, tenure_of_owners


def market_of(state: CountyState, seed: int = 0, **changes: float) -> HousingMarket:
    params = dataclasses.replace(HousingParams(), **changes)
    return HousingMarket(
        state, params, TownshipParams(), LocationParams(), labour_of(state, seed),
        np.random.default_rng(seed),
    )  # fmt: skip


def renting_state() -> CountyState:
    """The small county with every household in the county city or the seat renting."""
    state = small_state()
    h = state.households
    town = np.isin(h.view("place"), (CITY, SEAT))
    h.owner[: h.n] = ~town
    h.tenure[: h.n] = tenure_of_owners(h, state.geo)
    return state


# -------------------------------------------------------------------------------- purchases


def test_tenure_of_owners_is_rented_exactly_when_the_household_does_not_own():
    state = renting_state()
    h = state.households
    tenure = h.view("tenure")
    assert np.array_equal(tenure != Tenure.RENTED, h.view("owner"))
    assert (tenure[h.view("place") == V1] == Tenure.SELF_BUILT).all()


def test_a_purchase_makes_an_owner_and_moves_nobody():
    state = renting_state()
    h = state.households
    places = h.view("place").copy()
    occupied = state.family_households_by_place().copy()
    market = market_of(state, purchase_rate=1.0, reference_price_income=1e6)
    for _ in range(24):
        market.purchases()
    town = np.isin(places, (CITY, SEAT))
    assert (h.view("tenure")[town] == Tenure.BOUGHT).all()
    assert h.view("owner")[town].all()
    assert np.array_equal(h.view("place"), places)
    assert np.array_equal(state.family_households_by_place(), occupied)
    assert market.purchases_made == town.sum()


def test_dearer_housing_lowers_the_probability_of_buying():
    state = renting_state()
    market = market_of(state, purchase_rate=0.3)
    rows = market.renters()
    assert rows.size > 0
    cheap = market.purchase_probability(rows)
    state.housing.price[:] *= 2.0
    dear = market.purchase_probability(rows)
    assert (dear < cheap).all()


def test_a_move_to_town_ends_ownership_and_a_return_home_restores_it():
    state = small_state()
    h = state.households
    h.tenure[: h.n] = tenure_of_owners(h, state.geo)
    relocation = Relocation(state, 36.0)
    relocation.move(np.array([0]), np.array([CITY]))
    assert h.tenure[0] == Tenure.RENTED and not h.owner[0]
    relocation.move(np.array([0]), np.array([h.origin[0]]))
    assert h.tenure[0] == Tenure.SELF_BUILT and h.owner[0]


# ------------------------------------------------------------------------------- rationing


def _turned_away_share(vacancy: float, friction: float, n: int = 2000) -> float:
    state = small_state()
    occupied = state.family_households_by_place()
    state.housing.units[CITY] = occupied[CITY] / (1.0 - vacancy)
    market = market_of(state, frictional_vacancy=friction)
    cur = np.full(n, V1)
    dest = np.full(n, CITY)
    vacant = np.full(state.geo.n_places, np.inf)  # the cap does not bind here
    out, _ = market.ration(cur, dest, vacant, np.random.default_rng(1))
    return float((out != dest).mean())


def test_low_vacancy_turns_more_arrivals_away_than_high_vacancy():
    tight = _turned_away_share(0.02, 0.08)
    loose = _turned_away_share(0.30, 0.08)
    assert tight > 0.6
    assert loose < 0.1
    assert _turned_away_share(0.02, 0.0) == 0.0  # no friction: only the cap binds


def test_arrivals_never_exceed_the_vacant_dwellings():
    state = small_state()
    market = market_of(state)
    vacant = np.zeros(state.geo.n_places)
    vacant[CITY] = 3
    vacant[[V1, OUT]] = np.inf
    cur = np.full(10, V1)
    dest = np.r_[np.full(8, CITY), np.full(2, OUT)]
    out, left = market.ration(cur, dest, vacant, np.random.default_rng(0))
    assert (out == CITY).sum() == 3
    assert (out == OUT).sum() == 2
    assert left[CITY] == 0
    assert market.turned_away == 5


def test_the_county_city_starts_with_the_stated_vacancy():
    state = small_state()
    occupied = state.family_households_by_place().astype(float)
    params = HousingParams(city_vacancy_2020=0.2)
    figures = {"county_city_housing_price_2020": 5000.0}
    housing = build_housing(state.geo, occupied, figures, 1.0, TownshipParams(), params)
    assert np.isclose(housing.vacancy_rate(occupied)[CITY], 0.2)
    assert np.isinf(housing.units[V1]) and np.isinf(housing.units[OUT])


# ----------------------------------------------------------------------------- in-migration


def _demography(state: CountyState) -> Demography:
    rates = pd.DataFrame(
        [(0, 110, sex, 0.0, 0.0) for sex in ("male", "female")],
        columns=["age_lo", "age_hi", "sex", "mortality", "fertility"],
    )
    params = BehaviourConfig().demography
    labour = labour_of(state)
    return Demography(
        state, rates, params, np.random.default_rng(0), labour, Relocation(state, 36.0)
    )


def test_in_migrants_arrive_registered_elsewhere_with_every_table_in_step():
    state = small_state()
    state.housing.units[[CITY, SEAT]] = 1000.0
    before_hh, before_p = state.households.n, state.persons.n
    residents = state.take_census().residents_by_place.sum()
    demography = _demography(state)
    params = MigrationParams(in_migration_rate=1.0, family_share=0.5)
    mech = InMigration(state, params, market_of(state), demography, np.random.default_rng(3))
    for _ in range(6):
        state.flows.reset()
        mech.step()
        state.take_census()
    h, p = state.households, state.persons
    new_hh = np.arange(before_hh, h.n)
    new_p = np.arange(before_p, p.n)
    assert new_hh.size > 0
    assert np.isin(h.place[new_hh], (CITY, SEAT)).all()
    assert (h.tenure[new_hh] == Tenure.RENTED).all() and not h.owner[new_hh].any()
    assert not h.homestead[new_hh].any() and (h.farmland_mu[new_hh] == 0).all()
    assert np.isin(p.origin[new_p], (1, 2)).all()
    assert (p.hukou_township[new_p] == -1).all()
    assert (p.origin[:before_p] == 0).all()
    assert np.array_equal(np.sort(state.members.members(new_hh)), new_p)
    assert np.array_equal(state.households_by_origin, origin_matrix(h, state.geo.n_places))
    assert state.census.residents_by_place.sum() == residents + new_p.size
    assert mech.arrived == new_p.size
    ages = p.age[new_p]
    assert ages.max() <= 59
    birthdays = np.concatenate(demography.birthdays)
    assert np.isin(new_p, birthdays).all()


def test_more_in_migration_brings_more_persons():
    arrived = []
    for rate in (0.05, 0.5):
        state = small_state()
        state.housing.units[[CITY, SEAT]] = 1000.0
        params = MigrationParams(in_migration_rate=rate)
        mech = InMigration(
            state, params, market_of(state), _demography(state), np.random.default_rng(5)
        )
        for _ in range(24):
            mech.step()
            state.take_census()
        arrived.append(mech.arrived)
    assert arrived[1] > arrived[0]


def test_a_full_town_keeps_in_migrants_out():
    state = small_state()
    occupied = state.family_households_by_place()
    state.housing.units[:] = np.where(np.isfinite(state.housing.units), occupied, np.inf)
    params = MigrationParams(in_migration_rate=1.0)
    rng = np.random.default_rng(3)
    mech = InMigration(state, params, market_of(state), _demography(state), rng)
    n = state.households.n
    for _ in range(6):
        mech.step()
    assert state.households.n == n
    assert mech.market.turned_away > 0


# ------------------------------------------------------------------------------------- 落户


def test_land_at_stake_lowers_registration_unless_its_rights_are_kept():
    state = small_state()
    h = state.households
    params = HukouParams(land_loss_aversion=1.0, homestead_loss_aversion=1.0)
    mech = HukouConversion(state, params, np.random.default_rng(0))
    rows = np.array([3, 7])
    h.farmland_mu[3] = 0.0
    h.homestead[3] = False
    h.farmland_mu[7] = 10.0
    factor = mech.land_factor(rows)
    assert factor[0] == 1.0 and factor[1] < 0.1
    state.effects.land_rights_kept = 1.0
    assert np.allclose(mech.land_factor(rows), 1.0)


def test_a_household_with_land_at_stake_registers_less_often_than_a_landless_one():
    converted = {True: 0, False: 0}
    params = HukouParams(conversion_rate=0.5, land_loss_aversion=3.0, homestead_loss_aversion=3.0)
    for seed in range(40):
        state = small_state()
        h = state.households
        h.farmland_mu[3] = 0.0
        h.homestead[3] = False
        h.farmland_mu[7] = 20.0
        mech = HukouConversion(state, params, np.random.default_rng(seed))
        for _ in range(12):
            mech.step()
        converted[False] += int(h.hukou_urban[3])
        converted[True] += int(h.hukou_urban[7])
    assert converted[False] > 3 * max(converted[True], 1)


def _end(result, indicator: str) -> float:
    c = result.county
    return float(c[c["indicator"] == indicator].sort_values("date")["value"].iloc[-1])


def test_hukou_reform_raises_registration_far_more_than_where_people_live():
    """In a county open since 2014 the barrier is small: by 2025 hukou reform raises the hukou
    rate by more than three times its effect on the resident rate (two replicates, common
    random numbers)."""
    for r in (0, 1):
        reform, base = small_run("hukou_reform", r), small_run("baseline", r)
        hukou = _end(reform, "hukou_urbanization_rate") - _end(base, "hukou_urbanization_rate")
        resident = _end(reform, "urbanization_rate") - _end(base, "urbanization_rate")
        assert hukou > 0.01
        assert hukou > 3 * abs(resident), (hukou, resident)
