"""Policy levers: each has a start month and an intensity, and switches on as a Mesa event.

A lever is configured in the scenario (``scenario.policies.<lever>``). When its intensity is
above zero, :meth:`Policy.schedule` registers its ``activate`` method with
``model.schedule_event`` for the start of its start month; levers that phase in (new service
capacity, new jobs) then register a monthly ``ramp`` with ``model.schedule_recurring``.
Mechanisms read the current effect of policy from :class:`PolicyState`, so no mechanism needs
to know which scenario runs.

The levers and what they move (``docs/model.md`` gives the magnitudes):

- :class:`HukouReform`: lower settlement threshold, faster conversion, services by residence
  instead of hukou, land rights kept after moving → hukou and resident urbanization;
- :class:`PublicServices`: county-city service capacity and quality, seats' quality, village
  coverage (which pulls the other way), new-district housing → county-city population;
- :class:`IndustrialCluster`: development-zone jobs (incl. Huaxiang's 3,000), suppliers spawned
  by chain leaders, specialised towns → jobs, wages, in-county moves;
- :class:`LandSupply`: faster built-up growth → reclassified villages;
- :class:`TownshipUpgrade`: 乡→镇 upgrades → seat population counts as urban.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from mesa.time import Schedule

from hdsim.mechanisms.labour import MANUFACTURING
from hdsim.model.geography import PlaceKind

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel


@dataclass
class PolicyState:
    """The current effect of all policies, read by the mechanisms.

    Attributes:
        services_by_residence: Share of the hukou barrier to urban services removed.
        threshold_reduction: Share of the residence requirement for hukou removed.
        conversion_multiplier: Multiple of the base hukou conversion rate.
        land_rights_kept: Share of land attachment removed by keeping rights after moving.
        extra_builtup_km2: Extra yearly built-up growth of the county city, km².
        active: Names of the levers switched on so far.
    """

    services_by_residence: float = 0.0
    threshold_reduction: float = 0.0
    conversion_multiplier: float = 1.0
    land_rights_kept: float = 0.0
    extra_builtup_km2: float = 0.0
    active: tuple[str, ...] = ()


def month_index(start: str, month: str) -> int:
    """Months from ``start`` (YYYY-MM) to ``month`` (YYYY-MM)."""
    y0, m0 = (int(v) for v in start.split("-"))
    y1, m1 = (int(v) for v in month.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


class Policy:
    """A lever with a start month and an intensity, activated by a scheduled event.

    Attributes:
        name: Name of the lever in the scenario config.
        lever: The lever's configuration.
        intensity: 0 = off, 1 = as the plan reads.
    """

    name = "policy"

    def __init__(self, model: CountyModel, lever: Any) -> None:
        """Bind the lever configuration to the model.

        Args:
            model: The county model.
            lever: The lever's dataclass from the scenario config.
        """
        self.model = model
        self.lever = lever
        self.intensity = float(getattr(lever, "intensity", 1.0))
        self.ramp_done = 0

    @property
    def start_time(self) -> float:
        """Model time of activation: just before the step that simulates the start month."""
        months = month_index(self.model.config.horizon.start, self.lever.start)
        return max(months + 0.5, 0.0)

    def enabled(self) -> bool:
        """Whether the lever does anything in this scenario."""
        return self.intensity > 0

    def schedule(self) -> None:
        """Register :meth:`activate` with the model's event list if the lever is on."""
        if self.enabled():
            self.model.schedule_event(self.activate, at=self.start_time)

    def activate(self) -> None:
        """Switch the lever on."""
        state = self.model.policy
        state.active = (*state.active, self.name)

    def start_ramp(self, months: int) -> None:
        """Call :meth:`ramp` once a month for ``months`` months, starting now."""
        self.ramp_months = months
        self._ramp_generator = self.model.schedule_recurring(
            self.ramp, Schedule(interval=1.0, start=self.model.time, count=months)
        )

    def ramp(self) -> None:
        """Phase in one month's share of the lever (levers that phase in override this)."""


class HukouReform(Policy):
    """Hukou reform: settlement threshold, conversion, services by residence, land rights."""

    name = "hukou_reform"

    def activate(self) -> None:
        """Apply the reform's effects at its intensity."""
        super().activate()
        lv, i, state = self.lever, self.intensity, self.model.policy
        state.threshold_reduction = min(1.0, i * lv.settlement_threshold)
        state.conversion_multiplier = 1.0 + i * lv.conversion_boost
        state.services_by_residence = min(1.0, i * lv.services_by_residence)
        state.land_rights_kept = min(1.0, i * lv.land_rights_kept)


