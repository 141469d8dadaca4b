"""Action 6 (县乡村功能衔接互补行动): what the county city extends to villages.

These levers pull the other way from the county-city levers: they make staying in the
village better, so they may lower the urbanization rate while raising the welfare of the
rural population (the ``villages_first`` scenario shows the trade-off).

- :class:`VillageInfrastructure` (基础设施向农村延伸): roads and bus lines lengthen the distance
  a villager can commute to the county city and the seats. The labour market's commuting
  kernel ``exp(-km / commute_km)`` between villages and those hubs uses a distance scale
  raised by ``commute_gain``, so villagers take urban jobs without moving (and the jobs a
  village can reach raise its expected income);
- :class:`VillageServices` (公共服务向周边村庄覆盖): quality of village schools, clinics and
  elderly day care;
- :class:`BeautifulVillages` (宜居宜业和美乡村): village amenity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdsim.config.policies import Lever, capex, share
from hdsim.mechanisms.townships import SERVICES
from hdsim.policies.base import Policy
from hdsim.policies.registry import LeverSpec, register


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


class VillageInfrastructure(Policy):
    """Commuting reach between villages and the county city and seats, and village amenity."""

    name = "village_infrastructure"
    lever: VillageInfrastructureLever

    def setup(self) -> None:
        """Remember the village-hub distances the reach is recomputed from."""
        m = self.model
        self._villages = self.villages
        self._hubs = np.r_[self.city, self.seats].astype(np.int64)
        self._km = m.geo.distance[np.ix_(self._villages, self._hubs)].astype(np.float64)
        self._scale = max(float(m.params.labour.commute_km), 1e-6)

    def phase_in(self, delta: float) -> None:
        """Lengthen the commuting scale by one month's share and add village amenity."""
        reach = self.model.labour.reach
        scale = self._scale * (1.0 + self.lever.commute_gain * self.effect * self.progress)
        kernel = np.exp(-self._km / scale)
        reach[np.ix_(self._villages, self._hubs)] = kernel
        reach[np.ix_(self._hubs, self._villages)] = kernel.T
        self.add_amenity(self._villages, self.lever.village_amenity, delta)


VILLAGE_INFRASTRUCTURE = register(
    LeverSpec(
        config=VillageInfrastructureLever,
        policy=VillageInfrastructure,
        action=6,
        name_zh="基础设施向农村延伸",
        name_en="village infrastructure",
        indicator="village_city_commute_reach",
        direction="up",
        mechanism_zh=(
            "延长村庄与县城、乡镇驻地之间的通勤距离尺度（村民不搬迁也能在城镇就业）；提高村庄环境"
            "品质。"
        ),
        mechanism_en=(
            "A longer commuting scale between villages and the county city and seats (villagers "
            "take urban jobs without moving); village amenity."
        ),
        outcome_zh="进城迁居减少；略降低城镇化率。",
        outcome_en="Fewer moves into town; lowers the rate slightly.",
        evidence_zh="假设（通勤尺度延长50%）。",
        evidence_en="Assumption (50% longer commuting scale).",
    )
)
"""The declaration of the lever."""


@dataclass
class VillageServicesLever(Lever):
    """County-city services extended to villages: schools, clinics, elderly day care."""

    cost_yi: float = capex(3.0, "estimate: about 300 villages x 100万元")
    village_quality: float = share(
        0.08, 0.0, 1.0, "Service quality added in villages (index points, assumption)."
    )


class VillageServices(Policy):
    """Quality of village services."""

    name = "village_services"
    lever: VillageServicesLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of village service quality."""
        self.add_quality(SERVICES, self.villages, self.lever.village_quality, delta)


VILLAGE_SERVICES = register(
    LeverSpec(
        config=VillageServicesLever,
        policy=VillageServices,
        action=6,
        name_zh="公共服务向村庄覆盖",
        name_en="village services",
        indicator="village_school_quality",
        direction="up",
        mechanism_zh="提高村庄学校、卫生室和日间照料的质量。",
        mechanism_en="Quality of village schools, clinics and elderly day care.",
        outcome_zh="留在村里更有吸引力；降低城镇化率，提高福利。",
        outcome_en="Staying is more attractive; lowers the rate, raises welfare.",
        evidence_zh="假设。",
        evidence_en="Assumption.",
    )
)
"""The declaration of the lever."""


@dataclass
class BeautifulVillagesLever(Lever):
    """宜居宜业和美乡村: village amenity (pulls against moving, raises welfare)."""

    cost_yi: float = capex(3.0, "estimate: village environment programmes")
    village_amenity: float = share(0.08, 0.0, 1.0, "Amenity added in villages (assumption).")


class BeautifulVillages(Policy):
    """Village amenity."""

    name = "beautiful_villages"
    lever: BeautifulVillagesLever

    def phase_in(self, delta: float) -> None:
        """Add one month's share of village amenity."""
        self.add_amenity(self.villages, self.lever.village_amenity, delta)


BEAUTIFUL_VILLAGES = register(
    LeverSpec(
        config=BeautifulVillagesLever,
        policy=BeautifulVillages,
        action=6,
        name_zh="宜居宜业和美乡村",
        name_en="beautiful villages",
        indicator="village_amenity",
        direction="up",
        mechanism_zh="提高村庄环境品质。",
        mechanism_en="Village amenity.",
        outcome_zh="降低城镇化率，提高福利。",
        outcome_en="Lowers the rate, raises welfare.",
        evidence_zh="假设。",
        evidence_en="Assumption.",
    )
)
"""The declaration of the lever."""
