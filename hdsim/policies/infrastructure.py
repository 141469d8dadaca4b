"""Action 3 (县城市政公用设施提档升级行动): the county city's capacity and amenity.

- :class:`OldTownRenewal` (提升老城品质): renovated compounds and streets raise the county
  city's amenity, and bring a few dwellings back into use;
- :class:`NewDistrict` (加快新区开发): new dwellings, and extra built-up area over the ramp,
  which absorbs adjoining villages into the urban area (220 → 112) as the trend growth does;
- :class:`FloodResilience` (防洪排涝, 安全韧性): a safer county city, as amenity;
- :class:`UtilityNetworks` (燃气、供水、供电管网): raises how many residents the county city's
  networks can serve, the limit that :class:`hdsim.policies.environment.WasteSewage` sets;
- :class:`SmartCounty` (智慧县城, 数字化城管, 网格化治理): better-run city, as amenity.

Amenity enters the location choice as ``beta_amenity x amenity`` of each place.
"""

from __future__ import annotations

from dataclasses import dataclass

from hdsim.config.policies import Lever, bounded, capex, ramp, share
from hdsim.policies.base import Policy
from hdsim.policies.registry import LeverSpec, register


@dataclass
class OldTownRenewalLever(Lever):
    """Old-town renewal: renovated compounds and streets raise the county city's amenity."""

    cost_yi: float = capex(
        5.0, "estimate: about 8,000 old-compound dwellings x 4万元 (老旧小区改造 3-5万元) + streets"
    )
    amenity: float = share(0.08, 0.0, 1.0, "Amenity added in the county city (assumption).")
    housing_units: float = share(
        0.02, 0.0, 1.0, "Relative increase of usable county-city dwellings (assumption)."
    )


class OldTownRenewal(Policy):
    """Old-town renewal: county-city amenity and a few usable dwellings."""

    name = "old_town_renewal"
    lever: OldTownRenewalLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of amenity and dwellings."""
        self.add_amenity(self.city, self.lever.amenity, delta)
        self.add_housing(self.city, self.lever.housing_units, delta)


OLD_TOWN_RENEWAL = register(
    LeverSpec(
        config=OldTownRenewalLever,
        policy=OldTownRenewal,
        action=3,
        name_zh="提升老城品质",
        name_en="old-town renewal",
        indicator="county_city_amenity",
        direction="up",
        mechanism_zh="提高县城环境品质，少量住房恢复使用。",
        mechanism_en="County-city amenity and a few usable dwellings.",
        outcome_zh="迁入县城略有增加。",
        outcome_en="Slightly more moves to the county city.",
        evidence_zh="成本按全国老旧小区改造平均水平（每户3-5万元）估计；效果为假设。",
        evidence_en=(
            "Cost from the national average of old-compound renovation (3-5万元 per household); "
            "effect assumed."
        ),
    )
)
"""The declaration of the lever."""


@dataclass
class NewDistrictLever(Lever):
    """New-district development: dwellings and built-up area of the county city."""

    cost_yi: float = capex(6.0, "estimate: roads and utilities of about 3 km² at 2亿元 per km²")
    housing_units: float = share(
        0.08, 0.0, 2.0, "Relative increase of county-city dwellings at intensity 1 (estimate)."
    )
    builtup_km2: float = bounded(
        1.0,
        0.0,
        50.0,
        "Extra built-up area over the ramp, km²; it absorbs adjoining villages (assumption).",
    )


class NewDistrict(Policy):
    """New district: county-city dwellings and built-up area."""

    name = "new_district"
    lever: NewDistrictLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of dwellings; grow the built-up area during the ramp."""
        self.add_housing(self.city, self.lever.housing_units, delta)
        yearly = self.lever.builtup_km2 * 12.0 / max(self.lever.ramp_months, 1)
        self.model.policy.contribute(self.name, extra_builtup_km2=yearly * self.effect)

    def ramp_ended(self) -> None:
        """The new district is built: the extra built-up growth stops."""
        self.model.policy.contribute(self.name, extra_builtup_km2=0.0)


NEW_DISTRICT = register(
    LeverSpec(
        config=NewDistrictLever,
        policy=NewDistrict,
        action=3,
        name_zh="新区开发",
        name_en="new district",
        indicator="county_city_housing_units",
        direction="up",
        mechanism_zh="增加县城住房；建设期内扩大建成区，吸纳相邻村庄（220→112）。",
        mechanism_en=(
            "County-city dwellings, and extra built-up area during the ramp that absorbs "
            "adjoining villages (220 → 112)."
        ),
        outcome_zh="县城容量扩大、村庄转为城镇；提高城镇化率。",
        outcome_en="More room in the county city and reclassified villages; raises the rate.",
        evidence_zh="假设（住房增加8%，三年新增建成区1平方公里）。",
        evidence_en="Assumption (8% more dwellings, 1 km² over three years).",
    )
)
"""The declaration of the lever."""


