"""Townships: public services, built-up growth and reclassification.

Two mechanisms change the places' :class:`hdsim.state.services.ServiceState` every month:

- :class:`ServicesAndHousing`. **Services** (school, health, elderly care): quality falls when
  users grow faster than capacity:
  ``quality = base * min(capacity/capacity0 / (users/users0), crowding_cap) ** congestion +
  policy boost``, clipped to [0, 1]. Housing (stock, prices, purchases) is
  :mod:`hdsim.mechanisms.housing`.
- :class:`BuiltUpGrowth` (run by the county-seat ``Township`` agent). The county city's
  built-up area grows by ``builtup_growth_km2`` a year on trend, plus the land-supply lever,
  plus ``builtup_pressure`` of its excess population over its t0 density. Every
  ``km2_per_village`` of growth absorbs the nearest rural village into the urban area
  (220 → 112, 城乡结合区): its residents become urban without moving.

Upgrades (乡→镇) are policy events (``hdsim.policies.levers.TownshipUpgrade``).
"""

from __future__ import annotations

import numpy as np

from hdsim.config.behaviour import TownshipParams
from hdsim.state.county import CountyState
from hdsim.state.places import PlaceKind
from hdsim.state.services import SERVICES, amenity_of

__all__ = ["SERVICES", "BuiltUpGrowth", "ServicesAndHousing"]


class ServicesAndHousing:
    """Monthly response of service quality to where people live.

    Attributes:
        state: The county state (services, households, the census, the clock).
        params: Township parameters.
    """

    def __init__(self, state: CountyState, params: TownshipParams) -> None:
        """Bind the mechanism to the state it reads and writes."""
        self.state = state
        self.params = params

    def step(self) -> None:
        """Update service quality from current residents."""
        st = self.state
        ts = st.services
        p = self.params
        users = ts.pool_users(st.census.residents_by_place)[ts.pool]
        users0 = ts.users0[ts.pool]
        load = np.where(users > 0, users0 / np.maximum(users, 1e-9), 1.0)
        for s in SERVICES:
            finite = np.isfinite(ts.capacity0[s]) & (ts.capacity0[s] > 0)
            cap_ratio = np.ones_like(ts.capacity0[s])
            cap_ratio[finite] = ts.capacity[s][finite] / ts.capacity0[s][finite]
            q = ts.quality_base[s] * np.minimum(cap_ratio * load, p.crowding_cap) ** p.congestion
            ts.quality[s] = np.clip(q + ts.quality_boost[s], 0.0, 1.0)


class BuiltUpGrowth:
    """Growth of the county city's built-up area, absorbing the villages it reaches.

    Attributes:
        state: The county state (services, geography, the census, policy effects).
        params: Township parameters.
    """

    def __init__(self, state: CountyState, params: TownshipParams) -> None:
        """Bind the mechanism to the state it reads and writes."""
        self.state = state
        self.params = params

    def step(self) -> None:
        """Grow the county city's built-up area by one month and absorb villages it reaches."""
        st = self.state
        ts = st.services
        p = self.params
        geo = st.geo
        yearly = p.builtup_growth_km2 + st.effects.extra_builtup_km2
        pop = st.census.residents_by_place[geo.county_city] * st.weight
        overflow = max(0.0, pop / ts.density0 - ts.builtup_km2)
        growth = yearly / 12.0 + p.builtup_pressure * overflow
        ts.builtup_km2 += growth
        ts.pending_km2 += growth
        while ts.pending_km2 >= p.km2_per_village:
            if not self.absorb_nearest_village():
                break
            ts.pending_km2 -= p.km2_per_village

    def absorb_nearest_village(self) -> bool:
        """Reclassify the rural village nearest to the county city as urban (220 → 112).

        Returns:
            False when no rural village is left.
        """
        geo = self.state.geo
        ts = self.state.services
        rural = np.flatnonzero((geo.kind == PlaceKind.VILLAGE) & (geo.code == 220))
        if rural.size == 0:
            return False
        nearest = rural[np.argmin(geo.distance[geo.county_city, rural])]
        geo.reclassify(int(nearest), 112)
        ts.amenity[nearest] = max(ts.amenity[nearest], amenity_of(PlaceKind.SEAT, self.params))
        ts.reclassified += 1
        return True
