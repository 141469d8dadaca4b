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

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hdsim.config.behaviour import LabourParams
from hdsim.data.schema import SECTORS
from hdsim.mechanisms.sampling import rare_events
from hdsim.model.geography import PlaceKind
from hdsim.population.tables import ColumnTable

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel

OUTSIDE_EMPLOYMENT = 0.85
"""Probability of employment outside the county (assumption)."""
MANUFACTURING = np.array(
    [SECTORS.index(s) for s in ("coking_chemicals", "metal_castings", "other_manufacturing")]
)
"""Sector indices that specialised towns grow."""


class FirmTable(ColumnTable):
    """One row per firm (a real firm or a sector aggregate at one place).

    Columns:
        place: Place where the jobs are.
        sector: Index into :data:`hdsim.data.schema.SECTORS`.
        target: Workforce the firm wants now (simulated persons).
        growth: Trend growth of the target per year.
        policy_jobs: Extra target added by policies, simulated persons.
        wage: Monthly wage, yuan.
        chain_leader: One of the chain leaders (链主) named in the plan.
        zone: Located in a development-zone park (秦壁 or 甘亭).
    """

    COLUMNS: ClassVar[dict[str, type | np.dtype]] = {
        "place": np.int32,
        "sector": np.int8,
        "target": np.float64,
        "growth": np.float64,
        "policy_jobs": np.float64,
        "wage": np.float64,
        "chain_leader": np.bool_,
        "zone": np.bool_,
    }
    DEFAULTS: ClassVar[dict[str, object]] = {}


