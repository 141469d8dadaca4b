"""Action 7 (体制机制创新行动): hukou, talent, financing, land, rural reform, 乡→镇 upgrades.

- :class:`HukouReform` (深化户籍制度改革, 市民化): a lower residence requirement and faster
  conversion of agricultural hukou; urban services by residence instead of hukou; land rights
  kept after moving and after 落户 (it lowers the land terms of ``mechanisms/hukou.py`` as well
  as the land attachment of the location choice). In a county open since 2014 the barrier it
  removes is small (``beta_hukou``, ``hukou_service_barrier``), so its gain comes mostly
  through registration (the hukou rate), not through moves;
- :class:`TalentIncentives` (人才和科技成果下乡激励): more of the young working outside come
  back (return rate up) and fewer leave (departure rate down);
- :class:`InvestmentFinancing` (多元可持续的投融资机制): no effect of its own; it adds
  ``extra_yearly_yi`` to the yearly budget every lever draws on (:mod:`hdsim.policies.budget`);
- :class:`LandSupply` (集约高效的建设用地利用): extra built-up growth of the county city (which
  absorbs adjoining villages) and dwellings on reused idle land;
- :class:`RuralReform` (宅基地制度改革, 二轮承包到期后再延长30年): what a household keeps when
  it moves: land attachment no longer holds it back, and a transferred plot earns rent;
- :class:`TownshipUpgrade` (乡→镇, an administrative-division change of 城乡治理): the seat
  of an upgraded township counts as urban (statistical code 210 → 121), without anybody moving.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hdsim.config.policies import Lever, bounded, capex, month, ramp, running, share
from hdsim.policies.base import Policy
from hdsim.policies.registry import LeverSpec, register
from hdsim.state.places import PlaceKind


@dataclass
class HukouReformLever(Lever):
    """Hukou reform: lower settlement thresholds, services by residence, land rights kept."""

    start: str = month("2023-01", "Month the reform starts.")
    ramp_months: int = ramp(1)
    running_yi: float = running(
        0.5,
        "estimate: about 5,000 extra settled residents a year x 1万元 of yearly public cost "
        "(national studies put the lifetime 市民化 cost near 10万元 per person)",
    )
    settlement_threshold: float = share(
        0.75, 0.0, 1.0, "Share of the residence requirement removed at intensity 1."
    )
    conversion_boost: float = share(
        3.0, 0.0, 20.0, "Extra multiple of the conversion rate at intensity 1 (assumption)."
    )
    services_by_residence: float = share(
        0.7, 0.0, 1.0, "Share of the hukou service barrier removed at intensity 1."
    )
    land_rights_kept: float = share(
        0.6, 0.0, 1.0, "Share of land attachment removed (rights kept after moving) at intensity 1."
    )


class HukouReform(Policy):
    """Hukou reform: settlement threshold, conversion, services by residence, land rights."""

    name = "hukou_reform"
    lever: HukouReformLever

    def phase_in(self, delta: float) -> None:
        """Phase in the reform's effects."""
        lv = self.lever
        self.contribute(
            threshold_reduction=lv.settlement_threshold,
            conversion_boost=lv.conversion_boost,
            services_by_residence=lv.services_by_residence,
            land_rights_kept=lv.land_rights_kept,
        )


HUKOU_REFORM = register(
    LeverSpec(
        config=HukouReformLever,
        policy=HukouReform,
        action=7,
        name_zh="深化户籍制度改革",
        name_en="hukou reform",
        indicator="hukou_urbanization_rate",
        direction="up",
        mechanism_zh=(
            "缩短落户居住年限、加快农业户口转换；城镇公共服务按常住人口提供；进城后保留土地权益。"
        ),
        mechanism_en=(
            "Shorter residence requirement and faster conversion of agricultural hukou; urban "
            "services by residence; land rights kept after moving."
        ),
        outcome_zh="主要提高户籍城镇化率；县城落户2014年后已放开，对常住城镇化率影响小。",
        outcome_en=(
            "Raises mainly the hukou rate; settlement in a county town has been open since 2014, "
            "so the effect on the resident rate is small."
        ),
        evidence_zh=(
            "户籍壁垒与落户的土地顾虑为假设（居住证暂行条例2016；Chen & Fan 2016）；"
            "运行成本参照市民化公共成本（全国研究约每人10万元）。"
        ),
        evidence_en=(
            "The residual barrier and the land fears behind 落户 are assumptions (居住证暂行条例 "
            "2016; Chen & Fan 2016); running cost from the public cost of citizenisation "
            "(national studies about 10万元 per person over a lifetime)."
        ),
    )
)
"""The declaration of the lever."""


