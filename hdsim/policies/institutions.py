"""Action 7 (体制机制创新行动): hukou, talent, financing, land, rural reform, 乡→镇 upgrades.

- :class:`HukouReform` (深化户籍制度改革, 市民化): a lower residence requirement and faster
  conversion of agricultural hukou; urban services by residence instead of hukou; land rights
  kept after moving;
- :class:`TalentIncentives` (人才和科技成果下乡激励): more of the young working outside come
  back (return rate up) and fewer leave (departure rate down);
- :class:`InvestmentFinancing` (多元可持续的投融资机制): no effect of its own; it adds
  ``extra_yearly_yi`` to the yearly budget every lever draws on (:mod:`hdsim.policies.budget`);
- :class:`LandSupply` (集约高效的建设用地利用): extra built-up growth of the county city (which
  absorbs adjoining villages) and dwellings on reused idle land;
- :class:`RuralReform` (宅基地制度改革, 二轮承包到期后再延长30年): what a household keeps when
  it moves: land attachment no longer holds it back, and a transferred plot earns rent;
- :class:`TownshipUpgrade` (乡→镇, an administrative-division change of 城乡治理): the seat
  of an upgraded township counts as urban (statistical code 210 → 121), without anybody moving.
"""

from __future__ import annotations

from hdsim.policies.base import Policy
from hdsim.state.places import PlaceKind


class HukouReform(Policy):
    """Hukou reform: settlement threshold, conversion, services by residence, land rights."""

    name = "hukou_reform"

    def phase_in(self, delta: float) -> None:
        """Phase in the reform's effects."""
        lv = self.lever
        self.contribute(
            threshold_reduction=lv.settlement_threshold,
            conversion_boost=lv.conversion_boost,
            services_by_residence=lv.services_by_residence,
            land_rights_kept=lv.land_rights_kept,
        )


class TalentIncentives(Policy):
    """Talent incentives: return rate up, departure rate down."""

    name = "talent_incentives"

    def phase_in(self, delta: float) -> None:
        """Phase in the changed migration rates."""
        self.contribute(return_gain=self.lever.return_boost, departure_cut=self.lever.departure_cut)


class InvestmentFinancing(Policy):
    """Investment and financing: raises the budget line (no effect on households or firms)."""

    name = "investment_financing"


class LandSupply(Policy):
    """Construction-land supply: extra built-up growth and dwellings on reused idle land."""

    name = "land_supply"

    def phase_in(self, delta: float) -> None:
        """Phase in the extra built-up growth and the reused land's dwellings."""
        self.contribute(extra_builtup_km2=self.lever.extra_builtup_km2)
        self.add_housing(self.city, self.lever.idle_land_housing, delta)


class RuralReform(Policy):
    """Homestead reform and the land-contract extension: land rights kept after moving."""

    name = "rural_reform"

    def phase_in(self, delta: float) -> None:
        """Phase in the share of land attachment removed."""
        self.contribute(land_rights_kept=self.lever.land_rights_kept)


class TownshipUpgrade(Policy):
    """乡→镇 upgrades: the seats of the listed townships become urban (210 → 121)."""

    name = "township_upgrade"
    town_fields = ("codes",)

    def setup(self) -> None:
        """Reclassify the listed townships' seats as town centres."""
        m = self.model
        seats = self.seats_of(list(self.lever.codes), "codes")
        for code, seat in zip(self.lever.codes, seats, strict=True):
            t = m.geo.township_index(str(code))
            if m.geo.township_is_town[t]:
                continue
            if m.geo.kind[seat] == PlaceKind.SEAT:
                m.geo.reclassify(int(seat), 121)
            m.geo.township_is_town[t] = True
            m.townships_state.upgraded += 1
