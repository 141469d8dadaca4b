"""Townships named by their role in the plan: ``role:<role>`` entries of a lever's town lists.

A lever that acts on particular townships (the key towns of the spatial layout, the
specialised towns of the industrial cluster, the townships upgraded to towns) takes a list of
entries, each a statistical code of ``townships.csv`` or a role written ``role:<role>``, e.g.
``key_towns: [role:key_town]``. A role stands for every township whose ``roles`` column
(``;``-joined) holds it, in file order, so a lever's defaults fit any county folder that marks
its plan's roles; a scenario may still name codes.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from hdsim.config.fields import ConfigError

__all__ = ["ROLES", "ROLE_PREFIX", "expand_roles"]

ROLE_PREFIX = "role:"
"""Prefix of an entry that names a role instead of a township code."""
ROLES = ("county_seat", "key_town", "specialised_town", "upgrade_candidate")
"""The roles of the ``roles`` column of ``townships.csv``."""


def expand_roles(entries: Iterable[str], townships: pd.DataFrame, key: str) -> list[str]:
    """Township codes of ``entries``: codes as given, each role replaced by its townships.

    Args:
        entries: Codes and ``role:<role>`` entries of a lever field.
        townships: The county's ``townships.csv`` (columns ``code`` and, optionally, ``roles``).
        key: Name of the lever field, for error messages (e.g. ``spatial_layout.key_towns``).

    Returns:
        The codes, each once, in the order of the entries (a role's townships in file order).

    Raises:
        ConfigError: An unknown role, or a role no township of the county holds.
    """
    out: list[str] = []
    for entry in entries:
        text = str(entry)
        if not text.startswith(ROLE_PREFIX):
            codes = [text]
        else:
            role = text.removeprefix(ROLE_PREFIX)
            if role not in ROLES:
                raise ConfigError(
                    f"scenario.policies.{key}: unknown role '{role}'; use one of "
                    f"{', '.join(ROLE_PREFIX + r for r in ROLES)} or township codes"
                )
            roles = townships["roles"] if "roles" in townships else pd.Series("", townships.index)
            held = [role in str(r).split(";") for r in roles.fillna("")]
            codes = [str(c) for c, h in zip(townships["code"], held, strict=True) if h]
            if not codes:
                raise ConfigError(
                    f"scenario.policies.{key}: no township of townships.csv has the role "
                    f"'{role}'; add it to their roles column or give township codes"
                )
        out += [c for c in codes if c not in out]
    return out
