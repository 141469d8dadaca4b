"""Household location choice: a monthly hazard of considering a move, then a logit choice.

Each month a household (not a collective one, living in the county) considers moving with the
probability ``1 - (1 - consider_rate)^(1/12)`` (the base hazard) times the relative risk of the
life events it had in the last months: a child reaching school or junior-middle age, a birth,
a member's job loss or retirement (:mod:`hdsim.mechanisms.hazards`). It then compares, by
random utility, these
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

Expected income is ``base_income`` plus the household's workers times the wage and employment
probability that the labour market publishes for ``d``, plus farm income when ``d`` lies within
``farm_reach_km`` of the land (else only the share ``distant_farm_share`` a transferred plot
earns, more when land rights are kept). Housing costs ``price x dwelling_m2 x user_cost`` a
year; a household that owns where it lives pays none to stay.

The hukou barrier (``beta_hukou``, ``hukou_service_barrier``) is what an agricultural or
non-local hukou still costs in a county town after the 2014 unification of urban and rural
registration: schooling and basic health by residence permit (居住证暂行条例, 2016) leave a
small share of the service terms forgone, and a small registration term remains (the county
has no settlement quota; 落户 itself is the separate decision of :mod:`hdsim.mechanisms.hukou`).
Both are assumptions stated in the parameter table, smaller than the income term.

The county city and the seats have a finite housing stock: arrivals are rationed by the
housing market (:meth:`hdsim.mechanisms.housing.HousingMarket.ration`: beyond the vacant
dwellings, or failing to find one when vacancy is low, they are turned away and stay).

:meth:`LocationChoice.choose` is the household rule; the vectorized step applies it to all
considering households at once, and ``Household.consider_move`` applies it to one household,
which is what the agent-by-agent reference path runs.
"""

from __future__ import annotations

import numpy as np

from hdsim.config.behaviour import HousingParams, LocationParams, TownshipParams
from hdsim.mechanisms.demography import monthly
from hdsim.mechanisms.hazards import LifeEvents
from hdsim.mechanisms.housing import HousingMarket
from hdsim.mechanisms.labour import LabourMarket
from hdsim.mechanisms.sampling import rare_events
from hdsim.population.moves import Relocation
from hdsim.state.county import CountyState
from hdsim.state.places import PlaceKind


