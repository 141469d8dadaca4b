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

import numpy as np

from hdsim.mechanisms.townships import SERVICES
from hdsim.policies.base import Policy


class VillageInfrastructure(Policy):
    """Commuting reach between villages and the county city and seats, and village amenity."""

    name = "village_infrastructure"

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


class VillageServices(Policy):
    """Quality of village services."""

    name = "village_services"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of village service quality."""
        self.add_quality(SERVICES, self.villages, self.lever.village_quality, delta)


class BeautifulVillages(Policy):
    """Village amenity."""

    name = "beautiful_villages"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of village amenity."""
        self.add_amenity(self.villages, self.lever.village_amenity, delta)
