"""Synthetic population of the county at the census (t0), fitted to the census county table.

Builds one household row per real household (times ``scale``) with members whose ages and sexes
reproduce the census marginals exactly, places households in villages, seats and the county
city so that every place holds its estimated t0 population and urban and rural places follow
the stated age pattern, and gives persons their hukou, home township and origin.

Method (all vectorized; :mod:`hdsim.population.fit` reports every target):

1. A pool of persons with the exact census age-sex counts is drawn (ages uniform within
   five-year groups); collective-household persons (students, workers in dormitories) are taken
   from it first, favouring ages 15-29, with exactly the persons aged 65+ that the census's
   elderly-household table leaves outside family households.
2. Family households get types, sizes, elderly counts and member slots fitted to the census
   (:func:`hdsim.population.households.compose`: IPF of type by size, exact elderly
   households); the pool is matched to the slots by rank within (65+ or not, sex).
3. Households are split between urban and rural places by exponential tilting (a logit in the
   household's persons aged 60+ and its size, solved by Newton's method) so that the urban
   family persons, the urban share aged 60+ and the mean household sizes match their targets
   (``settlement_pattern.csv``: the national 城镇/乡村 ratio scaled to the county's own
   total); within urban and within rural places they are poured in random order so that every
   place holds its t0 population.
4. Hukou, farmland, homestead and away members are assigned with the rates in the data files
   (the hukou rate fitted among the persons registered in the county, 户籍人口);
   the census's residents registered in another township of the county, in another county of
   the province and in another province get their home township (``hukou_township``) and
   ``origin``; agricultural-hukou households registered elsewhere in the county keep their
   land in a village of their home township.
5. Tenure (rented, self-built, bought) reproduces the census's housing-source shares of family
   households (:func:`hdsim.state.housing.tenure_at_census`: homestead households built their
   house, the rest split by kind of place and registration with stated weights); ``owner`` is
   true exactly when the household does not rent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdsim.data import CountyData
from hdsim.population.households import (
    ELDERLY_AGE,
    CompositionAssumptions,
    compose,
    elderly_counts,
    match_to_slots,
    round_exact,
)
from hdsim.population.placement import (
    PlacementAssumptions,
    migrant_origins,
    place_households,
    registration,
)
from hdsim.state.housing import (
    HOUSING_SOURCE_KEYS,
    Tenure,
    census_tenure_shares,
    tenure_at_census,
    tenure_of_owners,
)
from hdsim.state.places import Geography, PlaceKind
from hdsim.state.tables import HouseholdTable, PersonTable

_DEFAULT_COMPOSITION = CompositionAssumptions()


@dataclass
class SyntheticPopulation:
    """The synthetic population and the factor that converts it into real persons.

    Attributes:
        persons: Person table.
        households: Household table.
        weight: Real persons represented by one simulated person (1 / scale).
        household_type: Census type of each family household (index of
            :data:`hdsim.population.households.TYPE_NAMES`; -1 for collective households).
        tilt: Coefficients of the urban-rural placement logit (constant, per person aged 60+,
            per person), as fitted.
    """

    persons: PersonTable
    households: HouseholdTable
    weight: float
    household_type: np.ndarray | None = None
    tilt: np.ndarray | None = None


def _person_pool(
    data: CountyData, total: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Ages and sexes of ``total`` persons reproducing the census age-sex table."""
    table = data.age_sex
    counts = np.concatenate([table["male"].to_numpy(float), table["female"].to_numpy(float)])
    counts = round_exact(counts, total)
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