class LocationChoice:
    """Where households live: the consideration hazard and the logit choice.

    Attributes:
        state: The county state (households, persons, places, services, effects).
        params: Coefficients of the utility function.
        labour: The labour market, whose place wages and employment it reads.
        relocation: What moves the households that choose to move.
        farm_income_per_mu: Net farm income at the census, yuan per mu and year.
        market: The housing market that rations arrivals in seats and the county city.
        events: The life events that multiply each household's base hazard.
        alternatives: Fixed destination places: the county city, then every other seat.
    """

    def __init__(
        self,
        state: CountyState,
        params: LocationParams,
        rng: np.random.Generator,
        labour: LabourMarket,
        relocation: Relocation,
        farm_income_per_mu: float,
        market: HousingMarket | None = None,
    ) -> None:
        """Set up the fixed alternatives of the county.

        Args:
            state: The county state.
            params: Utility coefficients and hazards.
            rng: The mechanism's own random stream.
            labour: The labour market (place wages and employment probabilities).
            relocation: Moves households and keeps the dependent tables in step.
            farm_income_per_mu: ``behaviour.labour.farm_income_per_mu``.
            market: The housing market; by default one with default housing parameters
                and a stream spawned from ``rng``.
        """
        self.state = state
        self.params = params
        self.rng = rng
        self.labour = labour
        self.relocation = relocation
        self.farm_income_per_mu = farm_income_per_mu
        self.market = market or HousingMarket(
            state, HousingParams(), TownshipParams(), params, labour, rng.spawn(1)[0]
        )
        self.events = LifeEvents(state, params, labour)
        geo = state.geo
        self.alternatives = np.r_[geo.county_city, geo.seats].astype(np.int64)
        self._signals: dict[str, np.ndarray] = {}
        self._place_terms: dict[str, np.ndarray] = {}

    # -- signals -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Collect this month's place signals (wages, services, prices, peers) once."""
        m = self.state
        geo = m.geo
        state = m.services
        labour = self.labour
        policy = m.effects
        par = self.params
        by_origin = m.households_by_origin
        occupied = by_origin.sum(axis=0)
        self._signals = {
            "wage": labour.place_wage,
            "employment": labour.place_employment,
            "school": state.quality["school"],
            "health": 0.5 * (state.quality["health"] + state.quality["elderly_care"]),
            "amenity": state.amenity,
            "price": m.housing.price,
            "urban": geo.urban.astype(np.float64),
            "peers": by_origin,
            "peer_total": np.maximum(by_origin.sum(axis=1), 1),
            "vacant": self.market.vacant_for_arrivals(occupied),
            "farm_income": np.array(
                self.farm_income_per_mu * (1.0 + par.farm_income_growth) ** m.clock.years
            ),
            "services_by_residence": np.array(policy.services_by_residence),
            "land_rights_kept": np.array(policy.land_rights_kept),
        }
        kind = geo.kind
        asc = np.select(
            [kind == PlaceKind.COUNTY_CITY, kind == PlaceKind.SEAT, kind == PlaceKind.OUTSIDE],
            [par.asc_county_city, par.asc_seat, par.asc_outside],
            default=par.asc_return_village,
        )
        self._place_terms = {
            "income": 12.0 * labour.place_wage * labour.place_employment,
            "urban": geo.urban.astype(np.float64),
            "school": state.quality["school"],
            "health": 0.5 * (state.quality["health"] + state.quality["elderly_care"]),
            "amenity": par.beta_amenity * state.amenity,
            "housing": np.where(
                kind == PlaceKind.VILLAGE, 0.0, m.housing.price * par.dwelling_m2 * par.user_cost
            ),
            "asc": asc,
        }

    def consider_probability(self) -> float:
        """Monthly base hazard: the probability that a household without events considers moving."""
        return float(monthly(self.params.consider_rate))

    def household_probability(self, rows: np.ndarray) -> np.ndarray:
        """Monthly probability that each household of ``rows`` considers moving this month.

        The base hazard times the relative risk of the household's life events; 0 for
        households that are not :meth:`candidates` (collective, or outside the county).
        """
        h = self.state.households
        at_risk = ~h.collective[rows] & (h.place[rows] != self.state.geo.outside)
        return self.consider_probability() * self.events.relative_risk(rows) * at_risk

    def probability_bound(self) -> float:
        """Largest monthly consider probability of any household this month."""
        return self.consider_probability() * self.events.bound()

    def mean_consider_rate(self) -> float:
        """Mean yearly consider probability of the candidate households this month.

        ``1 - (1 - p)^12`` of each household's monthly probability, averaged over the
        family households living in the county (0 when there are none).
        """
        rows = self.candidates()
        if rows.size == 0:
            return 0.0
        # candidates are all at risk: household_probability's factor ``at_risk`` is 1 for each.
        # A household's rate depends only on its events' code (32 values): computed per code,
        # then gathered, it is the same value per household as computed per household (rows
        # added since the events have code 0, relative risk 1), so the mean is the same
        events = self.events.month_events()
        p = np.minimum(self.consider_probability() * events.products, 1.0)
        yearly = 1.0 - (1.0 - p) ** 12
        return float(np.mean(yearly[events.codes(rows)]))

    # -- the household rule --------------------------------------------------------------------

    def candidates(self) -> np.ndarray:
        """Households that may consider a move: family households living in the county."""
        h = self.state.households
        nh = h.n
        return np.flatnonzero(~h.collective[:nh] & (h.place[:nh] != self.state.geo.outside))

    def household_traits(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Workers, children, elderly and hukou of the resident members of ``rows``."""
        m = self.state
        p = m.persons
        members, idx = m.members.members_by_household(rows)  # idx: position in rows
        resident = p.alive[members] & ~p.away[members]
        members, idx = members[resident], idx[resident]
        age = p.age[members]
        k = rows.size

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(idx[mask], minlength=k)

        size = np.bincount(idx, minlength=k)
        workers = count((age >= 18) & (age < 60))
        return {
            "size": size,
            "workers": workers,
            "children": count((age >= 3) & (age <= 15)),
            "elderly": count(age >= 60),
            "agri": (count(~p.hukou_urban[members]) * 2 > size).astype(np.float64),
            "head_elderly": workers == 0,
        }

    def choose(self, rows: np.ndarray) -> np.ndarray:
        """Destination chosen by each household in ``rows`` (its own place if it stays).

        Args:
            rows: Household rows that consider a move this month.

        Returns:
            The chosen place of each household.
        """
        if rows.size == 0:
            return np.zeros(0, dtype=np.int64)
        alt, weight = self.choice_weights(rows)
        return self.draw(alt, weight)

    def draw(self, alt: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """One draw of the logit from :meth:`choice_weights` (an exponential race).

        Drawing again for some rows with the same weights gives the same values as calling
        :meth:`choose` again on them: utilities are computed row by row.
        """
        race = self.rng.standard_exponential(size=weight.shape)
        with np.errstate(divide="ignore"):
            return alt[np.arange(alt.shape[0]), np.argmin(race / weight, axis=1)]

    def draw_until_in_county(
        self, alt: np.ndarray, weight: np.ndarray, max_draws: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Where each row lands if it draws again while its draw stays outside, ``max_draws`` times.

        Drawn from the law of those repeated logit draws, in one pass: a row whose outside
        alternatives carry the share ``q`` of its weight still draws outside after
        ``max_draws`` draws with probability ``q ** max_draws``; otherwise its place is the
        logit restricted to the county (each in-county alternative with probability
        proportional to its weight), which is where the first draw inside lands. Two uniforms
        per row: one decides whether it leaves the outside, one picks the place by the inverse
        of the cumulative weights. (Drawing round by round cost ~14 rounds of one exponential
        per alternative and row, 6.6 ms of a 38 ms month at full scale.)

        Args:
            alt: Place of each alternative, one row per chooser.
            weight: Logit weight of each alternative (0 where closed).
            max_draws: Draws before a row gives up and stays outside.

        Returns:
            The place each row drew (``outside`` where all ``max_draws`` drew outside) and
            whether it left the outside.
        """
        outside = self.state.geo.outside
        k = alt.shape[0]
        picked_at = np.full(k, outside, dtype=alt.dtype)
        if k == 0 or max_draws <= 0:
            return picked_at, np.zeros(k, dtype=bool)
        inside = np.where(alt != outside, weight, 0.0)
        cumulative = np.cumsum(inside, axis=1)
        w_in = cumulative[:, -1]
        total = weight.sum(axis=1)
        u = self.rng.random((k, 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            stays_out = ((total - w_in) / total) ** max_draws
        placed = (w_in > 0) & (u[:, 0] >= stays_out)
        # the first alternative whose cumulative weight passes the uniform's share of the total
        column = np.argmax(cumulative > (u[:, 1] * w_in)[:, None], axis=1)
        picked_at[placed] = alt[np.flatnonzero(placed), column[placed]]
        return picked_at, placed

    def choice_weights(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Alternatives of each household in ``rows`` and their logit weights.

        Returns:
            ``alt`` (place of each alternative, one row per household) and ``weight``
            (``exp(U - max U)``, 0 where an alternative is not open to the household).
        """
        m = self.state
        geo = m.geo
        par = self.params
        s = self._signals
        h = m.households
        k = rows.size
        cur = h.place[rows].astype(np.int64)
        origin = h.origin[rows].astype(np.int64)
        width = self.alternatives.shape[-1]  # one row of places for all, or one per household
        alt = np.empty((k, width + 3), dtype=np.int64)
        alt[:, 0] = cur
        alt[:, 1] = origin
        alt[:, 2 : 2 + width] = self.alternatives
        alt[:, -1] = geo.outside
        valid = np.ones(alt.shape, dtype=bool)
        valid[:, 1:] = alt[:, 1:] != cur[:, None]
        valid[:, 1] &= geo.kind[origin] == PlaceKind.VILLAGE
        traits = self.household_traits(rows)
        valid &= (traits["size"] > 0)[:, None]

        place = self._place_terms
        near_land = geo.distance[alt, origin[:, None]] <= par.farm_reach_km
        land_kept = float(s["land_rights_kept"])
        farmland = h.farmland_mu[rows].astype(np.float64)
        farm_full = farmland * float(s["farm_income"])
        farm = farm_full[:, None] * np.where(
            near_land, 1.0, par.distant_farm_share + par.kept_rights_farm_share * land_kept
        )
        workers = traits["workers"][:, None]
        income = par.base_income + workers * place["income"][alt] + farm
        urban = place["urban"][alt]
        agri = traits["agri"][:, None]
        sbr = float(s["services_by_residence"])
        access = 1.0 - agri * urban * ((1.0 - sbr) * par.hukou_service_barrier)
        moving = alt != cur[:, None]
        free_home = (h.owner[rows][:, None] & ~moving) | (
            (alt == origin[:, None]) & h.homestead[rows][:, None]
        )
        housing = np.where(free_home, 0.0, place["housing"][alt])
        move_cost = (
            par.moving_cost
            + par.elderly_inertia * traits["head_elderly"][:, None]
            + par.moving_cost_per_km * geo.distance[alt, cur[:, None]]
        )
        services = (
            par.beta_school * (traits["children"] > 0)[:, None] * place["school"][alt]
            + par.beta_health * (traits["elderly"] > 0)[:, None] * place["health"][alt]
        )
        land = (par.beta_land * (1.0 - land_kept)) * np.log1p(farmland)[:, None]
        peers = s["peers"][origin[:, None], alt] / s["peer_total"][origin][:, None]
        utility = (
            par.beta_income * np.log(income)
            + services * access
            + place["amenity"][alt]
            - par.beta_housing * housing / income
            - (par.beta_hukou * (1.0 - sbr)) * agri * urban
            - land * ~near_land
            + par.beta_peers * peers
            + np.where(moving, place["asc"][alt] - move_cost, 0.0)
        )
        # Gumbel-max by an exponential race: argmax(U + Gumbel) = argmin(Exp(1) / exp(U))
        top = np.where(valid, utility, -np.inf).max(axis=1, keepdims=True)
        weight = np.exp(np.minimum(utility - np.where(np.isfinite(top), top, 0.0), 0.0)) * valid
        return alt, weight

    def ration(self, rows: np.ndarray, dest: np.ndarray) -> np.ndarray:
        """Turn away arrivals at seats and the county city that find no dwelling.

        Returns:
            Destinations with rejected movers sent back to their current place.
        """
        cur = self.state.households.place[rows].astype(np.int64)
        out, self._signals["vacant"] = self.market.ration(
            cur, dest, self._signals["vacant"], self.rng
        )
        return out

    def apply(self, rows: np.ndarray, dest: np.ndarray) -> None:
        """Move the households whose destination differs from where they live."""
        m = self.state
        cur = m.households.place[rows]
        movers = dest != cur
        if not movers.any():
            return
        rows, dest = rows[movers], dest[movers]
        kind = m.geo.kind[dest]
        counts = self.relocation.move(rows, dest)
        mig = m.flows.migration
        mig["moves_to_county_city"] += float(counts[kind == PlaceKind.COUNTY_CITY].sum())
        mig["moves_to_seats"] += float(counts[kind == PlaceKind.SEAT].sum())
        mig["moves_to_villages"] += float(counts[kind == PlaceKind.VILLAGE].sum())
        mig["leave_county_households"] += float(counts[kind == PlaceKind.OUTSIDE].sum())

    # -- vectorized step -----------------------------------------------------------------------

    def step(self) -> None:
        """Let every household that considers moving this month choose, all at once."""
        self.prepare()
        rows = rare_events(
            self.state.households.n, self.probability_bound(), self.household_probability, self.rng
        )
        dest = self.ration(rows, self.choose(rows))
        self.apply(rows, dest)
