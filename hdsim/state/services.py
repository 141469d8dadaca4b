"""Services and built-up area of every place: the state the township mechanisms keep.

- **Services** (school, health, elderly care): capacity and base quality from ``services.csv``
  for the county city, each seat, and the pooled villages of each township; the current
  quality, what policy has added to it, and which village schools are still open
  (consolidation, 撤点并校, closes them).
- Housing (dwellings, prices, tenure) is :mod:`hdsim.state.housing`.
- **Built-up area** of the county city and of the seats, and the counts of reclassified,
  joined, zone-coded and merged villages and of upgraded townships (the statistical layer,
  ``hdsim.mechanisms.classification``).

:func:`build_services` initialises it at the census; ``hdsim.mechanisms.services`` updates the
services, ``hdsim.mechanisms.housing`` the housing, ``hdsim.mechanisms.townships`` the
built-up area.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hdsim.config.behaviour import TownshipParams
from hdsim.state.places import Geography, PlaceKind

SERVICES = ("school", "health", "elderly_care")
"""The public services of every place."""


def amenity_of(kind: PlaceKind, params: TownshipParams) -> float:
    """Urban amenity index of a kind of place."""
    return {
        PlaceKind.VILLAGE: params.amenity_village,
        PlaceKind.SEAT: params.amenity_seat,
        PlaceKind.COUNTY_CITY: params.amenity_county_city,
        PlaceKind.OUTSIDE: params.amenity_outside,
    }[kind]


@dataclass
class ServiceState:
    """Services and built-up area of every place.

    Attributes:
        pool: Service pool of each place (seats and the county city alone; villages pooled by
            township; outside its own pool).
        n_pools: Number of pools (places plus townships).
        capacity: Service capacity by service and place (persons served).
        capacity0: Capacity at t0.
        quality: Current service quality by service and place, in [0, 1].
        quality_base: Quality at t0.
        quality_boost: Quality added by policy so far.
        school_open: Whether the school of each place is open (village schools close below an
            enrolment threshold; their pupils go to the seat's school).
        users0: Residents per service pool at t0 (simulated persons).
        amenity: Amenity index of each place.
        builtup_km2: Built-up area of the county city.
        density0: Residents per km² of the county city's built-up area at t0.
        pending_km2: Built-up growth not yet turned into absorbed villages.
        reclassified: Villages absorbed into the county city's urban area so far.
        upgraded: Townships upgraded to towns so far.
        seat_builtup_km2: Built-up area of each township's seat (the statistical layer's
            estimate: census-day seat residents over ``builtup_density``, then its growth).
        seat_pending_km2: Seat built-up growth not yet turned into joined villages.
        seat_joined: Villages joined to a town seat's built-up area so far (220 → 122).
        zone_coded: Villages coded as a special area (123) so far.
        upgrade_joined: Villages joined to a new town's centre after 撤乡设镇 so far.
        merged: Administrative villages merged into another so far (合村并组).
        overridden: Places whose code the county folder's ``village_codes.csv`` set so far.
    """

    pool: np.ndarray
    n_pools: int
    capacity: dict[str, np.ndarray]
    capacity0: dict[str, np.ndarray]
    quality: dict[str, np.ndarray]
    quality_base: dict[str, np.ndarray]
    quality_boost: dict[str, np.ndarray]
    school_open: np.ndarray
    users0: np.ndarray
    amenity: np.ndarray
    builtup_km2: float
    density0: float
    pending_km2: float = 0.0
    reclassified: int = 0
    upgraded: int = 0
    seat_builtup_km2: np.ndarray = field(default_factory=lambda: np.zeros(0))
    seat_pending_km2: np.ndarray = field(default_factory=lambda: np.zeros(0))
    seat_joined: int = 0
    zone_coded: int = 0
    upgrade_joined: int = 0
    merged: int = 0
    overridden: int = 0

    def pool_users(self, residents_by_place: np.ndarray) -> np.ndarray:
        """Residents per service pool (simulated persons)."""
        return np.bincount(self.pool, weights=residents_by_place, minlength=self.n_pools)


def build_services(
    geo: Geography,
    services: pd.DataFrame,
    residents_by_place: np.ndarray,
    figures: dict[str, float],
    scale: float,
    params: TownshipParams,
) -> ServiceState:
    """Initialise services and the built-up area at the census.

    Args:
        geo: Places of the county (t0 population included).
        services: ``services.csv`` (township_code, place, service, capacity, quality).
        residents_by_place: Residents of each place at the census, simulated persons.
        figures: County figures: ``county_city_builtup_km2_2020``.
        scale: Simulated households per real household.
        params: Township parameters (amenity, quality outside).

    Returns:
        The state at t0.
    """
    n = geo.n_places
    kind = geo.kind
    pool = np.arange(n)
    villages = kind == PlaceKind.VILLAGE
    pool[villages] = n + geo.township[villages]
    capacity: dict[str, np.ndarray] = {s: np.zeros(n) for s in SERVICES}
    quality_base: dict[str, np.ndarray] = {s: np.zeros(n) for s in SERVICES}
    for row in services.itertuples(index=False):
        t = geo.township_index(str(row.township_code))
        if row.place == "villages":
            places = np.flatnonzero(villages & (geo.township == t))
            share = geo.t0_population[places] / max(geo.t0_population[places].sum(), 1)
        else:
            places = np.array([geo.seat_of[t]])
            share = np.ones(1)
        capacity[str(row.service)][places] = float(row.capacity) * scale * share
        quality_base[str(row.service)][places] = float(row.quality)
    for s in SERVICES:
        quality_base[s][geo.outside] = params.outside_quality
        capacity[s][geo.outside] = np.inf
    builtup = float(figures["county_city_builtup_km2_2020"])
    n_pools = n + geo.n_townships
    return ServiceState(
        pool=pool,
        n_pools=n_pools,
        capacity=capacity,
        capacity0={s: c.copy() for s, c in capacity.items()},
        quality={s: q.copy() for s, q in quality_base.items()},
        quality_base=quality_base,
        quality_boost={s: np.zeros(n) for s in SERVICES},
        school_open=np.ones(n, dtype=bool),
        users0=np.bincount(pool, weights=residents_by_place, minlength=n_pools),
        amenity=np.array([amenity_of(PlaceKind(k), params) for k in kind]),
        builtup_km2=builtup,
        density0=float(geo.t0_population[geo.county_city] / max(builtup, 1e-9)),
        seat_builtup_km2=geo.t0_population[geo.seat_of] / params.builtup_density,
        seat_pending_km2=np.zeros(geo.n_townships),
    )
