"""Townships: public services, housing, built-up growth and reclassification.

Two mechanisms change the places' :class:`hdsim.state.services.ServiceState` every month:

- :class:`ServicesAndHousing`. **Services** (school, health, elderly care): quality falls when
  users grow faster than capacity:
  ``quality = base * min(capacity/capacity0 / (users/users0), crowding_cap) ** congestion +
  policy boost``, clipped to [0, 1]. **Housing**: seats and the county city have a dwelling
  stock (the county city's from the data, seats' from their t0 households times
  ``seat_housing_margin``), growing at ``housing_units_growth`` a year. The price per m²
  follows occupancy with elasticity ``housing_elasticity`` and ``price_inflation`` a year.
- :class:`BuiltUpGrowth` (run by the county-seat ``Township`` agent). The county city's
  built-up area grows by ``builtup_growth_share`` of its census-day area a year on trend (a
  share, so the parameter transfers between counties), plus the land-supply lever,
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
    """Monthly response of service quality and house prices to where people live.

    Attributes:
        state: The county state (services, households, the census, the clock).
        params: Township parameters.
    """

    def __init__(self, state: CountyState, params: TownshipParams) -> None:
        """Bind the mechanism to the state it reads and writes."""
        self.state = state
        self.params = params

    def step(self) -> None:
        """Update service quality and house prices from current residents."""
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
        occupied = st.family_households_by_place().astype(float)
        finite = np.isfinite(ts.housing_units)
        growth = (1.0 + p.housing_units_growth) ** (1.0 / 12.0)
        ts.housing_units[finite] *= growth
        occ = np.where(finite, occupied / np.where(finite, ts.housing_units, 1.0), 1.0)
        ratio = np.where(ts.occupancy0 > 0, occ / np.maximum(ts.occupancy0, 1e-9), 1.0)
        inflation = (1.0 + p.price_inflation) ** st.clock.years
        ts.price = ts.price0 * np.clip(ratio, 0.5, 2.0) ** p.housing_elasticity * inflation


class BuiltUpGrowth:
    """Growth of the county city's built-up area, absorbing the villages it reaches.

    Attributes:
        state: The county state (services, geography, the census, policy effects).
        params: Township parameters.
        builtup0_km2: The county city's built-up area when the mechanism is bound (t0), the
            base of ``builtup_growth_share``.
    """

    def __init__(self, state: CountyState, params: TownshipParams) -> None:
        """Bind the mechanism to the state it reads and writes."""
        self.state = state
        self.params = params
        self.builtup0_km2 = float(state.services.builtup_km2)

    def step(self) -> None:
        """Grow the county city's built-up area by one month and absorb villages it reaches."""
        st = self.state
        ts = st.services
        p = self.params
        geo = st.geo
        yearly = p.builtup_growth_share * self.builtup0_km2 + st.effects.extra_builtup_km2
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
