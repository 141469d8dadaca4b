"""Action 4 (公共服务设施提标扩面行动): public services, housing and social protection.

Services (school, health, elderly care) have a capacity and a quality per place
(:class:`hdsim.state.services.ServiceState`); quality falls with crowding and rises with
new capacity and with the quality a lever adds (:mod:`hdsim.mechanisms.services`). Village
schools close below an enrolment threshold (撤点并校) and their pupils go to the seat's school,
so the levers act on the schools that exist: quality added to a closed village school is not
counted, and seat places relieve the crowding that closures bring. Households with children
weigh school quality, households with elderly members health and elderly-care quality; urban
services are discounted for agricultural-hukou households by the share of the hukou barrier not
yet removed.

- :class:`Schools` (教育, 三通两平台), :class:`Hospitals` (健康县城),
  :class:`ElderlyChildcare` (养老托育): capacity and quality in the county city, quality (and
  school places) at the seats, and informatization of the village schools still open;
- :class:`CultureSport` (文化体育设施): amenity of the county city and the seats;
- :class:`AffordableHousing` (优化住房供给): dwellings and a lower average housing cost in
  the county city;
- :class:`SocialAssistance` (社会救助, 社会福利): assistance by residence removes part of the
  hukou barrier;
- :class:`EmploymentServices` (就业与社会保障): faster job matching and portable social
  insurance;
- :class:`PublicServices`: the legacy bundle of the first model version (county-city
  services, seats, village coverage and new dwellings in one lever), kept for
  ``hdsim/conf/scenario/public_services.yaml``; the plan scenarios use the separate levers instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from hdsim.config.policies import Lever, capex, month, param, ramp, running, share
from hdsim.mechanisms.services import SERVICES
from hdsim.policies.base import Policy
from hdsim.policies.registry import LeverSpec, register


@dataclass
class PublicServicesLever(Lever):
    """Legacy bundle of action 4 and 6: county-city services, seats, villages, new dwellings.

    Kept so that ``hdsim/conf/scenario/public_services.yaml`` and older experiments run
    unchanged; the plan scenarios use the separate levers (schools, hospitals, elderly_childcare,
    village_services, new_district) instead, so the two must not be combined.
    """

    start: str = month("2023-01", "Month the extension starts.")
    ramp_months: int = ramp(24)
    cost_yi: float = capex(
        12.0, "estimate: schools + hospitals + elderly care + village coverage at their unit costs"
    )
    county_city_capacity: float = share(
        0.3, 0.0, 5.0, "Relative increase of county-city service capacity at intensity 1."
    )
    county_city_quality: float = share(
        0.15, 0.0, 1.0, "Increase of county-city service quality (index points) at intensity 1."
    )
    seat_quality: float = share(0.05, 0.0, 1.0, "Increase of town-seat service quality.")
    village_coverage: float = share(
        0.05,
        0.0,
        1.0,
        "Increase of the quality of the village services that exist (a closed village school "
        "gets none; pulls against moving).",
    )
    housing_units: float = share(
        0.08, 0.0, 2.0, "Relative increase of county-city housing (new district) at intensity 1."
    )
    county_city_amenity: float = param(
        0.1,
        0.0,
        1.0,
        unit="index points",
        source="first model version",
        status="assumption",
        help="Amenity added in the county city at intensity 1.",
    )


class PublicServices(Policy):
    """Legacy bundle: county-city capacity and quality, seats, villages, new dwellings."""

    name = "public_services"
    lever: PublicServicesLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of capacity, quality, dwellings and amenity."""
        lv = self.lever
        self.add_capacity(SERVICES, self.city, lv.county_city_capacity, delta)
        self.add_quality(SERVICES, self.city, lv.county_city_quality, delta)
        self.add_quality(SERVICES, self.seats, lv.seat_quality, delta)
        self.add_quality(SERVICES, self.villages, lv.village_coverage, delta)
        self.add_housing(self.city, lv.housing_units, delta)
        self.add_amenity(self.city, lv.county_city_amenity, delta)


PUBLIC_SERVICES = register(
    LeverSpec(
        config=PublicServicesLever,
        policy=PublicServices,
        action=4,
        name_zh="公共服务综合包（旧版）",
        name_en="public services (legacy bundle)",
        indicator="county_city_school_quality",
        direction="up",
        mechanism_zh=(
            "第一版模型的综合杠杆：县城公共服务容量与质量、乡镇驻地、村庄、新增住房。规划情景改用"
            "分项杠杆，两者不可同时使用。"
        ),
        mechanism_en=(
            "Legacy bundle of the first model version - county-city service capacity and "
            "quality, seats, villages, new dwellings. Not used by the plan scenarios, which use "
            "the separate levers; do not combine them."
        ),
        outcome_zh="见分项杠杆。",
        outcome_en="See the separate levers.",
        evidence_zh="假设。",
        evidence_en="Assumption.",
        legacy=True,
    )
)
"""The declaration of the lever."""


