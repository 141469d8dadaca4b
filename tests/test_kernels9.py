"""Round 9 of the kernels: each cheaper computation gives what the one it replaced gave.

Every rewritten kernel is held equal to the formula it replaced, on the cases where the two
could part (ties, places that do not fit an int64 key, empty inputs).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import county_data
from test_census import every_lever_config
from test_kernels import scanned_events

from hdsim.mechanisms.hazards import LifeEvents, MonthEvents
from hdsim.mechanisms.housing import HousingMarket
from hdsim.mechanisms.labour import KEY_BITS, order_by_place_then_key
from hdsim.model.model import CountyModel
from hdsim.run import run_seed
from hdsim.state.housing import Tenure
from hdsim.state.members import MemberIndex, row_dtype, sorted_unique, stable_order
from hdsim.state.tables import PersonTable


@pytest.mark.parametrize("n_places", [1, 382, 1 << (63 - KEY_BITS), 5000])
def test_one_sort_of_the_combined_key_gives_the_lexsort_order(n_places: int) -> None:
    rng = np.random.default_rng(n_places)
    for size in (0, 1, 2, 500, 20_000):
        place = rng.integers(0, n_places, size).astype(np.intp)
        key = rng.random(size)
        expected = np.lexsort((key, place))
        assert np.array_equal(order_by_place_then_key(place, key, n_places), expected)


def test_tied_draws_keep_the_stable_lexsort_order() -> None:
    rng = np.random.default_rng(1)
    place = rng.integers(0, 4, 3000).astype(np.intp)
    key = rng.integers(0, 5, 3000) / 8.0  # many equal draws in every place
    assert np.unique(place * 8 + key * 8).size < place.size  # the case is exercised
    assert np.array_equal(order_by_place_then_key(place, key, 4), np.lexsort((key, place)))


def incomes_by_scan(market: HousingMarket, rows: np.ndarray) -> np.ndarray:
    """Household incomes as computed before: members filtered, their households gathered."""
    m = market.state
    p = m.persons
    members = m.members.members(rows)
    members = members[p.alive[members] & ~p.away[members]]
    age = p.age[members]
    local = np.empty(m.households.n, dtype=np.int64)
    local[rows] = np.arange(rows.size)
    working = (age >= 18) & (age < m.retirement_age)
    workers = np.bincount(local[p.household[members]][working], minlength=rows.size)
    place = m.households.place[rows]
    wage = 12.0 * market.labour.place_wage[place] * market.labour.place_employment[place]
    return market.location.base_income + workers * wage


def test_members_by_household_and_the_incomes_from_it_equal_the_gathers_they_replace(monkeypatch):
    """Every lookup of an every-lever run (moves, incomes): same members, each one's household."""
    lookup = MemberIndex.members_by_household
    kept = HousingMarket.incomes
    looked: list[int] = []
    checked: list[int] = []

    def checked_lookup(index: MemberIndex, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        members, owner = lookup(index, rows)
        assert np.unique(rows).size == rows.size  # the lookup's contract
        assert np.array_equal(members, index.members(rows))
        assert np.array_equal(rows[owner], index.persons.household[members])
        looked.append(members.size)
        return members, owner

    def both(market: HousingMarket, rows: np.ndarray) -> np.ndarray:
        out = kept(market, rows)
        expected = incomes_by_scan(market, rows)
        assert np.array_equal(out.view(np.uint64), expected.view(np.uint64))
        checked.append(rows.size)
        return out

    def checked_renters(market: HousingMarket) -> np.ndarray:
        out = renters(market)
        h = market.state.households
        n = h.n
        expected = np.flatnonzero(
            ~h.collective[:n]
            & (h.tenure[:n] == Tenure.RENTED)
            & market.state.housing.limited[h.place[:n]]
        )
        assert np.array_equal(out, expected)
        return out

    renters = HousingMarket.renters
    monkeypatch.setattr(MemberIndex, "members_by_household", checked_lookup)
    monkeypatch.setattr(HousingMarket, "incomes", both)
    monkeypatch.setattr(HousingMarket, "renters", checked_renters)
    cfg = every_lever_config()
    CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, 0)).run()
    assert len(looked) > len(checked) > 2 and max(checked) > 0 and max(looked) > 0


