"""The model's agents: ``Household``, ``Firm`` and ``Township``, all ``mesa.Agent`` subclasses.

State lives in columnar tables so that the monthly step is vectorized; each agent is a view
on its row and reads and writes it through properties. Firms and townships (a few hundred and
fifteen) are created with the model and step themselves through Mesa's ``AgentSet.do``.
Households (223,466 at full scale) are created on demand by :meth:`CountyModel.household`, so
any household can be inspected (and stepped, see :meth:`Household.consider_move`) as an agent
without paying for 223,466 Python objects in every run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from hdsim.data.spec import SECTORS
from hdsim.state.places import SETTLEMENT_NAMES, PlaceKind

if TYPE_CHECKING:
    from hdsim.mechanisms.location import LocationChoice
    from hdsim.model.model import CountyModel


class Household(mesa.Agent):
    """A family or collective household: a view on one row of the household table.

    Attributes:
        row: Row of this household in ``model.households``.
    """

    def __init__(self, model: CountyModel, row: int) -> None:
        """Create the view of household ``row`` and register it with the model."""
        super().__init__(model)
        self.row = int(row)

    # -- row state -----------------------------------------------------------------------------

    @property
    def place(self) -> int:
        """Place where the household lives."""
        return int(self.model.households.place[self.row])

    def move_to(self, place: int) -> int:
        """Move the household (and its members) to ``place``.

        Returns:
            Residents moved (living members not away).
        """
        moved = self.model.relocation.move(np.array([self.row]), np.array([place]))
        return int(moved.sum())

    @property
    def origin(self) -> int:
        """Home village (land and homestead), or its own place if urban-born."""
        return int(self.model.households.origin[self.row])

    @property
    def farmland_mu(self) -> float:
        """Contracted farmland, mu."""
        return float(self.model.households.farmland_mu[self.row])

    @property
    def homestead(self) -> bool:
        """Whether the household holds a rural homestead."""
        return bool(self.model.households.homestead[self.row])

    @property
    def collective(self) -> bool:
        """Whether this is a collective household (dormitory, barracks)."""
        return bool(self.model.households.collective[self.row])

    @property
    def members(self) -> np.ndarray:
        """Rows of the living members (resident or away) in the person table."""
        rows = self.model.members.members(np.array([self.row]))
        return rows[self.model.persons.alive[rows]]

    @property
    def ages(self) -> np.ndarray:
        """Ages of the living members."""
        return self.model.persons.age[self.members]

    @property
    def size(self) -> int:
        """Living members who live in the county with the household (not away)."""
        p = self.model.persons
        return int((~p.away[self.members]).sum()) if self.place != self.model.geo.outside else 0

    @property
    def hukou_urban(self) -> np.ndarray:
        """Whether each living member holds an urban hukou."""
        return self.model.persons.hukou_urban[self.members]

    @hukou_urban.setter
    def hukou_urban(self, value: bool) -> None:
        self.model.persons.hukou_urban[self.members] = value

    @property
    def township(self) -> str:
        """Name of the township it lives in ('outside' if it left the county)."""
        t = int(self.model.geo.township[self.place])
        return self.model.geo.township_names[t] if t >= 0 else "outside"

    @property
    def settlement(self) -> str:
        """Kind of place: village, seat, county_city or outside."""
        return SETTLEMENT_NAMES[PlaceKind(int(self.model.geo.kind[self.place]))]

    @property
    def urban(self) -> bool:
        """Whether its place counts as urban."""
        return bool(self.model.geo.urban[self.place])

    def describe(self) -> dict[str, object]:
        """A plain summary, for inspection and notebooks."""
        return {
            "row": self.row,
            "township": self.township,
            "settlement": self.settlement,
            "urban": self.urban,
            "size": self.size,
            "ages": self.ages.tolist(),
            "urban_hukou": self.hukou_urban.tolist(),
            "farmland_mu": round(self.farmland_mu, 2),
            "homestead": self.homestead,
        }

    # -- behaviour -----------------------------------------------------------------------------

    def consider_move(self) -> None:
        """Apply the location-choice rule to this household alone (reference path).

        Draws the monthly consideration hazard and, if the household considers moving, its
        logit choice, exactly as the vectorized step does for all households at once.
        """
        loc = self.model.location
        if self.collective or self.place == self.model.geo.outside:
            return
        if loc.rng.random() >= loc.household_probability(np.array([self.row]))[0]:
            return
        rows = np.array([self.row])
        dest = loc.ration(rows, loc.choose(rows))
        loc.apply(rows, dest)

    def step(self) -> None:
        """One month of this household's own decisions (location, then nothing else)."""
        self.consider_move()


