"""Action 2 (特色优势产业培育行动): industrial clusters, modern services, tourism, consumption.

New jobs enter the model as *policy jobs* of firms (``LabourMarket.firms.policy_jobs``): they
raise a firm's target workforce, so the labour market posts vacancies and hires residents
within commuting reach, and the location choice sees higher expected incomes near them.

- :class:`IndustrialCluster` (提升产业平台功能, 关联产业集群): development-zone jobs (incl.
  the planned parks' jobs), suppliers spawned next to the chain leaders (一企带一链), and jobs
  in the specialised towns' manufacturing;
- :class:`ModernServices` (特色现代服务业): e-commerce, logistics, finance and innovation jobs
  in the county city;
- :class:`Tourism` (文旅融合发展): tourism and hospitality jobs around the county's heritage
  sites, sized by the lever's ``jobs``, and county-city amenity;
- :class:`Consumption` (县城"烟火气", 消费场景, 百企千店万家菜): trade, catering and lodging
  jobs and county-city amenity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hdsim.config.policies import Lever, bounded, capex, param, ramp, share
from hdsim.mechanisms.labour import MANUFACTURING
from hdsim.policies.base import Policy
from hdsim.policies.registry import LeverSpec, register


@dataclass
class IndustrialClusterLever(Lever):
    """Industrial clusters: development-zone jobs, chain-leader suppliers, specialised towns."""

    cost_yi: float = capex(
        9.0,
        "estimate: about 10万元 of public infrastructure per new job, about 9,000 jobs; "
        "firms' own investment in their parks is not public money",
    )
    zone_jobs: int = bounded(
        6000,
        0,
        200000,
        "Development-zone jobs at intensity 1 (incl. the planned parks' jobs; estimate).",
    )
    suppliers_per_leader: int = bounded(
        3, 0, 50, "Supplier firms each chain leader spawns at intensity 1 (assumption)."
    )
    supplier_jobs: int = bounded(150, 0, 10000, "Jobs per spawned supplier firm (assumption).")
    supplier_wage_ratio: float = param(
        0.85,
        0.1,
        2.0,
        unit="share of the chain leader's wage",
        source="first model version",
        status="assumption",
        help="Wage a spawned supplier pays, relative to its chain leader.",
    )
    supplier_growth: float = param(
        0.03,
        -0.5,
        0.5,
        unit="per year",
        source="first model version",
        status="assumption",
        help="Yearly workforce growth of a spawned supplier firm.",
    )
    specialised_town_jobs: int = bounded(
        2000, 0, 100000, "Jobs added across specialised towns at intensity 1 (assumption)."
    )
    specialised_towns: list[str] = field(
        default_factory=lambda: ["role:specialised_town"],
        metadata={
            "help": "The specialised towns: township codes, or role:specialised_town for the "
            "townships the county data marks so (configurable choice)."
        },
    )


class IndustrialCluster(Policy):
    """Industrial cluster growth: zone jobs, supplier firms, specialised towns."""

    name = "industrial_cluster"
    lever: IndustrialClusterLever
    town_fields = ("specialised_towns",)

    def setup(self) -> None:
        """Find the zone firms and the specialised towns' firms; schedule supplier spawning."""
        m, lv = self.model, self.lever
        f = m.labour.firms
        nf = f.n
        self._zone_rows = np.flatnonzero(f.zone[:nf])
        towns = self.seats_of(list(lv.specialised_towns), "specialised_towns")
        manuf = np.isin(f.sector[:nf], MANUFACTURING)
        town_rows = np.flatnonzero(np.isin(f.place[:nf], towns) & manuf)
        if town_rows.size == 0:
            town_rows = np.flatnonzero(np.isin(f.place[:nf], towns))
        self._town_rows = town_rows
        leaders = np.flatnonzero(f.chain_leader[:nf])
        n_suppliers = round(lv.suppliers_per_leader * self.effect) * leaders.size
        self._leaders = leaders
        self._spawned = 0
        for k in range(n_suppliers):
            at = m.time + (k + 1) * lv.ramp_months / (n_suppliers + 1)
            m.schedule_event(self.spawn_supplier, at=at)

    def phase_in(self, delta: float) -> None:
        """Add one month's share of the zone and specialised-town jobs."""
        if self._zone_rows.size:
            self.add_jobs(self._zone_rows, self.lever.zone_jobs, delta)
        if self._town_rows.size:
            self.add_jobs(self._town_rows, self.lever.specialised_town_jobs, delta)

    def spawn_supplier(self) -> None:
        """A chain leader spawns a supplier firm next to it (一企带一链)."""
        m = self.model
        f = m.labour.firms
        leader = int(self._leaders[self._spawned % self._leaders.size])
        self._spawned += 1
        row = m.labour.add_firm(
            name=f"{m.labour.names[leader]}配套企业{self._spawned}",
            place=int(f.place[leader]),
            sector=int(f.sector[leader]),
            wage=float(f.wage[leader]) * self.lever.supplier_wage_ratio,
            growth=self.lever.supplier_growth,
            policy_jobs=self.lever.supplier_jobs * m.scale,
        )
        m.add_firm_agent(row)


