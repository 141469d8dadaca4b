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

from dataclasses import dataclass, field

import numpy as np

from hdsim.config.policies import Lever, capex, share
from hdsim.mechanisms.townships import SERVICES
from hdsim.policies.base import Policy
from hdsim.policies.registry import LeverSpec, register


@dataclass
class SpatialLayoutLever(Lever):
    """一心、四镇、一带、两区: key towns first for services and land; services follow people."""

    cost_yi: float = capex(6.0, "estimate: about 1.5亿元 per key town for services and land")
    key_towns: list[str] = field(
        default_factory=lambda: ["role:key_town"],
        metadata={
            "help": "The key towns (四镇): township codes, or role:key_town for the townships "
            "the county data marks so (the plan names none: the choice is an assumption)."
        },
    )
    key_town_quality: float = share(
        0.08, 0.0, 1.0, "Service quality added at the key-town seats (index points, assumption)."
    )
    key_town_housing: float = share(
        0.15, 0.0, 2.0, "Relative increase of key-town seat dwellings: land priority (assumption)."
    )
    key_town_amenity: float = share(
        0.1, 0.0, 1.0, "Amenity added at the key-town seats (index points, assumption)."
    )
    population_matching: float = share(
        0.5,
        0.0,
        1.0,
        "Share of the gap between users and service capacity closed per year in the county "
        "city and seats (services placed where people live; assumption).",
    )


class SpatialLayout(Policy):
    """Key towns get priority for services and land; service capacity follows population."""

    name = "spatial_layout"
    lever: SpatialLayoutLever
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
        ts = m.state.services
        users = np.bincount(ts.pool, weights=m.census.residents_by_place, minlength=ts.n_pools)
        pools = ts.pool[self.matched]
        growth = users[pools] / np.maximum(ts.users0[pools], 1e-9)
        rate = self.lever.population_matching * self.effect * self.progress / 12.0
        for s in SERVICES:
            cap0 = ts.capacity0[s][self.matched]
            ok = cap0 > 0
            gap = np.where(ok, growth - ts.capacity[s][self.matched] / np.where(ok, cap0, 1), 0)
            ts.capacity[s][self.matched] += cap0 * np.maximum(gap, 0.0) * rate


SPATIAL_LAYOUT = register(
    LeverSpec(
        config=SpatialLayoutLever,
        policy=SpatialLayout,
        action=1,
        name_zh="优化城镇发展布局",
        name_en="spatial layout (key towns)",
        indicator="seat_school_quality",
        direction="up",
        mechanism_zh=(
            "重点镇驻地提高公共服务质量、增加住房和环境品质；县城和乡镇驻地的公共服务容量每月弥补"
            "与人口增长之间的部分差距。"
        ),
        mechanism_en=(
            "Key-town seats get service quality, dwellings and amenity; service capacity in the "
            "county city and seats closes part of the gap to population growth every month."
        ),
        outcome_zh="城镇驻地人口增加；对全县城镇化率影响小。",
        outcome_en="More residents in urban seats; small effect on the county rate.",
        evidence_zh="幅度为假设；重点镇名单为可配置的推测（方案未点名）。",
        evidence_en=(
            "Magnitudes are assumptions; the key towns are a configurable guess (the plan names "
            "none)."
        ),
    )
)
"""The declaration of the lever."""