@dataclass
class TalentIncentivesLever(Lever):
    """Talent incentives: graduates and technicians return or stay."""

    ramp_months: int = ramp(12)
    running_yi: float = running(
        0.3, "estimate: about 1,000 graduates and technicians a year x 3万元 of subsidies"
    )
    return_boost: float = share(
        0.3, 0.0, 5.0, "Relative increase of the yearly return rate of people away (assumption)."
    )
    departure_cut: float = share(
        0.1, 0.0, 1.0, "Relative cut of the yearly departure rate of the young (assumption)."
    )


class TalentIncentives(Policy):
    """Talent incentives: return rate up, departure rate down."""

    name = "talent_incentives"
    lever: TalentIncentivesLever

    def phase_in(self, delta: float) -> None:
        """Phase in the changed migration rates."""
        self.contribute(return_gain=self.lever.return_boost, departure_cut=self.lever.departure_cut)


TALENT_INCENTIVES = register(
    LeverSpec(
        config=TalentIncentivesLever,
        policy=TalentIncentives,
        action=7,
        name_zh="人才和科技成果下乡激励",
        name_en="talent incentives",
        indicator="return_rate",
        direction="up",
        mechanism_zh="提高外出人员返乡率，降低青年外出率。",
        mechanism_en="Higher return rate of people away, lower departure rate of the young.",
        outcome_zh="常住人口增加。",
        outcome_en="Resident population up.",
        evidence_zh="假设。",
        evidence_en="Assumption.",
    )
)
"""The declaration of the lever."""


@dataclass
class InvestmentFinancingLever(Lever):
    """Investment and financing: money mobilised beyond the county's own budget line."""

    ramp_months: int = ramp(1)
    extra_yearly_yi: float = bounded(
        15.0,
        0.0,
        1000.0,
        "Yearly funds added to the budget at intensity 1, 亿元: special bonds, policy-bank "
        "loans, upper-level funds, social capital (estimate; debt service falls after 2025).",
    )


class InvestmentFinancing(Policy):
    """Investment and financing: raises the budget line (no effect on households or firms)."""

    name = "investment_financing"
    lever: InvestmentFinancingLever


INVESTMENT_FINANCING = register(
    LeverSpec(
        config=InvestmentFinancingLever,
        policy=InvestmentFinancing,
        action=7,
        name_zh="多元可持续的投融资机制",
        name_en="investment and financing",
        indicator="budget_line_yi",
        direction="up",
        mechanism_zh="为年度预算增加 extra_yearly_yi；不直接影响家庭和企业。",
        mechanism_en=(
            "Adds extra_yearly_yi to the yearly budget line; no effect on households or firms."
        ),
        outcome_zh="使其他杠杆获得资金。",
        outcome_en="Lets the other levers be funded.",
        evidence_zh=(
            "专项债、政策性银行贷款、上级资金和社会资本的估计；还本付息主要在2025年后，未计入。"
        ),
        evidence_en=(
            "Estimate of special bonds, policy-bank loans, upper-level funds and social capital; "
            "debt service falls after 2025 and is not counted."
        ),
    )
)
"""The declaration of the lever."""


@dataclass
class LandSupplyLever(Lever):
    """Construction-land supply and idle-land reuse for the county city."""

    cost_yi: float = capex(3.0, "estimate: 1.8 km² of primary land development at 1.5亿元 per km²")
    extra_builtup_km2: float = bounded(
        0.6, 0.0, 20.0, "Extra yearly built-up growth at intensity 1, km² (assumption)."
    )
    idle_land_housing: float = share(
        0.03,
        0.0,
        1.0,
        "Relative increase of county-city dwellings on reused idle land (assumption).",
    )


class LandSupply(Policy):
    """Construction-land supply: extra built-up growth and dwellings on reused idle land."""

    name = "land_supply"
    lever: LandSupplyLever

    def phase_in(self, delta: float) -> None:
        """Phase in the extra built-up growth and the reused land's dwellings."""
        self.contribute(extra_builtup_km2=self.lever.extra_builtup_km2)
        self.add_housing(self.city, self.lever.idle_land_housing, delta)


