"""The policy machinery: the state mechanisms read, and the lever base class.

A lever is configured in the scenario (``scenario.policies.<lever>``, declared with its
behaviour in its module, see :mod:`hdsim.policies.registry`). When it is on,
:meth:`Policy.schedule` registers its activation with ``model.schedule_event`` for the start
of its start month; activation registers a monthly
event (``model.schedule_recurring``) that, for ``ramp_months`` months, phases in one month's
share of the lever's effect and of its capital cost, and from then on books its running cost.
Events fire between steps, before the step that simulates their month.

Levers act in two ways, so that no mechanism needs to know which scenario runs:

- on state the model already has (service capacity, quality and amenity of places, dwellings,
  house prices, firms' policy jobs, the commuting kernel of the labour market);
- through :class:`hdsim.state.effects.PolicyEffects`, whose fields the mechanisms read: each
  lever *contributes* to a field, and contributions combine (shares removed as
  ``1 - prod(1 - c)``, multipliers as products, additions as sums), so two levers acting on the
  same barrier cannot remove more than all of it.

The effect a lever delivers is its intensity times the plan's implementation efficiency
(``policies.implementation_efficiency``, the safeguards of the plan); its spending is its
intensity times its costs, whatever the efficiency.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from hdsim.config.fields import ConfigError
from hdsim.config.policies import Lever
from hdsim.policies.roles import expand_roles
from hdsim.utils.calendar import month_index

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel


class Policy:
    """A lever with a start month, an intensity and costs, activated by a scheduled event.

    Subclasses set :attr:`name` and override :meth:`setup` (one-off work at activation),
    :meth:`phase_in` (one month's share of the effect) and, if the lever keeps acting after
    its ramp, :meth:`every_month`.

    Attributes:
        name: Name of the lever in the scenario config.
        lever: The lever's configuration.
        intensity: 0 = off, 1 = as the plan reads.
        effect: Intensity times the plan's implementation efficiency.
        progress: Share of the full effect phased in so far (0 to 1).
    """

    name: ClassVar[str] = "policy"
    town_fields: ClassVar[tuple[str, ...]] = ()
    """Lever fields holding township codes, checked against the data when the model is built."""

    def __init__(self, model: CountyModel, lever: Lever, efficiency: float = 1.0) -> None:
        """Bind the lever configuration to the model.

        Args:
            model: The county model.
            lever: The lever's dataclass from the scenario config.
            efficiency: The plan's implementation efficiency.
        """
        self.model = model
        self.lever = lever
        self.intensity = float(lever.intensity)
        self.effect = self.intensity * float(efficiency)
        self.progress = 0.0
        self.months_done = 0
        self._generator: Any = None

    # -- timing --------------------------------------------------------------------------------

    @property
    def start_time(self) -> float:
        """Model time of activation: just before the step that simulates the start month."""
        months = month_index(self.model.config.horizon.start, self.lever.start)
        return max(months + 0.5, 0.0)

    def enabled(self) -> bool:
        """Whether the lever does anything in this scenario."""
        return self.lever.is_on()

    def check(self) -> None:
        """Check the lever's township codes against the county data.

        Raises:
            ConfigError: A code is not a township of the county data.
        """
        for key in self.town_fields:
            self.seats_of(list(getattr(self.lever, key)), key)

    def schedule(self) -> None:
        """Register the activation with the model's event list if the lever is on."""
        if self.enabled():
            self.check()
            self.model.schedule_event(self.activate, at=self.start_time)

    def activate(self) -> None:
        """Switch the lever on and start its monthly events."""
        from mesa.time import Schedule  # here: configs import the policy modules, not Mesa

        state = self.model.policy
        state.active = (*state.active, self.name)
        self.setup()
        self._generator = self.model.schedule_recurring(
            self.monthly, Schedule(interval=1.0, start=self.model.time)
        )

    def monthly(self) -> None:
        """Phase in one month's share during the ramp, act, and book the month's spending."""
        lv = self.lever
        ramp = max(int(lv.ramp_months), 1)
        spent = lv.cost_units() * lv.running_yi / 12.0
        if self.months_done < ramp:
            self.months_done += 1
            self.progress = self.months_done / ramp
            self.phase_in(1.0 / ramp)
            spent += lv.cost_units() * lv.cost_yi / ramp
        elif self.months_done == ramp:
            self.months_done += 1
            self.ramp_ended()
        self.every_month()
        step = self.model.steps + 1
        book = self.model.policy.spending.get(self.name)
        if book is not None and step < book.size:
            book[step] += spent

    # -- what a lever does (overridden) --------------------------------------------------------

    def setup(self) -> None:
        """One-off work at activation (find places and firms)."""

    def phase_in(self, delta: float) -> None:
        """Add ``delta`` (a share of the full effect, summing to 1 over the ramp)."""

    def ramp_ended(self) -> None:
        """Called once in the month after the ramp."""

    def every_month(self) -> None:
        """Called every month from activation on."""

    # -- helpers -------------------------------------------------------------------------------

    def amount(self, magnitude: float, delta: float) -> float:
        """This month's addition of a magnitude given at intensity 1."""
        return float(magnitude) * self.effect * delta

    def contribute(self, **magnitudes: float) -> None:
        """Set this lever's PolicyEffects contributions to ``magnitude x effect x progress``."""
        self.model.policy.contribute(
            self.name, **{k: float(v) * self.effect * self.progress for k, v in magnitudes.items()}
        )

    @property
    def city(self) -> int:
        """Place of the county city."""
        return int(self.model.geo.county_city)

    @property
    def seats(self) -> np.ndarray:
        """Places of the town and township seats (the county city excluded)."""
        return self.model.geo.seats

    @property
    def villages(self) -> np.ndarray:
        """Places of the villages, urban fringe villages included."""
        return self.model.geo.villages

    def towns_of(self, entries: list[str], key: str) -> list[str]:
        """Township codes of a lever field's entries (codes, or roles written ``role:<role>``).

        Raises:
            ConfigError: An unknown role, or a role no township holds.
        """
        return expand_roles(entries, self.model.data.townships, f"{self.name}.{key}")

    def seats_of(self, codes: list[str], key: str) -> np.ndarray:
        """Seats of the townships with statistical codes (or roles, see :meth:`towns_of`).

        Raises:
            ConfigError: A code is not a township of the county data.
        """
        geo = self.model.geo
        out = []
        for code in self.towns_of(codes, key):
            try:
                out.append(int(geo.seat_of[geo.township_index(str(code))]))
            except KeyError as exc:
                raise ConfigError(
                    f"scenario.policies.{self.name}.{key}: township code {code} is not in "
                    f"townships.csv; known: {', '.join(geo.township_codes)}"
                ) from exc
        return np.array(out, dtype=np.int64)

    def add_amenity(self, places: np.ndarray | int, magnitude: float, delta: float) -> None:
        """Raise the amenity index of ``places``."""
        self.model.state.services.amenity[places] += self.amount(magnitude, delta)

    def add_quality(
        self, services: tuple[str, ...], places: np.ndarray | int, magnitude: float, delta: float
    ) -> None:
        """Raise the quality of ``services`` at ``places`` (index points)."""
        ts = self.model.state.services
        for s in services:
            ts.quality_boost[s][places] += self.amount(magnitude, delta)

    def add_capacity(
        self, services: tuple[str, ...], places: np.ndarray | int, relative: float, delta: float
    ) -> None:
        """Raise the capacity of ``services`` at ``places`` relative to its t0 level."""
        ts = self.model.state.services
        for s in services:
            ts.capacity[s][places] += ts.capacity0[s][places] * self.amount(relative, delta)

    def add_housing(self, places: np.ndarray | int, relative: float, delta: float) -> None:
        """Add dwellings at ``places`` relative to their t0 stock."""
        hs = self.model.state.housing
        hs.units[places] += hs.units0[places] * self.amount(relative, delta)

    def firm_rows(self, sector: str, places: np.ndarray | int) -> np.ndarray:
        """Rows of the firms of ``sector`` at ``places``; a new firm row if there is none."""
        from hdsim.data.spec import SECTORS

        m = self.model
        f = m.state.firms
        nf = f.n
        index = SECTORS.index(sector)
        rows = np.flatnonzero((f.sector[:nf] == index) & np.isin(f.place[:nf], places))
        if rows.size:
            return rows
        place = int(np.atleast_1d(places)[0])
        wages = f.wage[:nf][f.sector[:nf] == index]
        row = f.add(
            name=f"{self.name}:{sector}",
            place=place,
            sector=index,
            wage=float(wages.mean()) if wages.size else float(f.wage[:nf].mean()),
            growth=0.0,
            policy_jobs=0.0,
        )
        m.add_firm_agent(row)
        return np.array([row])

    def add_jobs(self, rows: np.ndarray, jobs: float, delta: float) -> None:
        """Add real jobs to firms ``rows``, spread in proportion to their workforce."""
        f = self.model.state.firms
        weight = f.target[rows] + f.policy_jobs[rows]
        weight = weight / weight.sum() if weight.sum() > 0 else np.full(rows.size, 1 / rows.size)
        f.policy_jobs[rows] += weight * self.amount(jobs, delta) * self.model.scale
