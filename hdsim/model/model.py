"""The county model: a ``mesa.Model`` of Hongtong's households, firms and townships.

One step is one month, from the census month (2020-11) to December of ``horizon.end_year``.
Each step runs the mechanisms in a fixed order on the columnar state:

1. demography (ageing, deaths, births, individual departures and returns);
2. firms grow (``Firm.step``), then the labour market separates and hires;
3. households consider moving and choose where to live (vectorized logit);
4. urban households convert their hukou;
5. services and housing respond to the new population; the county-seat township extends the
   built-up area (``Township.step``);
6. the recorder writes the month's indicators.

Policies switch on through Mesa's event list (``hdsim.policies.levers``). Randomness: the seed
sequence of the run is split into one independent stream per mechanism, so that switching a
lever on does not shift the random draws of unrelated mechanisms (common random numbers across
scenarios).
"""

from __future__ import annotations

import logging
from typing import Any

import mesa
import numpy as np

from hdsim.config.behaviour import BehaviourConfig
from hdsim.data import CountyData, load_county_data
from hdsim.indicators import Flows, Recorder
from hdsim.mechanisms.demography import Demography
from hdsim.mechanisms.hukou import HukouConversion
from hdsim.mechanisms.labour import LabourMarket
from hdsim.mechanisms.location import LocationChoice
from hdsim.mechanisms.townships import TownshipState
from hdsim.model.agents import Firm, Household, Township
from hdsim.model.config import HdsimConfig
from hdsim.model.geography import PlaceKind, build_geography
from hdsim.policies.levers import PolicyState, build_policies
from hdsim.population.synthesis import synthesize
from hdsim.population.tables import Census, MemberIndex, take_census
from hdsim.utils.calendar import first_day, last_day, month_after, month_index

logging.getLogger("MESA").setLevel(logging.WARNING)

STREAMS = ("synthesis", "demography", "labour", "location", "hukou", "policies")
"""Names of the independent random streams, in spawn order."""


