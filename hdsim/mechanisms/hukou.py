"""Hukou conversion: urban residents with an agricultural hukou take an urban (local) hukou.

Resident urbanization counts where people live; hukou urbanization counts what their
registration says. The gap between them is the population that lives in town without the
rights of townspeople, which the plan wants to narrow (市民化).

Rule: a household living in an urban place whose registration (户口簿) is agricultural is
*eligible* once it has lived there ``residence_months`` months (the settlement threshold;
hukou reform cuts it). An eligible household converts, all resident members at once, with the
monthly probability equivalent to ``conversion_rate`` a year, multiplied by the reform's
boost. Homeowners convert ``owner_factor`` (2) times as readily (a dwelling is the usual
condition in county towns). Members working outside keep their hukou.
"""

from __future__ import annotations

import numpy as np

from hdsim.config.behaviour import HukouParams
from hdsim.mechanisms.demography import monthly
from hdsim.mechanisms.sampling import rare_events
from hdsim.state.county import CountyState


class HukouConversion:
    """Conversion of agricultural hukou for households settled in urban places.

    Attributes:
        state: The county state (households, persons, places, policy effects, flows).
        params: Conversion rate, settlement threshold and the homeowners' factor.
    """

    def __init__(self, state: CountyState, params: HukouParams, rng: np.random.Generator):
        """Keep the state, the parameters and the mechanism's random stream.

        Args:
            state: The county state.
            params: Conversion rate and settlement threshold.
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

    def step(self) -> None:
        """Convert the hukou of the eligible households that decide to this month."""
        m = self.state
        h = m.households
        rate = float(monthly(self.params.conversion_rate * m.effects.conversion_multiplier))
        threshold = self.threshold_months()
        owner = self.params.owner_factor
        urban = m.geo.urban

        def convert(rows: np.ndarray) -> np.ndarray:
            eligible = (
                urban[h.place[rows]]
                & ~h.collective[rows]
                & ~h.hukou_urban[rows]
                & (h.months_at_place[rows] >= threshold)
            )
            return eligible * np.where(h.owner[rows], owner * rate, rate)

        converting = rare_events(h.n, min(owner * rate, 1.0), convert, self.rng)
        if converting.size == 0:
            return
        m.households.hukou_urban[converting] = True
        p = m.persons
        members = m.members.members(converting)
        members = members[p.alive[members] & ~p.away[members]]
        p.hukou_urban[members] = True
        m.flows.migration["hukou_conversions"] += float(members.size)
