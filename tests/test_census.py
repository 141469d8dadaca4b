"""The census kept up to date at the choke points equals a full scan of every person."""

from __future__ import annotations

import dataclasses

import numpy as np
from conftest import county_data, point

from hdsim.model.config import HdsimConfig, to_config
from hdsim.model.model import CountyModel
from hdsim.model.scenarios import load_scenario
from hdsim.run import run_seed
from hdsim.state.census import take_census


def every_lever_config(scale: float = 0.03) -> HdsimConfig:
    """Every registered lever on at intensity 1 from the second month, budget unlimited."""
    cfg = HdsimConfig(scenario=load_scenario("seven_actions"))
    cfg.households.scale = scale
    cfg.horizon = dataclasses.replace(cfg.horizon, end_year=2022)
    policies = cfg.scenario.policies
    for name, lever in policies.levers().items():
        setattr(policies, name, dataclasses.replace(lever, intensity=1.0, start="2020-12"))
    policies.budget = dataclasses.replace(policies.budget, allow_over_budget=True)
    return point(to_config(cfg))


def assert_census_equals_full_scan(model: CountyModel) -> None:
    st = model.state
    kept = st.census
    scan = take_census(st.persons, st.geo.n_places, st.geo.outside, st.retirement_age)
    np.testing.assert_array_equal(kept.residents_by_place, scan.residents_by_place)
    np.testing.assert_array_equal(kept.working_by_place, scan.working_by_place)
    np.testing.assert_array_equal(kept.resident, scan.resident)
    np.testing.assert_array_equal(kept.labour_force, scan.labour_force)
    assert kept.person_place.base is st.persons.place  # a view of the live column, as before


def test_incremental_census_equals_a_full_scan_after_every_step_with_every_lever_on():
    cfg = every_lever_config()
    assert all(lever.is_on() for lever in cfg.scenario.policies.levers().values())
    model = CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, 0))
    assert_census_equals_full_scan(model)
    moved = 0
    while model.running:
        model.step()
        moved += int(model.flows.arrivals.sum() + model.flows.departures.sum())
        assert_census_equals_full_scan(model)
    assert moved > 0  # the run moved people, so the choke points were exercised


def test_recounting_a_person_twice_or_unchanged_leaves_the_counts_alone():
    cfg = HdsimConfig()
    cfg.households.scale = 0.02
    cfg = point(to_config(cfg))
    model = CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, 0))
    res = model.state.residence
    before = res.residents_by_place.copy(), res.working_by_place.copy()
    rows = np.arange(0, model.persons.n, 7)
    res.recount(np.r_[rows, rows[::-1]])
    np.testing.assert_array_equal(res.residents_by_place, before[0])
    np.testing.assert_array_equal(res.working_by_place, before[1])
    # a person made non-resident by hand is removed from its place once, however often recounted
    person = int(np.flatnonzero(model.census.resident)[0])
    place = int(model.persons.place[person])
    model.persons.away[person] = True
    res.recount(np.array([person, person]))
    res.recount(np.array([person]))
    assert res.residents_by_place[place] == before[0][place] - 1
