"""Action 1 (规划引领指导强化行动): the spatial layout "一心、四镇、一带、两区".

The plan names the layout but not its towns; which four towns are the key towns (四镇) is the
configurable ``key_towns`` list. The county city is the core (一心); the belt and the two zones
(一带、两区) are the development zone's parks and the towns along the Fen valley, which the
industry levers already place jobs in. The lever gives the key towns priority:

- services: quality of schools, health and elderly care at the key-town seats rises by
  ``key_town_quality``;
- land: their dwellings rise by ``key_town_housing`` (construction-land quota goes to them
  first) and their amenity by ``key_town_amenity``;
- services placed where people live (提升公共服务设施空间布局与人口密度匹配度): every month,
  in the county city and every seat, service capacity closes ``population_matching`` of the
  yearly gap between the growth of its users and the growth of its capacity.

The planning-system measures (国土空间规划体系, 村庄规划, "一张图") have no mechanism of their
own: they are part of the plan's implementation efficiency (``docs/policies.md``).
"""

from __future__ import annotations

import numpy as np

from hdsim.mechanisms.townships import SERVICES
from hdsim.policies.base import Policy


class SpatialLayout(Policy):
    """Key towns get priority for services and land; service capacity follows population."""

    name = "spatial_layout"
    town_fields = ("key_towns",)

    def setup(self) -> None:
        """Find the seats of the key towns."""
        self.key_seats = self.seats_of(list(self.lever.key_towns), "key_towns")
        self.matched = np.r_[self.city, self.seats].astype(np.int64)

    def phase_in(self, delta: float) -> None:
        """Add one month's share of the key towns' services, dwellings and amenity."""
        lv = self.lever
        self.add_quality(SERVICES, self.key_seats, lv.key_town_quality, delta)
        self.add_housing(self.key_seats, lv.key_town_housing, delta)
        self.add_amenity(self.key_seats, lv.key_town_amenity, delta)

    def every_month(self) -> None:
        """Close part of the gap between users and capacity in the county city and seats."""
        m = self.model
        ts = m.townships_state
        users = np.bincount(ts.pool, weights=m.census.residents_by_place, minlength=ts.n_pools)
        pools = ts.pool[self.matched]
        growth = users[pools] / np.maximum(ts.users0[pools], 1e-9)
        rate = self.lever.population_matching * self.effect * self.progress / 12.0
        for s in SERVICES:
            cap0 = ts.capacity0[s][self.matched]
            ok = cap0 > 0
            gap = np.where(ok, growth - ts.capacity[s][self.matched] / np.where(ok, cap0, 1), 0)
            ts.capacity[s][self.matched] += cap0 * np.maximum(gap, 0.0) * rate
