"""The county's state: every table a mechanism reads or writes, and the model's clock.

:class:`CountyState` is what mechanisms are built from instead of the model: each mechanism
takes it, its parameters and its random stream. It holds data only; the model composes the
mechanisms that change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hdsim.state.census import Census, Residence
from hdsim.state.effects import PolicyEffects
from hdsim.state.firms import FirmTable
from hdsim.state.flows import Flows
from hdsim.state.housing import HousingState
from hdsim.state.members import MemberIndex
from hdsim.state.places import Geography
from hdsim.state.services import ServiceState
from hdsim.state.tables import HouseholdTable, PersonTable
from hdsim.utils.calendar import month_after


@dataclass
class Clock:
    """Which month the model is simulating.

    Attributes:
        start: First simulated month, ``YYYY-MM`` (the census month).
        steps: Months completed so far (Mesa's ``model.steps``, kept in step by the model).
    """

    start: str
    steps: int = 0

    @property
    def calendar_month(self) -> int:
        """Calendar month (1-12) being simulated by the current step."""
        return month_after(self.start, max(self.steps - 1, 0))[1]

    @property
    def years(self) -> float:
        """Years since the census, counted in completed steps."""
        return self.steps / 12.0


def origin_matrix(households: HouseholdTable, n_places: int) -> np.ndarray:
    """Family households by home village (row) and place lived in (column)."""
    h = households
    family = ~h.collective[: h.n]
    key = h.origin[: h.n][family].astype(np.int64) * n_places + h.place[: h.n][family]
    return np.bincount(key, minlength=n_places * n_places).reshape(n_places, n_places)


@dataclass
class CountyState:
    """Everything that changes during a run, in one place.

    Attributes:
        geo: Places of the county.
        persons: Person table.
        households: Household table.
        members: Index of the persons of each household.
        firms: Firm table.
        services: Services and built-up area by place.
        housing: Dwellings, their prices and vacancy by place.
        effects: Current effect of the scenario's levers.
        flows: Person flows of the current month.
        clock: The month being simulated.
        weight: Real persons per simulated person.
        scale: Simulated households per real household.
        retirement_age: Age at which workers leave firm jobs (the census counts workers by it).
        households_by_origin: Family households by home village and place, kept up to date by
            every relocation (the peers and occupied dwellings of the location choice).
        residence: Residents by place, kept up to date at the choke points (every rule that
            changes where, whether or at what age a person lives in the county calls
            ``residence.recount`` on the persons it changed).
        census: The last census (:meth:`take_census`).
    """

    geo: Geography
    persons: PersonTable
    households: HouseholdTable
    members: MemberIndex
    firms: FirmTable
    services: ServiceState
    housing: HousingState
    effects: PolicyEffects
    flows: Flows
    clock: Clock
    weight: float
    scale: float
    retirement_age: int
    households_by_origin: np.ndarray
    residence: Residence = field(init=False)
    census: Census = field(init=False)

    def __post_init__(self) -> None:
        """Count every person once, then take the first census."""
        self.residence = Residence(
            self.persons, self.geo.n_places, self.geo.outside, self.retirement_age
        )
        self.take_census()

    def take_census(self) -> Census:
        """Where everybody lives now (from the counts kept up to date, no scan of all persons).

        Mechanisms read it until the next census.
        """
        self.census = self.residence.census()
        return self.census

    def family_households_by_place(self) -> np.ndarray:
        """Family households living at each place now (the occupied dwellings of each place).

        The column sums of :attr:`households_by_origin`, which every relocation, household
        formation and arrival keeps up to date, instead of a count of every household's place
        (5.7 ms a month at full scale, called 9-10 times a month). The one difference from a
        fresh count is at ``geo.outside`` while returners choose where to live: their
        provisional one-person households live outside and are counted once placed; no rule
        reads occupancy outside the county (``tests/test_occupancy.py`` checks the count
        against a fresh one after every step of a run with every lever on).
        """
        return self.households_by_origin.sum(axis=0)
