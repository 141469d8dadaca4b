"""Moving hazards tied to life events: who considers a move this month, and how much more.

A family household considers moving each month with the probability

    monthly(consider_rate) x product of rr_e over the events e it had in the last window

where ``consider_rate`` is the *base hazard* (the yearly probability without any event) and
``rr_e`` the relative risk of event ``e`` (``behaviour.location.rr_*``). The events, each
counted for ``event_window_months`` (at most 12) after it happened, are read from arrays the
other steps already keep, not from a per-household history:

- ``school_entry``: a resident member reached ``school_entry_age`` (6; ``PersonTable.age``
  and ``birth_month`` give the months since the last birthday);
- ``junior_middle``: a resident member reached ``junior_middle_age`` (12, 小升初);
- ``birth``: a resident member is younger than the window (born in it);
- ``job_loss``: a resident member's job ended by separation in the window (the labour step's
  ``LabourMarket.separated``, kept here month by month);
- ``retirement``: a resident member reached the retirement age (``labour.retirement_age``).

Marriage is not an event here: a first marriage already founds a new household that makes its
own location choice in the family step (:mod:`hdsim.mechanisms.family`), so counting it again
would double it. Job losses before the census month are not known: the first window's job-loss
events count only the separations simulated since t0.

With every relative risk at 1 the hazard is the single rate of earlier versions, and the draws
are the same to the last bit (the thinning bound of :func:`hdsim.mechanisms.sampling.rare_events`
is the base probability times the product of the relative risks above 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdsim.config.behaviour import LocationParams
from hdsim.mechanisms.labour import LabourMarket
from hdsim.state.county import CountyState

EVENTS: tuple[str, ...] = ("school_entry", "junior_middle", "birth", "job_loss", "retirement")
"""The life events that raise a household's moving hazard, in the order of their factors."""

MONTHS = 12
"""Months of a year: the months since a person's last birthday are fewer."""


@dataclass(frozen=True)
class MonthEvents:
    """The life events of one month: which households had each, and their relative risk.

    Only the households' codes are collected; the flags and relative risks of every household
    are derived from them when read (the rules read the relative risk of a few rows).

    Attributes:
        month: Completed steps of the clock when the events were collected.
        code: Each household row's events as bits (bit ``e`` set: it had event ``e`` of
            :data:`EVENTS`).
        products: Relative risk of each code, the factors multiplied in the events' order.
    """

    month: int
    code: np.ndarray
    products: np.ndarray

    @property
    def flags(self) -> dict[str, np.ndarray]:
        """For each event of :data:`EVENTS`, whether each household row had it in the window."""
        return {event: (self.code >> bit & 1).astype(bool) for bit, event in enumerate(EVENTS)}

    @property
    def relative_risk(self) -> np.ndarray:
        """Product of the relative risks of each household row's events."""
        return self.products[self.code]

    def codes(self, rows: np.ndarray) -> np.ndarray:
        """Event code of the household ``rows`` (0, no event, for rows added since)."""
        if rows.size == 0 or rows.max() < self.code.size:
            return self.code[rows]
        if self.code.size == 0:
            return np.zeros(rows.size, dtype=self.code.dtype)
        out = self.code.take(rows, mode="clip")  # one gather; the rows added since read 0
        out[rows >= self.code.size] = 0
        return out


class LifeEvents:
    """The events of the last months that multiply each household's moving hazard.

    Attributes:
        state: The county state (persons, households, clock).
        params: Location parameters (base hazard, relative risks, window, school ages).
        labour: The labour market, whose month's separations are job losses.
        retirement_age: Age at which workers retire (``behaviour.labour.retirement_age``).
    """

    def __init__(self, state: CountyState, params: LocationParams, labour: LabourMarket) -> None:
        """Bind the events to the state and to the labour market's separations."""
        self.state = state
        self.params = params
        self.labour = labour
        self.retirement_age = int(labour.params.retirement_age)
        self._job_losses: list[tuple[int, np.ndarray]] = []
        self._current: MonthEvents | None = None

    @property
    def factors(self) -> dict[str, float]:
        """Relative risk of each event (``behaviour.location.rr_<event>``)."""
        return {e: float(getattr(self.params, f"rr_{e}")) for e in EVENTS}

    def bound(self) -> float:
        """Largest relative risk any household can have: the product of the factors above 1."""
        out = 1.0
        for factor in self.factors.values():
            out *= max(factor, 1.0)
        return out

    def month_events(self) -> MonthEvents:
        """This month's events and relative risks (collected once a month, on first use).

        The labour step of the month has run, so its separations are recorded here; the
        location step calls this every month, which keeps the job-loss record complete.
        """
        steps = self.state.clock.steps
        if self._current is not None and self._current.month == steps:
            return self._current
        window = int(self.params.event_window_months)
        self._job_losses = [(s, r) for s, r in self._job_losses if steps - s < window]
        self._job_losses.append((steps, self.labour.separated))
        m = self.state
        p = m.persons
        n = p.n
        nh = m.households.n
        par = self.params
        ages = {
            "school_entry": par.school_entry_age,
            "junior_middle": par.junior_middle_age,
            "birth": 0,
            "retirement": self.retirement_age,
        }
        # Only persons at one of the event ages can have an event: select them first (one
        # pass over the ages), then test presence and the months since the birthday on them.
        age = p.age[:n]
        at_age = age == ages["school_entry"]
        for value in list(ages.values())[1:]:
            at_age |= age == value
        rows = np.flatnonzero(at_age)
        recent = p.alive[rows] > p.away[rows]  # alive and not away
        if window < MONTHS:  # a window of a year or more holds every last birthday
            since = (m.clock.calendar_month - p.birth_month[rows].astype(np.int64)) % MONTHS
            recent &= since < window
        rows = rows[recent]
        rows_age = age[rows]
        lost = np.concatenate([r for _, r in self._job_losses]).astype(np.int64)
        lost = lost[p.alive[lost] & ~p.away[lost]]
        home = p.household[rows]  # one gather for every event at an age
        code = np.zeros(nh, dtype=np.uint8)  # bit e set: the household had event e
        for bit, event in enumerate(EVENTS):
            hit = p.household[lost] if event == "job_loss" else home[rows_age == ages[event]]
            code[hit] |= np.uint8(1 << bit)
        # the relative risk of each combination of events, multiplied in the events' order
        factors = [self.factors[event] for event in EVENTS]
        combination = np.arange(1 << len(EVENTS))
        product = np.ones(combination.size)
        for bit, factor in enumerate(factors):  # each product multiplied in the events' order
            product[(combination >> bit & 1).astype(bool)] *= factor
        self._current = MonthEvents(steps, code, product)
        return self._current

    def relative_risk(self, rows: np.ndarray) -> np.ndarray:
        """Relative risk of the household ``rows`` this month (1 for rows added since)."""
        events = self.month_events()
        return events.products[events.codes(rows)]  # code 0 (risk 1) for rows added since
