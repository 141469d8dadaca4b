"""Policy levers of a scenario (``scenario.policies``): one dataclass per lever, and the budget.

Every lever shares the fields of :class:`Lever`: a start month, an intensity (0 = off, 1 = as
the plan reads), the months over which its effect and capital spending phase in, and its costs
in 亿元 (capital cost at intensity 1, spent evenly over the ramp; running cost per year at
intensity 1, from the start month on). The other fields are the lever's magnitudes at
intensity 1. Each help text says what a value rests on: ``estimate`` or ``assumption`` marks a
figure set by judgement, to be replaced when a planner has the county's own figure.

``docs/policies.md`` (generated from ``hdsim/policies/catalogue.yaml``) maps every action and
measure of the plan to these levers. :class:`PoliciesConfig` also holds the yearly budget that
all levers draw on and the implementation-efficiency factor of the plan's safeguards
(保障措施); a scenario whose planned spending exceeds its budget in any year is rejected with
a one-line :class:`ConfigError` unless ``budget.allow_over_budget`` is true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hdsim.config.fields import ConfigError, bounded, month

__all__ = ["ConfigError", "Lever", "PoliciesConfig"]


def ramp(default: int) -> Any:
    """Declare the phase-in period of a lever, in months."""
    return bounded(
        default, 1, 240, "Months over which the effect and the capital spending phase in."
    )


def capex(default: float, basis: str) -> Any:
    """Declare the capital cost of a lever at intensity 1, with the basis of the figure."""
    return bounded(
        default, 0.0, 1000.0, f"Capital cost at intensity 1, 亿元, spent over the ramp ({basis})."
    )


def running(default: float, basis: str) -> Any:
    """Declare the yearly running cost of a lever at intensity 1, with the basis of the figure."""
    return bounded(
        default, 0.0, 100.0, f"Running cost a year at intensity 1, 亿元, from the start ({basis})."
    )


def share(default: float, lo: float, hi: float, help: str) -> Any:
    """Declare a magnitude of a lever at intensity 1."""
    return bounded(default, lo, hi, help)


@dataclass
class Lever:
    """Fields every lever has: timing, intensity and costs."""

    start: str = month("2023-01", "Month the lever starts.")
    intensity: float = bounded(0.0, 0.0, 2.0, "0 = off, 1 = as the plan reads.")
    ramp_months: int = ramp(36)
    cost_yi: float = capex(0.0, "none")
    running_yi: float = running(0.0, "none")

    def is_on(self) -> bool:
        """Whether the lever acts (and spends) in the scenario."""
        return self.intensity > 0

    def cost_units(self) -> float:
        """Multiple of ``cost_yi`` and ``running_yi`` the scenario pays (its intensity)."""
        return self.intensity if self.is_on() else 0.0


# --------------------------------------------------------------------------------------------
# Action 1: planning
# --------------------------------------------------------------------------------------------


@dataclass
class SpatialLayoutLever(Lever):
    """一心、四镇、一带、两区: key towns first for services and land; services follow people."""

    cost_yi: float = capex(6.0, "estimate: about 1.5亿元 per key town for services and land")
    key_towns: list[str] = field(
        default_factory=lambda: ["141024106", "141024101", "141024104", "141024102"],
        metadata={
            "help": "Codes of the four key towns (四镇); the plan names none: 赵城, 甘亭, 广胜寺 "
            "and 曲亭 assumed."
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


# --------------------------------------------------------------------------------------------
# Action 2: industry
# --------------------------------------------------------------------------------------------


@dataclass
class IndustrialClusterLever(Lever):
    """Industrial clusters: development-zone jobs, chain-leader suppliers, specialised towns."""

    cost_yi: float = capex(
        9.0,
        "estimate: about 10万元 of public infrastructure per new job, about 9,000 jobs; "
        "firms' own investment such as Huaxiang's 20亿元 is not public money",
    )
    zone_jobs: int = bounded(
        6000, 0, 200000, "Development-zone jobs at intensity 1 (incl. 3,000 of the Huaxiang park)."
    )
    suppliers_per_leader: int = bounded(
        3, 0, 50, "Supplier firms each chain leader spawns at intensity 1 (assumption)."
    )
    supplier_jobs: int = bounded(150, 0, 10000, "Jobs per spawned supplier firm (assumption).")
    specialised_town_jobs: int = bounded(
        2000, 0, 100000, "Jobs added across specialised towns at intensity 1 (assumption)."
    )
    specialised_towns: list[str] = field(
        default_factory=lambda: ["141024101", "141024104", "141024106"],
        metadata={"help": "Statistical codes of the specialised towns (configurable choice)."},
    )


@dataclass
class ModernServicesLever(Lever):
    """Modern services: e-commerce, logistics, finance and innovation jobs in the county city."""

    cost_yi: float = capex(2.0, "estimate: e-commerce park and logistics hub, about 7万元 per job")
    jobs: int = bounded(
        3000,
        0,
        100000,
        "County-city service jobs at intensity 1 (assumption; 5,394 new urban "
        "jobs were created county-wide in 2019).",
    )
    ecommerce_share: float = share(0.5, 0.0, 1.0, "Share of the jobs in e-commerce.")
    logistics_share: float = share(
        0.3, 0.0, 1.0, "Share in trade and logistics; the rest is finance and other services."
    )


@dataclass
class TourismLever(Lever):
    """Tourism around the 大槐树 ancestral-root park (5A): jobs and county-city amenity."""

    cost_yi: float = capex(3.0, "estimate: site upgrade, hotels and visitor facilities")
    jobs: int = bounded(
        1500,
        0,
        50000,
        "Tourism and hospitality jobs at intensity 1 (assumption; the site had about 500 staff "
        "and over 1 million visitors in 2018).",
    )
    amenity: float = share(0.03, 0.0, 1.0, "Amenity added in the county city (assumption).")


@dataclass
class ConsumptionLever(Lever):
    """County-city consumption (烟火气): shopping streets, night markets, catering, lodging."""

    ramp_months: int = ramp(24)
    cost_yi: float = capex(1.5, "estimate: pedestrian streets, markets and 百企千店万家菜 support")
    jobs: int = bounded(
        1000, 0, 50000, "Trade, catering and lodging jobs in the county city (assumption)."
    )
    amenity: float = share(0.05, 0.0, 1.0, "Amenity added in the county city (assumption).")


# --------------------------------------------------------------------------------------------
# Action 3: municipal infrastructure
# --------------------------------------------------------------------------------------------


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


@dataclass
class FloodResilienceLever(Lever):
    """Flood control, drainage and safety resilience (防洪排涝, 安全韧性): county-city amenity."""

    cost_yi: float = capex(4.0, "estimate: drainage, embankments, shelters, lifeline monitoring")
    amenity: float = share(0.04, 0.0, 1.0, "Amenity added in the county city (assumption).")


@dataclass
class UtilityNetworksLever(Lever):
    """Gas, water and power networks: how many residents the county city can serve."""

    cost_yi: float = capex(4.0, "estimate: gas, water and power networks renewed and extended")
    capacity_persons: int = bounded(
        20000, 0, 1000000, "Residents the county city can additionally serve (assumption)."
    )
    amenity: float = share(0.02, 0.0, 1.0, "Amenity added in the county city (assumption).")


@dataclass
class SmartCountyLever(Lever):
    """Smart county and digital city management (智慧县城, 数字化城管, 网格化治理)."""

    ramp_months: int = ramp(24)
    cost_yi: float = capex(1.5, "estimate: typical county platform 0.3-1亿元 + smart communities")
    amenity: float = share(0.03, 0.0, 1.0, "Amenity added in the county city (assumption).")


# --------------------------------------------------------------------------------------------
# Action 4: public services
# --------------------------------------------------------------------------------------------


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
        0.05, 0.0, 1.0, "Increase of village service quality (pulls against moving)."
    )
    housing_units: float = share(
        0.08, 0.0, 2.0, "Relative increase of county-city housing (new district) at intensity 1."
    )


@dataclass
class SchoolsLever(Lever):
    """Schools: places and quality in the county city, quality at seats and villages."""

    cost_yi: float = capex(5.0, "estimate: about 9,000 school places x 5万元 + informatization")
    county_city_capacity: float = share(
        0.15, 0.0, 5.0, "Relative increase of county-city school places (estimate)."
    )
    county_city_quality: float = share(
        0.08, 0.0, 1.0, "School quality added in the county city (index points, assumption)."
    )
    seat_quality: float = share(0.03, 0.0, 1.0, "School quality added at the seats (assumption).")
    village_quality: float = share(
        0.02, 0.0, 1.0, "School quality added in villages by informatization (assumption)."
    )


@dataclass
class HospitalsLever(Lever):
    """Hospitals (健康洪洞): county-city beds and quality, town health centres."""

    cost_yi: float = capex(5.0, "estimate: about 500 county-hospital beds x 100万元 with equipment")
    county_city_capacity: float = share(
        0.2, 0.0, 5.0, "Relative increase of county-city hospital capacity (estimate)."
    )
    county_city_quality: float = share(
        0.08, 0.0, 1.0, "Health quality added in the county city (index points, assumption)."
    )
    seat_quality: float = share(0.03, 0.0, 1.0, "Health quality added at the seats (assumption).")


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


@dataclass
class CultureSportLever(Lever):
    """Culture and sport facilities: amenity of the county city and the seats."""

    ramp_months: int = ramp(24)
    cost_yi: float = capex(1.5, "estimate: library, cultural centre, fitness grounds")
    county_city_amenity: float = share(0.04, 0.0, 1.0, "Amenity added in the county city.")
    seat_amenity: float = share(0.02, 0.0, 1.0, "Amenity added at the seats (assumption).")


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


# --------------------------------------------------------------------------------------------
# Action 5: environment
# --------------------------------------------------------------------------------------------


@dataclass
class HeritageGreenLever(Lever):
    """Heritage protection, blue-green space and greenways: amenity."""

    cost_yi: float = capex(3.0, "estimate: heritage blocks, riverside park, greenway network")
    county_city_amenity: float = share(0.05, 0.0, 1.0, "Amenity added in the county city.")
    seat_amenity: float = share(0.01, 0.0, 1.0, "Amenity added at the seats (greenways).")


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


# --------------------------------------------------------------------------------------------
# Action 6: county-township-village linkage
# --------------------------------------------------------------------------------------------


@dataclass
class VillageInfrastructureLever(Lever):
    """Infrastructure extended to villages: roads and buses let villagers commute without moving."""

    cost_yi: float = capex(4.0, "estimate: rural roads and county-township-village bus lines")
    commute_gain: float = share(
        0.5,
        0.0,
        5.0,
        "Relative increase of the commuting distance scale between villages and the county "
        "city and seats (assumption).",
    )
    village_amenity: float = share(0.02, 0.0, 1.0, "Amenity added in villages (assumption).")


@dataclass
class VillageServicesLever(Lever):
    """County-city services extended to villages: schools, clinics, elderly day care."""

    cost_yi: float = capex(3.0, "estimate: about 300 villages x 100万元")
    village_quality: float = share(
        0.08, 0.0, 1.0, "Service quality added in villages (index points, assumption)."
    )


@dataclass
class BeautifulVillagesLever(Lever):
    """宜居宜业和美乡村: village amenity (pulls against moving, raises welfare)."""

    cost_yi: float = capex(3.0, "estimate: village environment programmes")
    village_amenity: float = share(0.08, 0.0, 1.0, "Amenity added in villages (assumption).")


# --------------------------------------------------------------------------------------------
# Action 7: institutions
# --------------------------------------------------------------------------------------------


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


@dataclass
class RuralReformLever(Lever):
    """Homestead reform and the 30-year land-contract extension: what a mover keeps."""

    ramp_months: int = ramp(24)
    cost_yi: float = capex(0.5, "estimate: pilot surveys, registration and certificates")
    land_rights_kept: float = share(
        0.3, 0.0, 1.0, "Share of land attachment removed at intensity 1 (assumption)."
    )


@dataclass
class TownshipUpgradeLever(Lever):
    """乡→镇 upgrades: the seat of an upgraded township counts as urban (code 210 → 121)."""

    start: str = month("2024-01", "Month the upgrades take effect.")
    intensity: float = bounded(1.0, 0.0, 2.0, "0 = off; any value above 0 upgrades the codes.")
    ramp_months: int = ramp(12)
    cost_yi: float = capex(0.5, "per upgraded township; estimate: seat roads, water, sanitation")
    codes: list[str] = field(
        default_factory=list,
        metadata={"help": "Statistical codes of the townships (乡) upgraded to towns (镇)."},
    )

    def is_on(self) -> bool:
        """On when at least one township is listed and the intensity is above zero."""
        return self.intensity > 0 and len(self.codes) > 0

    def cost_units(self) -> float:
        """Costs are paid per upgraded township."""
        return float(len(self.codes)) if self.is_on() else 0.0


# --------------------------------------------------------------------------------------------
# Budget and the policy set
# --------------------------------------------------------------------------------------------


@dataclass
class BudgetConfig:
    """Money the levers draw on each year."""

    yearly_yi: float = bounded(
        15.0,
        0.0,
        10000.0,
        "County funds for the plan's levers per year, 亿元 (estimate: own capital spending, land "
        "revenue and regular upper-level transfers; general budget revenue was 9.71亿元 in 2019).",
    )
    allow_over_budget: bool = field(
        default=False,
        metadata={"help": "Run a scenario whose planned spending exceeds the budget anyway."},
    )


@dataclass
class PoliciesConfig:
    """The policy levers of a scenario; each has a start month, an intensity and costs."""

    budget: BudgetConfig = field(default_factory=BudgetConfig)
    implementation_efficiency: float = bounded(
        1.0,
        0.0,
        1.5,
        "Share of every lever's effect delivered (保障措施: organisation, projects, supervision; "
        "1 = as planned).",
    )
    # action 1
    spatial_layout: SpatialLayoutLever = field(default_factory=SpatialLayoutLever)
    # action 2
    industrial_cluster: IndustrialClusterLever = field(default_factory=IndustrialClusterLever)
    modern_services: ModernServicesLever = field(default_factory=ModernServicesLever)
    tourism: TourismLever = field(default_factory=TourismLever)
    consumption: ConsumptionLever = field(default_factory=ConsumptionLever)
    # action 3
    old_town_renewal: OldTownRenewalLever = field(default_factory=OldTownRenewalLever)
    new_district: NewDistrictLever = field(default_factory=NewDistrictLever)
    flood_resilience: FloodResilienceLever = field(default_factory=FloodResilienceLever)
    utility_networks: UtilityNetworksLever = field(default_factory=UtilityNetworksLever)
    smart_county: SmartCountyLever = field(default_factory=SmartCountyLever)
    # action 4
    public_services: PublicServicesLever = field(default_factory=PublicServicesLever)
    schools: SchoolsLever = field(default_factory=SchoolsLever)
    hospitals: HospitalsLever = field(default_factory=HospitalsLever)
    elderly_childcare: ElderlyChildcareLever = field(default_factory=ElderlyChildcareLever)
    culture_sport: CultureSportLever = field(default_factory=CultureSportLever)
    affordable_housing: AffordableHousingLever = field(default_factory=AffordableHousingLever)
    social_assistance: SocialAssistanceLever = field(default_factory=SocialAssistanceLever)
    employment_services: EmploymentServicesLever = field(default_factory=EmploymentServicesLever)
    # action 5
    heritage_green: HeritageGreenLever = field(default_factory=HeritageGreenLever)
    waste_sewage: WasteSewageLever = field(default_factory=WasteSewageLever)
    # action 6
    village_infrastructure: VillageInfrastructureLever = field(
        default_factory=VillageInfrastructureLever
    )
    village_services: VillageServicesLever = field(default_factory=VillageServicesLever)
    beautiful_villages: BeautifulVillagesLever = field(default_factory=BeautifulVillagesLever)
    # action 7
    hukou_reform: HukouReformLever = field(default_factory=HukouReformLever)
    talent_incentives: TalentIncentivesLever = field(default_factory=TalentIncentivesLever)
    investment_financing: InvestmentFinancingLever = field(default_factory=InvestmentFinancingLever)
    land_supply: LandSupplyLever = field(default_factory=LandSupplyLever)
    rural_reform: RuralReformLever = field(default_factory=RuralReformLever)
    township_upgrade: TownshipUpgradeLever = field(default_factory=TownshipUpgradeLever)

    def __post_init__(self) -> None:
        """Reject a policy set whose planned spending exceeds its budget in some year."""
        self.check_budget()

    def check_budget(self) -> None:
        """Raise a one-line ConfigError if planned spending exceeds the budget in some year."""
        from hdsim.policies.budget import check_budget  # the budget math imports this module

        check_budget(self)

    def levers(self) -> dict[str, Lever]:
        """The levers by name, in the order of the plan's actions."""
        return {k: v for k, v in vars(self).items() if isinstance(v, Lever)}
