"""The townships of a scaffolded county: residents by place, geography, land and roles.

The census tables give a county's urban and rural residents but not where they live, nor the
county's area. The methods here, each from the parameters of ``estimates.yaml``:

- :func:`place_residents`: the county seat holds the county city and its fringe (shares of the
  urban family-household residents); the other urban residents are shared over town seats and
  subdistricts; the rural residents over the units (subdistricts weighted down); figures of
  the ``--from`` file are kept.
- :func:`geography`: the tables carry no area (checked: no area column in either census table),
  so the county is a disc of ``km2_per_unit`` per unit; a unit's distance to the county city is
  a stated fraction of the disc's radius by kind of unit (subdistricts at a fixed distance).
- :func:`land_and_villages`: farmland and villages in proportion to rural residents.
- :func:`assign_roles`: the plan's spatial roles of the townships, by the rules below.
- :func:`township_rows`: the ``townships.csv`` rows, with roles, the pinyin check
  (:mod:`hdsim.county.pinyin`) and each unit's arithmetic in its note.

A county's action plan names its county seat, key towns (重点镇), specialised towns (特色小镇 or
towns with a leading industry) and the townships (乡) it means to upgrade to towns (撤乡设镇);
lever defaults refer to these roles, not to township codes. The census tables name none of
them, so :func:`assign_roles` derives them from the scaffold's own figures by the rules below,
each a parameter of ``estimates.yaml`` (marked ``estimate``) and an item of the checklist:

- ``county_seat``: the unit chosen as the seat (:func:`choose_seat`).
- ``key_town``: the ``key_towns_max`` most populous towns (镇) other than the seat.
- ``specialised_town``: the ``specialised_towns_max`` towns with the largest industry share
  where the user's ``--from`` file gives ``industry_share`` for towns, else the first
  ``specialised_towns_max`` key towns.
- ``upgrade_candidate``: the ``upgrade_candidates_max`` most populous townships (乡).

Ties are broken by the lower code, so the roles are reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from hdsim.county.census import CODES_SOURCE, Township
from hdsim.county.census_state import ESTIMATE, SCAFFOLD, CensusState, CountyBook
from hdsim.county.estimate import Unit, largest_remainder
from hdsim.county.overrides import Overrides
from hdsim.county.pinyin import check_name
from hdsim.data.table import DataError

Row = dict[str, Any]

ROLE_NAMES: tuple[str, ...] = ("county_seat", "key_town", "specialised_town", "upgrade_candidate")
"""The roles of ``townships.csv``'s ``roles`` column, in the order they are written."""


@dataclass
class Roles:
    """Roles of a county's townships and how each role was chosen.

    Attributes:
        by_code: Township code -> its roles (in :data:`ROLE_NAMES` order).
        rules: Role -> the rule used, as written into the township notes and the checklist.
    """

    by_code: dict[str, list[str]] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)

    def of(self, code: str) -> str:
        """The ``;``-joined roles of a township (empty when it has none)."""
        return ";".join(self.by_code.get(code, []))

    def codes(self, role: str) -> list[str]:
        """Codes of the townships holding ``role``, in code order."""
        return sorted(c for c, roles in self.by_code.items() if role in roles)


def choose_seat(units: list[Township]) -> int:
    """Index of the county seat: the first subdistrict (街道), else the first town, else 0.

    Args:
        units: The county's township-level units in code order.

    Returns:
        Index into ``units``.
    """
    for level in ("subdistrict", "town"):
        for i, t in enumerate(units):
            if t.level == level:
                return i
    return 0


def _most_populous(units: list[Unit], n: int) -> list[Unit]:
    """The ``n`` units of largest population, ties by the lower code."""
    return sorted(units, key=lambda u: (-u.population, u.t.code))[: max(0, n)]