INDUSTRIAL_CLUSTER = register(
    LeverSpec(
        config=IndustrialClusterLever,
        policy=IndustrialCluster,
        action=2,
        name_zh="产业平台与关联产业集群",
        name_en="industrial clusters",
        indicator="job_targets_total",
        direction="up",
        mechanism_zh="园区企业和专业镇制造业增加岗位；链主企业旁生成配套企业。",
        mechanism_en=(
            "Policy jobs of zone firms and specialised-town manufacturers; supplier firms "
            "spawned next to the chain leaders."
        ),
        outcome_zh="就业增加；更多人留在县内（常住人口增加），但不一定进城。",
        outcome_en=(
            "More jobs; residents stay in the county (resident population up) rather than moving "
            "into town."
        ),
        evidence_zh="开发区就业含在建产业园规划岗位（引用县里规划）；其余为假设。",
        evidence_en="Zone jobs include the planned jobs of parks under construction (quoted "
        "from the county's plans); the rest are assumptions.",
    )
)
"""The declaration of the lever."""


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


class ModernServices(Policy):
    """E-commerce, logistics, finance and innovation jobs in the county city."""

    name = "modern_services"
    lever: ModernServicesLever

    def setup(self) -> None:
        """Find (or open) the county city's e-commerce, logistics and other-service firms."""
        lv = self.lever
        ecommerce = min(lv.ecommerce_share, 1.0)
        logistics = min(lv.logistics_share, 1.0 - ecommerce)
        self._parts = [
            (self.firm_rows("ecommerce", self.city), ecommerce),
            (self.firm_rows("trade_logistics", self.city), logistics),
            (self.firm_rows("other_services", self.city), 1.0 - ecommerce - logistics),
        ]

    def phase_in(self, delta: float) -> None:
        """Add one month's share of the service jobs."""
        for rows, part in self._parts:
            if part > 0:
                self.add_jobs(rows, self.lever.jobs * part, delta)


MODERN_SERVICES = register(
    LeverSpec(
        config=ModernServicesLever,
        policy=ModernServices,
        action=2,
        name_zh="特色现代服务业",
        name_en="modern services",
        indicator="jobs_ecommerce",
        direction="up",
        mechanism_zh="县城电商、物流和其他服务业企业增加岗位。",
        mechanism_en=(
            "Policy jobs of the county city's e-commerce, logistics and other-service firms."
        ),
        outcome_zh="县城岗位增加，提高在县城的预期收入。",
        outcome_en="Urban jobs in the county city raise its expected income.",
        evidence_zh="假设3000个岗位（2019年全县城镇新增就业5394人，官方）。",
        evidence_en="3,000 jobs assumed (5,394 new urban jobs county-wide in 2019, official).",
    )
)
"""The declaration of the lever."""


