"""Household location choice: a monthly hazard of considering a move, then a logit choice.

Each month a household (not a collective one, living in the county) considers moving with the
probability ``1 - (1 - consider_rate)^(1/12)``. It then compares, by random utility, these
alternatives: staying; returning to its home village; the county city; every town or township
seat; leaving the county. The utility of destination ``d`` for household ``h`` is::

    U = b_income  * log(expected income)                      # Harris-Todaro: wage x P(job)
      + b_school  * has_children * school_quality(d) * (1 - barrier)
      + b_health  * has_elderly  * health_quality(d) * (1 - barrier)
      + b_amenity * amenity(d)
      - b_housing * housing_cost(h, d) / income
      - b_hukou   * agricultural_hukou * urban(d) * (1 - services_by_residence)
      - b_land    * log(1 + farmland) * (1 - land_rights_kept) * [d far from the land]
      - (moving_cost + moving_cost_per_km * km + elderly_inertia * head_60+) * [d != here]
      + b_peers   * share of the home village's households already at d
      + ASC(kind of d) + Gumbel noise

Expected income is the household's workers times the wage and employment probability that
the labour market publishes for ``d``, plus farm income when ``d`` lies within 15 km of the
land (else only the rent a transferred plot earns). The county city and the seats have a
finite housing stock: arrivals beyond the vacant dwellings are turned away and stay.

:meth:`LocationChoice.choose` is the household rule; the vectorized step applies it to all
considering households at once, and ``Household.consider_move`` applies it to one household,
which is what the agent-by-agent reference path runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hdsim.config.schema import LocationParams
from hdsim.mechanisms.demography import monthly
from hdsim.model.geography import PlaceKind

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel

FARM_REACH_KM = 15.0
"""A household can keep farming its land from up to this distance (assumption)."""
BASE_INCOME = 6000.0
"""Yearly income a household has without work (pensions, transfers), yuan (estimate)."""
DWELLING_M2 = 90.0
"""Floor area of a dwelling bought or rented in town, m² (estimate)."""
USER_COST = 0.045
"""Yearly cost of housing as a share of its price (rent-equivalent, estimate)."""


class LocationChoice:
    """Where households live: the consideration hazard and the logit choice.

    Attributes:
        params: Coefficients of the utility function.
        alternatives: Fixed destination places: the county city, then every other seat.
    """

    def __init__(self, model: CountyModel, params: LocationParams, rng: np.random.Generator):
        """Set up the fixed alternatives of the county.

        Args:
            model: The county model.
            params: Utility coefficients and hazards.
            rng: The mechanism's own random stream.
        """
        self.model = model
        self.params = params
        self.rng = rng
        geo = model.geo
        self.alternatives = np.r_[geo.county_city, geo.seats].astype(np.int64)
        self._signals: dict[str, np.ndarray] = {}

    # -- signals -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Collect this month's place signals (wages, services, prices, peers) once."""
        m = self.model
        geo = m.geo
        h = m.households
        n_places = geo.n_places
        state = m.townships_state
        labour = m.labour
        policy = m.policy
        nh = h.n
        active = ~h.collective[:nh]
        key = h.origin[:nh][active].astype(np.int64) * n_places + h.place[:nh][active]
        peers = np.bincount(key, minlength=n_places * n_places).reshape(n_places, n_places)
        peer_total = np.maximum(peers.sum(axis=1, keepdims=True), 1)
        occupied = np.bincount(h.place[:nh][active], minlength=n_places)
        self._signals = {
            "wage": labour.place_wage,
            "employment": labour.place_employment,
            "school": state.quality["school"],
            "health": 0.5 * (state.quality["health"] + state.quality["elderly_care"]),
            "amenity": state.amenity,
            "price": state.price,
            "urban": geo.urban.astype(np.float64),
            "peer_share": peers / peer_total,
            "vacant": np.maximum(state.housing_units - occupied, 0),
            "farm_income": np.array(
                m.params.labour.farm_income_per_mu * (1.0 + 0.05) ** (m.steps / 12.0)
            ),
            "services_by_residence": np.array(policy.services_by_residence),
            "land_rights_kept": np.array(policy.land_rights_kept),
        }

    def consider_probability(self) -> float:
        """Monthly probability that a household considers moving."""
        return float(monthly(self.params.consider_rate))

    # -- the household rule --------------------------------------------------------------------

    def candidates(self) -> np.ndarray:
        """Households that may consider a move: family households living in the county."""
        h = self.model.households
        nh = h.n
        return np.flatnonzero(~h.collective[:nh] & (h.place[:nh] != self.model.geo.outside))

    def household_traits(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Workers, children, elderly and hukou of the resident members of ``rows``."""
        m = self.model
        p = m.persons
        members = m.members.members(rows)
        members = members[p.alive[members] & ~p.away[members]]
        hh = p.household[members]
        age = p.age[members]
        local = np.full(m.households.n, -1, dtype=np.int64)
        local[rows] = np.arange(rows.size)
        idx = local[hh]
        k = rows.size

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(idx[mask], minlength=k)

        size = count(np.ones(members.size, dtype=bool))
        return {
            "size": size,
            "workers": count((age >= 18) & (age < 60)),
            "children": count((age >= 3) & (age <= 15)),
            "elderly": count(age >= 60),
            "agri": count(~p.hukou_urban[members]) * 2 > size,
            "head_elderly": count((age >= 18) & (age < 60)) == 0,
        }

    def choose(self, rows: np.ndarray) -> np.ndarray:
        """Destination chosen by each household in ``rows`` (its own place if it stays).

        Args:
            rows: Household rows that consider a move this month.

        Returns:
            The chosen place of each household.
        """
        m = self.model
        geo = m.geo
        par = self.params
        s = self._signals
        h = m.households
        k = rows.size
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        cur = h.place[rows].astype(np.int64)
        origin = h.origin[rows].astype(np.int64)
        alt = np.empty((k, self.alternatives.size + 3), dtype=np.int64)
        alt[:, 0] = cur
        alt[:, 1] = origin
        alt[:, 2 : 2 + self.alternatives.size] = self.alternatives
        alt[:, -1] = geo.outside
        valid = np.ones(alt.shape, dtype=bool)
        valid[:, 1:] = alt[:, 1:] != cur[:, None]
        valid[:, 1] &= geo.kind[origin] == PlaceKind.VILLAGE
        traits = self.household_traits(rows)
        valid &= (traits["size"] > 0)[:, None]

        kind = geo.kind[alt]
        dist_land = geo.distance[alt, origin[:, None]]
        near_land = dist_land <= FARM_REACH_KM
        land_kept = float(s["land_rights_kept"])
        farmland = h.farmland_mu[rows].astype(np.float64)
        rent_share = 0.3 + 0.5 * land_kept
        farm = farmland[:, None] * s["farm_income"] * np.where(near_land, 1.0, rent_share)
        workers = np.maximum(traits["workers"], 0)[:, None]
        income = BASE_INCOME + workers * 12.0 * s["wage"][alt] * s["employment"][alt] + farm
        urban = s["urban"][alt]
        agri = traits["agri"][:, None].astype(np.float64)
        sbr = float(s["services_by_residence"])
        barrier = agri * urban * (1.0 - sbr) * 0.5
        owner_here = h.owner[rows][:, None] & (alt == cur[:, None])
        own_land_home = (alt == origin[:, None]) & h.homestead[rows][:, None]
        housing = np.where(
            owner_here | own_land_home | (kind == PlaceKind.VILLAGE),
            0.0,
            s["price"][alt] * DWELLING_M2 * USER_COST,
        )
        moving = alt != cur[:, None]
        move_cost = (
            par.moving_cost
            + par.moving_cost_per_km * geo.distance[alt, cur[:, None]]
            + par.elderly_inertia * traits["head_elderly"][:, None]
        )
        asc = np.select(
            [
                kind == PlaceKind.COUNTY_CITY,
                kind == PlaceKind.SEAT,
                kind == PlaceKind.OUTSIDE,
                kind == PlaceKind.VILLAGE,
            ],
            [par.asc_county_city, par.asc_seat, par.asc_outside, par.asc_return_village],
        )
        asc = np.where(moving, asc, 0.0)
        utility = (
            par.beta_income * np.log(income)
            + par.beta_school * (traits["children"] > 0)[:, None] * s["school"][alt] * (1 - barrier)
            + par.beta_health * (traits["elderly"] > 0)[:, None] * s["health"][alt] * (1 - barrier)
            + par.beta_amenity * s["amenity"][alt]
            - par.beta_housing * housing / income
            - par.beta_hukou * agri * urban * (1.0 - sbr)
            - par.beta_land * np.log1p(farmland)[:, None] * (1.0 - land_kept) * ~near_land
            - move_cost * moving
            + par.beta_peers * s["peer_share"][origin[:, None], alt]
            + asc
        )
        utility = np.where(valid, utility + self.rng.gumbel(size=utility.shape), -np.inf)
        return alt[np.arange(k), np.argmax(utility, axis=1)]

    def ration(self, rows: np.ndarray, dest: np.ndarray) -> np.ndarray:
        """Turn away arrivals beyond the vacant dwellings of seats and the county city.

        Returns:
            Destinations with rejected movers sent back to their current place.
        """
        m = self.model
        cur = m.households.place[rows].astype(np.int64)
        moving = dest != cur
        limited = moving & np.isin(m.geo.kind[dest], (PlaceKind.SEAT, PlaceKind.COUNTY_CITY))
        if not limited.any():
            return dest
        idx = np.flatnonzero(limited)
        order = idx[np.lexsort((self.rng.random(idx.size), dest[idx]))]
        d_sorted = dest[order]
        first = np.searchsorted(d_sorted, d_sorted, side="left")
        rank = np.arange(order.size) - first
        vacant = self._signals["vacant"]
        rejected = order[rank >= vacant[d_sorted]]
        out = dest.copy()
        out[rejected] = cur[rejected]
        vacant_new = vacant.copy()
        np.subtract.at(vacant_new, out[limited & (out != cur)], 1)
        self._signals["vacant"] = np.maximum(vacant_new, 0)
        return out

    def apply(self, rows: np.ndarray, dest: np.ndarray) -> None:
        """Move the households whose destination differs from where they live."""
        m = self.model
        cur = m.households.place[rows]
        movers = dest != cur
        if not movers.any():
            return
        rows, dest = rows[movers], dest[movers]
        kind = m.geo.kind[dest]
        m.relocate(rows, dest)
        counts = m.last_relocated_by_household
        mig = m.flows.migration
        mig["moves_to_county_city"] += float(counts[kind == PlaceKind.COUNTY_CITY].sum())
        mig["moves_to_seats"] += float(counts[kind == PlaceKind.SEAT].sum())
        mig["moves_to_villages"] += float(counts[kind == PlaceKind.VILLAGE].sum())
        mig["leave_county_households"] += float(counts[kind == PlaceKind.OUTSIDE].sum())

    # -- vectorized step -----------------------------------------------------------------------

    def step(self) -> None:
        """Let every household that considers moving this month choose, all at once."""
        self.prepare()
        cand = self.candidates()
        rows = cand[self.rng.random(cand.size) < self.consider_probability()]
        dest = self.ration(rows, self.choose(rows))
        self.apply(rows, dest)