class CountyModel(mesa.Model):
    """Agent-based model of a county's urbanization.

    Attributes:
        config: The validated configuration.
        params: Behavioural parameters (``config.behaviour``).
        data: County data the model was built from.
        geo: Places of the county.
        persons: Person table.
        households: Household table.
        weight: Real persons per simulated person.
        scale: Simulated households per real household.
        streams: One random generator per mechanism.
        policy: Current effect of the scenario's policies.
        flows: Person flows of the current month.
        households_by_origin: Family households by home village (row) and place (column),
            kept up to date by :meth:`relocate`; it gives the peers and the occupied dwellings
            the location choice needs.
    """

    def __init__(
        self,
        config: HdsimConfig,
        *,
        data: CountyData | None = None,
        seed_sequence: np.random.SeedSequence | None = None,
        household_path: str = "vectorized",
    ) -> None:
        """Build the county at the census and schedule the scenario's policies.

        Args:
            config: Validated configuration (scenario, horizon, scale, behaviour).
            data: County data; loaded from ``config.data.dir`` (or the embedded Hongtong data)
                when omitted.
            seed_sequence: Seed sequence of this run; defaults to one built from
                ``config.seed``.
            household_path: ``"vectorized"`` applies the household rules to all households at
                once; ``"agents"`` creates every ``Household`` agent and applies the same rules
                agent by agent through Mesa's ``shuffle_do`` (the reference path of the
                benchmarks and of the agreement test).

        Raises:
            ValueError: ``household_path`` is neither of the two.
        """
        if household_path not in ("vectorized", "agents"):
            raise ValueError(
                f"household_path must be 'vectorized' or 'agents', not {household_path!r}"
            )
        self.household_path = household_path
        ss = seed_sequence if seed_sequence is not None else np.random.SeedSequence(config.seed)
        children = ss.spawn(len(STREAMS) + 1)
        super().__init__(rng=np.random.default_rng(children[0]))
        self.streams = {
            name: np.random.default_rng(child)
            for name, child in zip(STREAMS, children[1:], strict=True)
        }
        self.config = config
        self.params: BehaviourConfig = config.behaviour
        self.data = data if data is not None else load_county_data(config.data.dir)
        self.scale = float(config.households.scale)
        self.geo = build_geography(self.data.townships, self.data.figure("area_km2"))
        population = synthesize(self.data, self.geo, self.scale, self.streams["synthesis"])
        self.persons = population.persons
        self.households = population.households
        self.weight = population.weight
        self.members = MemberIndex(self.persons, self.households.n)
        h = self.households
        family = ~h.collective[: h.n]
        n_places = self.geo.n_places
        key = h.origin[: h.n][family].astype(np.int64) * n_places + h.place[: h.n][family]
        self.households_by_origin = np.bincount(key, minlength=n_places * n_places).reshape(
            n_places, n_places
        )
        self.n_steps = month_index(config.horizon.start, f"{config.horizon.end_year}-12") + 1
        self.flows = Flows(self.geo.n_places)
        self.take_census()
        self.policy = PolicyState()
        self.recorder = Recorder(self)
        self.townships_state = TownshipState(self, self.params.townships)
        self.labour = LabourMarket(self, self.params.labour, self.streams["labour"])
        self.demography = Demography(self, self.params.demography, self.streams["demography"])
        self.location = LocationChoice(self, self.params.location, self.streams["location"])
        self.hukou = HukouConversion(self, self.params.hukou, self.streams["hukou"])
        self.township_agents = [Township(self, t) for t in range(self.geo.n_townships)]
        self.firm_agents = [Firm(self, r) for r in range(self.labour.firms.n)]
        self._household_agents: dict[int, Household] = {}
        self.last_relocated_persons = 0
        self.last_relocated_by_household = np.zeros(0, dtype=np.int64)
        self.policies = build_policies(self)
        if household_path == "agents":
            self.materialize_households()
        self.recorder.record()

    # -- calendar ------------------------------------------------------------------------------

    def _month(self, offset: int) -> tuple[int, int]:
        return month_after(self.config.horizon.start, offset)

    @property
    def calendar_month(self) -> int:
        """Calendar month (1-12) being simulated by the current step."""
        return self._month(max(self.steps - 1, 0))[1]

    @property
    def date_label(self) -> str:
        """ISO date of the current state: the census day at t0, then each month's last day."""
        if self.steps == 0:
            return first_day(*self._month(0))
        return last_day(*self._month(self.steps - 1))

    def take_census(self) -> Census:
        """Count where everybody lives now; mechanisms read it until the next census."""
        self.census = take_census(
            self.persons, self.geo.n_places, self.geo.outside, self.params.labour.retirement_age
        )
        return self.census

    # -- agents --------------------------------------------------------------------------------

    def household(self, row: int) -> Household:
        """The ``Household`` agent of row ``row``, created (and registered) on first use."""
        if not 0 <= row < self.households.n:
            raise IndexError(f"household row {row} does not exist (0..{self.households.n - 1})")
        agent = self._household_agents.get(row)
        if agent is None:
            agent = Household(self, row)
            self._household_agents[row] = agent
        return agent

    def materialize_households(self) -> list[Household]:
        """Create the agents of all households (for the agent-by-agent reference path)."""
        return [self.household(r) for r in range(self.households.n)]

    def add_firm_agent(self, row: int) -> Firm:
        """Register the ``Firm`` agent of a firm row added during the run."""
        agent = Firm(self, row)
        self.firm_agents.append(agent)
        return agent

    # -- state changes shared by mechanisms ----------------------------------------------------

    def relocate(self, rows: np.ndarray, dest: np.ndarray) -> None:
        """Move households ``rows`` to places ``dest``, counting flows and ending far jobs.

        Residents (living members not away) are counted as departures from the old place and
        arrivals at the new one; 'outside' counts as neither. After the call,
        ``last_relocated_by_household`` holds the residents moved per household.
        """
        h = self.households
        p = self.persons
        rows = np.asarray(rows, dtype=np.int64)
        dest = np.asarray(dest, dtype=np.int64)
        old = h.place[rows].astype(np.int64)
        local = np.full(h.n, -1, dtype=np.int64)
        local[rows] = np.arange(rows.size)
        everyone = self.members.members(rows)
        p.place[everyone] = dest[local[p.household[everyone]]]
        members = everyone[p.alive[everyone] & ~p.away[everyone]]
        idx = local[p.household[members]]
        per_hh = np.bincount(idx, minlength=rows.size)
        outside = self.geo.outside
        from_in = old != outside
        to_in = dest != outside
        self.flows.add("departures", old[from_in], per_hh[from_in])
        self.flows.add("arrivals", dest[to_in], per_hh[to_in])
        family = ~h.collective[rows]
        origin = h.origin[rows][family]
        np.subtract.at(self.households_by_origin, (origin, old[family]), 1)
        np.add.at(self.households_by_origin, (origin, dest[family]), 1)
        h.place[rows] = dest
        h.months_at_place[rows] = 0
        h.owner[rows] = (dest == h.origin[rows]) & h.homestead[rows]
        if members.size:
            self.labour.drop_far_jobs(members, dest[idx])
            leaving = ~to_in[idx]
            self.labour.release(members[leaving])
        self.last_relocated_by_household = per_hh
        self.last_relocated_persons = int(per_hh.sum())

    # -- the monthly step ----------------------------------------------------------------------

    def step(self) -> None:
        """Simulate one month."""
        self.flows.reset()
        h = self.households
        np.minimum(h.months_at_place[: h.n] + 1, 30000, out=h.months_at_place[: h.n])
        self.demography.step()
        self.agents_by_type[Firm].do("step")
        self.labour.step()
        self.household_stage()
        self.hukou.step()
        self.townships_state.update_services_and_housing()
        self.agents_by_type[Township].do("step")
        self.recorder.record()
        if self.steps >= self.n_steps:
            self.running = False

    def household_stage(self) -> None:
        """Households consider moving and choose where to live.

        On the vectorized path the rule runs once over all households; on the reference path
        every ``Household`` agent applies it to itself, in random order (``shuffle_do``).
        """
        if self.household_path == "agents":
            self.location.prepare()
            self.agents_by_type[Household].shuffle_do("consider_move")
        else:
            self.location.step()

    def run(self) -> CountyModel:
        """Run to the end of the horizon and return the model."""
        while self.running:
            self.step()
        return self

    # -- convenience ---------------------------------------------------------------------------

    def urbanization_rate(self) -> float:
        """Resident urbanization rate now."""
        residents = self.census.residents_by_place
        return float(residents[self.geo.urban].sum() / max(residents.sum(), 1))

    def summary(self) -> dict[str, Any]:
        """Headline state: date, residents, urbanization rate, county city."""
        residents = self.census.residents_by_place
        return {
            "date": self.date_label,
            "residents": float(residents.sum() * self.weight),
            "urbanization_rate": self.urbanization_rate(),
            "county_city": float(residents[self.geo.county_city] * self.weight),
            "villages": float(residents[self.geo.kind == PlaceKind.VILLAGE].sum() * self.weight),
        }
