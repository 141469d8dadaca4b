"""Synthetic population of the county at the census (t0).

Builds one household row per real household (times ``scale``) with members whose ages and sexes
reproduce the census marginals exactly, then places households in villages, seats and the
county city so that every place holds its estimated t0 population, and gives them hukou,
farmland, homesteads and members working outside the county.

Method (all vectorized):

1. Household sizes are drawn from the size distribution and adjusted so that they sum exactly
   to the family-household population.
2. A pool of persons with the exact census age-sex counts is drawn (ages uniform within
   five-year groups); collective-household persons (students, workers in dormitories) are taken
   from it first, favouring ages 15-29.
3. Each household slot gets a target age and sex from a household type (single, couple, couple
   with children, three generations); the pool is matched to the slots by rank of age within
   sex, which keeps the marginals exact and the household structure plausible.
4. Households are sorted younger-first (with noise) and poured into places ordered urban-first,
   so villages end up older than the county city, as observed in rural Shanxi.
5. Hukou, farmland, homestead and away members are assigned with the rates in the data files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdsim.data import CountyData
from hdsim.state.places import Geography, PlaceKind
from hdsim.state.tables import HouseholdTable, PersonTable


@dataclass
class SyntheticPopulation:
    """The synthetic population and the factor that converts it into real persons.

    Attributes:
        persons: Person table.
        households: Household table.
        weight: Real persons represented by one simulated person (1 / scale).
    """

    persons: PersonTable
    households: HouseholdTable
    weight: float


def _round_exact(values: np.ndarray, total: int) -> np.ndarray:
    """Round ``values`` (non-negative) to integers summing to ``total`` (largest remainder)."""
    scaled = values * (total / max(values.sum(), 1e-12))
    out = np.floor(scaled).astype(np.int64)
    short = int(total - out.sum())
    if short > 0:
        out[np.argsort(scaled - out)[::-1][:short]] += 1
    return out


def _household_sizes(
    shares: np.ndarray,
    sizes: np.ndarray,
    n_households: int,
    n_persons: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw household sizes from ``shares`` and adjust them to sum to ``n_persons`` exactly."""
    out = rng.choice(sizes, size=n_households, p=shares / shares.sum()).astype(np.int64)
    lo, hi = 1, int(sizes.max())
    for _ in range(100):
        diff = n_persons - int(out.sum())
        if diff == 0:
            break
        can = np.flatnonzero(out < hi) if diff > 0 else np.flatnonzero(out > lo)
        pick = rng.choice(can, size=min(abs(diff), can.size), replace=False)
        out[pick] += 1 if diff > 0 else -1
    if out.sum() != n_persons:
        raise ValueError(
            f"cannot fit {n_persons} persons into {n_households} households of sizes {lo}-{hi}"
        )
    return out


