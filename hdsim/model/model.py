"""The county model: a ``mesa.Model`` of a county's households, firms and townships.

The model composes: it builds the county's state (:class:`hdsim.state.county.CountyState`),
the mechanisms that change it (each given the state, its parameters and its random stream)
and the agents that view it. One step is one month, from the census month to December of
``horizon.end_year``; it runs the named steps of :data:`STEPS` in order:

0. ``admin``: administrative changes dated in the month (乡→镇 upgrades, mergers:
   ``hdsim.mechanisms.admin``);
1. ``demography`` (ageing, deaths, births, individual departures and returns, where
   returners live); ``collective`` households renew by age each September;
2. ``firms`` grow (``Firm.step``), then the ``labour`` market separates and hires;
3. ``location``: households consider moving and choose where to live (vectorized logit, or
   agent by agent on the reference path);
4. ``family``: first marriages found households that choose where to live; children and
   carers (陪读) and workers alone (两栖) split off to town;
5. ``migration``: households from other counties arrive (``hdsim.mechanisms.migration``);
6. ``housing``: the dwelling stock grows, prices follow occupancy, renters buy;
7. ``hukou``: urban households decide to register (落户);
8. ``services`` respond to their users (village schools close each September below an
   enrolment threshold); the county-seat township extends the ``builtup`` area
   (``Township.step``);
9. ``classification``: the statistical layer's dated village mergers, and at the code list's
   cut-off its yearly urban-rural rules (``hdsim.mechanisms.classification``);
10. ``record``: the recorder writes the month's indicators.

Policies switch on through Mesa's event list (``hdsim.policies.levers``). Randomness: the seed
sequence of the run is split into one independent stream per mechanism, so that switching a
lever on does not shift the random draws of unrelated mechanisms (common random numbers across
scenarios).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

from hdsim.config.behaviour import BehaviourConfig
from hdsim.data import CountyData, load_county_data
from hdsim.mechanisms.admin import AdministrativeChanges
from hdsim.mechanisms.classification import StatisticalClassification
from hdsim.mechanisms.collective import CollectiveRenewal
from hdsim.mechanisms.demography import Demography
from hdsim.mechanisms.family import Family
from hdsim.mechanisms.housing import HousingMarket
from hdsim.mechanisms.hukou import HukouConversion
from hdsim.mechanisms.labour import LabourMarket, build_firms
from hdsim.mechanisms.location import LocationChoice
from hdsim.mechanisms.migration import InMigration
from hdsim.mechanisms.services import PublicServiceQuality
from hdsim.mechanisms.townships import BuiltUpGrowth
from hdsim.model.agents import AgentByAgentLocation, Firm, Household, Township
from hdsim.model.config import HdsimConfig, require_effective
from hdsim.model.recorder import Recorder
from hdsim.policies.levers import build_policies
from hdsim.population.moves import Relocation
from hdsim.population.reuse import SynthesisCache
from hdsim.population.synthesis import synthesize
from hdsim.state.census import Census, take_census
from hdsim.state.county import Clock, CountyState, origin_matrix
from hdsim.state.effects import PolicyEffects
from hdsim.state.firms import FirmTable
from hdsim.state.flows import Flows
from hdsim.state.housing import build_housing
from hdsim.state.members import MemberIndex
from hdsim.state.places import Geography, PlaceKind, build_geography
from hdsim.state.services import build_services
from hdsim.state.tables import HouseholdTable, PersonTable
from hdsim.utils.calendar import first_day, last_day, month_after, month_index

logging.getLogger("MESA").setLevel(logging.WARNING)

STREAMS = (
    "synthesis",
    "demography",
    "labour",
    "location",
    "hukou",
    "policies",
    "collective",
    "housing",
    "migration",
    "family",
)
"""Names of the independent random streams, in spawn order (new streams go last, so that
adding one leaves the others' draws unchanged)."""
STEPS = (
    "admin",
    "demography",
    "collective",
    "firms",
    "labour",
    "location",
    "family",
    "migration",
    "housing",
    "hukou",
    "services",
    "builtup",
    "classification",
    "record",
)
"""The monthly steps, in the order :meth:`CountyModel.step` runs them."""
CENSUS_FIGURES = (
    "county_city_housing_price_2020",
    "county_city_builtup_km2_2020",
)
"""County figures the service and housing state starts from."""
HOUSING_FIGURES = ("county_city_housing_price_2020",)
"""County figures the housing state starts from."""


class CountyModel(mesa.Model):
    """Agent-based model of a county's urbanization.

    Attributes:
        config: The validated configuration.
        params: Behavioural parameters (``config.behaviour``).
        data: County data the model was built from.
        state: Everything that changes during a run (:class:`hdsim.state.county.CountyState`);
            ``geo``, ``persons``, ``households``, ``census``, ``flows``, ``policy`` and
            ``services`` are its parts.
        streams: One random generator per mechanism.
        relocation: Moves households (shared by the mechanisms that move people).
        labour, demography, collective, location, family, housing, migration, hukou,
            services, builtup: The mechanisms.
        step_order: Names of the monthly steps (:data:`STEPS`), in order.
        step_functions: What each named step runs.
    """

    def __init__(
        self,
        config: HdsimConfig,
        *,
        data: CountyData | None = None,
        seed_sequence: np.random.SeedSequence | None = None,
        household_path: str = "vectorized",
        synthesis: SynthesisCache | None = None,
    ) -> None:
        """Build the county at the census and schedule the scenario's policies.

        Args:
            config: Effective configuration (scenario, horizon, scale, behaviour): its
                behaviour is used as it is, so a posterior configuration must have its draw
                resolved first (``hdsim.run_replicate`` or ``effective_config`` do it).
            data: County data; loaded from ``config.data.dir`` (or the embedded county data)
                when omitted.
            seed_sequence: Seed sequence of this run; defaults to one built from
                ``config.seed``.
            household_path: ``"vectorized"`` applies the household rules to all households at
                once; ``"agents"`` creates every ``Household`` agent and applies the same rules
                agent by agent through Mesa's ``shuffle_do`` (the reference path of the
                benchmarks and of the agreement test).
            synthesis: Reuse the populations synthesized by earlier models of the same county,
                scale and stream (``hdsim.population.reuse``); the run is the same.

        Raises:
            ConfigError: ``config`` draws from the posterior but its draw is unresolved.
            ValueError: ``household_path`` is neither of the two.
        """
        require_effective(config)
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
        self.state = self._build_state(synthesis)
        self.n_steps = month_index(config.horizon.start, f"{config.horizon.end_year}-12") + 1
        self.recorder = Recorder(self)
        par = self.params
        st = self.state
        self.relocation = Relocation(st, par.labour.far_job_commutes * par.labour.commute_km)
        self.services = PublicServiceQuality(st, par.townships)
        self.builtup = BuiltUpGrowth(st, par.townships)
        self.labour = LabourMarket(
            st, par.labour, self.streams["labour"], par.location.outside_wage_ratio
        )
        self.housing = HousingMarket(
            st, par.housing, par.townships, par.location, self.labour, self.streams["housing"]
        )
        self.demography = Demography(
            st,
            self.data.demography,
            par.demography,
            self.streams["demography"],
            self.labour,
            self.relocation,
            returners=LocationChoice(
                st,
                par.location,
                self.streams["demography"],
                self.labour,
                self.relocation,
                par.labour.farm_income_per_mu,
                self.housing,
            ),
        )
        self.collective = CollectiveRenewal(st, self.streams["collective"], self.demography)
        self.location = LocationChoice(
            st,
            par.location,
            self.streams["location"],
            self.labour,
            self.relocation,
            par.labour.farm_income_per_mu,
            self.housing,
        )
        self.migration = InMigration(
            st, par.migration, self.housing, self.demography, self.streams["migration"]
        )
        self.hukou = HukouConversion(st, par.hukou, self.streams["hukou"])
        self.family = Family(
            st, par.family, self.streams["family"], self.location, self.relocation
        )
        self.admin = AdministrativeChanges(st, self.data.admin_changes)
        self.classification = StatisticalClassification(
            st, par.classification, par.townships, self.data.directory
        )
        self.township_agents = [Township(self, t) for t in range(self.geo.n_townships)]
        self.firm_agents = [Firm(self, r) for r in range(self.firms.n)]
        self._household_agents: dict[int, Household] = {}
        self.policies = build_policies(self)
        self.step_order: list[str] = list(STEPS)
        self.step_functions: dict[str, Callable[[], None]] = {
            "admin": self.admin.step,
            "demography": self.demography.step,
            "collective": self.collective.step,
            "firms": self.firm_stage,
            "labour": self.labour.step,
            "location": self.household_stage,
            "family": self.family_stage,
            "migration": self.migration.step,
            "housing": self.housing.step,
            "hukou": self.hukou.step,
            "services": self.services.step,
            "builtup": self.township_stage,
            "classification": self.classification.step,
            "record": self.recorder.record,
        }
        self._agent_location = AgentByAgentLocation(self, self.location)
        if household_path == "agents":
            self.materialize_households()
        self.recorder.record()

    def _build_state(self, cache: SynthesisCache | None = None) -> CountyState:
        """Synthesize the population (or reuse it from ``cache``) and set up every table."""
        data = self.data
        scale = float(self.config.households.scale)
        geo = build_geography(data.townships, data.figure("area_km2"))
        make = cache.synthesize if cache is not None else synthesize
        population = make(data, geo, scale, self.streams["synthesis"])
        persons, households = population.persons, population.households
        retirement = int(self.params.labour.retirement_age)
        census = take_census(persons, geo.n_places, geo.outside, retirement)
        h = households
        occupied = np.bincount(
            h.place[: h.n][~h.collective[: h.n]], minlength=geo.n_places
        ).astype(float)
        services = build_services(
            geo,
            data.services,
            census.residents_by_place,
            {key: data.figure(key) for key in CENSUS_FIGURES},
            scale,
            self.params.townships,
        )
        housing = build_housing(
            geo,
            occupied,
            {key: data.figure(key) for key in HOUSING_FIGURES},
            scale,
            self.params.townships,
            self.params.housing,
        )
        return CountyState(
            geo=geo,
            persons=persons,
            households=households,
            members=MemberIndex(persons, households.n),
            firms=build_firms(geo, data.firms, scale),
            services=services,
            housing=housing,
            effects=PolicyEffects(),
            flows=Flows(geo.n_places),
            clock=Clock(self.config.horizon.start),
            weight=float(population.weight),
            scale=scale,
            retirement_age=retirement,
            households_by_origin=origin_matrix(households, geo.n_places),
        )

    # -- the parts of the state ----------------------------------------------------------------

    @property
    def geo(self) -> Geography:
        """Places of the county."""
        return self.state.geo

    @property
    def persons(self) -> PersonTable:
        """Person table."""
        return self.state.persons

    @property
    def households(self) -> HouseholdTable:
        """Household table."""
        return self.state.households

    @property
    def members(self) -> MemberIndex:
        """Index of the persons of each household."""
        return self.state.members

    @property
    def firms(self) -> FirmTable:
        """Firm table."""
        return self.state.firms

    @property
    def census(self) -> Census:
        """The last census."""
        return self.state.census

    @property
    def flows(self) -> Flows:
        """Person flows of the current month."""
        return self.state.flows

    @property
    def policy(self) -> PolicyEffects:
        """Current effect of the scenario's policies."""
        return self.state.effects

    @property
    def households_by_origin(self) -> np.ndarray:
        """Family households by home village (row) and place (column)."""
        return self.state.households_by_origin

    @property
    def weight(self) -> float:
        """Real persons per simulated person."""
        return self.state.weight

    @property
    def scale(self) -> float:
        """Simulated households per real household."""
        return self.state.scale

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
        return self.state.take_census()

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

    # -- the monthly step ----------------------------------------------------------------------

    def step(self) -> None:
        """Simulate one month: run the named steps of :attr:`step_order` in turn."""
        self.state.clock.steps = self.steps
        self.flows.reset()
        h = self.households
        np.minimum(h.months_at_place[: h.n] + 1, 30000, out=h.months_at_place[: h.n])
        for name in self.step_order:
            self.step_functions[name]()
        if self.steps >= self.n_steps:
            self.running = False

    def firm_stage(self) -> None:
        """The firms step: every ``Firm`` agent grows (``Firm.step``)."""
        self.agents_by_type[Firm].do("step")

    def township_stage(self) -> None:
        """The built-up step: every ``Township`` agent extends its seat (``Township.step``)."""
        self.agents_by_type[Township].do("step")

    def household_stage(self) -> None:
        """The location step: households consider moving and choose where to live.

        On the vectorized path the rule runs once over all households; on the reference path
        every ``Household`` agent applies it to itself, in random order (``shuffle_do``).
        """
        if self.household_path == "agents":
            self.materialize_households()  # households formed since (returners) get agents
            self._agent_location.step()
        else:
            self.location.step()

    def family_stage(self) -> None:
        """The family step; on the reference path the households it forms get their agents."""
        self.family.step()
        if self.household_path == "agents":
            for row in range(len(self._household_agents), self.households.n):
                self.household(row)

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
