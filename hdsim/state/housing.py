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

Tenure at the census (:func:`tenure_at_census`) reproduces the county's housing-source shares
of family households (the 2020 table's 10% long-form columns ``住房来源_*``; 继承或赠予 counted
as bought, 其他 (housing lent by an employer or relatives) as rented, so the three shares add up
to the table's total). The county table gives no split by settlement type, so the split follows
stated rules (:class:`TenureAssumptions`): every family household living on its own homestead
in its home village built its house (the census's 自建 is the rural homestead house); the rest
of the self-built count is drawn among the other households with weights by kind of place
(rural seats, then urban seats and fringe villages, least in the county city's 城中村), doubled
for households that hold a homestead and zero for households registered outside the county;
the rented count is drawn among the rest with weights for residents registered in another
township or county; everybody else bought. The counts are exact (weighted sampling without
replacement); a county whose homestead households outnumber its self-built count gets a random
subset of them. :func:`tenure_of_owners` is the older rule from the ``owner`` flag alone, kept
for county folders without the housing-source figures.

:func:`build_housing` initialises the state at the census; :mod:`hdsim.mechanisms.housing`
updates it every month (prices, stock growth, purchases) and rations arrivals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from hdsim.config.behaviour import HousingParams, TownshipParams
from hdsim.state.places import Geography, PlaceKind
from hdsim.state.tables import HouseholdTable, PersonTable

__all__ = [
    "HOUSING_SOURCE_KEYS",
    "HousingState",
    "Tenure",
    "TenureAssumptions",
    "build_housing",
    "census_tenure_shares",
    "price_factor_of",
    "tenure_at_census",
    "tenure_of_owners",
]


class Tenure(IntEnum):
    """How a household holds its dwelling (the census's 住房来源, inherited counted as bought)."""

    RENTED = 0
    SELF_BUILT = 1
    BOUGHT = 2


HOUSING_SOURCE_KEYS: dict[str, Tenure] = {
    "housing_rented_2020": Tenure.RENTED,
    "housing_self_built_2020": Tenure.SELF_BUILT,
    "housing_bought_2020": Tenure.BOUGHT,
    "housing_inherited_2020": Tenure.BOUGHT,
    "housing_other_2020": Tenure.RENTED,
}
"""``county.csv`` keys of the census's housing-source columns (family households of the 10%
long-form sample: 住房来源_租赁, _自建, _购买, _继承或赠予, _其他) and the tenure each counts as."""


@dataclass(frozen=True)
class TenureAssumptions:
    """How the census's county-wide tenure shares are split by kind of place.

    Status: estimate; source: assumption (the county table has no split by settlement type).

    Attributes:
        self_built_place_weight: Relative chance that a household not on its own homestead in
            its home village built its house, living in the county city, an urban seat or
            fringe village, a rural seat, a rural village (self-built houses of 城中村 and seat
            settlements are common, least in the built-up county city).
        self_built_homestead_factor: Extra factor of self-building for a household holding a
            homestead (an agricultural-hukou household of the county).
        rent_weight: Relative chance of renting of a household registered in its own
            township, in another township of the county, outside the county (share of members
            weighted).
        rent_place_weight: Extra factor of renting in the county city, an urban seat or
            fringe village, a rural seat, a rural village.
    """

    self_built_place_weight: tuple[float, float, float, float] = (0.25, 0.5, 1.0, 0.5)
    self_built_homestead_factor: float = 2.0
    rent_weight: tuple[float, float, float] = (1.0, 3.0, 6.0)
    rent_place_weight: tuple[float, float, float, float] = (1.0, 1.0, 0.5, 0.25)


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


def census_tenure_shares(figures: Mapping[str, float]) -> np.ndarray | None:
    """Shares of rented, self-built and bought family households at the census.

    Args:
        figures: ``county.csv`` figures (the :data:`HOUSING_SOURCE_KEYS` used).

    Returns:
        Shares indexed by :class:`Tenure` (they add up to 1), or None if a key is missing or
        the counts add up to 0.
    """
    if any(key not in figures for key in HOUSING_SOURCE_KEYS):
        return None
    counts = np.zeros(len(Tenure))
    for key, tenure in HOUSING_SOURCE_KEYS.items():
        counts[tenure] += float(figures[key])
    total = counts.sum()
    return counts / total if total > 0 else None


def _place_class(geo: Geography, place: np.ndarray) -> np.ndarray:
    """0 county city, 1 urban seat or urban village, 2 rural seat, 3 rural village."""
    kind = geo.kind[place]
    return np.where(
        kind == PlaceKind.COUNTY_CITY,
        0,
        np.where(geo.urban[place], 1, np.where(kind == PlaceKind.SEAT, 2, 3)),
    )


def _draw(weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` indices drawn without replacement proportional to ``weights``.

    Exponential keys divided by the weights, smallest first (Efraimidis and Spirakis).
    """
    ok = np.flatnonzero(weights > 0)
    if k <= 0 or ok.size == 0:
        return ok[:0]
    key = rng.standard_exponential(ok.size) / weights[ok]
    return ok[np.argsort(key, kind="stable")[: min(k, ok.size)]]


def tenure_at_census(
    households: HouseholdTable,
    persons: PersonTable,
    geo: Geography,
    shares: np.ndarray,
    rng: np.random.Generator,
    assumptions: TenureAssumptions | None = None,
) -> np.ndarray:
    """Tenure of every household at the census, with the census's county-wide shares.

    See the module docstring for the method. Collective households rent (a dormitory is
    nobody's own dwelling).

    Args:
        households: Households (place, origin, homestead, collective set).
        persons: Persons (household, hukou_township, origin, away set).
        geo: Places.
        shares: Shares of rented, self-built, bought family households
            (:func:`census_tenure_shares`).
        rng: Generator of the draws.
        assumptions: Weights of the split by kind of place.

    Returns:
        ``Tenure`` codes (int8), one per household row in use.
    """
    a = assumptions or TenureAssumptions()
    h = households
    n = h.n
    place = h.place[:n]
    family = ~h.collective[:n]
    n_family = int(family.sum())
    counts = np.floor(shares * n_family + 0.5).astype(np.int64)
    counts[Tenure.BOUGHT] = n_family - counts[Tenure.RENTED] - counts[Tenure.SELF_BUILT]
    tenure = np.full(n, Tenure.BOUGHT, dtype=np.int8)
    tenure[~family] = Tenure.RENTED
    # persons registered in another township of the county / outside the county, per household
    m = persons.n
    res = ~persons.away[:m] & persons.alive[:m]
    hh = persons.household[:m]
    home = persons.hukou_township[:m]
    outside = (home < 0) & res
    elsewhere = (home >= 0) & (home != geo.township[persons.place[:m]]) & res
    size = np.maximum(np.bincount(hh[res], minlength=n)[:n], 1)
    out_share = np.bincount(hh[outside], minlength=n)[:n] / size
    else_share = np.bincount(hh[elsewhere], minlength=n)[:n] / size
    cls = _place_class(geo, place)
    # self-built: households on their own homestead first, then the others by weight
    on_homestead = (
        family
        & (place == h.origin[:n])
        & h.homestead[:n]
        & (geo.kind[place] == PlaceKind.VILLAGE)
        & (out_share < 1.0)
    )
    first = np.flatnonzero(on_homestead)
    k_self = int(counts[Tenure.SELF_BUILT])
    if first.size >= k_self:
        built = rng.permutation(first)[:k_self]
    else:
        w = (
            np.asarray(a.self_built_place_weight)[cls]
            * np.where(h.homestead[:n], a.self_built_homestead_factor, 1.0)
            * (1.0 - out_share)
            * (family & ~on_homestead)
        )
        built = np.r_[first, _draw(w, k_self - first.size, rng)]
    tenure[built] = Tenure.SELF_BUILT
    # rented: among the rest, by registration and kind of place
    rw = np.asarray(a.rent_weight)
    w = (
        (rw[0] * (1.0 - out_share - else_share) + rw[1] * else_share + rw[2] * out_share)
        * np.asarray(a.rent_place_weight)[cls]
        * (family & (tenure == Tenure.BOUGHT))
    )
    tenure[_draw(w, int(counts[Tenure.RENTED]), rng)] = Tenure.RENTED
    return tenure


def tenure_of_owners(households: HouseholdTable, geo: Geography) -> np.ndarray:
    """Tenure of every household from its ``owner`` flag alone (no census shares).

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