LAND_SUPPLY = register(
    LeverSpec(
        config=LandSupplyLever,
        policy=LandSupply,
        action=7,
        name_zh="集约高效的建设用地利用",
        name_en="construction-land supply",
        indicator="county_city_builtup_km2",
        direction="up",
        mechanism_zh="县城建成区额外增长（吸纳相邻村庄）；盘活存量用地增加住房。",
        mechanism_en=(
            "Extra yearly built-up growth of the county city (absorbs adjoining villages); "
            "dwellings on reused idle land."
        ),
        outcome_zh="村庄转为城镇，无人迁移也提高城镇化率。",
        outcome_en="Reclassified villages raise the rate without anybody moving.",
        evidence_zh="假设（在趋势每年0.6平方公里基础上再增0.6平方公里）。",
        evidence_en="Assumption (0.6 km² a year more, on the trend's 0.6 km²).",
    )
)
"""The declaration of the lever."""


@dataclass
class RuralReformLever(Lever):
    """Homestead reform and the 30-year land-contract extension: what a mover keeps."""

    ramp_months: int = ramp(24)
    cost_yi: float = capex(0.5, "estimate: pilot surveys, registration and certificates")
    land_rights_kept: float = share(
        0.3, 0.0, 1.0, "Share of land attachment removed at intensity 1 (assumption)."
    )


class RuralReform(Policy):
    """Homestead reform and the land-contract extension: land rights kept after moving."""

    name = "rural_reform"
    lever: RuralReformLever

    def phase_in(self, delta: float) -> None:
        """Phase in the share of land attachment removed."""
        self.contribute(land_rights_kept=self.lever.land_rights_kept)


RURAL_REFORM = register(
    LeverSpec(
        config=RuralReformLever,
        policy=RuralReform,
        action=7,
        name_zh="宅基地制度改革与承包地延包",
        name_en="rural land reform",
        indicator="land_rights_kept",
        direction="up",
        mechanism_zh="消除部分土地对迁居的牵绊；流转土地可获租金。",
        mechanism_en=(
            "Removes part of the land attachment that holds movers back; a transferred plot "
            "earns rent."
        ),
        outcome_zh="离土迁居增加。",
        outcome_en="More moves far from the land.",
        evidence_zh="假设。",
        evidence_en="Assumption.",
    )
)
"""The declaration of the lever."""


@dataclass
class TownshipUpgradeLever(Lever):
    """乡→镇 upgrades: the seat of an upgraded township counts as urban (code 210 → 121)."""

    start: str = month("2024-01", "Month the upgrades take effect.")
    intensity: float = bounded(1.0, 0.0, 2.0, "0 = off; any value above 0 upgrades the codes.")
    ramp_months: int = ramp(12)
    cost_yi: float = capex(0.5, "per upgraded township; estimate: seat roads, water, sanitation")
    codes: list[str] = field(
        default_factory=list,
        metadata={
            "help": "Townships (乡) upgraded to towns (镇): statistical codes, or roles such as "
            "role:upgrade_candidate (costs count one township per entry)."
        },
    )

    def is_on(self) -> bool:
        """On when at least one township is listed and the intensity is above zero."""
        return self.intensity > 0 and len(self.codes) > 0

    def cost_units(self) -> float:
        """Costs are paid per upgraded township."""
        return float(len(self.codes)) if self.is_on() else 0.0


class TownshipUpgrade(Policy):
    """乡→镇 upgrades: the seats of the listed townships become urban (210 → 121)."""

    name = "township_upgrade"
    lever: TownshipUpgradeLever
    town_fields = ("codes",)

    def setup(self) -> None:
        """Reclassify the listed townships' seats as town centres."""
        m = self.model
        codes = self.towns_of(list(self.lever.codes), "codes")
        seats = self.seats_of(codes, "codes")
        for code, seat in zip(codes, seats, strict=True):
            t = m.geo.township_index(str(code))
            if m.geo.township_is_town[t]:
                continue
            if m.geo.kind[seat] == PlaceKind.SEAT:
                m.geo.reclassify(int(seat), 121)
            m.geo.township_is_town[t] = True
            m.state.services.upgraded += 1


TOWNSHIP_UPGRADE = register(
    LeverSpec(
        config=TownshipUpgradeLever,
        policy=TownshipUpgrade,
        action=7,
        name_zh="撤乡设镇",
        name_en="township-to-town upgrade",
        indicator="upgraded_townships",
        direction="up",
        mechanism_zh="升格后乡驻地计为城镇（210→121）。",
        mechanism_en="The seat of an upgraded township counts as urban (210 → 121).",
        outcome_zh="驻地居民立即计为城镇人口。",
        outcome_en="The seat's residents become urban at once.",
        evidence_zh="统计用区划代码规则（官方）；升格的乡由情景或 upgrade_candidate 角色给出。",
        evidence_en="Statistical rule of 统计用区划代码 (official); the townships upgraded are "
        "given by the scenario or the upgrade_candidate role.",
    )
)
"""The declaration of the lever."""
