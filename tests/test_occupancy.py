"""Occupied dwellings by place, kept up to date by the move path, equal a fresh count."""

from __future__ import annotations

import numpy as np
from conftest import county_data
from test_census import every_lever_config

from hdsim.model.model import CountyModel
from hdsim.run import run_seed


def fresh_count(model: CountyModel) -> np.ndarray:
    """Family households by place, counted from every household's place."""
    h = model.state.households
    family = ~h.collective[: h.n]
    return np.bincount(h.place[: h.n][family], minlength=model.state.geo.n_places)


def test_maintained_occupancy_equals_a_fresh_count_after_every_step_with_every_lever_on():
    """Relocations, marriages, splits, returners and in-migrants all keep the count exact."""
    cfg = every_lever_config()
    model = CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, 0))
    np.testing.assert_array_equal(model.state.family_households_by_place(), fresh_count(model))
    start = fresh_count(model)
    while model.running:
        model.step()
        np.testing.assert_array_equal(model.state.family_households_by_place(), fresh_count(model))
    assert not np.array_equal(fresh_count(model), start)  # households moved and formed


def test_maintained_occupancy_inside_the_county_is_exact_whenever_a_rule_reads_it(monkeypatch):
    """Every read during the month (rationing, prices, purchases) sees the places' exact count."""
    cfg = every_lever_config()
    model = CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, 0))
    state_type = type(model.state)
    kept = state_type.family_households_by_place
    reads: list[bool] = []

    def checked(state):  # type: ignore[no-untyped-def]
        out = kept(state)
        inside = np.arange(state.geo.n_places) != state.geo.outside
        h = state.households
        family = ~h.collective[: h.n]
        fresh = np.bincount(h.place[: h.n][family], minlength=state.geo.n_places)
        reads.append(bool(np.array_equal(out[inside], fresh[inside])))
        return out

    monkeypatch.setattr(state_type, "family_households_by_place", checked)
    while model.running:
        model.step()
    assert len(reads) > model.steps  # read more than once a month
    assert all(reads)
