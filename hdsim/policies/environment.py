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

from hdsim.policies.base import Policy


class HeritageGreen(Policy):
    """Heritage and green space, as amenity."""

    name = "heritage_green"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of amenity in the county city and at the seats."""
        self.add_amenity(self.city, self.lever.county_city_amenity, delta)
        self.add_amenity(self.seats, self.lever.seat_amenity, delta)


class WasteSewage(Policy):
    """Waste and sewage capacity: residents the county city can serve."""

    name = "waste_sewage"

    def phase_in(self, delta: float) -> None:
        """Raise the capacity by one month's share."""
        self.contribute(capacity_persons=self.lever.capacity_persons)