def assign_roles(units: list[Unit], p: dict[str, Any], overrides: Overrides) -> Roles:
    """Give the townships their plan roles by the rules of the module docstring.

    Args:
        units: The county's units, populations already set.
        p: Scaffold parameters (``key_towns_max``, ``specialised_towns_max``,
            ``upgrade_candidates_max``).
        overrides: The user's figures; towns' ``industry_share`` there ranks specialised towns.

    Returns:
        The roles and the rule used for each.
    """
    roles = Roles(by_code={u.t.code: [] for u in units})
    seats = [u for u in units if u.is_seat]
    towns = [u for u in units if not u.is_seat and u.t.level == "town"]
    townships = [u for u in units if u.t.level == "township"]
    n_key = int(p["key_towns_max"])
    n_spec = int(p["specialised_towns_max"])
    n_up = int(p["upgrade_candidates_max"])
    key = _most_populous(towns, n_key)
    share = {
        u.t.code: overrides.townships[u.t.code]["industry_share"]
        for u in towns
        if "industry_share" in overrides.townships.get(u.t.code, {})
    }
    if share:
        ranked = sorted(share, key=lambda c: (-share[c], c))[:n_spec]
        spec = [u for u in towns if u.t.code in ranked]
        spec_rule = (
            f"the {n_spec} towns of largest industry_share in the --from file "
            "(specialised_towns_max)"
        )
    else:
        spec = key[:n_spec]
        spec_rule = (
            f"the {n_spec} most populous key towns (specialised_towns_max; no industry share "
            "by township in the tables: give industry_share in the --from file)"
        )
    chosen = {
        "county_seat": seats,
        "key_town": key,
        "specialised_town": spec,
        "upgrade_candidate": _most_populous(townships, n_up),
    }
    for role in ROLE_NAMES:
        for u in chosen[role]:
            roles.by_code[u.t.code].append(role)
    roles.rules = {
        "county_seat": "first subdistrict, or first town, of the code list",
        "key_town": f"the {n_key} most populous towns (镇) other than the seat (key_towns_max)",
        "specialised_town": spec_rule,
        "upgrade_candidate": f"the {n_up} most populous townships (乡) (upgrade_candidates_max)",
    }
    return roles


def _urban_split(units: list[Unit], state: CensusState, book: CountyBook, p: dict[str, Any]) -> int:
    """Share the urban family-household residents: county city, fringe, other town seats."""
    seat = next(u for u in units if u.is_seat)
    urban_f = state.urban - state.collective_persons
    share = p["county_city_share_of_urban"]
    cc = round(
        book.put(
            "county_city_population_2020", round(urban_f * share), "persons", 2020, SCAFFOLD,
            ESTIMATE,
            f"{share} x {urban_f} urban family-household residents ({state.urban} urban - "
            f"{state.collective_persons} collective persons)",
        )
    )
    fringe = min(round(urban_f * p["county_seat_fringe_share_of_urban"]), urban_f - cc)
    others = [u for u in units if not u.is_seat and u.kind == "town"]
    rest = urban_f - cc - fringe
    if rest < 0:
        raise DataError(
            f"--from: county_city_population_2020 {cc} exceeds the {urban_f} urban family-"
            "household residents of the census; lower it"
        )
    if not others:
        fringe, rest = fringe + rest, 0
    seat.urban, seat.fringe = cc, fringe
    w = [p["subdistrict_weight"] if u.t.level == "subdistrict" else 1.0 for u in others]
    for u, n in zip(others, largest_remainder(w, rest), strict=True):
        u.urban = n
    return urban_f


def _rural_split(
    units: list[Unit], rural_total: int, p: dict[str, Any], over: Overrides, fam_p: int
) -> None:
    """Share the rural residents over the units, keeping populations given with ``--from``."""
    fixed = {
        u.t.code: round(over.townships[u.t.code]["population_2020"])
        for u in units
        if "population_2020" in over.townships.get(u.t.code, {})
    }
    for u in units:
        if u.t.code in fixed:
            u.rural = fixed[u.t.code] - u.urban - u.fringe
            if u.rural < 0:
                raise DataError(
                    f"--from: township {u.t.code} population_2020 {fixed[u.t.code]} is below its "
                    f"estimated urban residents {u.urban + u.fringe}; raise it"
                )
    free = [u for u in units if u.t.code not in fixed]
    left = rural_total - sum(u.rural for u in units if u.t.code in fixed)
    if left < 0 or (not free and left != 0):
        raise DataError(
            f"--from: township populations sum past the census's {fam_p} family-household "
            "persons; make them add up to it"
        )
    w = [p["rural_weight_subdistrict"] if u.t.level == "subdistrict" else 1.0 for u in free]
    for u, n in zip(free, largest_remainder(w, left), strict=True):
        u.rural = n
    for u in units:
        if u.kind == "township":
            u.rural_seat = round(u.rural * p["township_seat_share"])