def firm_place(model: CountyModel, township_code: str, location: str) -> int:
    """Place of a firm given its township and location kind (county_city, seat, zone, village)."""
    geo = model.geo
    t = geo.township_index(township_code)
    if location == "county_city":
        return geo.county_city
    if location in ("seat", "zone"):
        return int(geo.seat_of[t])
    villages = np.flatnonzero((geo.township == t) & (geo.kind == PlaceKind.VILLAGE))
    return int(villages[villages.size // 2]) if villages.size else int(geo.seat_of[t])


class LabourMarket:
    """Jobs, hiring and wages of the county.

    Attributes:
        firms: Columnar firm state; ``Firm`` agents are views on its rows.
        names: Display name of each firm.
        reach: Commuting kernel between places, ``exp(-distance / commute_km)``.
        place_wage: Expected monthly wage for a worker living at each place.
        place_employment: Expected probability of employment at each place.
    """

    def __init__(self, model: CountyModel, params: LabourParams, rng: np.random.Generator):
        """Create the firm table from ``firms.csv`` (scaled) and staff it at t0.

        Args:
            model: The county model.
            params: Labour-market parameters.
            rng: The mechanism's own random stream.
        """
        self.model = model
        self.params = params
        self.rng = rng
        data = model.data.firms
        self.firms = FirmTable(len(data), capacity=len(data) + 64)
        self.names: list[str] = []
        sector_index = {s: i for i, s in enumerate(SECTORS)}
        for i, row in enumerate(data.itertuples(index=False)):
            self.firms.place[i] = firm_place(model, str(row.township_code), str(row.location))
            self.firms.sector[i] = sector_index[str(row.sector)]
            self.firms.target[i] = float(row.employees_2020) * model.scale
            self.firms.growth[i] = float(row.annual_growth)
            self.firms.wage[i] = float(row.monthly_wage_2020)
            self.firms.chain_leader[i] = bool(row.chain_leader)
            self.firms.zone[i] = str(row.location) == "zone"
            self.names.append(str(row.name_zh))
        dist = model.geo.distance
        self.reach = np.exp(-dist / max(params.commute_km, 1e-6)).astype(np.float64)
        self.reach[model.geo.outside, :] = 0.0
        self.reach[:, model.geo.outside] = 0.0
        self._employed = np.zeros(self.firms.capacity, dtype=np.int64)
        self.place_wage = np.zeros(model.geo.n_places)
        self.place_employment = np.zeros(model.geo.n_places)
        self._staff_at_census()
        self.update_place_signals()
        self.place_employment0 = self.place_employment.copy()

    # -- firm rows -----------------------------------------------------------------------------

    def add_firm(
        self, name: str, place: int, sector: int, wage: float, growth: float, policy_jobs: float
    ) -> int:
        """Append a firm row (e.g. a supplier spawned by a chain leader) and return it."""
        row = self.firms.append(1).start
        if self.firms.capacity > self._employed.size:
            self._employed = np.r_[
                self._employed, np.zeros(self.firms.capacity - self._employed.size, dtype=np.int64)
            ]
        self.firms.place[row] = place
        self.firms.sector[row] = sector
        self.firms.target[row] = 0.0
        self.firms.growth[row] = growth
        self.firms.policy_jobs[row] = policy_jobs
        self.firms.wage[row] = wage
        self.firms.chain_leader[row] = False
        self.names.append(name)
        return row

    def employees(self) -> np.ndarray:
        """Current employees of every firm (simulated persons).

        Kept up to date on every hire and on every job ended through :meth:`release`.
        """
        return self._employed[: self.firms.n]

    def count_employees(self) -> np.ndarray:
        """Employees of every firm counted from the person table (for checks)."""
        emp = self.model.persons.view("employer")
        return np.bincount(emp + 1, minlength=self.firms.n + 1)[1:]

    def release(self, person_rows: np.ndarray) -> None:
        """End the jobs of ``person_rows`` (those without a job are left as they are)."""
        p = self.model.persons
        emp = p.employer[person_rows]
        held = emp >= 0
        if held.any():
            self._employed -= np.bincount(emp[held], minlength=self._employed.size)
            p.employer[person_rows[held]] = -1

    def _employ(self, person_rows: np.ndarray, firm_rows: np.ndarray) -> None:
        self.model.persons.employer[person_rows] = firm_rows
        self._employed += np.bincount(firm_rows, minlength=self._employed.size)

    # -- monthly step --------------------------------------------------------------------------

    def step(self) -> None:
        """Separations, hiring and the place signals of one month."""
        self._separations()
        self._hire(min(1.0, self.params.hire_efficiency * self.model.policy.hire_multiplier))
        self.update_place_signals()

    def job_prospects(self, places: np.ndarray) -> np.ndarray:
        """Employment probability at ``places`` relative to the census month (1 = unchanged)."""
        return self.place_employment[places] / np.maximum(self.place_employment0[places], 1e-9)

    def retire(self, birthday_rows: np.ndarray) -> None:
        """End the jobs of persons who have just reached retirement age."""
        p = self.model.persons
        self.release(birthday_rows[p.age[birthday_rows] >= self.params.retirement_age])

    def _separations(self) -> None:
        p = self.model.persons
        rate = self.params.separation_rate
        quitting = rare_events(p.n, rate, lambda rows: (p.employer[rows] >= 0) * rate, self.rng)
        self.release(quitting)

    def seekers(self) -> np.ndarray:
        """Rows of residents of working age without a job (students in dormitories excluded)."""
        p = self.model.persons
        census = self.model.census
        n = census.resident.size
        ok = census.labour_force & p.alive[:n] & ~p.away[:n] & (p.employer[:n] < 0)
        return np.flatnonzero(ok)

    def _hire(self, efficiency: float) -> None:
        m = self.model
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
        seeker_place = m.persons.place[seekers].astype(np.int16)
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
        pool, pool_place, pool_key = seekers[keep], seeker_place[keep], key[keep]
        order = np.lexsort((pool_key, pool_place))
        pool, pool_place = pool[order], pool_place[order]
        start = np.searchsorted(pool_place, np.arange(n_places))
        available = np.bincount(pool_place, minlength=n_places)
        per_place = np.minimum(per_place, available)
        slot_place = np.repeat(np.arange(n_places), per_place)
        rank = np.arange(slot_place.size) - np.repeat(np.cumsum(per_place) - per_place, per_place)
        people = pool[start[slot_place] + rank]
        firm_slots = np.repeat(np.tile(hiring, n_places), hires.T.ravel())
        # a place's slots are ordered by firm; if its pool ran short, the last firms wait
        slot_start = np.repeat(np.cumsum(hires.sum(axis=0)) - hires.sum(axis=0), per_place)
        self._employ(people, firm_slots[slot_start + rank])

    def _staff_at_census(self) -> None:
        for _ in range(6):
            self._hire(1.0)

    def update_place_signals(self) -> None:
        """Recompute the expected wage and employment probability for each place."""
        m = self.model
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
        self.place_wage[m.geo.outside] = (
            self.place_wage[city] * m.params.location.outside_wage_ratio
        )
        self.place_employment[m.geo.outside] = OUTSIDE_EMPLOYMENT

    def drop_far_jobs(self, person_rows: np.ndarray, new_places: np.ndarray) -> None:
        """End the jobs of movers whose new home is beyond three commuting scales of the firm."""
        p = self.model.persons
        emp = p.employer[person_rows]
        has = emp >= 0
        far = np.zeros(person_rows.size, dtype=bool)
        far[has] = self.model.geo.distance[self.firms.place[emp[has]], new_places[has]] > (
            3 * self.params.commute_km
        )
        self.release(person_rows[far])

    def indicators(self) -> dict[str, float]:
        """Jobs by sector, employment rate and mean wage, in real persons."""
        w = self.model.weight
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
