"""Moving hazards tied to life events (``hdsim/mechanisms/hazards.py``).

Properties: an event raises the consider probability by its relative risk and only for its
window (direction); households with an event are drawn more often than identical ones without;
relative risks of 1 reproduce the single-rate draws bit for bit (reproducibility).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from conftest import point, small_config
from test_mechanisms import V1, location_of, small_state

from hdsim.config.behaviour import LocationParams
from hdsim.mechanisms.hazards import EVENTS
from hdsim.mechanisms.sampling import rare_events
from hdsim.model.model import CountyModel

CHILD = 2
"""Member index of the child in every household of ``small_state``."""


def village_state(n_households: int = 8):
    """``small_state`` with every household in the same village (identical but for events)."""
    state = small_state(n_households)
    state.households.place[:] = V1
    state.persons.place[:] = V1
    return state


def child_rows(state) -> np.ndarray:
    return np.arange(state.households.n) * 3 + CHILD


def test_a_child_reaching_school_age_multiplies_the_hazard_by_its_relative_risk():
    state = village_state()
    children = child_rows(state)
    state.persons.age[children[:4]] = 6  # reached school age within the last 12 months
    loc = location_of(state, consider_rate=0.2, rr_school_entry=2.5)
    rows = np.arange(state.households.n)
    p = loc.household_probability(rows)
    base = loc.consider_probability()
    assert np.allclose(p[:4], 2.5 * base) and np.allclose(p[4:], base)
    assert loc.events.month_events().flags["school_entry"].tolist() == [True] * 4 + [False] * 4


def test_households_with_a_school_age_event_are_drawn_more_often_than_identical_ones():
    state = village_state()
    state.persons.age[child_rows(state)[:4]] = 6
    loc = location_of(state, consider_rate=0.3, rr_school_entry=3.0)
    rng = np.random.default_rng(7)
    drawn = np.zeros(state.households.n)
    for _ in range(400):
        rows = rare_events(
            state.households.n, loc.probability_bound(), loc.household_probability, rng
        )
        drawn[rows] += 1
    with_event, without = drawn[:4].sum(), drawn[4:].sum()
    assert with_event > 2.0 * without  # expected ratio 3 (about 340 against 116 draws)


def test_a_job_loss_counts_for_the_window_and_then_expires():
    state = village_state()
    loc = location_of(state, consider_rate=0.2, rr_job_loss=2.0, event_window_months=3)
    loc.labour.separated = np.array([3 * 5])  # the father of household 5 lost his job
    assert loc.events.month_events().flags["job_loss"].nonzero()[0].tolist() == [5]
    for month in (1, 2):
        state.clock.steps = month
        loc.labour.separated = np.zeros(0, dtype=np.int64)
        assert loc.events.relative_risk(np.array([5, 6])).tolist() == [2.0, 1.0]
    state.clock.steps = 3
    assert loc.events.relative_risk(np.array([5])).tolist() == [1.0]


def test_events_of_members_away_or_dead_do_not_count():
    state = village_state()
    children = child_rows(state)
    state.persons.age[children[:2]] = 0  # two births
    state.persons.alive[children[0]] = False
    loc = location_of(state, rr_birth=1.7)
    assert loc.events.month_events().flags["birth"].nonzero()[0].tolist() == [1]


def test_the_thinning_bound_is_the_product_of_the_relative_risks_above_one():
    factors = {f"rr_{e}": 1.0 for e in EVENTS} | {
        "rr_birth": 2.0,
        "rr_job_loss": 0.5,
        "rr_school_entry": 1.5,
    }
    loc = location_of(village_state(), **factors)
    assert loc.events.bound() == 3.0
    assert loc.probability_bound() == loc.consider_probability() * 3.0


def single_rate_rows(model: CountyModel, rng: np.random.Generator) -> np.ndarray:
    """The consider draw of the single-rate rule (before the hazards), on ``model``'s state."""
    h = model.households
    outside = model.geo.outside
    p = model.location.consider_probability()
    return rare_events(h.n, p, lambda r: p * (~h.collective[r] & (h.place[r] != outside)), rng)


def test_relative_risks_of_one_reproduce_the_single_rate_draws_bit_for_bit():
    cfg = point(small_config(scale=0.02, end_year=2021))
    model = CountyModel(cfg)
    for _ in range(3):
        model.step()
    loc = model.location
    loc.params = dataclasses.replace(loc.params, **{f"rr_{e}": 1.0 for e in EVENTS})
    loc.events.params = loc.params
    loc.events._current = None
    flags = loc.events.month_events().flags
    assert flags["school_entry"].any() and flags["birth"].any()  # events exist, all weigh 1
    state = loc.rng.bit_generator.state
    old = single_rate_rows(model, loc.rng)
    loc.rng.bit_generator.state = state
    new = rare_events(
        model.households.n, loc.probability_bound(), loc.household_probability, loc.rng
    )
    assert np.array_equal(old, new) and old.size > 0
    # a relative risk above 1 changes the draws: the test can fail
    loc.params = dataclasses.replace(loc.params, rr_school_entry=4.0)
    loc.events.params = loc.params
    loc.events._current = None
    loc.rng.bit_generator.state = state
    bumped = rare_events(
        model.households.n, loc.probability_bound(), loc.household_probability, loc.rng
    )
    assert not np.array_equal(old, bumped)


def test_location_params_declare_a_source_and_range_for_every_relative_risk():
    fields = {f.name: f for f in dataclasses.fields(LocationParams)}
    for event in EVENTS:
        info = fields[f"rr_{event}"].metadata["parameter"]
        assert info.unit == "1" and info.lo is not None and info.lo < 1.0 < info.hi


def recorded_consider_rate(**location: float) -> tuple[np.ndarray, CountyModel]:
    cfg = point(small_config(scale=0.02, end_year=2021))
    behaviour = cfg.behaviour
    cfg = dataclasses.replace(
        cfg,
        behaviour=dataclasses.replace(
            behaviour, location=dataclasses.replace(behaviour.location, **location)
        ),
    )
    model = CountyModel(cfg)
    for _ in range(4):
        model.step()
    county = model.recorder.county_frame()
    return county.loc[county.indicator == "consider_rate", "value"].to_numpy(), model


def test_the_recorded_mean_consider_rate_rises_above_the_base_hazard_with_events():
    """Recorded every month; the base rate exactly without events' weight, above it with."""
    flat, model = recorded_consider_rate(**{f"rr_{e}": 1.0 for e in EVENTS})
    base = 1.0 - (1.0 - model.location.consider_probability()) ** 12
    assert flat.size >= 4 and np.allclose(flat, base, rtol=1e-12)
    raised, model = recorded_consider_rate(
        **{f"rr_{e}": 1.0 for e in EVENTS} | {"rr_school_entry": 3.0, "rr_job_loss": 2.0}
    )
    bound = 1.0 - (1.0 - model.location.probability_bound()) ** 12
    assert np.all(raised > base * 1.01) and np.all(raised < bound)