@dataclass
class TourismLever(Lever):
    """Tourism around the county's heritage sites: jobs and county-city amenity."""

    cost_yi: float = capex(3.0, "estimate: site upgrade, hotels and visitor facilities")
    jobs: int = bounded(
        1500,
        0,
        50000,
        "Tourism and hospitality jobs at intensity 1 (assumption; compare with the staff of "
        "the county's main sites in the county data).",
    )
    amenity: float = share(0.03, 0.0, 1.0, "Amenity added in the county city (assumption).")


class Tourism(Policy):
    """Tourism and hospitality jobs around the heritage sites, and county-city amenity."""

    name = "tourism"
    lever: TourismLever

    def setup(self) -> None:
        """Find the county city's tourism and hospitality firms (sites and hotels)."""
        self._rows = self.firm_rows("tourism_hospitality", self.city)

    def phase_in(self, delta: float) -> None:
        """Add one month's share of the jobs and the amenity."""
        self.add_jobs(self._rows, self.lever.jobs, delta)
        self.add_amenity(self.city, self.lever.amenity, delta)


TOURISM = register(
    LeverSpec(
        config=TourismLever,
        policy=Tourism,
        action=2,
        name_zh="文旅融合发展",
        name_en="tourism",
        indicator="jobs_tourism_hospitality",
        direction="up",
        mechanism_zh="县城文旅住宿餐饮企业增加岗位；提高县城环境品质。",
        mechanism_en=(
            "Policy jobs of county-city tourism and hospitality firms; county-city amenity."
        ),
        outcome_zh="少量城镇岗位；影响小。",
        outcome_en="A few urban jobs; small effect.",
        evidence_zh="假设新增1500个岗位，应与县内主要景区的员工和游客规模（县数据）对照。",
        evidence_en=(
            "1,500 more jobs assumed; compare with the staff and visitors of the county's main "
            "sites (county data)."
        ),
    )
)
"""The declaration of the lever."""


@dataclass
class ConsumptionLever(Lever):
    """County-city consumption (烟火气): shopping streets, night markets, catering, lodging."""

    ramp_months: int = ramp(24)
    cost_yi: float = capex(1.5, "estimate: pedestrian streets, markets and 百企千店万家菜 support")
    jobs: int = bounded(
        1000, 0, 50000, "Trade, catering and lodging jobs in the county city (assumption)."
    )
    trade_share: float = param(
        0.5,
        0.0,
        1.0,
        unit="share of the jobs",
        source="first model version",
        status="assumption",
        help="Share of the jobs in trade; the rest in catering and lodging.",
    )
    amenity: float = share(0.05, 0.0, 1.0, "Amenity added in the county city (assumption).")


class Consumption(Policy):
    """County-city consumption: trade, catering and lodging jobs, and amenity (烟火气)."""

    name = "consumption"
    lever: ConsumptionLever

    def setup(self) -> None:
        """Find the county city's trade and hospitality firms."""
        self._trade = self.firm_rows("trade_logistics", self.city)
        self._hospitality = self.firm_rows("tourism_hospitality", self.city)

    def phase_in(self, delta: float) -> None:
        """Add one month's share of the jobs (trade, and catering and lodging) and amenity."""
        trade = self.lever.trade_share
        self.add_jobs(self._trade, self.lever.jobs * trade, delta)
        self.add_jobs(self._hospitality, self.lever.jobs * (1.0 - trade), delta)
        self.add_amenity(self.city, self.lever.amenity, delta)


CONSUMPTION = register(
    LeverSpec(
        config=ConsumptionLever,
        policy=Consumption,
        action=2,
        name_zh="县城“烟火气”",
        name_en="county-city consumption",
        indicator="jobs_trade_logistics",
        direction="up",
        mechanism_zh="县城商贸和住宿餐饮增加岗位；提高县城环境品质。",
        mechanism_en="Policy jobs in county-city trade and hospitality; county-city amenity.",
        outcome_zh="少量城镇岗位；影响小。",
        outcome_en="A few urban jobs; small effect.",
        evidence_zh="假设。",
        evidence_en="Assumption.",
    )
)
"""The declaration of the lever."""