def _collective_members(
    pool_age: np.ndarray,
    n_coll_p: int,
    n_coll_elderly: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Pool rows of the collective persons, exactly ``n_coll_elderly`` of them aged 65+.

    The others are mostly students and young workers (weights 10 at 15-24, 1.5 at 25-59, 0.02
    otherwise).
    """
    old = np.flatnonzero(pool_age >= ELDERLY_AGE)
    young = np.flatnonzero(pool_age < ELDERLY_AGE)
    w = np.where(
        (pool_age[young] >= 15) & (pool_age[young] <= 24),
        10.0,
        np.where((pool_age[young] >= 25) & (pool_age[young] <= 59), 1.5, 0.02),
    )
    pick_old = rng.choice(old, size=n_coll_elderly, replace=False)
    pick_young = rng.choice(young, size=n_coll_p - n_coll_elderly, replace=False, p=w / w.sum())
    return np.r_[pick_old, pick_young]


def synthesize(
    data: CountyData,
    geo: Geography,
    scale: float,
    rng: np.random.Generator,
    placement: PlacementAssumptions | None = None,
) -> SyntheticPopulation:
    """Build the synthetic population at the census.

    Args:
        data: County data (census figures, age-sex table, household sizes and types,
            settlement pattern, townships).
        geo: Places of the county with their t0 populations.
        scale: Simulated households per real household (0.1 for a 10% sample, 4 for a synthetic
            county four times larger).
        rng: Generator all draws come from.
        placement: Assumptions of the placement and registration (defaults:
            :class:`~hdsim.population.placement.PlacementAssumptions`).

    Returns:
        Person and household tables and the weight of one simulated person.

    Raises:
        ValueError: The census's persons aged 65+ outside family households exceed the
            collective persons (the folder's tables contradict each other).
    """
    fig = data.figure
    n_family_hh = max(1, round(fig("family_households_2020") * scale))
    n_family_p = max(n_family_hh, round(fig("family_household_persons_2020") * scale))
    n_coll_hh = max(1, round(fig("collective_households_2020") * scale))
    n_coll_p = max(n_coll_hh, round(fig("collective_persons_2020") * scale))
    n_res = n_family_p + n_coll_p

    pool_age, pool_female = _person_pool(data, n_res, rng)
    n_old = int((pool_age >= ELDERLY_AGE).sum())
    e_target = int(elderly_counts(data, scale, n_old, _DEFAULT_COMPOSITION) @ np.array([1, 2, 3]))
    comp = compose(data, n_family_hh, n_family_p, min(n_old, e_target), scale, rng)
    n_coll_old = n_old - int(comp.elderly.sum())
    if n_coll_old > n_coll_p:
        raise ValueError(
            f"{n_coll_old} persons aged 65+ outside family households but only {n_coll_p} "
            "collective persons: check the elderly-household counts in county.csv"
        )
    coll_idx = _collective_members(pool_age, n_coll_p, n_coll_old, rng)
    is_coll = np.zeros(n_res, bool)
    is_coll[coll_idx] = True
    fam_age, fam_female = match_to_slots(comp, pool_age[~is_coll], pool_female[~is_coll], rng)
    sizes = comp.sizes

    # ---- households into places -------------------------------------------------------------
    n_hh = n_family_hh + n_coll_hh
    households = HouseholdTable(n_hh, capacity=n_hh + max(16, n_hh // 50))
    slot_hh = np.repeat(np.arange(n_family_hh), sizes)
    n60 = np.bincount(slot_hh, weights=fam_age >= 60, minlength=n_family_hh).astype(np.int64)
    coll_60 = int((pool_age[is_coll] >= 60).sum())
    family_place, tilt = place_households(
        data, geo, scale, sizes, n60, n_coll_p, coll_60, rng, placement
    )
    kind = geo.kind
    urban = geo.urban
    targets = geo.t0_population.astype(float) * scale
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
    # the rate is that of the persons registered in the county (户籍人口), so the in-migrants
    # registered in another county or province are drawn first and left out of the fit
    persons.collective[:n_p] = households.collective[persons.household[:n_p]]
    persons.place[:n_p] = households.place[persons.household[:n_p]]
    origin = migrant_origins(data, geo, scale, persons, n_res, rng, placement)
    h_target = fig("hukou_urbanization_rate_2020")
    urban_hh = urban[place] & ~households.collective[:n_hh]
    hh_persons = np.bincount(persons.household[:n_p], minlength=n_hh)
    hh_registered = np.bincount(persons.household[:n_p], weights=origin == 0, minlength=n_hh)
    p_rural = 0.03
    p_coll = 0.5
    n_reg = hh_registered.sum()
    n_urban_p = hh_registered[urban_hh].sum()
    n_coll_persons = hh_registered[households.collective[:n_hh]].sum()
    n_rural_p = n_reg - n_urban_p - n_coll_persons
    p_urban = np.clip(
        (h_target * n_reg - p_rural * n_rural_p - p_coll * n_coll_persons)
        / max(float(n_urban_p), 1.0),
        0,
        0.95,
    )
    # households in random order until each class holds its share of registered persons, so
    # the rate is met to within a household whatever the scale
    hh_class = np.where(urban_hh, 0, np.where(households.collective[:n_hh], 1, 2))
    share = np.array([p_urban, p_coll, p_rural])
    order = rng.permutation(n_hh)
    order = order[np.argsort(hh_class[order], kind="stable")]
    cum = np.cumsum(hh_registered[order])
    start = np.r_[0.0, cum][np.searchsorted(hh_class[order], np.arange(3))]
    in_class = cum - start[hh_class[order]] - hh_registered[order] / 2
    want = share * np.bincount(hh_class, weights=hh_registered, minlength=3)
    hh_hukou = np.zeros(n_hh, bool)
    hh_hukou[order] = in_class < want[hh_class[order]]
    persons.hukou_urban[:n_p] = hh_hukou[persons.household[:n_p]]
    households.hukou_urban[:n_hh] = hh_hukou

    # ---- home township, origin village, farmland, homestead, tenure -------------------------
    registration(data, geo, scale, persons, households, n_res, rng, placement, origin)
    villages = geo.villages
    is_village = kind[place] == PlaceKind.VILLAGE
    # households whose residents are all registered outside the county hold no land here
    # (their away members, attached at random, do not give them any)
    registered_here = np.bincount(
        persons.household[:n_p], weights=(persons.hukou_township[:n_p] >= 0) & ~persons.away[:n_p],
        minlength=n_hh,
    )
    has_land = (kind[households.origin[:n_hh]] == PlaceKind.VILLAGE) & (registered_here > 0)
    del villages
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
    shares = census_tenure_shares(
        {k: fig(k) for k in HOUSING_SOURCE_KEYS if k in data.county.index}
    )
    if shares is None:  # no housing-source figures: the older owner rule
        households.owner[:n_hh] = np.where(
            is_village, True, rng.random(n_hh) < np.where(hh_hukou, 0.8, 0.45)
        )
        households.tenure[:n_hh] = tenure_of_owners(households, geo)
    else:
        households.tenure[:n_hh] = tenure_at_census(households, persons, geo, shares, rng)
        households.owner[:n_hh] = households.tenure[:n_hh] != Tenure.RENTED
    household_type = np.r_[comp.types.astype(np.int8), np.full(n_coll_hh, -1, np.int8)]
    return SyntheticPopulation(
        persons=persons,
        households=households,
        weight=1.0 / scale,
        household_type=household_type,
        tilt=tilt,
    )
