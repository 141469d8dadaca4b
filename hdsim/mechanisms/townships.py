"""Townships: public services, housing, built-up growth and reclassification.

State per place (:class:`TownshipState`), updated every month:

- **Services** (school, health, elderly care). Capacity and base quality come from
  ``services.csv`` for the county city, each seat, and the pooled villages of each township.
  Quality falls when users grow faster than capacity:
  ``quality = base * (capacity/capacity0 / (users/users0)) ** congestion + policy boost``,
  clipped to [0, 1].
- **Housing.** Seats and the county city have a dwelling stock (the county city's from the
  data, seats' from their t0 households plus 5%), growing at ``housing_units_growth`` a year.
  The price per m² follows occupancy with elasticity ``housing_elasticity`` and 3% yearly
  inflation.
- **Built-up growth** (done by the county-seat ``Township`` agent). The county city's
  built-up area grows by ``builtup_growth_km2`` a year on trend, plus the land-supply lever,
  plus a pressure term when its population outgrows its t0 density. Every
  ``km2_per_village`` of growth absorbs the nearest rural village into the urban area
  (220 → 112, 城乡结合区): its residents become urban without moving.
- **Upgrades** (乡→镇) are policy events (``hdsim.policies.levers.TownshipUpgrade``).

Amenity and price levels outside the county are assumptions stated below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hdsim.config.behaviour import TownshipParams
from hdsim.model.geography import PlaceKind

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel

SERVICES = ("school", "health", "elderly_care")
AMENITY = {
    PlaceKind.VILLAGE: 0.1,
    PlaceKind.SEAT: 0.4,
    PlaceKind.COUNTY_CITY: 0.8,
    PlaceKind.OUTSIDE: 1.0,
}
"""Urban amenity index by kind of place (assumption)."""
PRICE_FACTOR = {
    PlaceKind.VILLAGE: 0.2,
    PlaceKind.SEAT: 0.55,
    PlaceKind.COUNTY_CITY: 1.0,
    PlaceKind.OUTSIDE: 2.5,
}
"""House price relative to the county city (assumption)."""
OUTSIDE_QUALITY = 0.55
"""Service quality a migrant family finds outside the county (assumption)."""
PRICE_INFLATION = 0.03
"""Yearly nominal house-price inflation at constant occupancy (assumption)."""


class TownshipState:
    """Services, housing and built-up area of every place.

    Attributes:
        pool: Service pool of each place (seats and the county city alone; villages pooled by
            township; outside its own pool).
        capacity: Service capacity by service and place (persons served).
        capacity0: Capacity at t0.
        quality: Current service quality by service and place, in [0, 1].
        quality_base: Quality at t0.
        quality_boost: Quality added by policy so far.
        amenity: Amenity index of each place.
        price: House price per m² of each place, yuan.
        housing_units: Dwellings of each place (villages and outside unconstrained).
        builtup_km2: Built-up area of the county city.
        reclassified: Villages absorbed into the urban area so far.
        upgraded: Townships upgraded to towns so far.
    """

    def __init__(self, model: CountyModel, params: TownshipParams) -> None:
        """Initialise services and housing from ``services.csv`` and ``county.csv``.

        Args:
            model: The county model (its geography and t0 population must exist).
            params: Township parameters.
        """
        self.model = model
        self.params = params
        geo = model.geo
        n = geo.n_places
        kind = geo.kind
        pool = np.arange(n)
        villages = kind == PlaceKind.VILLAGE
        pool[villages] = n + geo.township[villages]
        self.pool = pool
        self.n_pools = n + geo.n_townships
        self.capacity: dict[str, np.ndarray] = {s: np.zeros(n) for s in SERVICES}
        self.quality_base: dict[str, np.ndarray] = {s: np.zeros(n) for s in SERVICES}
        for row in model.data.services.itertuples(index=False):
            t = geo.township_index(str(row.township_code))
            if row.place == "villages":
                places = np.flatnonzero(villages & (geo.township == t))
                share = geo.t0_population[places] / max(geo.t0_population[places].sum(), 1)
            else:
                places = np.array([geo.seat_of[t]])
                share = np.ones(1)
            self.capacity[row.service][places] = float(row.capacity) * model.scale * share
            self.quality_base[row.service][places] = float(row.quality)
        for s in SERVICES:
            self.quality_base[s][geo.outside] = OUTSIDE_QUALITY
            self.capacity[s][geo.outside] = np.inf
        self.capacity0 = {s: c.copy() for s, c in self.capacity.items()}
        self.quality_boost = {s: np.zeros(n) for s in SERVICES}
        self.quality = {s: q.copy() for s, q in self.quality_base.items()}
        self.amenity = np.array([AMENITY[PlaceKind(k)] for k in kind])
        price0 = model.data.figure("county_city_housing_price_2020")
        self.price0 = np.array([PRICE_FACTOR[PlaceKind(k)] for k in kind]) * price0
        self.price = self.price0.copy()
        h = model.households
        occupied = np.bincount(h.place[: h.n][~h.collective[: h.n]], minlength=n).astype(float)
        units = occupied * 1.05
        units[geo.county_city] = max(
            model.data.figure("county_city_housing_units_2020") * model.scale,
            occupied[geo.county_city] * 1.02,
        )
        units[villages] = np.inf
        units[geo.outside] = np.inf
        self.housing_units = units
        self.housing_units0 = units.copy()
        self.occupancy0 = np.where(np.isfinite(units), occupied / units, 1.0)
        self.users0 = self._pool_users()
        self.builtup_km2 = model.data.figure("county_city_builtup_km2_2020")
        self.density0 = geo.t0_population[geo.county_city] / max(self.builtup_km2, 1e-9)
        self.pending_km2 = 0.0
        self.reclassified = 0
        self.upgraded = 0

    def _pool_users(self) -> np.ndarray:
        """Residents per service pool (simulated persons)."""
        residents = self.model.census.residents_by_place
        return np.bincount(self.pool, weights=residents, minlength=self.n_pools)

    def update_services_and_housing(self) -> None:
        """Monthly update of service quality and house prices from current residents."""
        m = self.model
        p = self.params
        users = self._pool_users()[self.pool]
        users0 = self.users0[self.pool]
        load = np.where(users > 0, users0 / np.maximum(users, 1e-9), 1.0)
        for s in SERVICES:
            finite = np.isfinite(self.capacity0[s]) & (self.capacity0[s] > 0)
            cap_ratio = np.ones_like(self.capacity0[s])
            cap_ratio[finite] = self.capacity[s][finite] / self.capacity0[s][finite]
            q = self.quality_base[s] * np.minimum(cap_ratio * load, 1.5) ** p.congestion
            self.quality[s] = np.clip(q + self.quality_boost[s], 0.0, 1.0)
        h = m.households
        occupied = np.bincount(
            h.place[: h.n][~h.collective[: h.n]], minlength=m.geo.n_places
        ).astype(float)
        finite = np.isfinite(self.housing_units)
        growth = (1.0 + p.housing_units_growth) ** (1.0 / 12.0)
        self.housing_units[finite] *= growth
        occ = np.where(finite, occupied / np.where(finite, self.housing_units, 1.0), 1.0)
        ratio = np.where(self.occupancy0 > 0, occ / np.maximum(self.occupancy0, 1e-9), 1.0)
        inflation = (1.0 + PRICE_INFLATION) ** (m.steps / 12.0)
        self.price = self.price0 * np.clip(ratio, 0.5, 2.0) ** p.housing_elasticity * inflation

    def grow_builtup(self) -> None:
        """Grow the county city's built-up area and absorb villages it reaches."""
        m = self.model
        p = self.params
        geo = m.geo
        yearly = p.builtup_growth_km2 + m.policy.extra_builtup_km2
        pop = m.census.residents_by_place[geo.county_city] * m.weight
        overflow = max(0.0, pop / self.density0 - self.builtup_km2)
        growth = yearly / 12.0 + 0.05 * overflow
        self.builtup_km2 += growth
        self.pending_km2 += growth
        while self.pending_km2 >= p.km2_per_village:
            if not self.absorb_nearest_village():
                break
            self.pending_km2 -= p.km2_per_village

    def absorb_nearest_village(self) -> bool:
        """Reclassify the rural village nearest to the county city as urban (220 → 112).

        Returns:
            False when no rural village is left.
        """
        geo = self.model.geo
        rural = np.flatnonzero((geo.kind == PlaceKind.VILLAGE) & (geo.code == 220))
        if rural.size == 0:
            return False
        nearest = rural[np.argmin(geo.distance[geo.county_city, rural])]
        geo.reclassify(int(nearest), 112)
        self.amenity[nearest] = max(self.amenity[nearest], AMENITY[PlaceKind.SEAT])
        self.reclassified += 1
        return True