@dataclass
class FloodResilienceLever(Lever):
    """Flood control, drainage and safety resilience (防洪排涝, 安全韧性): county-city amenity."""

    cost_yi: float = capex(4.0, "estimate: drainage, embankments, shelters, lifeline monitoring")
    amenity: float = share(0.04, 0.0, 1.0, "Amenity added in the county city (assumption).")


class FloodResilience(Policy):
    """Flood control and safety resilience, as county-city amenity."""

    name = "flood_resilience"
    lever: FloodResilienceLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of amenity."""
        self.add_amenity(self.city, self.lever.amenity, delta)


FLOOD_RESILIENCE = register(
    LeverSpec(
        config=FloodResilienceLever,
        policy=FloodResilience,
        action=3,
        name_zh="防洪排涝与安全韧性",
        name_en="flood control and resilience",
        indicator="county_city_amenity",
        direction="up",
        mechanism_zh="提高县城环境品质。",
        mechanism_en="County-city amenity.",
        outcome_zh="影响小。",
        outcome_en="Small.",
        evidence_zh="假设；安全对迁居行为的影响缺乏直接估计。",
        evidence_en="Assumption; safety has no direct behavioural estimate.",
    )
)
"""The declaration of the lever."""


@dataclass
class UtilityNetworksLever(Lever):
    """Gas, water and power networks: how many residents the county city can serve."""

    cost_yi: float = capex(4.0, "estimate: gas, water and power networks renewed and extended")
    capacity_persons: int = bounded(
        20000, 0, 1000000, "Residents the county city can additionally serve (assumption)."
    )
    amenity: float = share(0.02, 0.0, 1.0, "Amenity added in the county city (assumption).")


class UtilityNetworks(Policy):
    """Gas, water and power networks: residents the county city can serve, and amenity."""

    name = "utility_networks"
    lever: UtilityNetworksLever

    def phase_in(self, delta: float) -> None:
        """Raise the network capacity and amenity by one month's share."""
        self.contribute(capacity_persons=self.lever.capacity_persons)
        self.add_amenity(self.city, self.lever.amenity, delta)


UTILITY_NETWORKS = register(
    LeverSpec(
        config=UtilityNetworksLever,
        policy=UtilityNetworks,
        action=3,
        name_zh="市政管网",
        name_en="utility networks",
        indicator="county_city_infrastructure_capacity",
        direction="up",
        mechanism_zh="提高县城管网可服务的人口（容量上限），并提高环境品质。",
        mechanism_en=(
            "Residents the county city's networks can serve (the capacity limit), and amenity."
        ),
        outcome_zh="仅在容量约束生效时起作用。",
        outcome_en="Matters only when the capacity limit binds.",
        evidence_zh="假设。",
        evidence_en="Assumption.",
    )
)
"""The declaration of the lever."""


@dataclass
class SmartCountyLever(Lever):
    """Smart county and digital city management (智慧县城, 数字化城管, 网格化治理)."""

    ramp_months: int = ramp(24)
    cost_yi: float = capex(1.5, "estimate: typical county platform 0.3-1亿元 + smart communities")
    amenity: float = share(0.03, 0.0, 1.0, "Amenity added in the county city (assumption).")


class SmartCounty(Policy):
    """Smart county and digital city management, as county-city amenity."""

    name = "smart_county"
    lever: SmartCountyLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of amenity."""
        self.add_amenity(self.city, self.lever.amenity, delta)


SMART_COUNTY = register(
    LeverSpec(
        config=SmartCountyLever,
        policy=SmartCounty,
        action=3,
        name_zh="智慧县城",
        name_en="smart county",
        indicator="county_city_amenity",
        direction="up",
        mechanism_zh="提高县城环境品质。",
        mechanism_en="County-city amenity.",
        outcome_zh="影响小。",
        outcome_en="Small.",
        evidence_zh="县级平台一般0.3-1亿元（估计）；效果为假设。",
        evidence_en="Typical county platform costs 0.3-1亿元 (estimate); effect assumed.",
    )
)
"""The declaration of the lever."""