@dataclass
class SchoolsLever(Lever):
    """Schools: county-city places and quality; seat places and quality; open village schools.

    Seats take the pupils of closed village schools; informatization reaches the village
    schools still open.
    """

    cost_yi: float = capex(5.0, "estimate: about 9,000 school places x 5万元 + informatization")
    county_city_capacity: float = share(
        0.15, 0.0, 5.0, "Relative increase of county-city school places (estimate)."
    )
    county_city_quality: float = share(
        0.08, 0.0, 1.0, "School quality added in the county city (index points, assumption)."
    )
    seat_quality: float = share(0.03, 0.0, 1.0, "School quality added at the seats (assumption).")
    seat_capacity: float = share(
        0.1,
        0.0,
        5.0,
        "Relative increase of seat school places (boarding places for the pupils of closed "
        "village schools; estimate).",
    )
    village_quality: float = share(
        0.02,
        0.0,
        1.0,
        "School quality added by informatization to the village schools still open (a closed "
        "school gets none; assumption).",
    )


class Schools(Policy):
    """School places and quality."""

    name = "schools"
    lever: SchoolsLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of school places and quality."""
        lv = self.lever
        self.add_capacity(("school",), self.city, lv.county_city_capacity, delta)
        self.add_quality(("school",), self.city, lv.county_city_quality, delta)
        self.add_quality(("school",), self.seats, lv.seat_quality, delta)
        self.add_capacity(("school",), self.seats, lv.seat_capacity, delta)
        self.add_quality(("school",), self.villages, lv.village_quality, delta)


SCHOOLS = register(
    LeverSpec(
        config=SchoolsLever,
        policy=Schools,
        action=4,
        name_zh="教育",
        name_en="schools",
        indicator="county_city_school_quality",
        direction="up",
        mechanism_zh=(
            "县城学位和教育质量；乡镇驻地学位（撤并村小学生的寄宿学位）和教育质量；通过教育信息化"
            "提高仍在开办的村小质量（已撤并的村小不再计入）。"
        ),
        mechanism_en=(
            "County-city school places and quality; places (boarding places for the pupils of "
            "closed village schools) and quality at the seats; through informatization, the "
            "quality of the village schools still open (closed ones get none)."
        ),
        outcome_zh="有孩子的家庭迁入县城；村小撤并后，驻地学校拥挤得到缓解。",
        outcome_en=(
            "Families with children move to the county city; seat places relieve the crowding "
            "that village-school closures bring (the lever no longer lowers the rate by "
            "raising the quality of schools children are leaving)."
        ),
        evidence_zh="每个学位约5万元（估计）；质量提升为假设。",
        evidence_en="Cost about 5万元 per school place (estimate); quality gains assumed.",
    )
)
"""The declaration of the lever."""


@dataclass
class HospitalsLever(Lever):
    """Hospitals (健康县城): county-city beds and quality, town health centres."""

    cost_yi: float = capex(5.0, "estimate: about 500 county-hospital beds x 100万元 with equipment")
    county_city_capacity: float = share(
        0.2, 0.0, 5.0, "Relative increase of county-city hospital capacity (estimate)."
    )
    county_city_quality: float = share(
        0.08, 0.0, 1.0, "Health quality added in the county city (index points, assumption)."
    )
    seat_quality: float = share(0.03, 0.0, 1.0, "Health quality added at the seats (assumption).")


class Hospitals(Policy):
    """Hospital capacity and quality."""

    name = "hospitals"
    lever: HospitalsLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of hospital capacity and quality."""
        lv = self.lever
        self.add_capacity(("health",), self.city, lv.county_city_capacity, delta)
        self.add_quality(("health",), self.city, lv.county_city_quality, delta)
        self.add_quality(("health",), self.seats, lv.seat_quality, delta)


HOSPITALS = register(
    LeverSpec(
        config=HospitalsLever,
        policy=Hospitals,
        action=4,
        name_zh="医疗卫生",
        name_en="hospitals",
        indicator="county_city_health_quality",
        direction="up",
        mechanism_zh="县城医院容量和质量；乡镇卫生院质量。",
        mechanism_en="County-city hospital capacity and quality; town health centres.",
        outcome_zh="有老人的家庭迁入县城。",
        outcome_en="Households with elderly members move to the county city.",
        evidence_zh="每张床位含设备约100万元（估计）；质量提升为假设。",
        evidence_en="About 100万元 per bed with equipment (estimate); quality gains assumed.",
    )
)
"""The declaration of the lever."""


