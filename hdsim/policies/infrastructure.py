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

from hdsim.policies.base import Policy


class OldTownRenewal(Policy):
    """Old-town renewal: county-city amenity and a few usable dwellings."""

    name = "old_town_renewal"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of amenity and dwellings."""
        self.add_amenity(self.city, self.lever.amenity, delta)
        self.add_housing(self.city, self.lever.housing_units, delta)


class NewDistrict(Policy):
    """New district: county-city dwellings and built-up area."""

    name = "new_district"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of dwellings; grow the built-up area during the ramp."""
        self.add_housing(self.city, self.lever.housing_units, delta)
        yearly = self.lever.builtup_km2 * 12.0 / max(self.lever.ramp_months, 1)
        self.model.policy.contribute(self.name, extra_builtup_km2=yearly * self.effect)

    def ramp_ended(self) -> None:
        """The new district is built: the extra built-up growth stops."""
        self.model.policy.contribute(self.name, extra_builtup_km2=0.0)


class FloodResilience(Policy):
    """Flood control and safety resilience, as county-city amenity."""

    name = "flood_resilience"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of amenity."""
        self.add_amenity(self.city, self.lever.amenity, delta)


class UtilityNetworks(Policy):
    """Gas, water and power networks: residents the county city can serve, and amenity."""

    name = "utility_networks"

    def phase_in(self, delta: float) -> None:
        """Raise the network capacity and amenity by one month's share."""
        self.contribute(capacity_persons=self.lever.capacity_persons)
        self.add_amenity(self.city, self.lever.amenity, delta)


class SmartCounty(Policy):
    """Smart county and digital city management, as county-city amenity."""

    name = "smart_county"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of amenity."""
        self.add_amenity(self.city, self.lever.amenity, delta)
