"""Public services on the small hand-built county: crowding, consolidation, what levers reach.

Properties of :class:`hdsim.mechanisms.services.PublicServiceQuality` only; the county is
``tests/test_mechanisms.small_state`` (one child of 10 in every household).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from test_mechanisms import CITY, SEAT, V1, V2, V3, small_state

from hdsim.config.behaviour import TownshipParams
from hdsim.mechanisms.services import SCHOOL_YEAR_MONTH, PublicServiceQuality
from hdsim.population.moves import Relocation
from hdsim.state.county import CountyState

SEPTEMBER = 11  # steps after the census month (2020-11) that simulate September 2021


def services_of(state: CountyState, **changes: float) -> PublicServiceQuality:
    return PublicServiceQuality(state, dataclasses.replace(TownshipParams(), **changes))


def test_a_village_school_does_not_improve_when_its_children_leave():
    state = small_state()
    mech = services_of(state, school_closure_pupils=0.0)
    mech.step()
    before = state.services.quality["school"][[V1, V2]].copy()
    village_households = np.flatnonzero(np.isin(state.households.view("place"), [V1, V2]))
    Relocation(state, 36.0).move(village_households[:2], np.full(2, CITY))
    state.take_census()
    mech.step()
    after = state.services.quality["school"][[V1, V2]]
    assert (after <= before + 1e-12).all()
    assert state.services.quality["school"][CITY] < 0.8  # the county city's school is crowded


def test_village_schools_below_the_threshold_at_the_census_start_closed():
    state = small_state()
    # pupils: V1 and V2 two each, V3 one, the seat one; a threshold of 1.5 closes V3 alone
    mech = services_of(state, school_closure_pupils=1.5, closed_school_access=0.4)
    ts = state.services
    assert not ts.school_open[V3] and ts.school_open[[V1, V2, SEAT, CITY]].all()
    # V3's pupil is among the seat school's users from t0: no crowding at the start
    assert np.isclose(ts.quality["school"][SEAT], ts.quality_base["school"][SEAT])
    assert np.isclose(ts.quality["school"][V3], 0.4 * ts.quality["school"][SEAT])
    assert ts.quality["school"][V3] < ts.quality_base["school"][V3]  # closure is no gain
    assert mech.closed_village_schools() == 1


def test_small_village_schools_close_in_september_and_their_pupils_crowd_the_seat_school():
    state = small_state()
    mech = services_of(state, school_closure_pupils=0.0)
    mech.params = dataclasses.replace(mech.params, school_closure_pupils=1.5)
    mech.step()  # November: no closure
    assert state.services.school_open.all()
    seat_before = state.services.quality["school"][SEAT]
    state.clock.steps = SEPTEMBER
    assert state.clock.calendar_month == SCHOOL_YEAR_MONTH
    mech.step()
    ts = state.services
    assert not ts.school_open[V3] and ts.school_open[[V1, V2, SEAT, CITY]].all()
    assert ts.quality["school"][SEAT] < seat_before  # two pupils where there was one
    assert np.isclose(
        ts.quality["school"][V3], mech.params.closed_school_access * ts.quality["school"][SEAT]
    )
    state.clock.steps = SEPTEMBER + 12
    mech.params = dataclasses.replace(mech.params, school_closure_pupils=0.0)
    mech.step()
    assert not ts.school_open[V3]  # a closed school stays closed


def test_quality_a_lever_adds_to_a_closed_village_school_is_not_counted():
    state = small_state()
    mech = services_of(state, school_closure_pupils=1.5)
    state.clock.steps = SEPTEMBER
    mech.step()
    closed = state.services.quality["school"][V3]
    state.services.quality_boost["school"][[V1, V3]] += 0.1
    mech.step()
    assert state.services.quality["school"][V3] == closed
    assert state.services.quality["school"][V1] > state.services.quality_base["school"][V1]


def test_added_seat_capacity_relieves_the_crowding_that_closures_bring():
    state = small_state()
    mech = services_of(state, school_closure_pupils=0.0)
    mech.params = dataclasses.replace(mech.params, school_closure_pupils=1.5)
    state.clock.steps = SEPTEMBER
    mech.step()
    crowded = state.services.quality["school"][SEAT]
    state.services.capacity["school"][SEAT] *= 2.0
    mech.step()
    assert state.services.quality["school"][SEAT] > crowded
