"""Labour market: firms post jobs, hire residents within commuting reach, and set wages.

Firms (``firms.csv``: chain leaders and sector aggregates, each at a place) have a target
workforce that grows at their sector's trend plus what policies add. Each month:

1. workers past retirement age, or no longer resident, lose their job; others quit with the
   monthly ``separation_rate``;
2. each firm fills a share ``hire_efficiency`` of its vacancies; its hires are spread over the
   places where job seekers live, in proportion to ``seekers x exp(-distance / commute_km)``,
   and the seekers hired at a place are drawn at random;
3. wages grow at the yearly ``wage_growth`` (firm agents do this in their own ``step``).

For the location choice it publishes, for every place, the wage and the probability of
employment a worker living there can expect (Harris-Todaro): jobs within commuting reach
divided by working-age residents competing for them. Farm income (``farm_income_per_mu``)
is added by the location choice for households living near their land.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hdsim.config.behaviour import LabourParams
from hdsim.data.spec import SECTORS
from hdsim.mechanisms.sampling import rare_events
from hdsim.state.county import CountyState
from hdsim.state.firms import FirmTable, employ, firm_place, release
from hdsim.state.places import Geography

MANUFACTURING = np.array(
    [SECTORS.index(s) for s in ("coking_chemicals", "metal_castings", "other_manufacturing")]
)
"""Sector indices that specialised towns grow."""

KEY_BITS = 53
"""Bits of a draw of ``Generator.random`` (a multiple of ``2**-53``, exact as an integer)."""


def order_by_place_then_key(place: np.ndarray, key: np.ndarray, n_places: int) -> np.ndarray:
    """The order ``np.lexsort((key, place))`` gives, from one sort of a combined integer key.

    Each draw ``key`` in [0, 1) is ``k * 2**-53``: the place in the high bits and ``k`` in the
    low 53 give one int64 that sorts as (place, key) does. The unstable sort is taken when no
    two combined keys are equal (then every sort gives the same order); a tie, or places that
    do not fit in the high bits, falls back to ``lexsort`` (stable, by the draw itself).

    Args:
        place: Place of each element (non-negative, below ``n_places``).
        key: A draw in [0, 1) for each element.
        n_places: Number of places.

    Returns:
        Indices that sort the elements by place, then key, then index.
    """
    if n_places > 1 << (63 - KEY_BITS):
        return np.lexsort((key, place))
    combined = place.astype(np.int64) << KEY_BITS
    combined |= (key * float(1 << KEY_BITS)).astype(np.int64)
    order = np.argsort(combined)
    ranked = combined[order]
    if ranked.size > 1 and not np.all(ranked[1:] > ranked[:-1]):
        return np.lexsort((key, place))
    return order


def build_firms(geo: Geography, firms: pd.DataFrame, scale: float) -> FirmTable:
    """The firm table of ``firms.csv`` (targets scaled), with room for firms added later."""
    table = FirmTable(len(firms), capacity=len(firms) + 64)
    sector_index = {s: i for i, s in enumerate(SECTORS)}
    for i, row in enumerate(firms.itertuples(index=False)):
        table.place[i] = firm_place(geo, str(row.township_code), str(row.location))
        table.sector[i] = sector_index[str(row.sector)]
        table.target[i] = float(row.employees_2020) * scale
        table.growth[i] = float(row.annual_growth)
        table.wage[i] = float(row.monthly_wage_2020)
        table.chain_leader[i] = bool(row.chain_leader)
        table.zone[i] = str(row.location) == "zone"
        table.names.append(str(row.name_zh))
    return table


class LabourMarket:
    """Jobs, hiring and wages of the county.

    Attributes:
        state: The county state (its firm table is ``state.firms``).
        params: Labour-market parameters.
        outside_wage_ratio: Wage outside the county relative to the county city.
        reach: Commuting kernel between places, ``exp(-distance / commute_km)``.
        place_wage: Expected monthly wage for a worker living at each place.
        place_employment: Expected probability of employment at each place.
        separated: Person rows whose job ended by separation this month (read by the
            moving hazards of :mod:`hdsim.mechanisms.hazards` as job losses).
    """

    def __init__(
        self,
        state: CountyState,
        params: LabourParams,
        rng: np.random.Generator,
        outside_wage_ratio: float,
    ) -> None:
        """Staff the firms of ``state.firms`` at t0 and publish the first place signals.

        Args:
            state: The county state (firms, persons, the census).
            params: Labour-market parameters.
            rng: The mechanism's own random stream.
            outside_wage_ratio: Wage outside the county relative to the county city
                (``behaviour.location.outside_wage_ratio``).
        """
        self.state = state
        self.params = params
        self.rng = rng
        self.outside_wage_ratio = outside_wage_ratio
        geo = state.geo
        self.reach = np.exp(-geo.distance / max(params.commute_km, 1e-6)).astype(np.float64)
        self.reach[geo.outside, :] = 0.0
        self.reach[:, geo.outside] = 0.0
        self.place_wage = np.zeros(geo.n_places)
        self.place_employment = np.zeros(geo.n_places)
        self.separated = np.zeros(0, dtype=np.int64)
        self._staff_at_census()
        self.update_place_signals()
        self.place_employment0 = self.place_employment.copy()

    @property
    def firms(self) -> FirmTable:
        """The firm table (``state.firms``)."""
        return self.state.firms

    @property
    def names(self) -> list[str]:
        """Display name of each firm."""
        return self.state.firms.names

    # -- firm rows -----------------------------------------------------------------------------

    def add_firm(
        self, name: str, place: int, sector: int, wage: float, growth: float, policy_jobs: float
    ) -> int:
        """Append a firm row (e.g. a supplier spawned by a chain leader) and return it."""
        return self.firms.add(name, place, sector, wage, growth, policy_jobs)

    def employees(self) -> np.ndarray:
        """Current employees of every firm (simulated persons).

        Kept up to date on every hire and on every job ended through :meth:`release`.
        """
        return self.firms.employees()

    def count_employees(self) -> np.ndarray:
        """Employees of every firm counted from the person table (for checks)."""
        emp = self.state.persons.view("employer")
        return np.bincount(emp + 1, minlength=self.firms.n + 1)[1:]

    def release(self, person_rows: np.ndarray) -> None:
        """End the jobs of ``person_rows`` (those without a job are left as they are)."""
        release(self.state.persons, self.firms, person_rows)

    def _employ(self, person_rows: np.ndarray, firm_rows: np.ndarray) -> None:
        employ(self.state.persons, self.firms, person_rows, firm_rows)

    # -- monthly step --------------------------------------------------------------------------

    def step(self) -> None:
        """Separations, hiring and the place signals of one month."""
        self._separations()
        self._hire(min(1.0, self.params.hire_efficiency * self.state.effects.hire_multiplier))
        self.update_place_signals()

    def job_prospects(self, places: np.ndarray) -> np.ndarray:
        """Employment probability at ``places`` relative to the census month (1 = unchanged)."""
        return self.place_employment[places] / np.maximum(self.place_employment0[places], 1e-9)

    def retire(self, birthday_rows: np.ndarray) -> None:
        """End the jobs of persons who have just reached retirement age."""
        p = self.state.persons
        self.release(birthday_rows[p.age[birthday_rows] >= self.params.retirement_age])

    def _separations(self) -> None:
        p = self.state.persons
        rate = self.params.separation_rate
        quitting = rare_events(p.n, rate, lambda rows: (p.employer[rows] >= 0) * rate, self.rng)
        self.release(quitting)
        self.separated = quitting

    def seekers(self) -> np.ndarray:
        """Rows of residents of working age without a job (students in dormitories excluded).

        The labour force is that of the last census; those who died or left since are not
        seekers.
        """
        p = self.state.persons
        census = self.state.census
        n = census.resident.size
        ok = p.employer[:n] < 0
        ok &= census.labour_force
        ok &= p.alive[:n]
        np.greater(ok, p.away[:n], out=ok)  # ok and not away
        return np.flatnonzero(ok)

    def _hire(self, efficiency: float) -> None:
        m = self.state
        f = self.firms
        nf = f.n
        vacancies = np.maximum(
            np.round(f.target[:nf] + f.policy_jobs[:nf]) - self.employees(), 0
        ).astype(np.int64)
        if vacancies.sum() == 0:
            return
        seekers = self.seekers()
        if seekers.size == 0:
            return
        n_places = m.geo.n_places
        # one conversion to the index type: every later gather and count uses it
        seeker_place = m.persons.place[seekers].astype(np.intp)
        supply = np.bincount(seeker_place, minlength=n_places).astype(np.float64)
        wanted = self.rng.binomial(vacancies, efficiency)
        hiring = np.flatnonzero(wanted)
        weights = self.reach[f.place[hiring]] * supply[None, :]
        totals = weights.sum(axis=1)
        ok = totals > 0
        hiring, weights, totals = hiring[ok], weights[ok], totals[ok]
        if hiring.size == 0:
            return
        hires = self.rng.multinomial(wanted[hiring], weights / totals[:, None])
        per_place = hires.sum(axis=0)
        over = per_place > supply
        if over.any():
            ratio = np.where(over, supply / np.maximum(per_place, 1), 1.0)
            hires = np.floor(hires * ratio[None, :]).astype(np.int64)
            per_place = hires.sum(axis=0)
        if per_place.sum() == 0:
            return
        # each place's hires go to random seekers of that place: every seeker draws a key,
        # a generous share of the lowest keys per place is kept, and the k lowest are hired
        key = self.rng.random(seekers.size)
        keep = (
            key < np.minimum(1.0, (1.5 * per_place + 4.0) / np.maximum(supply, 1.0))[seeker_place]
        )
        kept = np.flatnonzero(keep)  # a few per cent of the seekers: gather, do not mask thrice
        pool, pool_place, pool_key = seekers[kept], seeker_place[kept], key[kept]
        order = order_by_place_then_key(pool_place, pool_key, n_places)
        pool, pool_place = pool[order], pool_place[order]
        start = np.searchsorted(pool_place, np.arange(n_places))
        available = np.bincount(pool_place, minlength=n_places)
        placed = per_place  # hires by place (hires.sum(axis=0))
        per_place = np.minimum(per_place, available)
        slot_place = np.repeat(np.arange(n_places), per_place)
        rank = np.arange(slot_place.size) - np.repeat(np.cumsum(per_place) - per_place, per_place)
        people = pool[start[slot_place] + rank]
        # the firm of every hire, place by place: only the (place, firm) cells that hire
        by_place = hires.T.ravel()
        cells = np.flatnonzero(by_place)
        firm_slots = np.repeat(hiring[cells % hiring.size], by_place[cells])
        # a place's slots are ordered by firm; if its pool ran short, the last firms wait
        slot_start = np.repeat(np.cumsum(placed) - placed, per_place)
        self._employ(people, firm_slots[slot_start + rank])

    def _staff_at_census(self) -> None:
        for _ in range(6):
            self._hire(1.0)

    def update_place_signals(self) -> None:
        """Recompute the expected wage and employment probability for each place."""
        m = self.state
        f = self.firms
        nf = f.n
        n_places = m.geo.n_places
        jobs = np.bincount(
            f.place[:nf], weights=f.target[:nf] + f.policy_jobs[:nf], minlength=n_places
        )
        wagebill = np.bincount(
            f.place[:nf],
            weights=(f.target[:nf] + f.policy_jobs[:nf]) * f.wage[:nf],
            minlength=n_places,
        )
        census = m.census
        workers = census.working_by_place
        accessible = self.reach @ jobs
        competing = self.reach @ workers
        with np.errstate(invalid="ignore", divide="ignore"):
            self.place_wage = np.where(accessible > 0, (self.reach @ wagebill) / accessible, 0.0)
            self.place_employment = np.clip(
                np.where(competing > 0, accessible / competing, 0.0), 0.02, 0.95
            )
        city = m.geo.county_city
        self.place_wage[m.geo.outside] = self.place_wage[city] * self.outside_wage_ratio
        self.place_employment[m.geo.outside] = self.params.outside_employment

    def indicators(self) -> dict[str, float]:
        """Jobs by sector, employment rate and mean wage, in real persons."""
        w = self.state.weight
        emp = self.employees()
        by_sector = np.bincount(
            self.firms.sector[: self.firms.n], weights=emp, minlength=len(SECTORS)
        )
        out = {f"jobs_{s}": by_sector[i] * w for i, s in enumerate(SECTORS)}
        out["jobs_total"] = emp.sum() * w
        out["job_targets_total"] = float(
            (self.firms.target[: self.firms.n] + self.firms.policy_jobs[: self.firms.n]).sum() * w
        )
        total = max(emp.sum(), 1)
        out["mean_wage"] = float((emp * self.firms.wage[: self.firms.n]).sum() / total)
        out["firms"] = float(self.firms.n)
        return out
