"""In-migration from other counties: households registered elsewhere who come to live here.

At the 2020 census 13,567 residents were registered in another county of the province and
4,638 in another province; the model adds such households every month. The number of
in-migrant persons a year is ``in_migration_rate`` times the county's residents (a rate the
calibration can fit); they arrive as households of one adult, or (share ``family_share``) a
couple with a child, the adults' ages drawn from a normal pattern (``age_mean``, ``age_sd``,
kept within 18 to 59) and the child's between 0 and the younger parent's age less
``min_parent_age`` (at most 15). The age pattern is made from the national migrant stock (no
county figure exists): 《中国流动人口发展报告2017》 gives for 2016 a mean age of 29.8 with 21.7%
aged 0-14 and 2.8% aged 60+, so the stock's adults average about 35; arrivals are younger than
the stock by half its mean stay (8 years, the stay ``in_migration_rate`` assumes), hence
``age_mean`` 31; ``family_share`` 0.4 makes 22% of arrivals children, the stock's share.
A share ``county_city_share`` heads for the county city, the rest for the seats in proportion
to their residents; arrivals go through the housing market's rationing
(:meth:`hdsim.mechanisms.housing.HousingMarket.ration`), and those who find no dwelling do not
come.

An in-migrant household rents, holds no land or homestead in the county, and its home
'village' is the place it lives in; its members are registered outside the county
(``PersonTable.hukou_township = -1``, ``origin`` 1 for another county of the province, 2 for
another province) with a hukou that is not the county's urban one, so they may 落户 like
other agricultural-hukou townspeople. From then on they follow every other mechanism (ageing,
jobs, moves, departures).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hdsim.config.behaviour import MigrationParams
from hdsim.mechanisms.demography import monthly
from hdsim.mechanisms.housing import HousingMarket
from hdsim.state.county import CountyState
from hdsim.state.housing import Tenure

if TYPE_CHECKING:
    from hdsim.mechanisms.demography import Demography

__all__ = ["ORIGIN_OTHER_COUNTY", "ORIGIN_OTHER_PROVINCE", "InMigration"]

ORIGIN_OTHER_COUNTY = 1
"""``PersonTable.origin`` of a person registered in another county of the province."""
ORIGIN_OTHER_PROVINCE = 2
"""``PersonTable.origin`` of a person registered in another province."""
ADULT_AGES = (18, 59)
"""Ages an in-migrant adult is kept within (working ages of the labour market)."""
SCHOOL_END = 15
"""Oldest age of an in-migrant child (end of compulsory schooling)."""


class InMigration:
    """Households from other counties and provinces settling in the county's towns.

    Attributes:
        state: The county state (households, persons, places, flows).
        params: In-migration parameters.
        market: The housing market that rations the arrivals.
        demography: The demography mechanism, whose birthday calendar new persons join.
        rng: The mechanism's own random stream.
        arrived: In-migrant persons so far.
    """

    def __init__(
        self,
        state: CountyState,
        params: MigrationParams,
        market: HousingMarket,
        demography: Demography,
        rng: np.random.Generator,
    ) -> None:
        """Bind the mechanism to the state, the housing market and the demography calendar."""
        self.state = state
        self.params = params
        self.market = market
        self.demography = demography
        self.rng = rng
        self.arrived = 0.0

    def persons_per_household(self) -> float:
        """Mean size of an arriving household."""
        return 1.0 + 2.0 * self.params.family_share

    def destinations(self, k: int) -> np.ndarray:
        """Place each of ``k`` arriving households heads for."""
        geo = self.state.geo
        seats = geo.seats
        residents = self.state.census.residents_by_place[seats].astype(np.float64)
        to_city = self.rng.random(k) < self.params.county_city_share
        dest = np.full(k, geo.county_city, dtype=np.int64)
        n_seat = int((~to_city).sum())
        if n_seat and seats.size and residents.sum() > 0:
            dest[~to_city] = self.rng.choice(seats, size=n_seat, p=residents / residents.sum())
        return dest

    def step(self) -> None:
        """Draw this month's arriving households, ration them, and add those who find a home."""
        par = self.params
        if par.in_migration_rate <= 0.0:
            return
        st = self.state
        residents = float(st.census.residents_by_place.sum())
        expected = residents * float(monthly(par.in_migration_rate)) / self.persons_per_household()
        k = int(self.rng.poisson(expected))
        if k == 0:
            return
        dest = self.destinations(k)
        occupied = st.family_households_by_place()
        vacant = self.market.vacant_for_arrivals(occupied)
        outside = np.full(k, st.geo.outside, dtype=np.int64)
        dest, _ = self.market.ration(outside, dest, vacant, self.rng)
        dest = dest[dest != st.geo.outside]
        if dest.size:
            self.add_households(dest)

    def add_households(self, dest: np.ndarray) -> None:
        """Append in-migrant households living at ``dest`` and their members."""
        st = self.state
        par = self.params
        rng = self.rng
        h = st.households
        p = st.persons
        k = dest.size
        family = rng.random(k) < par.family_share
        origin = np.where(
            rng.random(k) < par.other_province_share, ORIGIN_OTHER_PROVINCE, ORIGIN_OTHER_COUNTY
        )
        rows = h.append(k)
        hh = np.arange(rows.start, rows.stop)
        h.place[rows] = dest
        h.origin[rows] = dest
        h.farmland_mu[rows] = 0.0
        h.homestead[rows] = False
        h.collective[rows] = False
        h.months_at_place[rows] = 0
        h.owner[rows] = False
        h.tenure[rows] = Tenure.RENTED
        h.hukou_urban[rows] = False
        lo, hi = ADULT_AGES
        adult = np.clip(np.rint(rng.normal(par.age_mean, par.age_sd, k)), lo, hi).astype(int)
        size = np.where(family, 3, 1)
        member_hh = np.repeat(np.arange(k), size)
        first = np.r_[0, np.cumsum(size)[:-1]]
        role = np.arange(member_hh.size) - first[member_hh]
        female_head = rng.random(k) < par.female_share
        age = adult[member_hh].copy()
        female = np.where(role == 1, ~female_head[member_hh], female_head[member_hh])
        child = role == 2
        span = np.clip(adult[member_hh[child]] - par.min_parent_age, 0, SCHOOL_END)
        age[child] = np.floor(rng.random(int(child.sum())) * (span + 1)).astype(int)
        female[child] = rng.random(int(child.sum())) < par.female_share
        n = member_hh.size
        prow = p.append(n)
        p.age[prow] = age
        p.birth_month[prow] = rng.integers(1, 13, n)
        p.female[prow] = female
        p.household[prow] = hh[member_hh]
        p.hukou_urban[prow] = False
        p.away[prow] = False
        p.alive[prow] = True
        p.employer[prow] = -1
        p.collective[prow] = False
        p.place[prow] = dest[member_hh]
        p.origin[prow] = origin[member_hh]
        p.hukou_township[prow] = -1
        new_rows = np.arange(prow.start, prow.stop)
        for month in range(12):
            born = new_rows[p.birth_month[prow] == month + 1]
            self.demography.birthdays.append(month, born)
        st.members.n_households = h.n
        st.members.rebuild()
        np.add.at(st.households_by_origin, (dest, dest), 1)
        st.flows.add("arrivals", dest, size)
        st.flows.migration["in_migrants"] += float(n)
        self.arrived += float(n)
