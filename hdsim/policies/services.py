"""Action 4 (公共服务设施提标扩面行动): public services, housing and social protection.

Services (school, health, elderly care) have a capacity and a quality per place
(:class:`hdsim.state.services.ServiceState`); quality falls with crowding and rises with
new capacity and with the quality a lever adds. Households with children weigh school
quality, households with elderly members health and elderly-care quality; urban services are
discounted for agricultural-hukou households by the share of the hukou barrier not yet removed.

- :class:`Schools` (教育, 三通两平台), :class:`Hospitals` (健康洪洞),
  :class:`ElderlyChildcare` (养老托育): capacity and quality in the county city, quality at
  the seats (and in villages for school informatization);
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

from hdsim.mechanisms.townships import SERVICES
from hdsim.policies.base import Policy


class PublicServices(Policy):
    """Legacy bundle: county-city capacity and quality, seats, villages, new dwellings."""

    name = "public_services"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of capacity, quality, dwellings and amenity."""
        lv = self.lever
        self.add_capacity(SERVICES, self.city, lv.county_city_capacity, delta)
        self.add_quality(SERVICES, self.city, lv.county_city_quality, delta)
        self.add_quality(SERVICES, self.seats, lv.seat_quality, delta)
        self.add_quality(SERVICES, self.villages, lv.village_coverage, delta)
        self.add_housing(self.city, lv.housing_units, delta)
        self.add_amenity(self.city, 0.1, delta)


class Schools(Policy):
    """School places and quality."""

    name = "schools"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of school places and quality."""
        lv = self.lever
        self.add_capacity(("school",), self.city, lv.county_city_capacity, delta)
        self.add_quality(("school",), self.city, lv.county_city_quality, delta)
        self.add_quality(("school",), self.seats, lv.seat_quality, delta)
        self.add_quality(("school",), self.villages, lv.village_quality, delta)


class Hospitals(Policy):
    """Hospital capacity and quality."""

    name = "hospitals"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of hospital capacity and quality."""
        lv = self.lever
        self.add_capacity(("health",), self.city, lv.county_city_capacity, delta)
        self.add_quality(("health",), self.city, lv.county_city_quality, delta)
        self.add_quality(("health",), self.seats, lv.seat_quality, delta)


class ElderlyChildcare(Policy):
    """Elderly-care beds and quality; child care as school quality in the county city."""

    name = "elderly_childcare"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of elderly-care capacity and quality, and of child care."""
        lv = self.lever
        self.add_capacity(("elderly_care",), self.city, lv.county_city_capacity, delta)
        self.add_quality(("elderly_care",), self.city, lv.county_city_quality, delta)
        self.add_quality(("elderly_care",), self.seats, lv.seat_quality, delta)
        self.add_quality(("school",), self.city, lv.childcare_quality, delta)


class CultureSport(Policy):
    """Culture and sport facilities, as amenity."""

    name = "culture_sport"

    def phase_in(self, delta: float) -> None:
        """Add one month's share of amenity in the county city and at the seats."""
        self.add_amenity(self.city, self.lever.county_city_amenity, delta)
        self.add_amenity(self.seats, self.lever.seat_amenity, delta)


class AffordableHousing(Policy):
    """Affordable dwellings and a lower average housing cost in the county city."""

    name = "affordable_housing"

    def setup(self) -> None:
        """Remember the county city's base house price before the discount."""
        self._price0 = float(self.model.townships_state.price0[self.city])

    def phase_in(self, delta: float) -> None:
        """Add one month's share of dwellings and of the discount."""
        self.add_housing(self.city, self.lever.housing_units, delta)
        discount = min(self.lever.price_discount * self.effect * self.progress, 0.9)
        self.model.townships_state.price0[self.city] = self._price0 * (1.0 - discount)


class SocialAssistance(Policy):
    """Assistance and welfare by residence: part of the hukou barrier removed."""

    name = "social_assistance"

    def phase_in(self, delta: float) -> None:
        """Phase in the share of the barrier removed."""
        self.contribute(services_by_residence=self.lever.services_by_residence)


class EmploymentServices(Policy):
    """Public employment services and portable social insurance."""

    name = "employment_services"

    def phase_in(self, delta: float) -> None:
        """Phase in faster matching and the share of the barrier removed."""
        self.contribute(
            hire_gain=self.lever.hire_efficiency,
            services_by_residence=self.lever.services_by_residence,
        )