@dataclass
class ElderlyChildcareLever(Lever):
    """Elderly care and child care (养老托育)."""

    ramp_months: int = ramp(24)
    cost_yi: float = capex(1.5, "estimate: about 750 elderly-care beds x 15万元 + nurseries")
    county_city_capacity: float = share(
        0.5, 0.0, 5.0, "Relative increase of county-city elderly-care beds (estimate)."
    )
    county_city_quality: float = share(
        0.1, 0.0, 1.0, "Elderly-care quality added in the county city (assumption)."
    )
    seat_quality: float = share(0.04, 0.0, 1.0, "Elderly-care quality at the seats (assumption).")
    childcare_quality: float = share(
        0.02,
        0.0,
        1.0,
        "Child care counted as county-city school quality for families (assumption).",
    )


class ElderlyChildcare(Policy):
    """Elderly-care beds and quality; child care as school quality in the county city."""

    name = "elderly_childcare"
    lever: ElderlyChildcareLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of elderly-care capacity and quality, and of child care."""
        lv = self.lever
        self.add_capacity(("elderly_care",), self.city, lv.county_city_capacity, delta)
        self.add_quality(("elderly_care",), self.city, lv.county_city_quality, delta)
        self.add_quality(("elderly_care",), self.seats, lv.seat_quality, delta)
        self.add_quality(("school",), self.city, lv.childcare_quality, delta)


ELDERLY_CHILDCARE = register(
    LeverSpec(
        config=ElderlyChildcareLever,
        policy=ElderlyChildcare,
        action=4,
        name_zh="养老托育",
        name_en="elderly care and child care",
        indicator="county_city_elderly_care_quality",
        direction="up",
        mechanism_zh="县城养老床位和质量；乡镇驻地；托育计入县城教育质量。",
        mechanism_en=(
            "County-city elderly-care beds and quality; seats; child care as county-city school "
            "quality."
        ),
        outcome_zh="影响小。",
        outcome_en="Small.",
        evidence_zh="每张养老床位约15万元（估计）。",
        evidence_en="About 15万元 per elderly-care bed (estimate).",
    )
)
"""The declaration of the lever."""


@dataclass
class CultureSportLever(Lever):
    """Culture and sport facilities: amenity of the county city and the seats."""

    ramp_months: int = ramp(24)
    cost_yi: float = capex(1.5, "estimate: library, cultural centre, fitness grounds")
    county_city_amenity: float = share(0.04, 0.0, 1.0, "Amenity added in the county city.")
    seat_amenity: float = share(0.02, 0.0, 1.0, "Amenity added at the seats (assumption).")


class CultureSport(Policy):
    """Culture and sport facilities, as amenity."""

    name = "culture_sport"
    lever: CultureSportLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of amenity in the county city and at the seats."""
        self.add_amenity(self.city, self.lever.county_city_amenity, delta)
        self.add_amenity(self.seats, self.lever.seat_amenity, delta)


CULTURE_SPORT = register(
    LeverSpec(
        config=CultureSportLever,
        policy=CultureSport,
        action=4,
        name_zh="文化体育设施",
        name_en="culture and sport",
        indicator="county_city_amenity",
        direction="up",
        mechanism_zh="提高县城和乡镇驻地的环境品质。",
        mechanism_en="Amenity of the county city and the seats.",
        outcome_zh="影响小。",
        outcome_en="Small.",
        evidence_zh="假设。",
        evidence_en="Assumption.",
    )
)
"""The declaration of the lever."""


@dataclass
class AffordableHousingLever(Lever):
    """Affordable housing (保障性租赁住房): dwellings and a lower county-city housing cost."""

    cost_yi: float = capex(6.0, "estimate: about 3,000 rental units x 20万元 of public cost")
    housing_units: float = share(
        0.05, 0.0, 2.0, "Relative increase of county-city dwellings (about 3,000; estimate)."
    )
    price_discount: float = share(
        0.06,
        0.0,
        0.9,
        "Reduction of the county city's average housing cost (affordable share x rent "
        "discount; assumption).",
    )


class AffordableHousing(Policy):
    """Affordable dwellings and a lower average housing cost in the county city."""

    name = "affordable_housing"
    lever: AffordableHousingLever

    def setup(self) -> None:
        """Remember the county city's base house price before the discount."""
        self._price0 = float(self.model.state.housing.price0[self.city])

    def phase_in(self, delta: float) -> None:
        """Add one month's share of dwellings and of the discount."""
        self.add_housing(self.city, self.lever.housing_units, delta)
        discount = min(self.lever.price_discount * self.effect * self.progress, 0.9)
        self.model.state.housing.price0[self.city] = self._price0 * (1.0 - discount)


