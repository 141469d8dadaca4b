"""Where the census households live and where their members are registered.

:func:`place_households` splits the family households between urban and rural places so that
the urban places hold their t0 family persons, urban residents have the target share aged 60+
and urban and rural households the target mean sizes, then pours them into the places of each
side. The targets come from ``settlement_pattern.csv``: its urban and rural levels give a
rural/urban *ratio*, which is scaled so that the county's own total is kept (with urban share
``u`` and county share ``p`` aged 60+, ``p_urban = p / (u + (1 - u) ratio)``). The split is an
exponential tilt: household ``i`` is urban with probability ``logistic(a + b n60_i + c size_i)``,
with ``(a, b, c)`` solved by Newton's method so that the expected households, persons aged 60+
and persons in urban places equal their targets; the urban households are then drawn by
systematic sampling within groups of equal (persons 60+, size), so each group's count is its
expectation to within one household, and the places are filled to their exact persons (a few
households at the urban-rural boundary of the pour may cross over).

:func:`registration` gives every person a home (hukou) township and an origin: the census's
residents registered in another township of the county, in another county of the province and
in another province are drawn to the stated weights (the last two by :func:`migrant_origins`,
which the synthesis calls before it gives hukou, so that the hukou rate is fitted among the
persons registered in the county).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdsim.data import CountyData
from hdsim.population.households import round_exact
from hdsim.state.places import Geography, PlaceKind
from hdsim.state.tables import HouseholdTable, PersonTable

OUTSIDE_COUNTY = -1
"""``PersonTable.hukou_township`` of a person registered outside the county."""

ORIGIN_COUNTY, ORIGIN_PROVINCE, ORIGIN_OTHER_PROVINCE = 0, 1, 2
"""``PersonTable.origin``: registered in this county, another county of the province, another
province."""

AWAY_KEYS: tuple[str, str, str] = (
    "away_same_county_2020",
    "away_other_county_2020",
    "away_other_province_2020",
)
"""``county.csv`` keys of the residents registered in another township (same county, another
county of the province, another province)."""


@dataclass(frozen=True)
class PlacementAssumptions:
    """Assumptions of the placement and registration (status: estimate, source: assumption).

    Attributes:
        away_place_weight: Relative chance that a family household of the county city, an
            urban seat or fringe, a rural seat or a village lives away from its home township
            (moves to the county city and town centres dominate 人户分离 in a county).
        away_collective_weight: The same for one collective person (boarders and dormitory
            workers come from all over the county).
        migrant_age_weight: Relative chance of a person aged 0-17, 18-49 and 50+ being an
            in-migrant from another county or province (labour migrants and their children).
        migrant_urban_weight: Extra factor of in-migration for residents of urban places.
        newton_steps: Maximum Newton steps of the tilt.
    """

    away_place_weight: tuple[float, float, float, float] = (4.0, 2.0, 1.0, 0.25)
    away_collective_weight: float = 4.0
    migrant_age_weight: tuple[float, float, float] = (1.0, 3.0, 0.5)
    migrant_urban_weight: float = 2.0
    newton_steps: int = 50


@dataclass(frozen=True)
class SettlementTargets:
    """Targets of the urban-rural split of family households (simulated units).

    Attributes:
        urban_persons: Family persons of the urban places.
        urban_households: Family households of the urban places.
        urban_60_plus: Family persons aged 60+ in urban places.
        share_60_urban: Target share aged 60+ of urban residents (collective included).
        share_60_rural: Target share aged 60+ of rural residents.
        size_urban: Target mean family-household size in urban places.
        size_rural: Target mean family-household size in rural places.
    """

    urban_persons: float
    urban_households: float
    urban_60_plus: float
    share_60_urban: float
    share_60_rural: float
    size_urban: float
    size_rural: float


def _ratio(data: CountyData, indicator: str) -> float:
    row = data.settlement_pattern.loc[indicator]
    return float(row["rural"]) / float(row["urban"])


def settlement_targets(
    data: CountyData,
    geo: Geography,
    scale: float,
    n_households: int,
    n_family_persons: int,
    n_60_plus: int,
    n_collective: int,
    collective_60_plus: int,
) -> SettlementTargets:
    """Targets of the urban-rural split, the county's totals kept.

    Args:
        data: County data (``settlement_pattern.csv``).
        geo: Places with their t0 family persons.
        scale: Simulated households per real household.
        n_households: Simulated family households.
        n_family_persons: Simulated family persons.
        n_60_plus: Simulated residents aged 60+ (collective included).
        n_collective: Simulated collective persons (all in urban places).
        collective_60_plus: Collective persons aged 60+.

    Returns:
        The targets.
    """
    live = geo.kind != PlaceKind.OUTSIDE
    targets = round_exact(geo.t0_population[live].astype(float) * scale, n_family_persons)
    urban_f = float(targets[geo.urban[live]].sum())
    rural_f = n_family_persons - urban_f
    urban_all = urban_f + n_collective
    total = n_family_persons + n_collective
    ratio = _ratio(data, "share_60_plus")
    p_urban = n_60_plus / (urban_all + ratio * (total - urban_all))
    q = _ratio(data, "mean_household_size")
    size_urban = (urban_f + rural_f / q) / max(n_households, 1)
    return SettlementTargets(
        urban_persons=urban_f,
        urban_households=urban_f / size_urban,
        urban_60_plus=max(p_urban * urban_all - collective_60_plus, 0.0),
        share_60_urban=p_urban,
        share_60_rural=p_urban * ratio,
        size_urban=size_urban,
        size_rural=size_urban * q,
    )


def tilt(x: np.ndarray, count: np.ndarray, target: np.ndarray, steps: int = 50) -> np.ndarray:
    """Coefficients ``theta`` with ``sum_i count_i logistic(x_i theta) x_i = target`` (Newton).

    Args:
        x: Distinct feature rows (households share few: persons aged 60+ and size).
        count: Households with each row.
        target: Wanted expected totals of the features' columns.
        steps: Maximum Newton steps.

    Returns:
        The coefficients (the last iterate if the targets cannot be met exactly).
    """
    theta = np.zeros(x.shape[1])
    share = target[0] / max(int(count.sum()), 1)
    theta[0] = np.log(max(share, 1e-6) / max(1 - share, 1e-6))
    scale = np.maximum(np.abs(target), 1.0)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ theta)))
        gap = x.T @ (p * count) - target
        if np.max(np.abs(gap) / scale) < 1e-7:
            break
        jac = (x * (count * p * (1 - p))[:, None]).T @ x
        step = np.linalg.lstsq(jac, gap, rcond=None)[0]
        theta -= np.clip(step, -2.0, 2.0)
    return theta


def place_households(
    data: CountyData,
    geo: Geography,
    scale: float,
    sizes: np.ndarray,
    n60: np.ndarray,
    n_collective: int,
    collective_60_plus: int,
    rng: np.random.Generator,
    assumptions: PlacementAssumptions | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Place of every family household (see the module docstring).

    Args:
        data: County data.
        geo: Places with their t0 family persons.
        scale: Simulated households per real household.
        sizes: Persons per family household.
        n60: Persons aged 60+ per family household.
        n_collective: Collective persons (urban).
        collective_60_plus: Collective persons aged 60+.
        rng: Generator of the draws.
        assumptions: Placement assumptions.

    Returns:
        Place index per household, and the tilt coefficients (constant, per person aged 60+,
        per person).
    """
    a = assumptions or PlacementAssumptions()
    n = sizes.size
    n_family = int(sizes.sum())
    t = settlement_targets(
        data, geo, scale, n, n_family, int(n60.sum()) + collective_60_plus, n_collective,
        collective_60_plus,
    )
    cell = n60 * 64 + sizes
    count = np.bincount(cell)
    cells = np.flatnonzero(count)
    x = np.column_stack([np.ones(cells.size), cells // 64, cells % 64]).astype(float)
    theta = tilt(
        x,
        count[cells].astype(float),
        np.array([t.urban_households, t.urban_60_plus, t.urban_persons]),
        a.newton_steps,
    )
    logit = np.zeros(count.size)
    logit[cells] = x @ theta
    prob = 1.0 / (1.0 + np.exp(-logit[cell]))
    # systematic sampling in an order grouped by (persons 60+, size): every group's urban
    # households are its expected number to within one, whatever the scale
    order = np.lexsort((rng.random(n), cell))
    drawn = np.floor(np.r_[0.0, np.cumsum(prob[order])] + rng.random())
    is_urban = np.zeros(n, bool)
    is_urban[order[np.diff(drawn) > 0]] = True
    # pour: urban households into urban places, rural ones into rural places, random order
    order = np.r_[
        rng.permutation(np.flatnonzero(is_urban)), rng.permutation(np.flatnonzero(~is_urban))
    ]
    live = np.flatnonzero(geo.kind != PlaceKind.OUTSIDE)
    side = np.where(geo.urban[live], 0, 1)
    place_order = live[np.lexsort((rng.random(live.size), side))]
    want = round_exact(geo.t0_population[place_order].astype(float) * scale, n_family)
    bounds = np.cumsum(want)
    mid = np.cumsum(sizes[order]) - sizes[order] / 2
    place = np.empty(n, dtype=np.int32)
    place[order] = place_order[np.minimum(np.searchsorted(bounds, mid), place_order.size - 1)]
    return place, theta


def _pick(weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` indices drawn without replacement with probability proportional to ``weights``.

    Exponential keys divided by the weights, smallest first (Efraimidis and Spirakis' weighted
    sampling without replacement); ``k`` equal to the number of positive weights gives them
    all in the order of the draw.
    """
    ok = np.flatnonzero(weights > 0)
    k = min(k, ok.size)
    key = rng.standard_exponential(ok.size, dtype=np.float32) / weights[ok].astype(np.float32)
    if k < ok.size:
        return ok[np.argpartition(key, k - 1)[:k]] if k > 0 else ok[:0]
    return ok[np.argsort(key)]


def _other_township(
    own: np.ndarray, weights: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A township other than ``own`` for each entry, drawn proportional to ``weights``."""
    n_t = weights.size
    out = rng.choice(n_t, size=own.size, p=weights / weights.sum())
    for _ in range(20):
        clash = np.flatnonzero(out == own)
        if clash.size == 0:
            break
        out[clash] = rng.choice(n_t, size=clash.size, p=weights / weights.sum())
    clash = out == own
    out[clash] = (own[clash] + 1) % n_t
    return out


def migrant_origins(
    data: CountyData,
    geo: Geography,
    scale: float,
    persons: PersonTable,
    n_residents: int,
    rng: np.random.Generator,
    assumptions: PlacementAssumptions | None = None,
) -> np.ndarray:
    """Origin of every person: registered in the county, another county or another province.

    The census's residents registered in another county of the province or in another
    province are drawn person by person (working ages and urban places weighted up);
    everybody else is registered in the county.

    Args:
        data: County data (``away_other_*_2020`` keys; missing keys mean a stock of 0).
        geo: Places.
        scale: Simulated households per real household.
        persons: Person table (place and age filled in).
        n_residents: Rows of ``persons`` that are residents (the rest are away members).
        rng: Generator of the draws.
        assumptions: Placement assumptions.

    Returns:
        ``PersonTable.origin`` codes (int8), one per person row in use.
    """
    a = assumptions or PlacementAssumptions()
    n_p = persons.n
    fig = {k: data.figure(k) if k in data.county.index else 0.0 for k in AWAY_KEYS}
    origin = np.zeros(n_p, dtype=np.int8)
    resident = np.arange(n_p) < n_residents
    age = persons.age[:n_p]
    aw = np.asarray(a.migrant_age_weight)
    w = np.where(age < 18, aw[0], np.where(age < 50, aw[1], aw[2])) * resident
    w = w * np.where(geo.urban[persons.place[:n_p]], a.migrant_urban_weight, 1.0)
    k_other = round(fig[AWAY_KEYS[2]] * scale)
    pick = rng.permutation(_pick(w, k_other + round(fig[AWAY_KEYS[1]] * scale), rng))
    origin[pick[:k_other]] = ORIGIN_OTHER_PROVINCE
    origin[pick[k_other:]] = ORIGIN_PROVINCE
    return origin


def registration(
    data: CountyData,
    geo: Geography,
    scale: float,
    persons: PersonTable,
    households: HouseholdTable,
    n_residents: int,
    rng: np.random.Generator,
    assumptions: PlacementAssumptions | None = None,
    origin: np.ndarray | None = None,
) -> None:
    """Home township and origin of every person; home villages of households.

    Residents (the first ``n_residents`` rows) registered in another county or province are
    drawn person by person (working ages and urban places weighted up); the residents
    registered in another township of the county are whole family households (weighted by
    the kind of place they live in) and single collective persons, taken in random order of
    their weighted keys until the census stock is reached. Their home township is another
    township, drawn in proportion to the townships' village populations; an agricultural-hukou
    household among them has its home village (land, homestead) there. Other urban
    agricultural-hukou households have a home village in their own township. Members away
    from the county are registered in their household's home township.

    Args:
        data: County data (``away_*_2020`` keys; missing keys mean a stock of 0).
        geo: Places.
        scale: Simulated households per real household.
        persons: Person table (household, place, age, collective, away filled in).
        households: Household table (place, collective, hukou_urban filled in).
        n_residents: Rows of ``persons`` that are residents (the rest are away members).
        rng: Generator of the draws.
        assumptions: Placement assumptions.
        origin: Origins already drawn by :func:`migrant_origins` (drawn here if None).
    """
    a = assumptions or PlacementAssumptions()
    n_hh, n_p = households.n, persons.n
    fig = {k: data.figure(k) if k in data.county.index else 0.0 for k in AWAY_KEYS}
    place = households.place[:n_hh]
    coll = households.collective[:n_hh]
    kind = geo.kind
    tship = geo.township
    hh_of = persons.household[:n_p]
    person_tship = tship[persons.place[:n_p]].astype(np.int32)
    resident = np.arange(n_p) < n_residents
    # ---- from another county of the province, another province: person by person -------
    if origin is None:
        origin = migrant_origins(data, geo, scale, persons, n_residents, rng, a)
    origin = origin.copy()
    # ---- from another township of the county: households and collective persons ---------
    pw = np.asarray(a.away_place_weight)
    k = kind[place]
    hh_w = np.where(
        k == PlaceKind.COUNTY_CITY,
        pw[0],
        np.where(
            geo.urban[place], pw[1], np.where(k == PlaceKind.SEAT, pw[2], pw[3])
        ),
    ) * ~coll
    eligible = resident & (origin == 0)
    members = np.bincount(hh_of[eligible & ~persons.collective[:n_p]], minlength=n_hh)
    coll_rows = np.flatnonzero(eligible & persons.collective[:n_p])
    unit_w = np.r_[hh_w * (members > 0), np.full(coll_rows.size, a.away_collective_weight)]
    unit_size = np.r_[members, np.ones(coll_rows.size, np.int64)]
    units = _pick(unit_w, unit_w.size, rng)
    cum = np.cumsum(unit_size[units]) - unit_size[units] / 2
    chosen = units[cum < round(fig[AWAY_KEYS[0]] * scale)]
    hh_chosen = chosen[chosen < n_hh]
    coll_chosen = coll_rows[chosen[chosen >= n_hh] - n_hh]
    village_pop = np.bincount(
        tship[geo.villages], weights=geo.t0_population[geo.villages], minlength=geo.n_townships
    ).astype(float) + 1.0
    hh_home = tship[place].astype(np.int64)
    hh_home[hh_chosen] = _other_township(hh_home[hh_chosen], village_pop, rng)
    home = hh_home[hh_of].astype(np.int32)
    away_hh = np.zeros(n_hh, bool)
    away_hh[hh_chosen] = True
    moved = away_hh[hh_of] & eligible & ~persons.collective[:n_p]
    person_home = np.where(moved, home, person_tship)
    person_home[coll_chosen] = _other_township(
        person_tship[coll_chosen].astype(np.int64), village_pop, rng
    )
    # ---- home villages: agricultural-hukou households outside villages -----------------
    households.origin[:n_hh] = place
    rural_origin = (
        ((kind[place] != PlaceKind.VILLAGE) | away_hh) & ~households.hukou_urban[:n_hh] & ~coll
    )
    # a random village of the home township (villages are stored township by township)
    villages = geo.villages
    per = np.bincount(tship[villages], minlength=geo.n_townships)
    first = np.searchsorted(tship[villages], np.arange(geo.n_townships))
    sel = np.flatnonzero(rural_origin & (per[hh_home] > 0))
    t_sel = hh_home[sel]
    pick = first[t_sel] + (rng.random(sel.size) * per[t_sel]).astype(np.int64)
    households.origin[sel] = villages[np.minimum(pick, first[t_sel] + per[t_sel] - 1)]
    # away members are registered where their household's home is
    away = ~resident
    person_home[away] = tship[households.origin[:n_hh]][hh_of[away]]
    origin[away] = ORIGIN_COUNTY
    person_home[origin != ORIGIN_COUNTY] = OUTSIDE_COUNTY
    persons.hukou_township[:n_p] = person_home
    persons.origin[:n_p] = origin
