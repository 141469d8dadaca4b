"""Each mechanism alone on a small hand-built county: properties of that mechanism only.

The county here has two townships and six places (the county city and two villages in the
county-seat township; a seat and a village in the other; outside), a handful of households
and persons, and one firm. No county data is loaded and no ``CountyModel`` is built: the
mechanisms are constructed from the state, their parameters and a random stream.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from hdsim.config.behaviour import (
    UNCERTAINTIES,
    BehaviourConfig,
    HukouParams,
    LabourParams,
    LocationParams,
    TownshipParams,
    parameter_table,
    uncertainty_ranges,
)
from hdsim.config.fields import STATUSES
from hdsim.mechanisms.demography import Demography
from hdsim.mechanisms.hukou import HukouConversion
from hdsim.mechanisms.labour import LabourMarket
from hdsim.mechanisms.location import LocationChoice
from hdsim.mechanisms.services import PublicServiceQuality
from hdsim.mechanisms.townships import BuiltUpGrowth
from hdsim.population.moves import Relocation
from hdsim.state.county import Clock, CountyState, origin_matrix
from hdsim.state.effects import PolicyEffects, UnknownChannelError
from hdsim.state.firms import FirmTable
from hdsim.state.flows import Flows
from hdsim.state.housing import build_housing
from hdsim.state.members import MemberIndex
from hdsim.state.places import Geography, PlaceKind
from hdsim.state.services import SERVICES, build_services
from hdsim.state.tables import HouseholdTable, PersonTable

CITY, V1, V2, SEAT, V3, OUT = range(6)
FIGURES = {
    "county_city_housing_price_2020": 5000.0,
    "county_city_housing_units_2020": 40.0,
    "county_city_builtup_km2_2020": 10.0,
}


def small_geography() -> Geography:
    """Six places: county city, two villages, a seat, a village, outside."""
    kind = np.array(
        [
            PlaceKind.COUNTY_CITY,
            PlaceKind.VILLAGE,
            PlaceKind.VILLAGE,
            PlaceKind.SEAT,
            PlaceKind.VILLAGE,
            PlaceKind.OUTSIDE,
        ]
    )
    x = np.array([0.0, 3.0, 6.0, 20.0, 24.0, 0.0])
    y = np.zeros(6)
    distance = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]).astype(np.float32)
    distance[OUT, :] = distance[:, OUT] = 200.0
    distance[OUT, OUT] = 0.0
    return Geography(
        kind=kind,
        township=np.array([0, 0, 0, 1, 1, -1]),
        code=np.array([111, 220, 220, 210, 220, 0]),
        x=x,
        y=y,
        t0_population=np.array([60.0, 20.0, 20.0, 20.0, 20.0, 0.0]),
        distance=distance,
        township_codes=["000000001", "000000002"],
        township_names=["T1", "T2"],
        township_is_town=np.array([True, False]),
        seat_of=np.array([CITY, SEAT]),
        county_city=CITY,
        outside=OUT,
    )


def small_state(n_households: int = 8, size: int = 3) -> CountyState:
    """Households of ``size`` persons (two adults, a child) spread over the places."""
    geo = small_geography()
    homes = np.array([V1, V2, V3, CITY, SEAT, V1, V2, CITY])[:n_households]
    h = HouseholdTable(n_households)
    h.place[:] = homes
    h.origin[:] = np.where(homes == CITY, V1, homes)
    h.farmland_mu[:] = 5.0
    h.homestead[:] = True
    h.owner[:] = h.place[:n_households] == h.origin[:n_households]
    h.months_at_place[:] = 36
    p = PersonTable(n_households * size)
    p.household[:] = np.repeat(np.arange(n_households), size)
    p.age[:] = np.tile([40, 38, 10][:size], n_households)
    p.female[:] = np.tile([False, True, False][:size], n_households)
    p.birth_month[:] = np.tile([1, 5, 9][:size], n_households)
    p.place[:] = h.place[p.household[: p.n]]
    firms = FirmTable(1, capacity=4)
    firms.place[0] = CITY
    firms.target[0] = 4.0
    firms.wage[0] = 4000.0
    firms.names.append("firm")
    services = pd.DataFrame(
        [
            ("000000001", "seat", s, 100.0, 0.8)
            for s in SERVICES
        ]
        + [("000000001", "villages", s, 50.0, 0.4) for s in SERVICES]
        + [("000000002", "seat", s, 50.0, 0.6) for s in SERVICES]
        + [("000000002", "villages", s, 20.0, 0.3) for s in SERVICES],
        columns=["township_code", "place", "service", "capacity", "quality"],
    )
    residents = np.bincount(p.place[: p.n], minlength=geo.n_places)
    occupied = np.bincount(h.place[: h.n], minlength=geo.n_places).astype(float)
    return CountyState(
        geo=geo,
        persons=p,
        households=h,
        members=MemberIndex(p, h.n),
        firms=firms,
        services=build_services(geo, services, residents, FIGURES, 1.0, TownshipParams()),
        housing=build_housing(
            geo, occupied, FIGURES, 1.0, TownshipParams(), BehaviourConfig().housing
        ),
        effects=PolicyEffects(),
        flows=Flows(geo.n_places),
        clock=Clock("2020-11"),
        weight=1.0,
        scale=1.0,
        retirement_age=60,
        households_by_origin=origin_matrix(h, geo.n_places),
    )


def labour_of(state: CountyState, seed: int = 0, **changes: float) -> LabourMarket:
    params = dataclasses.replace(LabourParams(), **changes)
    return LabourMarket(state, params, np.random.default_rng(seed), 1.45)


def location_of(state: CountyState, seed: int = 0, **changes: float) -> LocationChoice:
    labour = labour_of(state, seed)
    params = dataclasses.replace(LocationParams(), **changes)
    relocation = Relocation(state, 36.0)
    return LocationChoice(state, params, np.random.default_rng(seed), labour, relocation, 900.0)


# ------------------------------------------------------------------------------ relocation


def test_relocation_conserves_residents_and_balances_arrivals_with_departures():
    state = small_state()
    before = state.take_census().residents_by_place.copy()
    moved = Relocation(state, 36.0).move(np.array([0, 1, 2]), np.array([CITY, SEAT, CITY]))
    after = state.take_census().residents_by_place
    assert after.sum() == before.sum()
    assert int(moved.sum()) == 9
    flows = state.flows
    assert flows.arrivals.sum() == flows.departures.sum() == 9
    assert np.array_equal(after - before, flows.arrivals - flows.departures)
    assert state.households_by_origin.sum() == state.households.n
    assert np.array_equal(state.households_by_origin, origin_matrix(state.households, 6))


def test_moving_out_of_the_county_ends_the_movers_jobs():
    state = small_state()
    labour = labour_of(state)
    worker = np.flatnonzero(state.persons.view("employer") >= 0)
    assert worker.size > 0
    household = int(state.persons.household[worker[0]])
    Relocation(state, 36.0).move(np.array([household]), np.array([OUT]))
    members = state.members.members(np.array([household]))
    assert (state.persons.employer[members] < 0).all()
    assert np.array_equal(labour.employees(), labour.count_employees())


# -------------------------------------------------------------------------------- location


def test_location_choice_with_a_prohibitive_moving_cost_moves_nobody():
    state = small_state()
    places = state.households.view("place").copy()
    location_of(state, consider_rate=1.0, moving_cost=1e9).step()
    assert np.array_equal(state.households.view("place"), places)
    assert state.flows.arrivals.sum() == 0


def test_location_choice_without_moving_cost_moves_someone_and_conserves_persons():
    state = small_state()
    places = state.households.view("place").copy()
    residents = state.take_census().residents_by_place.copy()
    mech = location_of(state, consider_rate=1.0, moving_cost=0.0, moving_cost_per_km=0.0)
    for _ in range(3):
        mech.step()
    assert not np.array_equal(state.households.view("place"), places)
    census = state.take_census()
    outside_now = state.households.view("place") == OUT
    left = np.isin(state.persons.view("household"), np.flatnonzero(outside_now)).sum()
    assert census.residents_by_place.sum() + left == residents.sum()


def test_a_full_county_city_turns_arrivals_away():
    state = small_state()
    city = state.households.view("place") == CITY
    state.housing.units[CITY] = city.sum()  # no vacant dwelling
    location_of(state, consider_rate=1.0, moving_cost=0.0, asc_county_city=10.0).step()
    assert (state.households.view("place") == CITY).sum() <= city.sum()


# ----------------------------------------------------------------------------------- hukou


def test_hukou_conversion_never_converts_a_household_not_resident_long_enough():
    state = small_state()
    h = state.households
    in_city = np.flatnonzero(h.view("place") == CITY)
    h.months_at_place[in_city[0]] = 1  # arrived last month
    h.months_at_place[in_city[1]] = 60
    mech = HukouConversion(state, HukouParams(conversion_rate=1.0), np.random.default_rng(0))
    for _ in range(12):
        mech.step()
    assert not h.hukou_urban[in_city[0]]
    assert h.hukou_urban[in_city[1]]
    members = state.members.members(in_city[:1])
    assert not state.persons.hukou_urban[members].any()


def test_hukou_conversion_leaves_rural_places_alone():
    state = small_state()
    mech = HukouConversion(state, HukouParams(conversion_rate=1.0), np.random.default_rng(0))
    for _ in range(12):
        mech.step()
    h = state.households
    rural = ~state.geo.urban[h.view("place")]
    assert not h.view("hukou_urban")[rural].any()


# ---------------------------------------------------------------------------------- labour


def test_hiring_never_exceeds_vacancies_and_counts_stay_consistent():
    state = small_state()
    labour = labour_of(state, hire_efficiency=1.0)
    for _ in range(6):
        labour.step()
        wanted = np.round(state.firms.target[:1] + state.firms.policy_jobs[:1])
        assert (labour.employees() <= wanted).all()
        assert np.array_equal(labour.employees(), labour.count_employees())


def test_more_policy_jobs_never_reduce_employment():
    low, high = small_state(), small_state()
    high.firms.policy_jobs[0] = 6.0
    a, b = labour_of(low, hire_efficiency=1.0), labour_of(high, hire_efficiency=1.0)
    for _ in range(3):
        a.step()
        b.step()
    assert b.employees().sum() >= a.employees().sum()
    assert b.place_employment[CITY] > a.place_employment[CITY]


# ------------------------------------------------------------------------- services, built-up


def test_service_quality_falls_when_users_outgrow_capacity():
    state = small_state()
    mech = PublicServiceQuality(state, TownshipParams())
    mech.step()
    before = state.services.quality["school"][CITY]
    Relocation(state, 36.0).move(np.array([0, 1, 2, 4]), np.full(4, CITY))
    state.take_census()
    mech.step()
    assert state.services.quality["school"][CITY] < before


def test_builtup_growth_reclassifies_the_nearest_village_without_moving_anyone():
    state = small_state()
    places = state.households.view("place").copy()
    mech = BuiltUpGrowth(state, TownshipParams(builtup_growth_share=1.2, km2_per_village=0.9))
    mech.step()
    assert state.services.reclassified == 1
    assert state.geo.code[V1] == 112 and state.geo.code[V2] == 220
    assert np.array_equal(state.households.view("place"), places)


# ------------------------------------------------------------------------------- demography


def test_ageing_adds_one_year_to_every_living_person_over_twelve_months():
    state = small_state()
    rates = pd.DataFrame(
        [(0, 110, sex, 0.0, 0.0) for sex in ("male", "female")],
        columns=["age_lo", "age_hi", "sex", "mortality", "fertility"],
    )
    labour = labour_of(state)
    params = BehaviourConfig().demography
    params = dataclasses.replace(params, departure_rate=0.0, household_return_rate=0.0)
    mech = Demography(
        state, rates, params, np.random.default_rng(0), labour, Relocation(state, 36.0)
    )
    ages = state.persons.view("age").copy()
    for step in range(1, 13):
        state.clock.steps = step
        state.flows.reset()
        mech.step()
    assert state.persons.n == ages.size  # no fertility: nobody is born
    assert np.array_equal(state.persons.view("age"), ages + 1)
    assert state.persons.view("alive").all()  # no mortality: nobody dies


# ------------------------------------------------------------------------- state and params


def test_a_contribution_to_an_unknown_effect_channel_is_an_error():
    effects = PolicyEffects()
    with pytest.raises(UnknownChannelError, match="services_by_residnce"):
        effects.contribute("hukou_reform", services_by_residnce=0.5)
    assert effects.services_by_residence == 0.0 and not effects.contributions


def test_table_columns_are_declared_types_and_survive_growth():
    p = PersonTable(2, capacity=2)
    assert p.age.dtype == np.int16 and p.employer.dtype == np.int32
    rows = p.append(5)
    assert p.capacity >= 7 and (p.employer[rows] == -1).all() and p.alive[rows].all()


def test_every_parameter_declares_unit_status_and_a_range_holding_its_default():
    rows = parameter_table()
    assert len(rows) == len({r["key"] for r in rows}) > 50
    for r in rows:
        assert r["status"] in STATUSES and r["unit"] and r["description"], r["key"]
        assert r["lo"] is None or r["lo"] <= r["value"], r["key"]
        assert r["hi"] is None or r["value"] <= r["hi"], r["key"]
    ranges = uncertainty_ranges()
    assert list(ranges) == list(UNCERTAINTIES)
    assert all(lo < hi for lo, hi in ranges.values())


def test_experiment_designs_take_the_declared_uncertainty_ranges():
    import yaml

    from hdsim.config.fields import ConfigError
    from hdsim.config.frame import DesignConfig
    from hdsim.experiments.design import design_parameters
    from hdsim.paths import CONFIG_DIR

    ranges = uncertainty_ranges()
    for name in ("prior_exploration",):  # the one design that samples behaviour over ranges
        text = (CONFIG_DIR / "experiment" / f"{name}.yaml").read_text()
        block = yaml.safe_load(text)["experiment"]["design"]["parameters"]
        behaviour = {k: v for k, v in block.items() if k.startswith("behaviour.")}
        assert behaviour == dict.fromkeys(UNCERTAINTIES, "declared"), name
        spec = DesignConfig(method="lhs", samples=2, parameters=block)
        got = {p.key: (p.low, p.high) for p in design_parameters(spec) if p.kind == "uncertainty"}
        assert got == ranges
    bad = DesignConfig(
        method="lhs", samples=2, parameters={"behaviour.hukou.owner_factor": "declared"}
    )
    with pytest.raises(ConfigError, match="declares no uncertainty range"):
        design_parameters(bad)