AFFORDABLE_HOUSING = register(
    LeverSpec(
        config=AffordableHousingLever,
        policy=AffordableHousing,
        action=4,
        name_zh="保障性租赁住房",
        name_en="affordable housing",
        indicator="county_city_housing_price",
        direction="down",
        mechanism_zh="增加县城住房，降低平均住房成本。",
        mechanism_en="County-city dwellings and a lower average housing cost.",
        outcome_zh="迁入者负担得起县城住房；提高城镇化率。",
        outcome_en="Movers can afford the county city; raises the rate.",
        evidence_zh="每套保障性租赁住房公共成本约20万元（估计）；租金折扣为假设。",
        evidence_en=(
            "About 20万元 of public cost per rental unit (estimate); the discount is assumed."
        ),
    )
)
"""The declaration of the lever."""


@dataclass
class SocialAssistanceLever(Lever):
    """Social assistance and welfare by residence (分层分类社会救助, 儿童福利, 残疾人帮扶)."""

    ramp_months: int = ramp(12)
    cost_yi: float = capex(0.3, "estimate: welfare facilities")
    running_yi: float = running(
        0.3, "estimate: about 3,000 residents without local hukou x 1万元 a year"
    )
    services_by_residence: float = share(
        0.1, 0.0, 1.0, "Share of the hukou barrier to urban services removed (assumption)."
    )


class SocialAssistance(Policy):
    """Assistance and welfare by residence: part of the hukou barrier removed."""

    name = "social_assistance"
    lever: SocialAssistanceLever

    def phase_in(self, delta: float) -> None:
        """Phase in the share of the barrier removed."""
        self.contribute(services_by_residence=self.lever.services_by_residence)


SOCIAL_ASSISTANCE = register(
    LeverSpec(
        config=SocialAssistanceLever,
        policy=SocialAssistance,
        action=4,
        name_zh="分层分类社会救助",
        name_en="social assistance",
        indicator="services_by_residence",
        direction="up",
        mechanism_zh="消除部分户籍对城镇公共服务的限制（与户籍改革按 1 - ∏(1 - 比例) 叠加）。",
        mechanism_en=(
            "Removes part of the hukou barrier to urban services (combined with hukou reform as "
            "1 - prod(1 - share))."
        ),
        outcome_zh="单独作用小。",
        outcome_en="Small on its own.",
        evidence_zh="按约3000名非本地户籍常住人口、每人每年1万元估算运行成本。",
        evidence_en=(
            "Running cost for about 3,000 residents without local hukou at 1万元 a year (estimate)."
        ),
    )
)
"""The declaration of the lever."""


@dataclass
class EmploymentServicesLever(Lever):
    """Employment services and social insurance: job matching, portable insurance."""

    ramp_months: int = ramp(12)
    cost_yi: float = capex(0.3, "estimate: public employment-service centres")
    running_yi: float = running(0.2, "estimate: training and placement subsidies")
    hire_efficiency: float = share(
        0.2, 0.0, 2.0, "Relative increase of the share of vacancies filled per month (assumption)."
    )
    services_by_residence: float = share(
        0.05, 0.0, 1.0, "Share of the hukou barrier removed by portable insurance (assumption)."
    )


class EmploymentServices(Policy):
    """Public employment services and portable social insurance."""

    name = "employment_services"
    lever: EmploymentServicesLever

    def phase_in(self, delta: float) -> None:
        """Phase in faster matching and the share of the barrier removed."""
        self.contribute(
            hire_gain=self.lever.hire_efficiency,
            services_by_residence=self.lever.services_by_residence,
        )


EMPLOYMENT_SERVICES = register(
    LeverSpec(
        config=EmploymentServicesLever,
        policy=EmploymentServices,
        action=4,
        name_zh="就业与社会保障",
        name_en="employment services",
        indicator="hire_efficiency",
        direction="up",
        mechanism_zh="提高每月岗位填补比例；社保可转移接续，消除部分户籍限制。",
        mechanism_en=(
            "Raises the share of vacancies filled per month; portable insurance removes part of "
            "the hukou barrier."
        ),
        outcome_zh="就业匹配加快；对城镇化率影响小。",
        outcome_en="Faster matching; small effect on the rate.",
        evidence_zh="假设。",
        evidence_en="Assumption.",
    )
)
"""The declaration of the lever."""
