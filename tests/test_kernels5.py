"""Round 5 of the kernels: each cheaper computation equals the one it replaced, bit for bit.

Every check runs at every call of a short run with every lever on (scale 0.03), against the
formula or full scan the kernel replaced, and asserts that the check was exercised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import county_data
from test_census import every_lever_config

from hdsim.mechanisms.location import LocationChoice
from hdsim.model.model import CountyModel
from hdsim.run import run_seed


def consider_rate_by_household(location: LocationChoice) -> float:
    """The mean yearly consider rate computed household by household (the formula before)."""
    rows = location.candidates()
    if rows.size == 0:
        return 0.0
    p = np.minimum(location.consider_probability() * location.events.relative_risk(rows), 1.0)
    return float(np.mean(1.0 - (1.0 - p) ** 12))


def run_checked(
    monkeypatch: pytest.MonkeyPatch, owner: type, name: str, reference: Callable[[Any], Any]
) -> tuple[CountyModel, list[Any]]:
    """Run the every-lever model with ``owner.name`` checked against ``reference`` each call.

    Returns:
        The finished model and the values the method returned, in order.
    """
    kept = getattr(owner, name)
    values: list[Any] = []

    def both(obj: Any) -> Any:
        out = kept(obj)
        assert out == reference(obj)
        values.append(out)
        return out

    monkeypatch.setattr(owner, name, both)
    cfg = every_lever_config()
    model = CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, 0))
    model.run()
    return model, values


def test_mean_consider_rate_from_the_event_codes_equals_the_household_formula_bit_for_bit(
    monkeypatch,
):
    """Rates computed once per combination of events and gathered give the same mean to the
    last bit as rates computed per household, every month, households added since the
    month's events included."""
    model, rates = run_checked(
        monkeypatch, LocationChoice, "mean_consider_rate", consider_rate_by_household
    )
    assert len(rates) >= model.steps
    base = 1.0 - (1.0 - model.location.consider_probability()) ** 12
    assert max(rates) > base  # households had events that raised their rate


def registration_by_scan(model: CountyModel) -> dict[str, float]:
    """Residents registered elsewhere by a scan of every person (the recorder's formula before)."""
    census = model.state.census
    resident, place = census.resident, census.person_place
    n = resident.size
    p = model.persons
    home = p.hukou_township[:n]
    origin = p.origin[:n]
    here = model.geo.township[place]
    elsewhere = (home != here) & (home >= 0) & (origin == 0) & resident
    w = model.weight
    return {
        "residents_away_from_hukou_township": float(np.count_nonzero(elsewhere) * w),
        "residents_from_other_counties_of_province": float(
            np.count_nonzero(resident & (origin == 1)) * w
        ),
        "residents_from_other_provinces": float(np.count_nonzero(resident & (origin == 2)) * w),
    }


def test_registration_counts_kept_by_every_recount_equal_a_scan_of_every_person_each_month(
    monkeypatch,
):
    """Moves, births, deaths, departures, returns and arrivals (every lever on) keep the
    residents by place and registration exact: the recorded 人户分离 figures equal a scan of
    every person at every record, and the maintained table equals a fresh one after the run."""
    from hdsim.model.recorder import Recorder
    from hdsim.state.census import Residence

    model, seen = run_checked(
        monkeypatch, Recorder, "_registration", lambda rec: registration_by_scan(rec.model)
    )
    assert len(seen) == model.steps + 1
    assert seen[-1]["residents_from_other_provinces"] > seen[0]["residents_from_other_provinces"]
    assert len({s["residents_away_from_hukou_township"] for s in seen}) > 1  # people moved
    st = model.state
    fresh = Residence(st.persons, st.geo.n_places, st.geo.outside, st.retirement_age)
    table = fresh.track_registration(st.geo.n_townships).by_place
    np.testing.assert_array_equal(st.residence.registration_now().by_place, table)
