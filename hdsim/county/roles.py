"""The plan's spatial roles of a scaffolded county's townships, by stated rules.

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

from dataclasses import dataclass, field
from typing import Any

from hdsim.county.census import Township
from hdsim.county.estimate import Unit
from hdsim.county.overrides import Overrides

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