def test_event_codes_of_rows_added_since_read_zero_as_by_the_mask() -> None:
    code = np.array([3, 0, 5, 1], dtype=np.uint8)
    events = MonthEvents(0, code, np.ones(8))
    for rows in ([], [0, 2], [3, 4, 0, 9, 2], [7, 5]):
        rows = np.array(rows, dtype=np.int64)
        expected = np.zeros(rows.size, dtype=np.uint8)
        known = rows < code.size
        expected[known] = code[rows[known]]
        out = events.codes(rows)
        assert out.dtype == np.uint8 and np.array_equal(out, expected)
    empty = MonthEvents(0, np.zeros(0, dtype=np.uint8), np.ones(8))
    assert np.array_equal(empty.codes(np.array([0, 2])), [0, 0])


def test_the_index_stores_rows_as_int32_and_every_lookup_returns_int64() -> None:
    persons = PersonTable(6, capacity=16)
    persons.household[:6] = [0, 0, 1, 2, 2, 2]
    index = MemberIndex(persons, 3)
    assert index.order.dtype == np.int32
    assert row_dtype(np.iinfo(np.int32).max + 1) == np.int64
    rows = np.array([2, 0])
    no_tail = index.members(rows)
    born = persons.append(2)
    persons.household[born] = [0, 2]
    with_tail = index.members(rows)
    assert no_tail.dtype == with_tail.dtype == np.int64
    np.testing.assert_array_equal(no_tail, [3, 4, 5, 0, 1])
    np.testing.assert_array_equal(with_tail, [3, 4, 5, 0, 1, 6, 7])
    members, owner = index.members_by_household(rows)
    np.testing.assert_array_equal(members, with_tail)
    np.testing.assert_array_equal(rows[owner], persons.household[with_tail])


def test_sorted_unique_equals_np_unique() -> None:
    rng = np.random.default_rng(5)
    for size in (0, 1, 2, 700, 5000):
        values = rng.integers(0, max(size, 1), size)
        out = sorted_unique(values)
        assert out.dtype == values.dtype and np.array_equal(out, np.unique(values))
    assert np.array_equal(sorted_unique(np.array([4, 4, 4])), [4])


def test_life_events_of_a_window_shorter_than_a_year_equal_the_scan(monkeypatch) -> None:
    """The months since the birthday are read only for a window under a year; same flags."""
    kept = LifeEvents.month_events
    checked: list[int] = []

    def both(events: LifeEvents) -> MonthEvents:
        fresh = events._current is None or events._current.month != events.state.clock.steps
        out = kept(events)
        if fresh:
            for event, flag in scanned_events(events).items():
                assert np.array_equal(out.flags[event], flag), event
                checked.append(int(flag.sum()))
        return out

    monkeypatch.setattr(LifeEvents, "month_events", both)
    cfg = every_lever_config()
    model = CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, 0))
    events = model.location.events
    events.params = dataclasses.replace(events.params, event_window_months=3)
    model.run()
    assert len(checked) > 0 and sum(checked) > 0


def test_the_stable_order_from_one_sort_of_the_combined_key_equals_the_stable_argsort() -> None:
    rng = np.random.default_rng(9)
    for size in (0, 1, 5, 20_000):
        household = rng.integers(-1, max(size // 3, 1), size).astype(np.int32)
        out = stable_order(household)
        assert out.dtype == np.int32
        assert np.array_equal(out, np.argsort(household, kind="stable"))
    wide = rng.integers(0, 50, 1000).astype(np.int64)  # wider than int32: the argsort itself
    assert np.array_equal(stable_order(wide), np.argsort(wide, kind="stable"))
