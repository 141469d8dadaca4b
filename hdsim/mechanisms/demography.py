"""Demography: ageing, deaths, births, and individuals leaving and returning to the county.

Rules, applied every month to all persons at once:

- **Ageing.** A person gains a year in the month of its birth.
- **Deaths.** Each living person dies with the monthly probability ``1 - (1 - q)^(1/12)``, where
  ``q`` is the annual probability of ``demography.csv`` for its age and sex (times
  ``mortality_multiplier``).
- **Births.** Each resident woman of 15-49 gives birth with the monthly rate ``f / 12`` from
  ``demography.csv`` (times ``fertility_multiplier`` and the yearly ``fertility_trend``). The
  trend stops at the total fertility rate ``tfr_floor`` (it never lifts fertility above its
  census level). The child joins the mother's household and takes her hukou.
- **Leaving the county.** A resident aged 16-34 leaves to work outside (``away``) with the
  yearly probability ``departure_rate``, times ``employed_departure_factor`` (a half) for those
  who hold a job in the county. This is the individual migration behind the fall of the
  county's resident population between the 2010 and 2020 censuses.
- **Returning.** A person away returns with the yearly probability ``return_rate`` (times
  ``older_return_factor``, 3, from age 50), and a household living outside comes back with
  ``household_return_rate``.
- **Where returners live.** A returner aged ``returner_choice_min_age`` or more chooses among
  the county city, the seat of their home township and their home village, by the location
  choice's own utility (:class:`hdsim.mechanisms.location.LocationChoice`, called for a
  one-person household coming from outside, so that the moving terms are the same for the
  three places; leaving again is not among the choices, and the seats and the county city
  turn returners away when they have no vacant dwelling). A returner who chooses the place
  where their household lives rejoins it; one who chooses another place forms a household of
  their own there (with the household's home village and hukou, no farmland). Younger
  returners rejoin their household.
- **Job prospects.** Both respond to the employment probability the labour market publishes
  for the home place, relative to the census month ``r``: departures are multiplied by
  ``r ** -job_response`` and returns by ``r ** job_response`` (Harris-Todaro at the county
  border: new jobs keep and bring people back).

Whole households also leave through the location choice (``hdsim.mechanisms.location``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hdsim.config.behaviour import DemographyParams
from hdsim.mechanisms.sampling import rare_events
from hdsim.population.moves import Relocation
from hdsim.state.county import CountyState
from hdsim.state.places import PlaceKind

if TYPE_CHECKING:
    from hdsim.mechanisms.labour import LabourMarket
    from hdsim.mechanisms.location import LocationChoice

MAX_AGE = 110
OLDEST_THINNED = 85
"""Deaths of persons this old or older are drawn person by person (their risk is high)."""
RETURNER_DRAWS = 50
"""Draws of a returner's choice before the draws of staying outside give way to the fallback."""