def _person_pool(
    data: CountyData, total: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Ages and sexes of ``total`` persons reproducing the census age-sex table."""
    table = data.age_sex
    counts = np.concatenate([table["male"].to_numpy(float), table["female"].to_numpy(float)])
    counts = _round_exact(counts, total)
    lo = np.concatenate([table["age_lo"].to_numpy(), table["age_lo"].to_numpy()])
    hi = np.concatenate([table["age_hi"].to_numpy(), table["age_hi"].to_numpy()])
    female = np.repeat(np.r_[np.zeros(len(table), bool), np.ones(len(table), bool)], counts)
    group_lo = np.repeat(lo, counts)
    group_width = np.repeat(np.minimum(hi, 99) - lo + 1, counts)
    # within the open last group ages thin out: a triangular draw towards its lower bound
    u = rng.random(total)
    open_group = np.repeat(hi >= 99, counts)
    u[open_group] = 1 - np.sqrt(1 - u[open_group])
    age = (group_lo + np.floor(u * group_width)).astype(np.int16)
    return age, female


def _slot_targets(sizes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Target age and sex of every household member slot, by household type.

    Returns:
        Target ages and target sexes (True = female), one entry per person slot, households
        in order.
    """
    n = sizes.size
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    total = int(sizes.sum())
    slot_hh = np.repeat(np.arange(n), sizes)
    pos = np.arange(total) - offsets[slot_hh]
    size = sizes[slot_hh]
    # generation ages per household
    middle = rng.uniform(24, 56, n)
    elder = np.minimum(middle + rng.uniform(24, 32, n), 95)
    child = np.maximum(middle - rng.uniform(22, 34, n), 0)
    # types: which generations are present
    u = rng.random(n)
    has_elder = np.where(
        sizes == 1,
        u < 0.55,
        np.where(
            sizes == 2, u < 0.5, np.where(sizes == 3, u < 0.25, np.where(sizes == 4, u < 0.4, True))
        ),
    )
    slot_has_elder = has_elder[slot_hh]
    age = np.empty(total)
    female = rng.random(total) < 0.5
    # one- and two-person households with elders are elderly singles/couples
    elderly_only = slot_has_elder & (size <= 2)
    age[elderly_only] = rng.uniform(60, 92, int(elderly_only.sum()))
    female[elderly_only & (pos == 1)] = ~female[np.flatnonzero(elderly_only & (pos == 1)) - 1]
    # middle generation couple at positions 0,1; children after; elders last when present
    rest = ~elderly_only
    n_elders = np.where(slot_has_elder, np.minimum(np.maximum(size - 3, 1), 2), 0)
    is_elder = rest & (pos >= size - n_elders)
    is_middle = rest & ~is_elder & (pos < np.minimum(2, size - n_elders))
    is_child = rest & ~is_elder & ~is_middle
    hh = slot_hh
    age[is_middle] = middle[hh[is_middle]] + rng.normal(0, 2, int(is_middle.sum()))
    age[is_elder] = elder[hh[is_elder]] + rng.normal(0, 2, int(is_elder.sum()))
    age[is_child] = child[hh[is_child]] + rng.uniform(0, 10, int(is_child.sum()))
    single_middle = is_middle & (size == 1)
    age[single_middle] = rng.uniform(18, 60, int(single_middle.sum()))
    second = is_middle & (pos == 1)
    female[second] = ~female[np.flatnonzero(second) - 1]
    return np.clip(age, 0, 99), female


def _match_by_rank(
    target_age: np.ndarray,
    target_female: np.ndarray,
    pool_age: np.ndarray,
    pool_female: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Assign pool persons to slots: same sex counts, ages matched by rank within sex."""
    n_f = int(pool_female.sum())
    slot_female = target_female.copy()
    diff = n_f - int(slot_female.sum())
    if diff:
        candidates = np.flatnonzero(slot_female != (diff > 0))
        slot_female[rng.choice(candidates, size=abs(diff), replace=False)] = diff > 0
    age = np.empty(target_age.size, dtype=np.int16)
    # ranks by target age in steps of 1/16 year with random jitter: an O(n) radix sort
    key = ((target_age + rng.random(target_age.size) * 0.5) * 16).astype(np.int16)
    for sex in (False, True):
        slots = np.flatnonzero(slot_female == sex)
        pool = np.sort(pool_age[pool_female == sex], kind="stable")
        order = slots[np.argsort(key[slots], kind="stable")]
        age[order] = pool
    return age, slot_female


def synthesize(
    data: CountyData, geo: Geography, scale: float, rng: np.random.Generator
) -> SyntheticPopulation:
    """Build the synthetic population at the census.

    Args:
        data: County data (census figures, age-sex table, household sizes, townships).
        geo: Places of the county with their t0 populations.
        scale: Simulated households per real household (0.1 for a 10% sample, 4 for a synthetic
            county four times larger).
        rng: Generator all draws come from.

    Returns:
        Person and household tables and the weight of one simulated person.
    """
    fig = data.figure
    n_family_hh = max(1, round(fig("family_households_2020") * scale))
    n_family_p = max(n_family_hh, round(fig("family_household_persons_2020") * scale))
    n_coll_hh = max(1, round(fig("collective_households_2020") * scale))
    n_coll_p = max(n_coll_hh, round(fig("collective_persons_2020") * scale))
    n_res = n_family_p + n_coll_p

    sizes_tab = data.household_sizes
    sizes = _household_sizes(
        sizes_tab["share"].to_numpy(float),
        sizes_tab["size"].to_numpy(),
        n_family_hh,
        n_family_p,
        rng,
    )
    pool_age, pool_female = _person_pool(data, n_res, rng)
    # collective persons first: mostly students and young workers
    w = np.where(
        (pool_age >= 15) & (pool_age <= 24),
        10.0,
        np.where((pool_age >= 25) & (pool_age <= 59), 1.5, 0.02),
    )
    coll_idx = rng.choice(n_res, size=n_coll_p, replace=False, p=w / w.sum())
    is_coll = np.zeros(n_res, bool)
    is_coll[coll_idx] = True
    t_age, t_female = _slot_targets(sizes, rng)
    fam_age, fam_female = _match_by_rank(
        t_age, t_female, pool_age[~is_coll], pool_female[~is_coll], rng
    )

    # ---- households into places -------------------------------------------------------------
    n_hh = n_family_hh + n_coll_hh
    households = HouseholdTable(n_hh, capacity=n_hh + max(16, n_hh // 50))
    slot_hh = np.repeat(np.arange(n_family_hh), sizes)
    mean_age = np.bincount(slot_hh, weights=fam_age, minlength=n_family_hh) / sizes
    rank = np.empty(n_family_hh)
    rank[np.argsort((mean_age * 16).astype(np.int16), kind="stable")] = np.arange(n_family_hh)
    rank /= max(n_family_hh - 1, 1)
    mixed = 0.45 * rank + 0.55 * rng.random(n_family_hh)
    order = np.argsort((mixed * 30000).astype(np.int16), kind="stable")
    targets = geo.t0_population.astype(float) * scale
    kind = geo.kind
    urban = geo.urban
    place_rank = np.where(
        kind == PlaceKind.OUTSIDE, 9, np.where(urban, 0, np.where(kind == PlaceKind.SEAT, 1, 2))
    )
    place_order = np.lexsort((rng.random(geo.n_places), place_rank))
    place_order = place_order[kind[place_order] != PlaceKind.OUTSIDE]
    bounds = np.cumsum(_round_exact(targets[place_order], n_family_p))
    cum = np.cumsum(sizes[order]) - sizes[order] / 2
    family_place = np.empty(n_family_hh, dtype=np.int32)
    family_place[order] = place_order[
        np.minimum(np.searchsorted(bounds, cum), place_order.size - 1)
    ]
    # collective households: the county city and town seats, by seat population
    urban_seats = np.flatnonzero(
        ((kind == PlaceKind.SEAT) & urban) | (kind == PlaceKind.COUNTY_CITY)
    )
    p = targets[urban_seats] * np.where(kind[urban_seats] == PlaceKind.COUNTY_CITY, 3.0, 1.0)
    coll_place = rng.choice(urban_seats, size=n_coll_hh, p=p / p.sum())
    households.place[:n_hh] = np.r_[family_place, coll_place]
    households.collective[n_family_hh:n_hh] = True
    coll_sizes = 1 + rng.multinomial(n_coll_p - n_coll_hh, np.full(n_coll_hh, 1 / n_coll_hh))

    # ---- persons ----------------------------------------------------------------------------
    n_away = round(fig("away_persons_2020") * scale)
    persons = PersonTable(n_res + n_away, capacity=int((n_res + n_away) * 1.12) + 64)
    n_p = n_res + n_away
    persons.age[:n_family_p] = fam_age
    persons.female[:n_family_p] = fam_female
    persons.household[:n_family_p] = slot_hh
    persons.age[n_family_p:n_res] = pool_age[is_coll]
    persons.female[n_family_p:n_res] = pool_female[is_coll]
    persons.household[n_family_p:n_res] = n_family_hh + np.repeat(np.arange(n_coll_hh), coll_sizes)
    # members working outside the county, attached mostly to village households
    place = households.place[:n_hh]
    hh_w = np.where(urban[place], 1.0, 3.0) * ~households.collective[:n_hh]
    away_rows = slice(n_res, n_p)
    persons.household[away_rows] = rng.choice(n_hh, size=n_away, p=hh_w / hh_w.sum())
    persons.age[away_rows] = np.where(
        rng.random(n_away) < 0.12, rng.integers(0, 16, n_away), rng.integers(18, 50, n_away)
    )
    persons.female[away_rows] = rng.random(n_away) < 0.45
    persons.away[away_rows] = True
    persons.birth_month[:n_p] = rng.integers(1, 13, n_p)

    # ---- hukou: urban hukou mostly in urban places, calibrated to the county rate -----------
    h_target = fig("hukou_urbanization_rate_2020")
    urban_hh = urban[place] & ~households.collective[:n_hh]
    hh_persons = np.bincount(persons.household[:n_p], minlength=n_hh)
    p_rural = 0.03
    p_coll = 0.5
    n_urban_p = hh_persons[urban_hh].sum()
    n_coll_persons = hh_persons[households.collective[:n_hh]].sum()
    n_rural_p = n_p - n_urban_p - n_coll_persons
    p_urban = np.clip(
        (h_target * n_p - p_rural * n_rural_p - p_coll * n_coll_persons) / max(int(n_urban_p), 1),
        0,
        0.95,
    )
    u = rng.random(n_hh)
    hh_hukou = np.where(
        urban_hh, u < p_urban, np.where(households.collective[:n_hh], u < p_coll, u < p_rural)
    )
    persons.hukou_urban[:n_p] = hh_hukou[persons.household[:n_p]]
    households.hukou_urban[:n_hh] = hh_hukou
    persons.collective[:n_p] = households.collective[persons.household[:n_p]]
    persons.place[:n_p] = households.place[persons.household[:n_p]]

    # ---- origin village, farmland, homestead, tenure -----------------------------------------
    villages = geo.villages
    is_village = kind[place] == PlaceKind.VILLAGE
    households.origin[:n_hh] = place
    rural_origin = ~is_village & ~hh_hukou & ~households.collective[:n_hh]
    # an urban household with agricultural hukou comes from a village of its own township
    tship_of_village = geo.township[villages]
    hh_tship = geo.township[place]
    for t in range(geo.n_townships):
        sel = np.flatnonzero(rural_origin & (hh_tship == t))
        own = villages[tship_of_village == t]
        if sel.size and own.size:
            households.origin[sel] = rng.choice(own, size=sel.size)
    has_land = kind[households.origin[:n_hh]] == PlaceKind.VILLAGE
    households.homestead[:n_hh] = has_land
    land_share = has_land * hh_persons * rng.lognormal(0.0, 0.5, n_hh)
    farmland = data.townships["farmland_mu"].to_numpy(float) * scale
    origin_tship = geo.township[households.origin[:n_hh]]
    per_tship = np.bincount(
        origin_tship[has_land], weights=land_share[has_land], minlength=geo.n_townships
    )
    households.farmland_mu[:n_hh] = np.where(
        has_land, land_share * farmland[origin_tship] / np.maximum(per_tship[origin_tship], 1e-9), 0
    )
    households.months_at_place[:n_hh] = np.where(is_village, 240, rng.integers(0, 240, n_hh))
    households.owner[:n_hh] = np.where(
        is_village, True, rng.random(n_hh) < np.where(hh_hukou, 0.8, 0.45)
    )
    return SyntheticPopulation(persons=persons, households=households, weight=1.0 / scale)
