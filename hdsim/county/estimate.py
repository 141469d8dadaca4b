"""Estimation helpers of the scaffold: integer splits, places, household sizes, services.

What the census tables lack is estimated here from the county's own census figures and the
parameters of ``estimates.yaml``: :func:`largest_remainder` splits a count into integers that add
up exactly, :class:`Unit` holds a township-level unit's residents by kind of place,
:func:`size_shares` makes the household-size shares.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hdsim.county.census import Township

Row = dict[str, Any]

CHINA_SIZE_SHARES: tuple[float, ...] = (25.39, 29.68, 20.99, 13.17, 6.19, 2.94, 0.98, 0.66)
"""China 2020 census family-household size shares (%, sizes 1..8+, approximate; 中国人口普查
年鉴—2020), tilted to each county's mean size."""


def largest_remainder(weights: list[float], total: int) -> list[int]:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    s = sum(weights)
    if total <= 0 or s <= 0:
        return [0] * len(weights)
    raw = [w / s * total for w in weights]
    out = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


@dataclass
class Unit:
    """A township-level unit while the folder is being built (residents by kind of place)."""

    t: Township
    is_seat: bool
    urban: int = 0  # urban family-household residents (seat of a town or subdistrict, fringe)
    fringe: int = 0
    rural: int = 0
    rural_seat: int = 0  # seat of a township (乡): rural
    distance: float = 0.0
    villages: int = 0
    farmland: float = 0.0

    @property
    def kind(self) -> str:
        """``town`` (urban seat: towns and subdistricts) or ``township`` (rural seat)."""
        return "township" if self.t.level == "township" else "town"

    @property
    def population(self) -> int:
        """Family-household residents of the unit."""
        return self.urban + self.fringe + self.rural

    @property
    def seat_population(self) -> int:
        """Residents of the unit's seat (urban for a town, rural for a township)."""
        return self.urban if self.kind == "town" else self.rural_seat


def size_shares(one_person_share: float, mean: float) -> list[float]:
    """Household-size shares 1..8: size 1 from the census, sizes 2..8 China's shape tilted."""
    rest = CHINA_SIZE_SHARES[1:]
    sizes = range(2, 9)
    target = (mean - one_person_share) / (1 - one_person_share)  # mean size among 2..8

    def mean_of(theta: float) -> float:
        w = [p * math.exp(theta * k) for p, k in zip(rest, sizes, strict=True)]
        return sum(k * x for k, x in zip(sizes, w, strict=True)) / sum(w)

    lo, hi = -5.0, 5.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mean_of(mid) < target else (lo, mid)
    w = [p * math.exp(lo * k) for p, k in zip(rest, sizes, strict=True)]
    shares = [round(one_person_share, 4)] + [
        round(x / sum(w) * (1 - one_person_share), 4) for x in w
    ]
    shares[1] = round(shares[1] + 1.0 - sum(shares), 4)
    return shares
