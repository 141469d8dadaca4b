"""Townships: built-up growth and reclassification.

- :class:`BuiltUpGrowth` (run by the county-seat ``Township`` agent). The county city's
  built-up area grows by ``builtup_growth_share`` of its census-day area a year on trend (a
  share, so the parameter transfers between counties), plus the land-supply lever,
  plus ``builtup_pressure`` of its excess population over its t0 density. Every
  ``km2_per_village`` of growth absorbs the nearest rural village into the urban area
  (220 → 112, 城乡结合区): its residents become urban without moving (a village merged into
  another moves with it; villages whose codes the county folder gives are left alone).

The growth of town seats, special areas (123), the villages of upgraded townships and village
mergers are the statistical layer's, once a year (:mod:`hdsim.mechanisms.classification`).

Public services (quality, school consolidation) are :mod:`hdsim.mechanisms.services`; housing
(stock, prices, purchases, rationing) is :mod:`hdsim.mechanisms.housing`. Upgrades (乡→镇) are
policy events (``hdsim.policies.levers.TownshipUpgrade``) or dated administrative changes
(:mod:`hdsim.mechanisms.admin`).
"""

from __future__ import annotations

import numpy as np

from hdsim.config.behaviour import TownshipParams
from hdsim.state.county import CountyState
from hdsim.state.places import PlaceKind
from hdsim.state.services import SERVICES, amenity_of

__all__ = ["SERVICES", "BuiltUpGrowth"]


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
        rural = geo.rural_villages()
        if rural.size == 0:
            return False
        nearest = rural[np.argmin(geo.distance[geo.county_city, rural])]
        geo.reclassify(int(nearest), 112)
        ts.amenity[nearest] = max(ts.amenity[nearest], amenity_of(PlaceKind.SEAT, self.params))
        ts.reclassified += 1
        return True
