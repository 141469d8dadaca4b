"""Housing of every place: the dwelling stock, its prices, and how households hold their homes.

- **Stock**: the seats and the county city have a finite number of dwellings; villages (where a
  household builds on its homestead) and 'outside' are unconstrained (``inf``). The county
  city's stock at the census is its occupied dwellings (family households living there) grossed
  up by the vacancy rate ``HousingParams.city_vacancy_2020``; a seat's is its households times
  ``TownshipParams.seat_housing_margin``.
- **Prices** per m² of each place: the county city's 2020 price from the county data, other
  places relative to it (``TownshipParams.price_factor_*``).
- **Tenure** (:class:`Tenure`) of every household, the census's housing-source categories
  (住房来源): rented (租赁), self-built (自建, on a homestead), bought (购买).
  ``HouseholdTable.owner`` is true exactly when the tenure is not rented.

:func:`build_housing` initialises the state at the census; :mod:`hdsim.mechanisms.housing`
updates it every month (prices, stock growth, purchases) and rations arrivals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from hdsim.config.behaviour import HousingParams, TownshipParams
from hdsim.state.places import Geography, PlaceKind
from hdsim.state.tables import HouseholdTable

__all__ = ["HousingState", "Tenure", "build_housing", "price_factor_of", "tenure_at_census"]


class Tenure(IntEnum):
    """How a household holds its dwelling (the census's 住房来源, inherited counted as bought)."""

    RENTED = 0
    SELF_BUILT = 1
    BOUGHT = 2


def price_factor_of(kind: PlaceKind, params: TownshipParams) -> float:
    """House price of a kind of place relative to the county city."""
    return {
        PlaceKind.VILLAGE: params.price_factor_village,
        PlaceKind.SEAT: params.price_factor_seat,
        PlaceKind.COUNTY_CITY: 1.0,
        PlaceKind.OUTSIDE: params.price_factor_outside,
    }[kind]


@dataclass
class HousingState:
    """Dwelling stock and prices of every place.

    Attributes:
        units: Dwellings of each place (villages and outside unconstrained: inf).
        units0: Dwellings at t0.
        price0: House price per m² of each place at t0 occupancy, yuan (levers may lower it).
        price: House price per m² of each place now, yuan.
        occupancy0: Occupied share of the dwellings at t0.
    """

    units: np.ndarray
    units0: np.ndarray
    price0: np.ndarray
    price: np.ndarray
    occupancy0: np.ndarray

    @property
    def limited(self) -> np.ndarray:
        """Places whose dwelling stock is finite (the seats and the county city)."""
        return np.isfinite(self.units)

    def vacant(self, occupied: np.ndarray) -> np.ndarray:
        """Vacant dwellings of each place given the households ``occupied`` living there."""
        return np.maximum(self.units - occupied, 0)

    def vacancy_rate(self, occupied: np.ndarray) -> np.ndarray:
        """Vacant share of the dwellings of each place (1 where the stock is unconstrained)."""
        finite = self.limited
        rate = np.ones(self.units.size)
        rate[finite] = self.vacant(occupied)[finite] / np.maximum(self.units[finite], 1e-9)
        return rate


def build_housing(
    geo: Geography,
    occupied: np.ndarray,
    figures: dict[str, float],
    scale: float,
    townships: TownshipParams,
    housing: HousingParams,
) -> HousingState:
    """Initialise the dwelling stock and prices at the census.

    Args:
        geo: Places of the county.
        occupied: Family households living at each place.
        figures: County figures: ``county_city_housing_price_2020`` (yuan/m²).
        scale: Simulated households per real household (the stock is in simulated dwellings
            because ``occupied`` is in simulated households).
        townships: Township parameters (price factors, the seats' housing margin).
        housing: Housing parameters (the county city's vacancy at the census).

    Returns:
        The housing state at t0.
    """
    kind = geo.kind
    price0 = np.array([price_factor_of(PlaceKind(k), townships) for k in kind]) * float(
        figures["county_city_housing_price_2020"]
    )
    units = occupied * townships.seat_housing_margin
    units[geo.county_city] = occupied[geo.county_city] / (1.0 - housing.city_vacancy_2020)
    units[kind == PlaceKind.VILLAGE] = np.inf
    units[geo.outside] = np.inf
    return HousingState(
        units=units,
        units0=units.copy(),
        price0=price0,
        price=price0.copy(),
        occupancy0=np.where(np.isfinite(units), occupied / units, 1.0),
    )


def tenure_at_census(households: HouseholdTable, geo: Geography) -> np.ndarray:
    """Tenure of every household at the census, from the synthesis's ``owner`` flag.

    Owners living on their homestead built their house; other owners bought; the rest rent.

    Returns:
        ``Tenure`` codes (int8), one per household row in use.
    """
    h = households
    n = h.n
    place = h.place[:n]
    home = (place == h.origin[:n]) & h.homestead[:n] & (geo.kind[place] == PlaceKind.VILLAGE)
    built = np.where(home, Tenure.SELF_BUILT, Tenure.BOUGHT)
    return np.where(h.owner[:n], built, Tenure.RENTED).astype(np.int8)
