"""The member index merged incrementally equals a full stable sort of the persons by household."""

from __future__ import annotations

import numpy as np
from conftest import county_data
from test_census import every_lever_config

from hdsim.model.model import CountyModel
from hdsim.run import run_seed
from hdsim.state.members import MemberIndex
from hdsim.state.tables import PersonTable


def assert_index_equals_full_sort(index: MemberIndex) -> None:
    hh = index.persons.household[: index.persons.n]
    order = np.argsort(hh, kind="stable")
    np.testing.assert_array_equal(index.order, order)
    starts = np.searchsorted(hh[order], np.arange(index.n_households + 1))
    np.testing.assert_array_equal(index.starts, starts)


def test_every_rebuild_of_a_run_with_every_lever_on_equals_a_full_stable_sort(monkeypatch):
    """Marriages, splits, returners and in-migrants all reach the index; order is unchanged."""
    rebuild = MemberIndex.rebuild
    checked = []

    def checked_rebuild(self: MemberIndex) -> None:
        rebuild(self)
        assert_index_equals_full_sort(self)
        checked.append(self.n_indexed)

    monkeypatch.setattr(MemberIndex, "rebuild", checked_rebuild)
    cfg = every_lever_config()
    model = CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, 0))
    model.run()
    assert len(checked) > 2 and checked[-1] > checked[0]  # rebuilt as the population grew


def test_merging_moved_and_appended_rows_gives_the_full_sort_order():
    """Rows that changed household (either way) and appended rows land where a sort puts them."""
    rng = np.random.default_rng(3)
    persons = PersonTable(40, capacity=64)
    persons.household[:40] = np.sort(rng.integers(0, 12, 40))
    index = MemberIndex(persons, 14)
    moved = np.array([0, 5, 17, 39])
    persons.household[moved] = [11, 0, 13, 2]
    index.reassign(moved)
    born = persons.append(6)
    persons.household[born] = [3, 13, 0, 12, 3, 7]
    before = index.members(np.array([0, 3, 13]))
    index.rebuild()
    assert_index_equals_full_sort(index)
    after = index.members(np.array([0, 3, 13]))
    assert sorted(before.tolist()) == sorted(after.tolist())  # same members, indexed now


def test_households_counted_in_without_members_get_empty_segments():
    """Households added by raising ``n_households`` (as in-migration does) index as empty."""
    persons = PersonTable(6, capacity=16)
    persons.household[:6] = [0, 0, 1, 2, 2, 2]
    index = MemberIndex(persons, 3)
    index.n_households = 5
    index.rebuild()
    assert_index_equals_full_sort(index)
    assert index.members(np.array([3, 4])).size == 0
    np.testing.assert_array_equal(index.members(np.array([2])), [3, 4, 5])


def test_reserve_rebuilds_exactly_when_the_next_lookup_would(monkeypatch):
    """``reserve(k)`` counts what a lookup counts (appended and moved rows, plus the k to
    come): a caller that appends k rows and re-points them afterwards (returners settling)
    never meets a rebuild in between. Counting only appended rows missed the moved ones,
    and a full-scale run's index then lost 652 persons of re-pointed returners."""
    monkeypatch.setattr(MemberIndex, "REBUILD_TAIL", 10)
    persons = PersonTable(40, capacity=128)
    persons.household[:40] = np.repeat(np.arange(10), 4)
    index = MemberIndex(persons, 10)
    moved = np.arange(0, 24, 4)  # six rows change household: tail 6
    persons.household[moved] = 9
    index.reassign(moved)
    index.reserve(3)  # 6 + 3 <= 10: no rebuild yet
    assert index.moved.size == 6 and index.n_indexed == 40
    index.reserve(5)  # 6 + 5 > 10, although 0 appended + 5 <= 10
    assert index.moved.size == 0 and index.n_indexed == 40
    assert_index_equals_full_sort(index)
