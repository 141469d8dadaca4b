"""The statistical layer: urban-rural codes of places by year, apart from behaviour.

Whether a resident counts as urban is a statistical product: the NBS code list
(统计用区划代码和城乡划分代码) gives every village committee and zone an urban-rural code, by the
rules of 《统计上划分城乡的规定》 (国家统计局 2008; the code scheme of the 2021 update: 111/112
城区, 121/122/123 镇区, 210/220 乡村). The list is redrawn once a year, at its cut-off (30 June in
the 2009-2020 lists). :class:`StatisticalClassification` applies, at the end of the cut-off month
(``classification.cutoff_month``), the rules the model's state allows:

- **Town seats grow** (122, 镇乡结合区): each town seat's built-up area (its census-day residents
  over ``townships.builtup_density``) grows by ``seat_growth_share`` of its census-day area a
  year, plus ``seat_pressure`` of its excess of people over the census-day density; every
  ``seat_km2_per_village`` of growth joins the rural village of the township nearest the seat.
  (The county city's own growth, 220 → 112, is :class:`hdsim.mechanisms.townships.BuiltUpGrowth`,
  monthly as before.)
- **Special areas** (123, 特殊区域): a township's development-zone firms house
  ``zone_residents_per_job`` residents per job; each full ``zone_min_residents`` of them (3,000
  in the 2008 rules) makes one rural village nearest the seat a special area, urban.
- **撤乡设镇 with its villages**: a township that became a town since the last cut-off (a dated
  change of ``admin_changes.csv`` or the upgrade lever, which recode only the seat) has
  ``upgrade_joined_share`` of its villages, nearest the seat first, joined to the new town's
  centre (122).
- **Village mergers** (合村并组): dated events of the county folder's optional
  ``village_mergers.csv`` (``date, township_code, villages, source, confidence, note``: that many
  villages of the township merge in the month of the date), or, where the folder has no such
  file, ``merger_share_per_year`` of each township's administrative villages at each cut-off.
  Which villages merge is not in the data, so the rule is stated: the smallest rural village
  (current residents) merges into its nearest administrative village of the same township and
  takes its code. The NBS rule codes each village committee's (村民委员会) area as one unit
  (《统计上划分城乡的规定》 art. 3; by art. 5-6 it is urban when built up with a 城区 or
  镇区), and a merged committee is one area that keeps the receiving committee's code, so a
  rural village merged into an urban-coded one (112, 122, 123) becomes urban without anyone
  moving, and one merged into a rural one stays rural. The reverse, an urban village merged
  into a rural one, never happens here: only rural (220) villages are merged away, so a
  merger never lowers the urban count. Persons, households and firms stay where they are (a
  merger changes codes, not places); the change of the urban count is booked as statistical
  (``reclassification``) in ``rate_change.parquet``. A county folder lists the mergers dated
  after its census (the 2020 folder: those of the 2021-06-30 cut-off), so its
  ``townships.csv`` holds the census-day villages and the layer brings them to the code list.
- **The folder's own codes**: an optional ``village_codes.csv`` (``year, township_code, village,
  code, source, confidence, note``; ``village`` is the 1-based rank of the village among its
  township's villages in the model's order, nearest the seat first) sets those codes at the
  cut-off of that year; the rules never touch a village the file lists.

No rule draws random numbers: with every pace at 0 the layer changes nothing. Every change of
the urban count splits into this layer's part and behaviour's part in
:meth:`hdsim.model.recorder.Recorder.rate_change_frame`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hdsim.config.behaviour import ClassificationParams, TownshipParams
from hdsim.data.table import DataError
from hdsim.state.county import CountyState
from hdsim.utils.calendar import month_number

VILLAGE_CODES_FILE = "village_codes.csv"
"""Optional file of a county folder: urban-rural codes by village and year."""
VILLAGE_MERGERS_FILE = "village_mergers.csv"
"""Optional file of a county folder: dated village mergers by township."""
CODES = frozenset({111, 112, 121, 122, 123, 210, 220})
"""Urban-rural codes a village may be given."""
SEAT_FRINGE_CODE = 122
"""镇乡结合区: a village joined to a town's built-up area."""
SPECIAL_AREA_CODE = 123
"""特殊区域: a zone or park of ``zone_min_residents`` residents or more."""
RURAL_VILLAGE_CODE = 220
"""村庄."""

