"""Policy effects: the current effect of all levers, in the fields the mechanisms read.

Each lever *contributes* to named channels; contributions combine so that two levers acting on
the same barrier cannot remove more than all of it: shares removed combine as
``1 - prod(1 - c)``, gains as ``prod(1 + c)``, cuts as ``prod(1 - c)``, additions as sums.
A contribution to a channel that does not exist is an error, not a silent no-op.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

SHARES = ("services_by_residence", "threshold_reduction", "land_rights_kept")
"""Channels that are shares of a barrier removed: contributions combine as 1 - prod(1 - c)."""
GAINS = {
    "hire_multiplier": "hire_gain",
    "return_multiplier": "return_gain",
}
"""Multipliers built as prod(1 + contribution), by the name of their contribution."""
CHANNELS = (
    *SHARES,
    "conversion_boost",
    "extra_builtup_km2",
    *GAINS.values(),
    "departure_cut",
    "capacity_persons",
)
"""Every channel a lever may contribute to."""


class UnknownChannelError(KeyError):
    """A lever contributed to a channel that :class:`PolicyEffects` does not have."""

    def __str__(self) -> str:
        """The one-line message (KeyError would quote it)."""
        return str(self.args[0])


@dataclass
class PolicyEffects:
    """The current effect of all policies, read by the mechanisms.

    Attributes:
        services_by_residence: Share of the hukou barrier to urban services removed.
        threshold_reduction: Share of the residence requirement for hukou removed.
        conversion_multiplier: Multiple of the base hukou conversion rate.
        land_rights_kept: Share of land attachment removed by keeping rights after moving.
        extra_builtup_km2: Extra yearly built-up growth of the county city, km².
        hire_multiplier: Multiple of the share of vacancies filled per month.
        departure_multiplier: Multiple of the yearly departure rate of the young.
        return_multiplier: Multiple of the yearly return rate of people away.
        infrastructure_capacity: Residents the county city's networks can serve, real persons.
        infrastructure_base: That capacity before levers add to it, real persons.
        active: Names of the levers switched on so far.
        contributions: Each lever's current contribution to each channel (:data:`CHANNELS`).
        spending: 亿元 spent by each lever in each step (index = step number).
        budget_line: 亿元 available in each step.
    """

    services_by_residence: float = 0.0
    threshold_reduction: float = 0.0
    conversion_multiplier: float = 1.0
    land_rights_kept: float = 0.0
    extra_builtup_km2: float = 0.0
    hire_multiplier: float = 1.0
    departure_multiplier: float = 1.0
    return_multiplier: float = 1.0
    infrastructure_capacity: float = math.inf
    infrastructure_base: float = math.inf
    active: tuple[str, ...] = ()
    contributions: dict[str, dict[str, float]] = field(default_factory=dict)
    spending: dict[str, np.ndarray] = field(default_factory=dict)
    budget_line: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def contribute(self, lever: str, **values: float) -> None:
        """Set lever ``lever``'s current contributions and recombine all fields.

        Raises:
            UnknownChannelError: A keyword is not one of :data:`CHANNELS`.
        """
        unknown = sorted(set(values) - set(CHANNELS))
        if unknown:
            raise UnknownChannelError(
                f"lever {lever!r} contributes to unknown effect channel(s) {', '.join(unknown)}; "
                f"known: {', '.join(CHANNELS)}"
            )
        self.contributions.setdefault(lever, {}).update(values)
        self.recombine()

    def _all(self, key: str) -> list[float]:
        return [c[key] for c in self.contributions.values() if key in c]

    def recombine(self) -> None:
        """Combine every lever's contributions into the fields the mechanisms read."""
        shares = {}
        for key in SHARES:
            kept = np.prod([1.0 - min(max(c, 0.0), 1.0) for c in self._all(key)])
            shares[key] = float(1.0 - kept)
        self.services_by_residence = shares["services_by_residence"]
        self.threshold_reduction = shares["threshold_reduction"]
        self.land_rights_kept = shares["land_rights_kept"]
        self.conversion_multiplier = 1.0 + float(sum(self._all("conversion_boost")))
        self.extra_builtup_km2 = float(sum(self._all("extra_builtup_km2")))
        self.hire_multiplier = float(np.prod([1.0 + c for c in self._all("hire_gain")]))
        self.return_multiplier = float(np.prod([1.0 + c for c in self._all("return_gain")]))
        cuts = [min(max(c, 0.0), 1.0) for c in self._all("departure_cut")]
        self.departure_multiplier = float(np.prod([1.0 - c for c in cuts]))
        self.infrastructure_capacity = self.infrastructure_base + float(
            sum(self._all("capacity_persons"))
        )

    def county_city_headroom(
        self, city_residents: float, households_there: float, weight: float
    ) -> float:
        """Households the county city can still admit before its networks are full.

        Args:
            city_residents: Residents of the county city at the last census, simulated persons.
            households_there: Family households living in the county city now.
            weight: Real persons per simulated person.

        Returns:
            Households, in simulated units (never negative).
        """
        if not math.isfinite(self.infrastructure_capacity):
            return math.inf
        residents = float(city_residents)
        size = max(residents / max(households_there, 1.0), 1.0)
        free = self.infrastructure_capacity / weight - residents
        return max(free / size, 0.0)
