"""The county-town housing market: a stock that binds, prices, and households that buy.

Three rules act on :class:`hdsim.state.housing.HousingState` and the households' tenure:

- **Rationing of arrivals** (:meth:`HousingMarket.ration`, called by every mechanism that
  brings households into a seat or the county city). Arrivals beyond the vacant dwellings are
  turned away; below that cap, an arrival finds a dwelling with probability
  ``1 - exp(-vacancy / frictional_vacancy)`` (search friction: when vacancy is low, most
  vacant dwellings are held off the market and searchers fail). The county city's vacant
  dwellings are also capped by its networks' headroom
  (``PolicyEffects.county_city_headroom``). The turned-away stay where they were.
- **Stock and prices** (:meth:`HousingMarket.update_prices`). The finite stocks grow by
  ``housing_units_growth`` a year; the price per m² follows occupancy relative to t0 with
  elasticity ``housing_elasticity``, times ``price_inflation`` a year:
  ``price = price0 * clip(occ / occ0, 0.5, 2) ** elasticity * (1 + inflation) ** years``.
- **Purchases** (:meth:`HousingMarket.purchases`). A renting family household in a seat or
  the county city buys with the yearly probability ``purchase_rate`` (in the month it moved
  in: the one-off probability ``arrival_purchase_share``), times
  ``(reference_price_income / PIR) ** purchase_price_elasticity`` (capped at 1), where
  ``PIR = price x dwelling_m2 / income`` and income is what the household earns there
  (``base_income`` plus its workers times the place's wage and employment probability). A
  buyer must find a dwelling on the market (the search probability above); buyers who do not
  stay renters. After a purchase the household owns (``Tenure.BOUGHT``): staying costs it no
  housing in the location choice, and it converts its hukou ``owner_factor`` times as readily.
"""

from __future__ import annotations

import numpy as np

from hdsim.config.behaviour import HousingParams, LocationParams, TownshipParams
from hdsim.mechanisms.demography import monthly
from hdsim.mechanisms.labour import LabourMarket
from hdsim.state.census import LABOUR_AGE
from hdsim.state.county import CountyState
from hdsim.state.housing import Tenure

__all__ = ["HousingMarket"]