__all__ = [
    "VILLAGE_CODES_FILE",
    "VILLAGE_MERGERS_FILE",
    "StatisticalClassification",
    "load_village_codes",
    "load_village_mergers",
]


def _read_optional(directory: Path | None, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """An optional CSV of the county folder, or an empty frame; a one-line error if malformed."""
    empty = pd.DataFrame(columns=list(columns))
    if directory is None or not (Path(directory) / name).is_file():
        return empty
    file = Path(directory) / name
    try:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"{file}: not a UTF-8 CSV ({exc}); save it as UTF-8 CSV") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{file}: missing column(s) {', '.join(missing)}; the header must be "
            f"{','.join(columns)}"
        )
    return frame[list(columns)]


def _integer(file: str, line: int, column: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DataError(
            f"{file}: row {line}, column '{column}': {text!r} is not an integer; write a whole "
            "number"
        ) from None


def load_village_codes(directory: Path | None, township_codes: list[str]) -> pd.DataFrame:
    """The folder's ``village_codes.csv`` checked: year, township (index), village, code.

    Args:
        directory: The county folder (None: no file).
        township_codes: Codes of the townships of ``townships.csv``, in order.

    Returns:
        Integer columns ``year, township, village, code`` (``village`` 1-based), maybe empty.

    Raises:
        DataError: One line naming the row and column that is wrong.
    """
    cols = ("year", "township_code", "village", "code", "source", "confidence", "note")
    raw = _read_optional(directory, VILLAGE_CODES_FILE, cols)
    rows = []
    for i, r in enumerate(raw.itertuples(index=False), start=2):
        code = _integer(VILLAGE_CODES_FILE, i, "code", r.code)
        if code not in CODES:
            raise DataError(
                f"{VILLAGE_CODES_FILE}: row {i}, column 'code': {code} is not an urban-rural "
                f"code; use one of {', '.join(map(str, sorted(CODES)))}"
            )
        if r.township_code not in township_codes:
            raise DataError(
                f"{VILLAGE_CODES_FILE}: row {i}, column 'township_code': {r.township_code} is "
                "not in townships.csv; use a code of townships.csv"
            )
        rows.append(
            (
                _integer(VILLAGE_CODES_FILE, i, "year", r.year),
                township_codes.index(r.township_code),
                _integer(VILLAGE_CODES_FILE, i, "village", r.village),
                code,
            )
        )
    return pd.DataFrame(rows, columns=["year", "township", "village", "code"], dtype=np.int64)


def load_village_mergers(directory: Path | None, township_codes: list[str]) -> pd.DataFrame:
    """The folder's ``village_mergers.csv`` checked: month number, township (index), villages.

    Args:
        directory: The county folder (None: no file).
        township_codes: Codes of the townships of ``townships.csv``, in order.

    Returns:
        Integer columns ``month`` (absolute month number), ``township``, ``villages``.

    Raises:
        DataError: One line naming the row and column that is wrong.
    """
    cols = ("date", "township_code", "villages", "source", "confidence", "note")
    raw = _read_optional(directory, VILLAGE_MERGERS_FILE, cols)
    rows = []
    for i, r in enumerate(raw.itertuples(index=False), start=2):
        try:
            date = pd.Timestamp(r.date)
        except ValueError:
            raise DataError(
                f"{VILLAGE_MERGERS_FILE}: row {i}, column 'date': {r.date!r} is not a date; "
                "write YYYY-MM-DD"
            ) from None
        if r.township_code not in township_codes:
            raise DataError(
                f"{VILLAGE_MERGERS_FILE}: row {i}, column 'township_code': {r.township_code} "
                "is not in townships.csv; use a code of townships.csv"
            )
        n = _integer(VILLAGE_MERGERS_FILE, i, "villages", r.villages)
        if n < 0:
            raise DataError(
                f"{VILLAGE_MERGERS_FILE}: row {i}, column 'villages': {n} is negative; give "
                "the number of villages merged away"
            )
        rows.append((date.year * 12 + date.month - 1, township_codes.index(r.township_code), n))
    return pd.DataFrame(rows, columns=["month", "township", "villages"], dtype=np.int64)


class StatisticalClassification:
    """Applies the urban-rural classification rules once a year, at the code list's cut-off.

    Args:
        state: The county state (geography, services, firms, census, clock).
        params: The layer's parameters.
        townships: Township parameters (``builtup_density``: a seat's census-day area).
        directory: The county folder, for its optional ``village_codes.csv`` and
            ``village_mergers.csv``.

    Attributes:
        was_town: Which townships were towns at the last cut-off (to find 撤乡设镇 since).
        zone_villages: Villages coded 123 so far, by township.
        merger_pending: Rule mergers owed but not yet made, by township (fractions carry).
        codes: The folder's codes (``load_village_codes``).
        mergers: The folder's dated mergers not applied yet (``load_village_mergers``).
    """

    def __init__(
        self,
        state: CountyState,
        params: ClassificationParams,
        townships: TownshipParams,
        directory: Path | None = None,
    ) -> None:
        self.state = state
        self.params = params
        geo = state.geo
        self.density = float(townships.builtup_density)
        self.seat_builtup0 = state.services.seat_builtup_km2.copy()
        self.was_town = geo.township_is_town.copy()
        self.zone_villages = np.zeros(geo.n_townships, dtype=np.int64)
        self.merger_pending = np.zeros(geo.n_townships)
        self.codes = load_village_codes(directory, geo.township_codes)
        mergers = load_village_mergers(directory, geo.township_codes)
        self.rule_mergers = directory is None or not (
            Path(directory) / VILLAGE_MERGERS_FILE
        ).is_file()
        start = month_number(state.clock.start)
        self.mergers = mergers[mergers["month"] >= start].sort_values(["month", "township"])
        self._next_merger = int(self.mergers["month"].min()) if len(self.mergers) else None
        for r in self.codes.itertuples(index=False):
            geo.pinned[self._village(int(r.township), int(r.village))] = True

    def _village(self, township: int, rank: int) -> int:
        """Place index of the ``rank``-th (1-based) village of ``township``.

        The rank is :meth:`hdsim.state.places.Geography.village_ranks`'.
        """
        geo = self.state.geo
        places = np.flatnonzero((geo.township == township) & (geo.village_ranks() > 0))
        if not 1 <= rank <= places.size:
            raise DataError(
                f"{VILLAGE_CODES_FILE}: village {rank} of township "
                f"{geo.township_codes[township]} does not exist; it has {places.size} villages"
            )
        return int(places[rank - 1])

    @property
    def current_month(self) -> int:
        """Absolute number of the month the current step simulates."""
        clock = self.state.clock
        return month_number(clock.start) + max(clock.steps - 1, 0)

    def step(self) -> None:
        """Apply the dated mergers of this month, and the yearly rules in the cut-off month."""
        now = self.current_month
        if self._next_merger is not None and self._next_merger <= now:
            due = self.mergers[self.mergers["month"] <= now]
            self.mergers = self.mergers[self.mergers["month"] > now]
            self._next_merger = int(self.mergers["month"].min()) if len(self.mergers) else None
            for r in due.itertuples(index=False):
                self.merge_villages(int(r.township), int(r.villages))
        if self.state.clock.calendar_month == int(self.params.cutoff_month):
            self.cutoff(now // 12)

    def cutoff(self, year: int) -> None:
        """Redraw the code list of ``year``: every rule, then the folder's own codes."""
        self.grow_seats()
        self.code_zones()
        self.join_upgraded()
        if self.rule_mergers and self.params.merger_share_per_year > 0:
            geo = self.state.geo
            admin = geo.administrative_villages
            counts = np.bincount(geo.township[admin], minlength=geo.n_townships)
            self.merger_pending += self.params.merger_share_per_year * counts
            for t in range(geo.n_townships):
                owed = int(np.floor(self.merger_pending[t] + 1e-9))
                self.merger_pending[t] -= owed
                self.merge_villages(t, owed)
        for r in self.codes[self.codes["year"] == year].itertuples(index=False):
            self.state.geo.reclassify(self._village(int(r.township), int(r.village)), int(r.code))
            self.state.services.overridden += 1

    # -- the rules -----------------------------------------------------------------------------

    def nearest_rural(self, township: int, n: int) -> np.ndarray:
        """Up to ``n`` rural villages of ``township`` the rules may recode, nearest first."""
        geo = self.state.geo
        cand = geo.rural_villages(township)
        seat = int(geo.seat_of[township])
        order = np.argsort(geo.distance[seat, cand], kind="stable")
        return cand[order[: max(n, 0)]]

    def grow_seats(self) -> None:
        """Grow each town seat's built-up area for a year; join the villages it reaches (122)."""
        p = self.params
        if p.seat_growth_share <= 0 and p.seat_pressure <= 0:
            return
        st = self.state
        geo, ts = st.geo, st.services
        for t in range(geo.n_townships):
            seat = int(geo.seat_of[t])
            if seat == geo.county_city or not geo.township_is_town[t] or not geo.urban[seat]:
                continue
            people = st.census.residents_by_place[seat] * st.weight
            excess = max(0.0, people / self.density - ts.seat_builtup_km2[t])
            growth = p.seat_growth_share * self.seat_builtup0[t] + p.seat_pressure * excess
            ts.seat_builtup_km2[t] += growth
            ts.seat_pending_km2[t] += growth
            while ts.seat_pending_km2[t] >= p.seat_km2_per_village:
                village = self.nearest_rural(t, 1)
                if village.size == 0:
                    break
                geo.reclassify(int(village[0]), SEAT_FRINGE_CODE)
                ts.seat_joined += 1
                ts.seat_pending_km2[t] -= p.seat_km2_per_village

    def code_zones(self) -> None:
        """Code one rural village per full ``zone_min_residents`` of zone residents as 123."""
        p = self.params
        if p.zone_residents_per_job <= 0 or p.zone_min_residents <= 0:
            return
        st = self.state
        geo, firms = st.geo, st.firms
        zone = firms.zone[: firms.n]
        jobs = np.bincount(
            geo.township[firms.place[: firms.n][zone]],
            weights=firms.employed[: firms.n][zone].astype(float),
            minlength=geo.n_townships,
        )
        areas = np.floor(jobs * st.weight * p.zone_residents_per_job / p.zone_min_residents)
        for t in np.flatnonzero(areas > self.zone_villages):
            for village in self.nearest_rural(int(t), int(areas[t] - self.zone_villages[t])):
                geo.reclassify(int(village), SPECIAL_AREA_CODE)
                self.zone_villages[t] += 1
                st.services.zone_coded += 1

    def join_upgraded(self) -> None:
        """Join ``upgrade_joined_share`` of each newly upgraded town's villages to its centre."""
        geo = self.state.geo
        new = np.flatnonzero(geo.township_is_town & ~self.was_town)
        self.was_town = geo.township_is_town.copy()
        share = self.params.upgrade_joined_share
        if share <= 0:
            return
        admin = geo.administrative_villages
        for t in new:
            n = round(share * int(np.count_nonzero(geo.township[admin] == t)))
            for village in self.nearest_rural(int(t), n):
                geo.reclassify(int(village), SEAT_FRINGE_CODE)
                self.state.services.upgrade_joined += 1

    def merge_villages(self, township: int, n: int) -> None:
        """Merge ``n`` villages of ``township``: each time the smallest rural one into its nearest.

        The smallest by current residents (ties: the first in place order) among the rural
        administrative villages the rules may touch; it merges into the nearest other
        administrative village of the township, whose code it takes (the NBS rule of the
        module docstring: urban if that one is urban, rural otherwise; an urban village is
        never merged away). Residents, households and firms keep their places.
        """
        st = self.state
        geo = st.geo
        residents = st.census.residents_by_place
        for _ in range(n):
            cand = geo.rural_villages(township)
            admin = geo.administrative_villages
            admin = admin[geo.township[admin] == township]
            if cand.size == 0 or admin.size < 2:
                return
            roots = geo.merged_into
            size = np.bincount(roots, weights=residents, minlength=geo.n_places)
            small = int(cand[np.argmin(size[cand])])
            others = admin[admin != small]
            into = int(others[np.argmin(geo.distance[small, others])])
            geo.merge(small, into)
            st.services.merged += 1
