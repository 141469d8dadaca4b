"""Places of the county: villages, town and township seats, the county city, and 'outside'.

A household lives in one *place*. Places are built from ``townships.csv``: every township gets
its seat and its administrative villages; the seat of the county-seat township is the county
city. A last place stands for "outside the county".

Each place carries the urban-rural statistical code of China's 统计用区划代码 scheme, which decides
whether its residents count as urban: 111 (county city, 主城区), 112 (城乡结合区, villages absorbed
by the county city's built-up area), 121 (镇中心区, seat of a town), 122 (镇乡结合区), 210
(乡中心区, seat of a township: rural), 220 (村庄, village: rural), and 123 (特殊区域: a development
zone or park of 3,000 residents or more, counted as 镇区). Codes change only through
:meth:`Geography.reclassify` and :meth:`Geography.merge` (the statistical layer,
``hdsim.mechanisms.classification``, and the county city's built-up growth).

Coordinates are a schematic estimate, not a survey: township seats sit on a circle around the
county city at their road distance, villages on a sunflower spiral around their seat, so that
distances (commuting reach, moving cost, built-up growth) have the right order of magnitude.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import pandas as pd

URBAN_CODES = frozenset({111, 112, 121, 122, 123})
"""Statistical codes whose residents count as urban."""
_URBAN_BY_CODE = np.isin(np.arange(1000), sorted(URBAN_CODES))
"""Whether each three-digit code is urban: :attr:`Geography.urban` looks codes up here (0.4 us
for a county's places, where ``np.isin`` took 27 us, and it is read ~10 times a month)."""


class PlaceKind(IntEnum):
    """What kind of settlement a place is."""

    VILLAGE = 0
    SEAT = 1
    COUNTY_CITY = 2
    OUTSIDE = 3


SETTLEMENT_NAMES = {
    PlaceKind.VILLAGE: "village",
    PlaceKind.SEAT: "seat",
    PlaceKind.COUNTY_CITY: "county_city",
    PlaceKind.OUTSIDE: "outside",
}


@dataclass
class Geography:
    """Columnar table of places, plus township-level lookups.

    Attributes:
        kind: ``PlaceKind`` of each place.
        township: Township index of each place (-1 for outside).
        code: Urban-rural statistical code of each place (mutable: reclassification, upgrades).
        x: East coordinate, km from the county city.
        y: North coordinate, km from the county city.
        t0_population: Residents of each place at the census (estimate), persons.
        distance: Matrix of distances between places, km (outside is 200 km from everything).
        township_codes: Statistical code of each township.
        township_names: Chinese name of each township.
        township_is_town: Whether each township is a town (镇) rather than a township (乡).
        seat_of: Place index of each township's seat (the county city for the county seat).
        county_city: Place index of the county city.
        outside: Place index of "outside the county".
        merged_into: Administrative village each place belongs to now (itself unless its
            village was merged into another, 合村并组); a merged place shares its code.
        pinned: Places whose code the county folder gives by year (``village_codes.csv``):
            the reclassification rules leave them alone.
    """

    kind: np.ndarray
    township: np.ndarray
    code: np.ndarray
    x: np.ndarray
    y: np.ndarray
    t0_population: np.ndarray
    distance: np.ndarray
    township_codes: list[str]
    township_names: list[str]
    township_is_town: np.ndarray
    seat_of: np.ndarray
    county_city: int
    outside: int
    merged_into: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pinned: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        """Every place starts as its own administrative unit, its code left to the rules."""
        if self.merged_into.size != self.kind.size:
            self.merged_into = np.arange(self.kind.size, dtype=np.int64)
        if self.pinned.size != self.kind.size:
            self.pinned = np.zeros(self.kind.size, dtype=bool)

    @property
    def n_places(self) -> int:
        """Number of places, outside included."""
        return int(self.kind.size)

    @property
    def n_townships(self) -> int:
        """Number of townships."""
        return len(self.township_codes)

    @property
    def urban(self) -> np.ndarray:
        """Boolean mask of places whose residents count as urban."""
        return _URBAN_BY_CODE[self.code]

    @property
    def villages(self) -> np.ndarray:
        """Indices of village places."""
        return np.flatnonzero(self.kind == PlaceKind.VILLAGE)

    @property
    def seats(self) -> np.ndarray:
        """Indices of the seats of all townships other than the county seat."""
        return np.flatnonzero(self.kind == PlaceKind.SEAT)

    def township_index(self, code: str) -> int:
        """Index of the township with statistical code ``code``.

        Raises:
            KeyError: No township has that code.
        """
        try:
            return self.township_codes.index(str(code))
        except ValueError as exc:
            raise KeyError(
                f"township code {code} is not in townships.csv; known: "
                f"{', '.join(self.township_codes)}"
            ) from exc

    def settlement(self) -> np.ndarray:
        """Settlement label of every place: village, seat, county_city or outside."""
        return np.array([SETTLEMENT_NAMES[PlaceKind(k)] for k in self.kind])

    def reclassify(self, place: int, code: int) -> None:
        """Give ``place`` a new statistical code (e.g. 220 → 112 when the city absorbs it).

        The places merged into ``place`` (one administrative village now) take the code too.
        """
        self.code[place] = code
        self.code[self.merged_into == place] = code

    def merge(self, village: int, into: int) -> None:
        """Merge administrative village ``village`` into ``into`` (合村并组).

        ``village`` and the places already merged into it take the code of ``into``: residents
        of a village merged into an urban-coded one become urban without moving.

        Raises:
            ValueError: ``into`` is itself merged into another village, or equals ``village``.
        """
        if into == village or self.merged_into[into] != into:
            raise ValueError(f"place {village} cannot merge into {into}: not a separate village")
        members = self.merged_into == village
        self.merged_into[members] = into
        self.code[members] = self.code[into]

    def village_ranks(self) -> np.ndarray:
        """1-based rank of every village among its township's villages, in place order.

        The rank a county folder's ``village_codes.csv`` names a village by, and the one the
        run's code lists (``codes.parquet``) give; 0 for seats, the county city and outside.
        """
        rank = np.zeros(self.kind.size, dtype=np.int64)
        village = self.kind == PlaceKind.VILLAGE
        for t in range(self.n_townships):
            own = np.flatnonzero(village & (self.township == t))
            rank[own] = np.arange(1, own.size + 1)
        return rank

    def rural_villages(self, township: int | None = None) -> np.ndarray:
        """Rural (220) administrative villages the reclassification rules may recode.

        Args:
            township: Only the villages of this township (all when None).

        Returns:
            Place indices in ascending order: not merged away, not pinned by the folder.
        """
        mask = (
            (self.kind == PlaceKind.VILLAGE)
            & (self.code == 220)
            & (self.merged_into == np.arange(self.kind.size))
            & ~self.pinned
        )
        if township is not None:
            mask &= self.township == township
        return np.flatnonzero(mask)

    @property
    def administrative_villages(self) -> np.ndarray:
        """Indices of the villages that are administrative villages now (not merged away)."""
        v = self.villages
        return v[self.merged_into[v] == v]


def _spiral(n: int, radius: float, inner: float) -> tuple[np.ndarray, np.ndarray]:
    """Sunflower-spiral offsets of ``n`` points between radii ``inner`` and ``radius``."""
    if n == 0:
        return np.zeros(0), np.zeros(0)
    k = np.arange(n) + 0.5
    r = inner + (radius - inner) * np.sqrt(k / n)
    theta = k * np.pi * (3.0 - np.sqrt(5.0))
    return r * np.cos(theta), r * np.sin(theta)


def _split(total: int, n: int) -> np.ndarray:
    """Split ``total`` persons over ``n`` places with sizes varying ±30%, summing exactly."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    weights = 1.0 + 0.3 * np.sin(np.arange(n) * 2.399963)
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(raw - out)[::-1][: total - out.sum()]] += 1
    return out


def build_geography(townships: pd.DataFrame, area_km2: float = 1494.0) -> Geography:
    """Build the places of the county from the township table.

    Args:
        townships: ``townships.csv`` as loaded by :func:`hdsim.data.load_county_data`.
        area_km2: County area, used for the radius of each township's villages.

    Returns:
        The county's geography with t0 populations per place (persons in family households).
    """
    n_t = len(townships)
    radius = float(np.sqrt(area_km2 / max(n_t, 1) / np.pi))
    kinds: list[int] = []
    tship: list[int] = []
    codes: list[int] = []
    xs: list[float] = []
    ys: list[float] = []
    pops: list[int] = []
    seat_of = np.zeros(n_t, dtype=np.int64)
    county_city = -1
    others = [i for i in range(n_t) if not bool(townships.iloc[i]["is_county_seat"])]
    angle = {t: 2 * np.pi * j / max(len(others), 1) for j, t in enumerate(others)}
    for t in range(n_t):
        row = townships.iloc[t]
        is_seat_township = bool(row["is_county_seat"])
        is_town = str(row["kind"]) == "town"
        cx = 0.0 if is_seat_township else float(row["distance_km"]) * np.cos(angle[t])
        cy = 0.0 if is_seat_township else float(row["distance_km"]) * np.sin(angle[t])
        # the seat (or the county city)
        seat_of[t] = len(kinds)
        if is_seat_township:
            county_city = len(kinds)
            kinds.append(PlaceKind.COUNTY_CITY)
            codes.append(111)
        else:
            kinds.append(PlaceKind.SEAT)
            codes.append(121 if is_town else 210)
        tship.append(t)
        xs.append(cx)
        ys.append(cy)
        seat_pop = int(row["seat_population_2020"])
        pops.append(seat_pop)
        # villages: the fringe ones (already urban at t0) nearest to the seat
        n_v = int(row["admin_villages"])
        fringe_pop = int(row["fringe_population_2020"])
        rural_pop = int(row["population_2020"]) - seat_pop - fringe_pop
        mean_size = (rural_pop + fringe_pop) / max(n_v, 1)
        n_fringe = min(n_v - 1, round(fringe_pop / mean_size)) if fringe_pop > 0 else 0
        n_fringe = max(n_fringe, 1) if fringe_pop > 0 else 0
        dx, dy = _spiral(n_v, radius, inner=1.2)
        fringe_code = 112 if is_seat_township else 122
        for v, size in enumerate(
            np.concatenate([_split(fringe_pop, n_fringe), _split(rural_pop, n_v - n_fringe)])
        ):
            kinds.append(PlaceKind.VILLAGE)
            codes.append(fringe_code if v < n_fringe else 220)
            tship.append(t)
            xs.append(cx + dx[v])
            ys.append(cy + dy[v])
            pops.append(int(size))
    outside = len(kinds)
    kinds.append(PlaceKind.OUTSIDE)
    codes.append(0)
    tship.append(-1)
    xs.append(0.0)
    ys.append(0.0)
    pops.append(0)
    x = np.array(xs)
    y = np.array(ys)
    distance = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]).astype(np.float32)
    distance[outside, :] = 200.0
    distance[:, outside] = 200.0
    distance[outside, outside] = 0.0
    return Geography(
        kind=np.array(kinds, dtype=np.int8),
        township=np.array(tship, dtype=np.int16),
        code=np.array(codes, dtype=np.int16),
        x=x,
        y=y,
        t0_population=np.array(pops, dtype=np.int64),
        distance=distance,
        township_codes=[str(c) for c in townships["code"]],
        township_names=[str(n) for n in townships["name_zh"]],
        township_is_town=np.array(townships["kind"].astype(str) == "town", dtype=bool),
        seat_of=seat_of,
        county_city=county_city,
        outside=outside,
    )
