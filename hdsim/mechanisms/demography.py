"""Demography: ageing, deaths, births, and individuals leaving and returning to the county.

Rules, applied every month to all persons at once:

- **Ageing.** A person gains a year in the month of its birth.
- **Deaths.** Each living person dies with the monthly probability ``1 - (1 - q)^(1/12)``, where
  ``q`` is the annual probability of ``demography.csv`` for its age and sex (times
  ``mortality_multiplier``).
- **Births.** Each resident woman of 15-49 gives birth with the monthly rate ``f / 12`` from
  ``demography.csv`` (times ``fertility_multiplier`` and the yearly ``fertility_trend``). The
  child joins the mother's household and takes her hukou.
- **Leaving the county.** A resident aged 16-34 leaves to work outside (``away``) with the
  yearly probability ``departure_rate``, times ``employed_departure_factor`` (a half) for those
  who hold a job in the county. This is the individual migration behind the fall of the
  county's resident population between the 2010 and 2020 censuses.
- **Returning.** A person away returns with the yearly probability ``return_rate`` (times
  ``older_return_factor``, 3, from age 50), and a household living outside comes back with
  ``household_return_rate``.
- **Job prospects.** Both respond to the employment probability the labour market publishes
  for the home place, relative to the census month ``r``: departures are multiplied by
  ``r ** -job_response`` and returns by ``r ** job_response`` (Harris-Todaro at the county
  border: new jobs keep and bring people back).

Whole households also leave through the location choice (``hdsim.mechanisms.location``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hdsim.config.behaviour import DemographyParams
from hdsim.mechanisms.sampling import rare_events
from hdsim.population.moves import Relocation
from hdsim.state.county import CountyState

if TYPE_CHECKING:
    from hdsim.mechanisms.labour import LabourMarket

MAX_AGE = 110
OLDEST_THINNED = 85
"""Deaths of persons this old or older are drawn person by person (their risk is high)."""


def monthly(annual: np.ndarray | float) -> np.ndarray | float:
    """Monthly probability equivalent to an annual probability."""
    return 1.0 - (1.0 - np.clip(annual, 0.0, 1.0)) ** (1.0 / 12.0)


class Demography:
    """Vital events and individual migration of the county's persons.

    Attributes:
        state: The county state (persons, households, the census, flows, policy effects).
        params: Demographic parameters.
        labour: The labour market: jobs end at retirement, death and departure, and its
            employment prospects move departures and returns.
        relocation: Moves the households that come back from outside.
        death_q: Monthly death probability by sex (0 male, 1 female) and single year of age.
        birth_f: Monthly birth rate per woman by single year of age.
        birthdays: Person rows born in each calendar month (index 0 = January).
        oldest: Rows of persons who have reached ``OLDEST_THINNED`` (the dead are dropped when
            met), whose deaths are drawn person by person.
    """

    def __init__(
        self,
        state: CountyState,
        rates: pd.DataFrame,
        params: DemographyParams,
        rng: np.random.Generator,
        labour: LabourMarket,
        relocation: Relocation,
    ) -> None:
        """Build single-year rate tables from ``demography.csv``.

        Args:
            state: The county state whose persons this mechanism changes.
            rates: ``demography.csv`` (age_lo, age_hi, sex, mortality, fertility).
            params: Demographic parameters.
            rng: The mechanism's own random stream.
            labour: The labour market (jobs and employment prospects).
            relocation: Moves households returning from outside.
        """
        self.state = state
        self.params = params
        self.rng = rng
        self.labour = labour
        self.relocation = relocation
        table = rates
        self.death_q = np.zeros((2, MAX_AGE + 1))
        self.birth_f = np.zeros(MAX_AGE + 1)
        for row in table.itertuples(index=False):
            ages = slice(int(row.age_lo), min(int(row.age_hi), MAX_AGE) + 1)
            sex = 1 if row.sex == "female" else 0
            self.death_q[sex, ages] = monthly(float(row.mortality) * params.mortality_multiplier)
            if sex == 1:
                self.birth_f[ages] = float(row.fertility) / 12.0 * params.fertility_multiplier
        n = state.persons.n
        months = state.persons.birth_month[:n]
        order = np.argsort(months, kind="stable")
        bounds = np.searchsorted(months[order], np.arange(1, 14))
        self.birthdays = [order[bounds[i] : bounds[i + 1]] for i in range(12)]
        self.oldest = np.flatnonzero(state.persons.age[:n] >= OLDEST_THINNED)
        last = int(table["age_hi"].max())
        if last < MAX_AGE:
            self.death_q[:, last + 1 :] = self.death_q[:, [last]]
        self.death_q[:, MAX_AGE] = 1.0

    def step(self) -> None:
        """Apply one month of ageing, deaths, births, departures and returns.

        Uses the census taken at the end of the previous month for who is resident; events
        are drawn by thinning (:mod:`hdsim.mechanisms.sampling`), as exact Bernoulli draws.
        """
        self._age()
        self._deaths()
        self._births()
        self._departures()
        self._returns()

    # -- rules ---------------------------------------------------------------------------------

    def _age(self) -> None:
        p = self.state.persons
        month = self.state.clock.calendar_month - 1
        birthday = self.birthdays[month]
        p.age[birthday] = np.minimum(p.age[birthday] + 1, MAX_AGE)
        self.state.residence.aged(birthday)
        self.oldest = np.r_[self.oldest, birthday[p.age[birthday] == OLDEST_THINNED]]
        self.labour.retire(birthday[p.alive[birthday]])

    def _deaths(self) -> None:
        m = self.state
        p = m.persons
        n = p.n
        old = OLDEST_THINNED
        bound = float(self.death_q[:, :old].max())

        def q(rows: np.ndarray) -> np.ndarray:
            return np.where(
                p.alive[rows] & (p.age[rows] < old),
                self.death_q[p.female[rows].astype(np.intp), p.age[rows]],
                0.0,
            )

        young = rare_events(n, bound, q, self.rng)
        self.oldest = self.oldest[p.alive[self.oldest]]
        oldest = self.oldest
        q_old = self.death_q[p.female[oldest].astype(np.intp), p.age[oldest]]
        dead = np.concatenate([young, oldest[self.rng.random(oldest.size) < q_old]])
        if dead.size == 0:
            return
        census = m.census
        resident = census.resident[dead]
        m.flows.add("deaths", census.person_place[dead[resident]])
        p.alive[dead] = False
        m.residence.recount(dead)
        self.labour.release(dead)

    def _births(self) -> None:
        m = self.state
        p = m.persons
        n = m.census.resident.size
        trend = (1.0 + self.params.fertility_trend) ** m.clock.years
        rates = self.birth_f * trend
        resident = m.census.resident

        def f(rows: np.ndarray) -> np.ndarray:
            at_risk = resident[rows] & p.female[rows] & p.alive[rows]
            return np.where(at_risk, rates[p.age[rows]], 0.0)

        mothers = rare_events(n, float(rates.max()), f, self.rng)
        k = mothers.size
        if k == 0:
            return
        rows = p.append(k)
        p.age[rows] = 0
        p.birth_month[rows] = m.clock.calendar_month
        month = m.clock.calendar_month - 1
        self.birthdays[month] = np.r_[self.birthdays[month], np.arange(rows.start, rows.stop)]
        p.female[rows] = self.rng.random(k) < self.params.female_birth_share
        p.household[rows] = p.household[mothers]
        p.hukou_urban[rows] = p.hukou_urban[mothers]
        p.collective[rows] = p.collective[mothers]
        p.place[rows] = p.place[mothers]
        p.away[rows] = False
        p.alive[rows] = True
        p.employer[rows] = -1
        m.flows.add("births", m.census.person_place[mothers])

    def _departures(self) -> None:
        m = self.state
        p = m.persons
        census = m.census
        n = census.resident.size
        rate = float(monthly(self.params.departure_rate * m.effects.departure_multiplier))
        employed = self.params.employed_departure_factor

        def leave(rows: np.ndarray) -> np.ndarray:
            age = p.age[rows]
            at_risk = (
                census.resident[rows] & p.alive[rows] & ~p.away[rows] & (age >= 16) & (age <= 34)
            )
            return at_risk * np.where(p.employer[rows] >= 0, employed * rate, rate)

        leaving = rare_events(n, rate, leave, self.rng)
        if leaving.size == 0:
            return
        m.flows.add("departures", census.person_place[leaving])
        m.flows.migration["leave_county_individuals"] += leaving.size
        p.away[leaving] = True
        m.residence.recount(leaving)
        self.labour.release(leaving)

    def _returns(self) -> None:
        m = self.state
        p = m.persons
        census = m.census
        n = census.resident.size
        outside = m.geo.outside
        rate = float(monthly(self.params.return_rate * m.effects.return_multiplier))

        response = self.params.job_response
        older = self.params.older_return_factor
        labour = self.labour

        def back(rows: np.ndarray) -> np.ndarray:
            places = census.person_place[rows]
            at_risk = p.away[rows] & p.alive[rows] & (places != outside)
            prospects = labour.job_prospects(np.where(at_risk, places, 0)) ** response
            return at_risk * np.where(p.age[rows] >= 50, older * rate, rate) * prospects

        best = float(np.max(labour.job_prospects(np.arange(m.geo.n_places)) ** response))
        returning = rare_events(n, older * rate * best, back, self.rng)
        if returning.size:
            p.away[returning] = False
            m.residence.recount(returning)
            m.flows.add("arrivals", census.person_place[returning])
            m.flows.migration["return_individuals"] += returning.size
        # whole households living outside come back to their home place
        h = m.households
        rate_h = float(monthly(self.params.household_return_rate))
        coming = rare_events(h.n, rate_h, lambda r: rate_h * (h.place[r] == outside), self.rng)
        if coming.size:
            moved = self.relocation.move(coming, h.origin[coming])
            m.flows.migration["return_households"] += float(moved.sum())
