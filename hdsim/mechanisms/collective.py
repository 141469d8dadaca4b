"""Collective households renew: boarders and dormitory workers enter and leave by age.

Collective households (集体户: school dormitories, works dormitories) hold about 15,000 persons
at the census, most of them pupils and students of 12-24. Left alone they age in place and the
stock dwindles as its students grow up, although younger cohorts are larger. The rule here
keeps, for every single year of age, the share of residents living in collective households
that the census gives (measured at t0 by five-year age group):

- every school year (September), for each age ``a`` the target is
  ``share(a) * residents(a)`` (rounded at random to a whole person);
- collective residents beyond the target **leave**: each joins a family household (the one it
  came from if it entered during the run, otherwise a resident family household of the county
  drawn at random);
- family residents short of the target **enter**: drawn at random among the family residents
  of that age, each joins a collective household drawn in proportion to its t0 size.

So with constant cohorts the collective stock is stationary, and otherwise it follows the age
structure of the county (a larger cohort of 10-14 year olds fills more boarding places five
years on). Persons move with :meth:`hdsim.mechanisms.demography.Demography.transfer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hdsim.mechanisms.services import SCHOOL_YEAR_MONTH
from hdsim.state.county import CountyState

if TYPE_CHECKING:
    from hdsim.mechanisms.demography import Demography

AGE_GROUP = 5
"""Width of the age groups over which the t0 collective shares are measured, years."""
MAX_AGE = 110


class CollectiveRenewal:
    """Entries into and exits from collective households by age, once a school year.

    Attributes:
        state: The county state.
        rng: The mechanism's own random stream.
        demography: Moves persons between households (``Demography.transfer``).
        share: Share of the residents of each single year of age living in collective
            households at t0.
        capacity: Weight of each collective household when entrants are placed (its t0 size).
        came_from: Family household each person row that entered a collective household came
            from (person row -> household row).
    """

    def __init__(
        self, state: CountyState, rng: np.random.Generator, demography: Demography
    ) -> None:
        """Measure the t0 collective share of every age group."""
        self.state = state
        self.rng = rng
        self.demography = demography
        resident, collective, age = self._residents()
        group = np.minimum(age // AGE_GROUP, MAX_AGE // AGE_GROUP)
        n_groups = MAX_AGE // AGE_GROUP + 1
        everyone = np.bincount(group[resident], minlength=n_groups)
        inside = np.bincount(group[resident & collective], minlength=n_groups)
        by_group = inside / np.maximum(everyone, 1)
        self.share = by_group[np.minimum(np.arange(MAX_AGE + 1) // AGE_GROUP, n_groups - 1)]
        h = state.households
        sizes = np.bincount(state.persons.household[: state.persons.n], minlength=h.n)
        self.capacity = np.where(h.collective[: h.n], sizes[: h.n], 0).astype(float)
        self.came_from: dict[int, int] = {}

    def _residents(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Living residents, collective membership and age of every person row now."""
        p = self.state.persons
        n = p.n
        resident = p.alive[:n] & ~p.away[:n] & (p.place[:n] != self.state.geo.outside)
        return resident, p.collective[:n].copy(), p.age[:n].astype(np.intp)

    def step(self) -> None:
        """In September, restore every age's collective share by entries and exits."""
        if self.state.clock.calendar_month == SCHOOL_YEAR_MONTH:
            self.renew()

    def targets(self, residents_by_age: np.ndarray) -> np.ndarray:
        """Collective residents wanted at each age (whole persons, rounded at random)."""
        expected = self.share[: residents_by_age.size] * residents_by_age
        whole = np.floor(expected)
        return (whole + (self.rng.random(expected.size) < expected - whole)).astype(np.int64)

    def renew(self) -> None:
        """Move persons in and out of collective households so each age meets its target."""
        resident, collective, age = self._residents()
        ages = MAX_AGE + 1
        target = self.targets(np.bincount(age[resident], minlength=ages))
        inside = np.bincount(age[resident & collective], minlength=ages)
        leaving, entering = [], []
        # the residents in and out of collectives by age, each age's rows ascending (one scan)
        pools = {}
        for side, rows in ((True, np.flatnonzero(resident & collective)),
                           (False, np.flatnonzero(resident & ~collective))):  # fmt: skip
            ages_of = age[rows].astype(np.int16)
            rows = rows[np.argsort(ages_of, kind="stable")]  # a radix sort for int16
            bounds = np.zeros(target.size + 1, dtype=np.int64)
            np.cumsum(np.bincount(ages_of, minlength=target.size)[: target.size], out=bounds[1:])
            pools[side] = (rows, bounds)
        for a in np.flatnonzero(target != inside):
            rows, bounds = pools[bool(inside[a] > target[a])]
            pool = rows[bounds[a] : bounds[a + 1]]
            if inside[a] > target[a]:
                leaving.append(self.rng.choice(pool, size=inside[a] - target[a], replace=False))
            else:
                take = min(int(target[a] - inside[a]), pool.size)
                entering.append(self.rng.choice(pool, size=take, replace=False))
        if leaving:
            self.leave(np.sort(np.concatenate(leaving)))
        if entering:
            self.enter(np.sort(np.concatenate(entering)))

    def leave(self, rows: np.ndarray) -> np.ndarray:
        """Collective residents ``rows`` join family households; returns their new rows."""
        st = self.state
        h = st.households
        p = st.persons
        counts = np.bincount(p.household[: p.n][p.alive[: p.n] & ~p.away[: p.n]], minlength=h.n)
        family = np.flatnonzero(
            ~h.collective[: h.n] & (h.place[: h.n] != st.geo.outside) & (counts[: h.n] > 0)
        )
        homes = family[self.rng.integers(0, family.size, size=rows.size)]
        for i, row in enumerate(rows):
            home = self.came_from.pop(int(row), -1)
            if home >= 0 and h.place[home] != st.geo.outside:
                homes[i] = home
        return self.demography.transfer(rows, homes)

    def enter(self, rows: np.ndarray) -> np.ndarray:
        """Family residents ``rows`` join collective households; returns their new rows."""
        st = self.state
        weights = self.capacity / self.capacity.sum()
        dorms = self.rng.choice(weights.size, size=rows.size, p=weights)
        homes = st.persons.household[rows].astype(np.int64)
        new = self.demography.transfer(rows, dorms)
        self.came_from.update(zip(new.tolist(), homes.tolist(), strict=True))
        return new