def place_residents(
    units: list[Unit], state: CensusState, book: CountyBook, p: dict[str, Any], over: Overrides
) -> int:
    """Set every unit's urban, fringe and rural family-household residents.

    Args:
        units: The county's units (one of them the seat).
        state: The county-wide census figures.
        book: The ``county.csv`` rows (``county_city_population_2020`` is written).
        p: Scaffold parameters.
        over: The user's figures.

    Returns:
        The rural family-household residents of the county.

    Raises:
        DataError: One line if the user's figures do not add up with the census.
    """
    urban_f = _urban_split(units, state, book, p)
    rural_total = state.family_persons - urban_f
    _rural_split(units, rural_total, p, over, state.family_persons)
    return rural_total


def geography(units: list[Unit], book: CountyBook, p: dict[str, Any], over: Overrides) -> float:
    """Area (``area_km2``) and each unit's distance to the county city, by the disc model.

    Args:
        units: The county's units.
        book: The ``county.csv`` rows (``area_km2`` is written, or kept from ``--from``).
        p: Scaffold parameters (``km2_per_unit``, ``distance_*``).
        over: The user's figures (``distance_km`` of a township is kept).

    Returns:
        The disc's radius in km.
    """
    per = p["km2_per_unit"]
    area = book.put(
        "area_km2", len(units) * per, "km2", 2020, SCAFFOLD, ESTIMATE,
        f"{len(units)} township-level units x {per} km2 (the census tables give no area; "
        "replace with the county's land area)",
    )
    radius = math.sqrt(area / math.pi)
    for u in units:
        if u.is_seat:
            u.distance = 0.0
        elif u.t.level == "subdistrict":
            u.distance = float(p["distance_subdistrict_km"])
        else:
            key = "town" if u.kind == "town" else "township"
            share = p[f"distance_{key}_of_radius"]
            u.distance = round(radius * share, 1)
        u.distance = over.townships.get(u.t.code, {}).get("distance_km", u.distance)
    return radius


def land_and_villages(
    units: list[Unit], book: CountyBook, p: dict[str, Any], rural_total: int
) -> None:
    """Farmland and administrative villages of each unit, from its rural residents."""
    mu, per_village = p["farmland_mu_per_rural_resident"], p["rural_residents_per_village"]
    for u in units:
        u.farmland = float(round(u.rural * mu))
        u.villages = max(1, round(u.rural / per_village))
    book.put(
        "cultivated_land_mu", sum(u.farmland for u in units), "mu", 2020, SCAFFOLD, ESTIMATE,
        f"{rural_total} rural residents x {mu} mu, summed over the units",
    )
    book.put(
        "administrative_villages_2021", sum(u.villages for u in units), "villages", 2021,
        SCAFFOLD, ESTIMATE,
        f"rural residents of each unit / {per_village} per village, at least 1, summed",
    )


def township_rows(
    units: list[Unit], roles: Roles, radius: float, p: dict[str, Any], over: Overrides
) -> list[Row]:
    """``townships.csv``: one row per unit, with its roles and the method in its note.

    Args:
        units: The county's units, residents, geography and land set.
        roles: The plan roles.
        radius: Radius of the county's disc (km).
        p: Scaffold parameters.
        over: The user's figures.

    Returns:
        The rows, in code order.
    """
    source = (
        CODES_SOURCE + "; populations, seats, distances, farmland, roles: scaffold estimates"
    )
    rows = []
    for u in units:
        parts = [
            f"code and name official; population_2020 = {u.urban} seat + {u.fringe} fringe + "
            f"{u.rural} rural residents (estimate: urban residents split county city "
            f"{p['county_city_share_of_urban']}, fringe {p['county_seat_fringe_share_of_urban']}, "
            "the rest over town seats and subdistricts; rural residents shared by unit)",
            f"distance {u.distance} km estimate (disc of radius {radius:.1f} km)",
        ]
        parts += [f"{role}: {roles.rules[role]}" for role in roles.by_code[u.t.code]]
        check = check_name(u.t.name_zh, u.t.name_pinyin)
        if check.note():
            parts.append(check.note())
        if u.t.code in over.townships:
            parts.append(f"given in the --from file: {', '.join(over.townships[u.t.code])}")
        rows.append(
            {
                "code": u.t.code,
                "name_zh": u.t.name_zh,
                "name_pinyin": check.pinyin,
                "kind": u.kind,
                "is_county_seat": "true" if u.is_seat else "false",
                "distance_km": u.distance,
                "population_2020": u.population,
                "seat_population_2020": u.seat_population,
                "fringe_population_2020": u.fringe,
                "admin_villages": u.villages,
                "farmland_mu": u.farmland,
                "roles": roles.of(u.t.code),
                "source": source,
                "confidence": ESTIMATE,
                "note": "; ".join(parts),
            }
        )
    return rows
