"""Action 5 (环境基础设施提级扩能行动): heritage and green amenity, waste and sewage capacity.

- :class:`HeritageGreen` (历史文化保护, 蓝绿空间, 绿道, 绿色低碳): amenity of the county city
  and, through greenways, of the seats;
- :class:`WasteSewage` (垃圾收集转运处置, 污水收集处理): the county city can only take as many
  residents as its sewage and waste systems serve. The capacity before the plan
  (``waste_sewage.base_capacity_persons``) binds in every scenario, lever on or off; the
  location choice turns away moves into the county city beyond it
  (:meth:`hdsim.state.effects.PolicyEffects.county_city_headroom`). The lever, like
  ``utility_networks``, raises the capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

from hdsim.config.policies import Lever, bounded, capex, share
from hdsim.policies.base import Policy
from hdsim.policies.registry import LeverSpec, register


@dataclass
class HeritageGreenLever(Lever):
    """Heritage protection, blue-green space and greenways: amenity."""

    cost_yi: float = capex(3.0, "estimate: heritage blocks, riverside park, greenway network")
    county_city_amenity: float = share(0.05, 0.0, 1.0, "Amenity added in the county city.")
    seat_amenity: float = share(0.01, 0.0, 1.0, "Amenity added at the seats (greenways).")


class HeritageGreen(Policy):
    """Heritage and green space, as amenity."""

    name = "heritage_green"
    lever: HeritageGreenLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of amenity in the county city and at the seats."""
        self.add_amenity(self.city, self.lever.county_city_amenity, delta)
        self.add_amenity(self.seats, self.lever.seat_amenity, delta)


HERITAGE_GREEN = register(
    LeverSpec(
        config=HeritageGreenLever,
        policy=HeritageGreen,
        action=5,
        name_zh="历史文化保护与蓝绿空间",
        name_en="heritage and green space",
        indicator="county_city_amenity",
        direction="up",
        mechanism_zh="提高县城环境品质，并通过绿道提高乡镇驻地环境品质。",
        mechanism_en="Amenity of the county city and, through greenways, the seats.",
        outcome_zh="影响小。",
        outcome_en="Small.",
        evidence_zh="假设。",
        evidence_en="Assumption.",
    )
)
"""The declaration of the lever."""


@dataclass
class WasteSewageLever(Lever):
    """Waste and sewage capacity: a limit on how many residents the county city can take."""

    cost_yi: float = capex(
        3.0, "estimate: 2万 m³/d of treatment x 3,000元 per m³/d + storm sewers + transfer stations"
    )
    base_capacity_persons: int = bounded(
        200000,
        1,
        10000000,
        "Residents the county city's sewage and waste systems serve before the plan; binds in "
        "every scenario (estimate).",
    )
    capacity_persons: int = bounded(
        40000, 0, 1000000, "Residents the county city can additionally serve (estimate)."
    )


class WasteSewage(Policy):
    """Waste and sewage capacity: residents the county city can serve."""

    name = "waste_sewage"
    lever: WasteSewageLever

    def phase_in(self, delta: float) -> None:
        """Raise the capacity by one month's share."""
        self.contribute(capacity_persons=self.lever.capacity_persons)


WASTE_SEWAGE = register(
    LeverSpec(
        config=WasteSewageLever,
        policy=WasteSewage,
        action=5,
        name_zh="垃圾与污水处理",
        name_en="waste and sewage",
        indicator="county_city_infrastructure_capacity",
        direction="up",
        mechanism_zh=(
            "县城只能接纳其污水、垃圾处理能力所能服务的人口（基础容量在所有情景中生效）；该杠杆提"
            "高容量。"
        ),
        mechanism_en=(
            "The county city admits movers only up to the residents its sewage and waste systems "
            "serve (base capacity binds in every scenario); the lever raises the capacity."
        ),
        outcome_zh="县城人口增长接近上限时起作用。",
        outcome_en="Matters when the county city grows fast enough to reach the limit.",
        evidence_zh=(
            "处理能力约3000元/（立方米/日）（估计）；基础容量为估计值，应以污水厂设计规模替换。"
        ),
        evidence_en=(
            "Treatment at about 3,000元 per m³/d (estimate); the base capacity is an estimate, "
            "to replace with the plant's design capacity."
        ),
    )
)
"""The declaration of the lever."""
