"""落户 (registration in town): urban residents with an agricultural hukou decide to convert.

Resident urbanization counts where people live; hukou urbanization counts what their
registration says. The gap between them is the population that lives in town without the
rights of townspeople, which the plan wants to narrow (市民化).

Since the 2014 unification of urban and rural registration, a county town admits anyone with
a legal residence, so registering is the household's own decision, weighed against the land
rights it fears to lose at home. Rule: a household living in an urban place whose
registration (户口簿) is agricultural is *eligible* once it has lived there ``residence_months``
months (the settlement threshold; hukou reform cuts it). An eligible household converts, all
resident members at once, with the monthly probability equivalent to the yearly rate::

    conversion_rate x reform boost x owner_factor^[owns] x children_factor^[children 3-15]
      x exp(-(1 - kept) x (land_loss_aversion x log(1 + farmland)
                           + homestead_loss_aversion x [homestead]))

where ``kept = land_rights_secure + (1 - land_rights_secure) x land_rights_kept`` is the share
of the fear of losing land that the law (``land_rights_secure``) and the reform's guarantee
(``PolicyEffects.land_rights_kept``) remove. Homeowners convert more readily (a dwelling is
the usual condition in county towns); households with school-age children gain a school place
by registration. Members working outside keep their hukou.
"""

from __future__ import annotations

import numpy as np

from hdsim.config.behaviour import HukouParams
from hdsim.mechanisms.demography import monthly
from hdsim.mechanisms.sampling import rare_events
from hdsim.state.county import CountyState


class HukouConversion:
    """落户 of agricultural-hukou households settled in urban places, weighed against land.

    Attributes:
        state: The county state (households, persons, places, policy effects, flows).
        params: Conversion rate, settlement threshold, the owners' and parents' factors and
            the weight of the land rights at stake.
    """

    def __init__(self, state: CountyState, params: HukouParams, rng: np.random.Generator):
        """Keep the state, the parameters and the mechanism's random stream.

        Args:
            state: The county state.
            params: Conversion rate, settlement threshold and land terms.
            rng: The mechanism's own random stream.
        """
        self.state = state
        self.params = params
        self.rng = rng

    def threshold_months(self) -> float:
        """Months of residence required now (the reform lowers it)."""
        return self.params.residence_months * (1.0 - self.state.effects.threshold_reduction)

    def eligible(self) -> np.ndarray:
        """Family households in urban places, settled long enough, with agricultural hukou."""
        m = self.state
        h = m.households
        nh = h.n
        return np.flatnonzero(
            m.geo.urban[h.place[:nh]]
            & ~h.collective[:nh]
            & ~h.hukou_urban[:nh]
            & (h.months_at_place[:nh] >= self.threshold_months())
        )

    def land_kept(self) -> float:
        """Share of the fear of losing land on 落户 removed by the law and by reform."""
        secure = self.params.land_rights_secure
        return secure + (1.0 - secure) * self.state.effects.land_rights_kept

    def land_factor(self, rows: np.ndarray) -> np.ndarray:
        """Multiple of the conversion rate left by the land rights households ``rows`` hold."""
        par = self.params
        h = self.state.households
        stake = par.land_loss_aversion * np.log1p(h.farmland_mu[rows].astype(np.float64))
        stake = stake + par.homestead_loss_aversion * h.homestead[rows]
        return np.exp(-(1.0 - self.land_kept()) * stake)

    def with_children(self, rows: np.ndarray) -> np.ndarray:
        """Whether households ``rows`` have a resident member aged 3 to 15."""
        m = self.state
        p = m.persons
        members, idx = m.members.members_by_household(rows)  # idx: position in rows
        age = p.age[members]
        school = p.alive[members] & ~p.away[members] & (age >= 3) & (age <= 15)
        return np.bincount(idx[school], minlength=rows.size) > 0

    def step(self) -> None:
        """Convert the hukou of the eligible households that decide to this month."""
        m = self.state
        h = m.households
        par = self.params
        rate = float(monthly(par.conversion_rate * m.effects.conversion_multiplier))
        threshold = self.threshold_months()
        owner = par.owner_factor
        children = par.children_factor
        bound = min(owner * max(children, 1.0) * rate, 1.0)
        urban = m.geo.urban

        def convert(rows: np.ndarray) -> np.ndarray:
            eligible = (
                urban[h.place[rows]]
                & ~h.collective[rows]
                & ~h.hukou_urban[rows]
                & (h.months_at_place[rows] >= threshold)
            )
            p = eligible * np.where(h.owner[rows], owner * rate, rate)
            if children != 1.0:
                p = p * np.where(self.with_children(rows), children, 1.0)
            if par.land_loss_aversion or par.homestead_loss_aversion:
                p = p * self.land_factor(rows)
            return p

        converting = rare_events(h.n, bound, convert, self.rng)
        if converting.size == 0:
            return
        m.households.hukou_urban[converting] = True
        p = m.persons
        members = m.members.members(converting)
        members = members[p.alive[members] & ~p.away[members]]
        p.hukou_urban[members] = True
        m.flows.migration["hukou_conversions"] += float(members.size)