class PublicServices(Policy):
    """Public-service extension, phased in over ``ramp_months``."""

    name = "public_services"

    def activate(self) -> None:
        """Start phasing in capacity, quality and housing."""
        super().activate()
        self.start_ramp(self.lever.ramp_months)

    def ramp(self) -> None:
        """Add one month's share of the new capacity, quality and dwellings."""
        m, lv = self.model, self.lever
        share = self.intensity / lv.ramp_months
        ts = m.townships_state
        geo = m.geo
        city = geo.county_city
        seats = geo.seats
        villages = geo.villages
        for service in ts.capacity:
            ts.capacity[service][city] += (
                ts.capacity0[service][city] * lv.county_city_capacity * share
            )
            ts.quality_boost[service][city] += lv.county_city_quality * share
            ts.quality_boost[service][seats] += lv.seat_quality * share
            ts.quality_boost[service][villages] += lv.village_coverage * share
        ts.housing_units[city] += ts.housing_units0[city] * lv.housing_units * share
        ts.amenity[city] += 0.1 * share


class IndustrialCluster(Policy):
    """Industrial cluster growth: zone jobs, supplier firms, specialised towns."""

    name = "industrial_cluster"

    def activate(self) -> None:
        """Spread the new jobs over zone firms and towns, and schedule supplier spawning."""
        super().activate()
        m, lv = self.model, self.lever
        f = m.labour.firms
        nf = f.n
        zone = np.flatnonzero(f.zone[:nf])
        weights = f.target[zone] / max(f.target[zone].sum(), 1e-9)
        self._zone_rows = zone
        self._zone_monthly = weights * lv.zone_jobs * m.scale * self.intensity / lv.ramp_months
        towns = [m.geo.seat_of[m.geo.township_index(c)] for c in lv.specialised_towns]
        manuf = np.isin(f.sector[:nf], MANUFACTURING)
        town_rows = np.flatnonzero(np.isin(f.place[:nf], towns) & manuf)
        if town_rows.size == 0:
            town_rows = np.flatnonzero(np.isin(f.place[:nf], towns))
        tw = f.target[town_rows] / max(f.target[town_rows].sum(), 1e-9)
        self._town_rows = town_rows
        self._town_monthly = (
            tw * lv.specialised_town_jobs * m.scale * self.intensity / lv.ramp_months
        )
        self.start_ramp(lv.ramp_months)
        leaders = np.flatnonzero(f.chain_leader[:nf])
        n_suppliers = round(lv.suppliers_per_leader * self.intensity) * leaders.size
        self._leaders = leaders
        self._spawned = 0
        for k in range(n_suppliers):
            at = m.time + (k + 1) * lv.ramp_months / (n_suppliers + 1)
            m.schedule_event(self.spawn_supplier, at=at)

    def ramp(self) -> None:
        """Add one month's share of the zone and specialised-town jobs."""
        f = self.model.labour.firms
        f.policy_jobs[self._zone_rows] += self._zone_monthly
        f.policy_jobs[self._town_rows] += self._town_monthly

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


class LandSupply(Policy):
    """Construction-land supply: extra built-up growth of the county city."""

    name = "land_supply"

    def activate(self) -> None:
        """Raise the yearly built-up growth."""
        super().activate()
        self.model.policy.extra_builtup_km2 = self.intensity * self.lever.extra_builtup_km2


class TownshipUpgrade(Policy):
    """乡→镇 upgrades: the seats of the listed townships become urban (210 → 121)."""

    name = "township_upgrade"

    def enabled(self) -> bool:
        """On when at least one township is listed."""
        return len(self.lever.codes) > 0

    def activate(self) -> None:
        """Reclassify the listed townships' seats as town centres."""
        super().activate()
        m = self.model
        for code in self.lever.codes:
            t = m.geo.township_index(code)
            if m.geo.township_is_town[t]:
                continue
            seat = int(m.geo.seat_of[t])
            if m.geo.kind[seat] == PlaceKind.SEAT:
                m.geo.reclassify(seat, 121)
            m.geo.township_is_town[t] = True
            m.townships_state.upgraded += 1


LEVERS: dict[str, type[Policy]] = {
    "hukou_reform": HukouReform,
    "public_services": PublicServices,
    "industrial_cluster": IndustrialCluster,
    "land_supply": LandSupply,
    "township_upgrade": TownshipUpgrade,
}
"""Lever name in the scenario config → policy class."""


def build_policies(model: CountyModel) -> list[Policy]:
    """Create and schedule the policies of the model's scenario.

    Returns:
        The policy objects (the model keeps them alive: events hold weak references).
    """
    policies_cfg = model.config.scenario.policies
    out = []
    for name, cls in LEVERS.items():
        policy = cls(model, getattr(policies_cfg, name))
        policy.schedule()
        out.append(policy)
    return out
