"""Action 2 (特色优势产业培育行动): industrial clusters, modern services, tourism, consumption.

New jobs enter the model as *policy jobs* of firms (``LabourMarket.firms.policy_jobs``): they
raise a firm's target workforce, so the labour market posts vacancies and hires residents
within commuting reach, and the location choice sees higher expected incomes near them.

- :class:`IndustrialCluster` (提升产业平台功能, 关联产业集群): development-zone jobs (incl.
  Huaxiang's 3,000), suppliers spawned next to the chain leaders (一企带一链), and jobs in the
  specialised towns' manufacturing;
- :class:`ModernServices` (特色现代服务业): e-commerce, logistics, finance and innovation jobs
  in the county city;
- :class:`Tourism` (文旅, the 大槐树 ancestral-root park): tourism and hospitality jobs and
  county-city amenity;
- :class:`Consumption` (县城"烟火气", 消费场景, 百企千店万家菜): trade, catering and lodging
  jobs and county-city amenity.
"""

from __future__ import annotations

import numpy as np

from hdsim.mechanisms.labour import MANUFACTURING
from hdsim.policies.base import Policy


class IndustrialCluster(Policy):
    """Industrial cluster growth: zone jobs, supplier firms, specialised towns."""

    name = "industrial_cluster"
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
            wage=float(f.wage[leader]) * 0.85,
            growth=0.03,
            policy_jobs=self.lever.supplier_jobs * m.scale,
        )
        m.add_firm_agent(row)


class ModernServices(Policy):
    """E-commerce, logistics, finance and innovation jobs in the county city."""

    name = "modern_services"

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


class Tourism(Policy):
    """Tourism and hospitality jobs around the 大槐树 park, and county-city amenity."""

    name = "tourism"

    def setup(self) -> None:
        """Find the county city's tourism and hospitality firms (the park and hotels)."""
        self._rows = self.firm_rows("tourism_hospitality", self.city)

    def phase_in(self, delta: float) -> None:
        """Add one month's share of the jobs and the amenity."""
        self.add_jobs(self._rows, self.lever.jobs, delta)
        self.add_amenity(self.city, self.lever.amenity, delta)


class Consumption(Policy):
    """County-city consumption: trade, catering and lodging jobs, and amenity (烟火气)."""

    name = "consumption"

    def setup(self) -> None:
        """Find the county city's trade and hospitality firms."""
        self._trade = self.firm_rows("trade_logistics", self.city)
        self._hospitality = self.firm_rows("tourism_hospitality", self.city)

    def phase_in(self, delta: float) -> None:
        """Add one month's share of the jobs (half trade, half catering and lodging)."""
        self.add_jobs(self._trade, self.lever.jobs * 0.5, delta)
        self.add_jobs(self._hospitality, self.lever.jobs * 0.5, delta)
        self.add_amenity(self.city, self.lever.amenity, delta)