class RowsByMonth:
    """Person rows of each calendar month (the birthdays), appended to without copying.

    Each month's rows sit at the front of a buffer with spare room that doubles when full, so
    appending k rows costs O(k), where a concatenation copied the month's ~66,000 rows (at
    full scale ~28 times a month: births, transfers, in-migrants; ~2.5 ms a month). Reading a
    month gives its rows in the order they were appended, as the concatenations did.
    """

    def __init__(self, groups: list[np.ndarray]) -> None:
        """Start from the rows of each month (index 0 = January)."""
        self._size = [int(g.size) for g in groups]
        self._rows = []
        for g in groups:
            buffer = np.empty(max(16, 2 * g.size), dtype=np.int64)
            buffer[: g.size] = g
            self._rows.append(buffer)

    def __len__(self) -> int:
        """Months held (12)."""
        return len(self._rows)

    def __getitem__(self, month: int) -> np.ndarray:
        """Rows of calendar month ``month + 1``, oldest first (a view: do not keep it)."""
        return self._rows[month][: self._size[month]]

    def __iter__(self) -> Iterator[np.ndarray]:
        """Rows of each month, January first."""
        return (self[m] for m in range(len(self)))

    def append(self, month: int, rows: np.ndarray) -> None:
        """Add ``rows`` after the rows of calendar month ``month + 1``."""
        size, k = self._size[month], int(rows.size)
        buffer = self._rows[month]
        if size + k > buffer.size:
            grown = np.empty(max(2 * buffer.size, size + k), dtype=np.int64)
            grown[:size] = buffer[:size]
            self._rows[month] = buffer = grown
        buffer[size : size + k] = rows
        self._size[month] = size + k


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
        returners: The location choice returners choose with (its own instance, drawing from
            this mechanism's stream), or None: every returner rejoins their household.
        tfr0: Total fertility rate at the census (births per woman).
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
        returners: LocationChoice | None = None,
    ) -> None:
        """Build single-year rate tables from ``demography.csv``.

        Args:
            state: The county state whose persons this mechanism changes.
            rates: ``demography.csv`` (age_lo, age_hi, sex, mortality, fertility).
            params: Demographic parameters.
            rng: The mechanism's own random stream.
            labour: The labour market (jobs and employment prospects).
            relocation: Moves households returning from outside.
            returners: Location choice of returners (see the attribute).
        """
        self.state = state
        self.params = params
        self.rng = rng
        self.labour = labour
        self.relocation = relocation
        self.returners = returners
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
        self.birthdays = RowsByMonth([order[bounds[i] : bounds[i + 1]] for i in range(12)])
        self.oldest = np.flatnonzero(state.persons.age[:n] >= OLDEST_THINNED)
        last = int(table["age_hi"].max())
        if last < MAX_AGE:
            self.death_q[:, last + 1 :] = self.death_q[:, [last]]
        self.death_q[:, MAX_AGE] = 1.0
        self.tfr0 = float(self.birth_f.sum() * 12.0)

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

    def fertility_factor(self, years: float) -> float:
        """Fertility relative to the census ``years`` after it: the trend, down to the floor.

        The floor is ``tfr_floor / tfr0`` (never above 1: a floor does not raise fertility).
        """
        trend = (1.0 + self.params.fertility_trend) ** years
        floor = min(1.0, self.params.tfr_floor / max(self.tfr0, 1e-12))
        return float(max(trend, floor))

    def register(self, rows: np.ndarray) -> None:
        """Make appended person rows age on their birthdays (and the oldest die one by one)."""
        p = self.state.persons
        months = p.birth_month[rows].astype(np.intp) - 1
        for month in np.unique(months):
            self.birthdays.append(int(month), rows[months == month])
        self.oldest = np.r_[self.oldest, rows[p.age[rows] >= OLDEST_THINNED]]

    def transfer(self, rows: np.ndarray, households: np.ndarray) -> np.ndarray:
        """Move persons ``rows`` into ``households`` (a person never changes its row's household).

        Each person continues as a new row of its new household (same age, sex, hukou, job);
        the old row is closed (``alive`` false) without a death. Flows count a resident who
        changes place as a departure and an arrival.

        Args:
            rows: Person rows (alive).
            households: New household of each.

        Returns:
            The new person rows.
        """
        m = self.state
        p = m.persons
        h = m.households
        rows = np.asarray(rows, dtype=np.int64)
        households = np.asarray(households, dtype=np.int64)
        k = rows.size
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        old_place = p.place[rows].astype(np.int64)
        was_resident = ~p.away[rows] & (old_place != m.geo.outside)
        new = p.append(k)
        out = np.arange(new.start, new.stop, dtype=np.int64)
        for name in p.COLUMNS:  # the same person: every attribute, then the new household
            p.column(name)[out] = p.column(name)[rows]
        p.household[out] = households
        p.place[out] = h.place[households]
        p.collective[out] = h.collective[households]
        p.alive[out] = True
        p.alive[rows] = False
        p.employer[rows] = -1
        m.residence.recount(rows)  # the closed rows; the new ones are counted as appended rows
        self.register(out)
        now_resident = ~p.away[out] & (p.place[out] != m.geo.outside)
        moved = p.place[out] != old_place
        m.flows.add("departures", old_place[was_resident & moved])
        m.flows.add("arrivals", p.place[out][now_resident & moved].astype(np.int64))
        self.relocation.drop_far_jobs(out, p.place[out].astype(np.int64))
        return out

    def _births(self) -> None:
        m = self.state
        p = m.persons
        n = m.census.resident.size
        rates = self.birth_f * self.fertility_factor(m.clock.years)
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
        self.birthdays.append(month, np.arange(rows.start, rows.stop))
        p.female[rows] = self.rng.random(k) < self.params.female_birth_share
        p.household[rows] = p.household[mothers]
        p.hukou_urban[rows] = p.hukou_urban[mothers]
        p.hukou_township[rows] = p.hukou_township[mothers]  # registered where the mother is
        p.origin[rows] = p.origin[mothers]
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
            m.flows.migration["return_individuals"] += returning.size
            choosing = returning[p.age[returning] >= self.params.returner_choice_min_age]
            if self.returners is None:
                choosing = choosing[:0]
            rejoining = np.setdiff1d(returning, choosing, assume_unique=True)
            p.away[rejoining] = False
            m.residence.recount(rejoining)
            m.flows.add("arrivals", census.person_place[rejoining])
            if choosing.size:
                self.settle_returners(choosing)
        # whole households living outside come back to their home place
        h = m.households
        rate_h = float(monthly(self.params.household_return_rate))
        coming = rare_events(h.n, rate_h, lambda r: rate_h * (h.place[r] == outside), self.rng)
        if coming.size:
            moved = self.relocation.move(coming, h.origin[coming])
            m.flows.migration["return_households"] += float(moved.sum())

    def settle_returners(self, rows: np.ndarray) -> None:
        """Returners ``rows`` choose where to live; those not rejoining form a household.

        Each returner is evaluated as a one-person household living outside the county, with
        the alternatives county city and the seat of its home township (the home village is
        the choice's own 'home village' alternative); a draw of staying outside is drawn
        again (the conditional logit over the three places). The seats and the county city
        turn away returners beyond their vacant dwellings; those go to their home village
        (or rejoin their household when it has none).
        """
        m = self.state
        p = m.persons
        h = m.households
        geo = m.geo
        members = m.members
        parent = p.household[rows].astype(np.int64)
        origin = h.origin[parent].astype(np.int64)
        k = rows.size
        members.reserve(k)  # no rebuild may happen while the new rows are re-pointed
        first = h.n
        new = h.append(k)
        homes = np.arange(new.start, new.stop, dtype=np.int64)
        for name in h.COLUMNS:
            h.column(name)[homes] = h.DEFAULTS.get(name, 0)
        h.place[homes] = geo.outside
        h.origin[homes] = origin
        h.homestead[homes] = h.homestead[parent] & (geo.kind[origin] == PlaceKind.VILLAGE)
        h.hukou_urban[homes] = p.hukou_urban[rows]
        members.add_households(k)
        persons = self.transfer(rows, homes)
        p.away[persons] = False
        fallback = np.where(geo.kind[origin] == PlaceKind.VILLAGE, origin, h.place[parent])
        dest = self.choose_returner_places(homes, fallback, h.place[parent].astype(np.int64))
        rejoin = dest == h.place[parent]
        # returners choosing where their household lives go back into it
        back = persons[rejoin]
        p.household[back] = parent[rejoin]
        p.place[back] = h.place[parent[rejoin]]
        m.flows.add("arrivals", p.place[back].astype(np.int64))
        # the others keep their new household: compact the rows, then move them in
        keep = np.flatnonzero(~rejoin)
        kept = first + np.arange(keep.size)
        for name in h.COLUMNS:
            column = h.column(name)
            column[kept] = column[homes[keep]]
        p.household[persons[keep]] = kept
        h.n = first + keep.size
        members.drop_households(k - keep.size)
        if keep.size:
            np.add.at(m.households_by_origin, (origin[keep], geo.outside), 1)
            self.relocation.move(kept, dest[keep])

    def choose_returner_places(
        self, homes: np.ndarray, fallback: np.ndarray, household_place: np.ndarray
    ) -> np.ndarray:
        """Place each returner household chooses: county city, own seat or home village.

        Args:
            homes: One-person households of the returners, living outside.
            fallback: Where each goes when turned away (home village, or its household's place).
            household_place: Where the household each returner belongs to lives (rejoining it
                needs no dwelling).

        Returns:
            The chosen place of each.
        """
        chooser = self.returners
        assert chooser is not None
        m = self.state
        geo = m.geo
        origin = m.households.origin[homes].astype(np.int64)
        township = geo.township[origin]
        seat = geo.seat_of[np.maximum(township, 0)]
        dest = fallback.copy()
        saved = chooser.alternatives
        chooser.prepare()
        city = geo.county_city
        # the county city and the seat (one alternative where they coincide or no township)
        two = (township >= 0) & (seat != city)
        pair = np.sort(np.c_[np.full(homes.size, city), seat][two], axis=1).astype(np.int64)
        try:
            for paired, places in ((True, pair), (False, np.array([city], dtype=np.int64))):
                group = np.flatnonzero(two == paired)
                if group.size:
                    chooser.alternatives = places
                    alt, weight = chooser.choice_weights(homes[group])
                    picked, chosen = chooser.draw_until_in_county(alt, weight, RETURNER_DRAWS)
                    dest[group[chosen]] = picked[chosen]
            settled = (dest != fallback) & (dest != household_place)
            rationed = dest.copy()
            rationed[settled] = chooser.ration(homes[settled], dest[settled])
        finally:
            chooser.alternatives = saved
        return np.where(rationed == geo.outside, fallback, rationed)
