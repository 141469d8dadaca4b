"""Hukou conversion: urban residents with an agricultural hukou take an urban (local) hukou.

Resident urbanization counts where people live; hukou urbanization counts what their
registration says. The gap between them is the population that lives in town without the
rights of townspeople, which the plan wants to narrow (市民化).

Rule: a household living in an urban place whose registration (户口簿) is agricultural is
*eligible* once it has lived there ``residence_months`` months (the settlement threshold;
hukou reform cuts it). An eligible household converts, all resident members at once, with the
monthly probability equivalent to ``conversion_rate`` a year, multiplied by the reform's
boost. Homeowners convert twice as readily (a dwelling is the usual condition in county
towns). Members working outside keep their hukou.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hdsim.config.behaviour import HukouParams
from hdsim.mechanisms.demography import monthly
from hdsim.mechanisms.sampling import rare_events

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel


class HukouConversion:
    """Conversion of agricultural hukou for households settled in urban places."""

    def __init__(self, model: CountyModel, params: HukouParams, rng: np.random.Generator):
        """Keep the parameters and the mechanism's random stream.

        Args:
            model: The county model.
            params: Conversion rate and settlement threshold.
            rng: The mechanism's own random stream.
        """
        self.model = model
        self.params = params
        self.rng = rng

    def threshold_months(self) -> float:
        """Months of residence required now (the reform lowers it)."""
        return self.params.residence_months * (1.0 - self.model.policy.threshold_reduction)

    def eligible(self) -> np.ndarray:
        """Family households in urban places, settled long enough, with agricultural hukou."""
        m = self.model
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
        m = self.model
        h = m.households
        rate = float(monthly(self.params.conversion_rate * m.policy.conversion_multiplier))
        threshold = self.threshold_months()
        urban = m.geo.urban

        def convert(rows: np.ndarray) -> np.ndarray:
            eligible = (
                urban[h.place[rows]]
                & ~h.collective[rows]
                & ~h.hukou_urban[rows]
                & (h.months_at_place[rows] >= threshold)
            )
            return eligible * np.where(h.owner[rows], 2.0 * rate, rate)

        converting = rare_events(h.n, min(2.0 * rate, 1.0), convert, self.rng)
        if converting.size == 0:
            return
        m.households.hukou_urban[converting] = True
        p = m.persons
        members = m.members.members(converting)
        members = members[p.alive[members] & ~p.away[members]]
        p.hukou_urban[members] = True
        m.flows.migration["hukou_conversions"] += float(members.size)