class HousingMarket:
    """Rationing, prices and purchases of the seats' and the county city's dwellings.

    Attributes:
        state: The county state (households, persons, housing, effects, flows).
        params: Housing-market parameters.
        townships: Township parameters (stock growth, price elasticity, inflation).
        location: Location parameters (dwelling size, base income).
        labour: The labour market, whose wages and employment set incomes.
        rng: The mechanism's own random stream (search and purchase draws).
        turned_away: Households turned away from a dwelling so far (arrivals and buyers;
            the month's count is ``flows.migration["housing_turned_away"]``).
        purchases_made: Dwellings bought so far (the month's: ``"housing_purchases"``).
    """

    def __init__(
        self,
        state: CountyState,
        params: HousingParams,
        townships: TownshipParams,
        location: LocationParams,
        labour: LabourMarket,
        rng: np.random.Generator,
    ) -> None:
        """Bind the market to the state it reads and writes.

        Args:
            state: The county state.
            params: Housing-market parameters.
            townships: Township parameters.
            location: Location parameters.
            labour: The labour market.
            rng: The mechanism's own random stream.
        """
        self.state = state
        self.params = params
        self.townships = townships
        self.location = location
        self.labour = labour
        self.rng = rng
        self.turned_away = 0.0
        self.purchases_made = 0.0

    # -- search --------------------------------------------------------------------------------

    def vacant_for_arrivals(self, occupied: np.ndarray) -> np.ndarray:
        """Dwellings free for arrivals at each place (inf where the stock is unconstrained).

        The county city's are capped by its networks' headroom.
        """
        m = self.state
        vacant = m.housing.vacant(occupied)
        city = m.geo.county_city
        headroom = m.effects.county_city_headroom(
            float(m.census.residents_by_place[city]), float(occupied[city]), m.weight
        )
        vacant[city] = min(vacant[city], np.floor(headroom))
        return vacant

    def find_probability(self, occupied: np.ndarray) -> np.ndarray:
        """Probability that a household searching each place finds a dwelling on the market."""
        friction = self.params.frictional_vacancy
        if friction <= 0.0:
            return np.ones(occupied.size)
        rate = self.state.housing.vacancy_rate(occupied)
        return 1.0 - np.exp(-rate / friction)

    def ration(
        self,
        cur: np.ndarray,
        dest: np.ndarray,
        vacant: np.ndarray,
        order_rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Turn away arrivals at seats and the county city that find no dwelling.

        Args:
            cur: Current place of each household.
            dest: Place each household wants to move to.
            vacant: Dwellings free for arrivals at each place (:meth:`vacant_for_arrivals`).
            order_rng: Stream that orders competing arrivals (the caller's).

        Returns:
            The destinations with the turned-away sent back to ``cur``, and the vacant
            dwellings left.
        """
        limited = (dest != cur) & self.state.housing.limited[dest]
        if not limited.any():
            return dest, vacant
        idx = np.flatnonzero(limited)
        order = idx[np.lexsort((order_rng.random(idx.size), dest[idx]))]
        d_sorted = dest[order]
        first = np.searchsorted(d_sorted, d_sorted, side="left")
        rank = np.arange(order.size) - first
        rejected = rank >= vacant[d_sorted]
        if self.params.frictional_vacancy > 0.0:
            occupied = self.state.family_households_by_place()
            found = self.rng.random(order.size) < self.find_probability(occupied)[d_sorted]
            rejected |= ~found
        out = dest.copy()
        out[order[rejected]] = cur[order[rejected]]
        self.turned_away += float(rejected.sum())
        self.state.flows.migration["housing_turned_away"] += float(rejected.sum())
        vacant_new = vacant.copy()
        np.subtract.at(vacant_new, out[limited & (out != cur)], 1)
        return out, np.maximum(vacant_new, 0)

    # -- stock and prices ----------------------------------------------------------------------

    def update_prices(self) -> None:
        """Grow the finite stocks by one month and set prices from occupancy and inflation."""
        st = self.state
        hs = st.housing
        p = self.townships
        occupied = st.family_households_by_place().astype(float)
        finite = hs.limited
        growth = (1.0 + p.housing_units_growth) ** (1.0 / 12.0)
        hs.units[finite] *= growth
        occ = np.where(finite, occupied / np.where(finite, hs.units, 1.0), 1.0)
        ratio = np.where(hs.occupancy0 > 0, occ / np.maximum(hs.occupancy0, 1e-9), 1.0)
        inflation = (1.0 + p.price_inflation) ** st.clock.years
        hs.price = hs.price0 * np.clip(ratio, 0.5, 2.0) ** p.housing_elasticity * inflation

    # -- purchases -----------------------------------------------------------------------------

    def renters(self) -> np.ndarray:
        """Renting family households living in a seat or the county city."""
        h = self.state.households
        n = h.n
        renting = h.tenure[:n] == Tenure.RENTED
        renting &= ~h.collective[:n]
        rows = np.flatnonzero(renting)  # the place is read for renters only
        return rows[self.state.housing.limited[h.place[rows]]]

    def incomes(self, rows: np.ndarray) -> np.ndarray:
        """Yearly income of households ``rows`` where they live, yuan."""
        m = self.state
        p = m.persons
        members, owner = m.members.members_by_household(rows)
        age = p.age[members]
        working = np.greater(p.alive[members], p.away[members])  # alive and not away
        working &= age >= LABOUR_AGE
        working &= age < m.retirement_age
        workers = np.bincount(owner[working], minlength=rows.size)
        place = m.households.place[rows]
        wage = 12.0 * self.labour.place_wage[place] * self.labour.place_employment[place]
        return self.location.base_income + workers * wage

    def purchase_probability(self, rows: np.ndarray) -> np.ndarray:
        """This month's probability that each renting household ``rows`` decides to buy."""
        par = self.params
        h = self.state.households
        place = h.place[rows]
        price = self.state.housing.price[place] * self.location.dwelling_m2
        ratio = price / np.maximum(self.incomes(rows), 1.0)
        factor = (par.reference_price_income / ratio) ** par.purchase_price_elasticity
        later = monthly(np.minimum(par.purchase_rate * factor, 1.0))
        arrival = np.minimum(par.arrival_purchase_share * factor, 1.0)
        return np.where(h.months_at_place[rows] == 0, arrival, later)

    def purchases(self) -> None:
        """Renters who decide to buy and find a dwelling become owners."""
        par = self.params
        if par.purchase_rate <= 0.0 and par.arrival_purchase_share <= 0.0:
            return
        rows = self.renters()
        if rows.size == 0:
            return
        deciding = rows[self.rng.random(rows.size) < self.purchase_probability(rows)]
        if deciding.size == 0:
            return
        h = self.state.households
        occupied = self.state.family_households_by_place()
        found = self.rng.random(deciding.size) < self.find_probability(occupied)[h.place[deciding]]
        buyers = deciding[found]
        h.tenure[buyers] = Tenure.BOUGHT
        h.owner[buyers] = True
        self.purchases_made += float(buyers.size)
        self.turned_away += float(deciding.size - buyers.size)
        mig = self.state.flows.migration
        mig["housing_purchases"] += float(buyers.size)
        mig["housing_turned_away"] += float(deciding.size - buyers.size)

    def step(self) -> None:
        """One month of the market: stock growth and prices, then purchases."""
        self.update_prices()
        self.purchases()
