"""The model's cheaper kernels give what a full scan of every person or household gives.

Each kernel that selects or counts from a subset (or keeps a count up to date) is checked,
at every call of a run with every lever on, against the scan it replaced.
"""

from __future__ import annotations

import numpy as np
from conftest import county_data
from test_census import every_lever_config

from hdsim.mechanisms.hazards import EVENTS, LifeEvents, MonthEvents
from hdsim.mechanisms.services import PublicServiceQuality
from hdsim.model.model import CountyModel
from hdsim.run import run_seed


def scanned_events(events: LifeEvents) -> dict[str, np.ndarray]:
    """The month's event flags by a scan of every person (the formula before the kernel)."""
    m = events.state
    p = m.persons
    n, nh = p.n, m.households.n
    par = events.params
    since = (m.clock.calendar_month - p.birth_month[:n].astype(np.int64)) % 12
    present = p.alive[:n] & ~p.away[:n]
    recent = present & (since < int(par.event_window_months))
    age = p.age[:n]
    reached = {
        "school_entry": recent & (age == par.school_entry_age),
        "junior_middle": recent & (age == par.junior_middle_age),
        "birth": recent & (age == 0),
        "retirement": recent & (age == events.retirement_age),
    }
    lost = np.concatenate([r for _, r in events._job_losses]).astype(np.int64)
    lost = lost[present[lost]]
    out = {}
    for event in EVENTS:
        flag = np.zeros(nh, dtype=bool)
        rows = p.household[:n][lost] if event == "job_loss" else p.household[:n][reached[event]]
        flag[rows] = True
        out[event] = flag
    return out


def test_life_events_from_the_persons_at_event_ages_equal_a_scan_of_every_person(monkeypatch):
    """Every month of a run with every lever on: the same households have each event, and the
    same relative risks to the last bit (the factors multiplied in the events' order)."""
    kept = LifeEvents.month_events
    checked: list[int] = []

    def both(events: LifeEvents) -> MonthEvents:
        fresh = events._current is None or events._current.month != events.state.clock.steps
        out = kept(events)
        if fresh:
            scan = scanned_events(events)
            rr = np.ones(events.state.households.n)
            for event in EVENTS:
                np.testing.assert_array_equal(out.flags[event], scan[event], err_msg=event)
                rr[scan[event]] *= events.factors[event]
            np.testing.assert_array_equal(out.relative_risk, rr)  # bit for bit
            checked.append(int(sum(flag.sum() for flag in scan.values())))
        return out

    monkeypatch.setattr(LifeEvents, "month_events", both)
    cfg = every_lever_config()
    model = CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, 0))
    model.run()
    assert len(checked) >= model.steps  # computed once a month
    assert sum(checked) > 0  # households had events


def scanned_pupils(services: PublicServiceQuality) -> np.ndarray:
    """Resident pupils by place by a scan of every person (the count before the kernel)."""
    st = services.state
    p = st.persons
    n = p.n
    age = p.age[:n]
    pupil = (age >= services.params.pupil_age_min) & (age <= services.params.pupil_age_max)
    pupil &= p.alive[:n] & ~p.away[:n]
    counts = np.bincount(p.place[:n][pupil], minlength=st.geo.n_places)
    counts[st.geo.outside] = 0
    return counts


def test_maintained_pupils_by_place_equal_a_scan_at_every_read_with_every_lever_on(monkeypatch):
    """Moves, births, deaths, departures, returns, arrivals and birthdays keep the count exact.

    Checked at every read (the services step each month) and after every step (the census
    test's moment), so that a change of any choke point between reads is caught too.
    """
    kept = PublicServiceQuality.pupils_by_place
    reads: list[int] = []

    def both(services: PublicServiceQuality) -> np.ndarray:
        out = kept(services)
        np.testing.assert_array_equal(out, scanned_pupils(services))
        reads.append(int(out.sum()))
        return out

    monkeypatch.setattr(PublicServiceQuality, "pupils_by_place", both)
    cfg = every_lever_config()
    model = CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, 0))
    first = kept(model.services)
    while model.running:
        model.step()
        np.testing.assert_array_equal(kept(model.services), scanned_pupils(model.services))
    assert len(reads) >= model.steps
    assert min(reads) > 0
    assert not np.array_equal(kept(model.services), first)  # pupils moved, aged, were born