class AgentByAgentLocation:
    """The location step applied agent by agent: the reference path of the vectorized rule.

    Every ``Household`` agent applies :meth:`Household.consider_move` to itself, in random
    order (Mesa's ``shuffle_do``), after the mechanism has collected the month's signals.

    Attributes:
        model: The county model whose household agents step.
        location: The location-choice mechanism whose rule they apply.
    """

    def __init__(self, model: CountyModel, location: LocationChoice) -> None:
        """Bind the step to the model's agents and the location mechanism."""
        self.model = model
        self.location = location

    def step(self) -> None:
        """Collect the signals, then let each household agent consider a move.

        Households added since the last month (in-migrants) get their agents first.
        """
        m = self.model
        for row in range(len(m.agents_by_type[Household]), m.households.n):
            m.household(row)
        self.location.prepare()
        m.agents_by_type[Household].shuffle_do("consider_move")


class Firm(mesa.Agent):
    """A firm (or a sector aggregate at one place): a view on one row of the firm table.

    Attributes:
        row: Row of this firm in ``model.labour.firms``.
    """

    def __init__(self, model: CountyModel, row: int) -> None:
        """Create the view of firm ``row`` and register it with the model."""
        super().__init__(model)
        self.row = int(row)

    @property
    def name(self) -> str:
        """Display name (Chinese)."""
        return self.model.labour.names[self.row]

    @property
    def sector(self) -> str:
        """Sector of the firm."""
        return SECTORS[int(self.model.labour.firms.sector[self.row])]

    @property
    def place(self) -> int:
        """Place where its jobs are."""
        return int(self.model.labour.firms.place[self.row])

    @property
    def target(self) -> float:
        """Workforce it wants now, simulated persons (trend plus policy)."""
        f = self.model.labour.firms
        return float(f.target[self.row] + f.policy_jobs[self.row])

    @property
    def wage(self) -> float:
        """Monthly wage, yuan."""
        return float(self.model.labour.firms.wage[self.row])

    @property
    def employees(self) -> int:
        """Current employees, simulated persons."""
        return int((self.model.persons.view("employer") == self.row).sum())

    @property
    def chain_leader(self) -> bool:
        """Whether it is one of the plan's chain leaders."""
        return bool(self.model.labour.firms.chain_leader[self.row])

    def step(self) -> None:
        """Grow the trend workforce and the wage by one month."""
        f = self.model.labour.firms
        f.target[self.row] *= (1.0 + f.growth[self.row]) ** (1.0 / 12.0)
        f.wage[self.row] *= (1.0 + self.model.params.labour.wage_growth) ** (1.0 / 12.0)


class Township(mesa.Agent):
    """A township (镇 or 乡) of the county, with its seat and villages.

    Attributes:
        index: Index of the township in ``townships.csv`` order.
    """

    def __init__(self, model: CountyModel, index: int) -> None:
        """Create township ``index`` and register it with the model."""
        super().__init__(model)
        self.index = int(index)

    @property
    def code(self) -> str:
        """Statistical code (统计用区划代码)."""
        return self.model.geo.township_codes[self.index]

    @property
    def name(self) -> str:
        """Chinese name."""
        return self.model.geo.township_names[self.index]

    @property
    def is_town(self) -> bool:
        """Town (镇) rather than township (乡)."""
        return bool(self.model.geo.township_is_town[self.index])

    @property
    def is_county_seat(self) -> bool:
        """Whether its seat is the county city."""
        return int(self.model.geo.seat_of[self.index]) == self.model.geo.county_city

    @property
    def places(self) -> np.ndarray:
        """Places (seat and villages) of the township."""
        return np.flatnonzero(self.model.geo.township == self.index)

    @property
    def residents(self) -> float:
        """Residents now, real persons."""
        by_place = self.model.census.residents_by_place
        return float(by_place[self.places].sum() * self.model.weight)

    @property
    def urban_residents(self) -> float:
        """Urban residents now, real persons."""
        by_place = self.model.census.residents_by_place
        places = self.places[self.model.geo.urban[self.places]]
        return float(by_place[places].sum() * self.model.weight)

    def step(self) -> None:
        """The county-seat township extends the county city's built-up area."""
        if self.is_county_seat:
            self.model.builtup.step()
