"""Family households at the census: their types, sizes, elderly members and members' ages.

The census county table gives, for family households, their number and persons, the
household types (一人户, 一代户, 二代户, 三代户, 四代以上户; 一代户 includes the 一人户) and the
households with one, two, three or more persons aged 65+; the size distribution beyond one
person is an estimate (``household_sizes.csv``). :func:`compose` fits them together:

1. **Type by size** by iterative proportional fitting (IPF) of a seed table whose structural
   zeros say which sizes a type can have (a three-generation household has at least three
   persons), to the census type counts (rows) and the size shares (columns); integers by
   largest remainder within each type; sizes then nudged within the multi-generation types so
   that the persons sum exactly to the census.
2. **Elderly persons per household** (0, 1, 2, 3): the census counts of households with one,
   two and three or more persons aged 65+ are drawn exactly, without replacement, among the
   households whose type and size allow them (weighted by :class:`CompositionAssumptions`).
3. **Member slots**: each household's generations (oldest first) get target ages and sexes;
   exactly the household's elderly count of slots is marked 65+, so that matching the census
   person pool to the slots by rank within (65+ or not, sex) keeps both the age-sex table and
   the elderly-household counts exact.

Folders without the type or elderly counts fall back to the assumptions' default shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hdsim.data import CountyData

TYPE_NAMES: tuple[str, ...] = (
    "one_person",
    "one_generation",
    "two_generation",
    "three_generation",
    "four_plus_generation",
)
"""Household types, in the census order (one-generation here excludes one-person)."""

TYPE_KEYS: tuple[str, ...] = (
    "one_person_households_2020",
    "one_generation_households_2020",
    "two_generation_households_2020",
    "three_generation_households_2020",
    "four_plus_generation_households_2020",
)
"""``county.csv`` keys of the census household types (一代户 includes the 一人户)."""

ELDERLY_KEYS: tuple[str, ...] = (
    "households_one_65_plus_2020",
    "households_two_65_plus_2020",
    "households_three_plus_65_plus_2020",
)
"""``county.csv`` keys of the households with one, two, three or more persons aged 65+."""

ELDERLY_AGE = 65
"""Age from which a person counts in the census's elderly-household table."""


@dataclass(frozen=True)
class CompositionAssumptions:
    """Assumptions of the household composition (status: estimate, source: assumption).

    Attributes:
        type_size_seed: Seed of the type-by-size IPF, one row per type (sizes 1..8): relative
            frequency of each size within a type before fitting; 0 = impossible. Shape of
            national household structure (assumption); only the zeros are structural.
        elderly_weight: Relative propensity (per type) of holding 1, 2 and 3 persons aged 65+,
            where the size allows it: elderly singles and couples (empty nests) first, then
            grandparents of three-generation households (assumption).
        default_type_shares: Type shares used when the folder gives no type counts (China
            2020 census order of magnitude; assumption).
        default_elderly_shares: Households with 1, 2, 3+ persons aged 65+ per family person
            aged 65+, when the folder gives none (assumption).
        single_parent_share: Share of two-generation households of 3+ persons with one parent
            (assumption).
    """

    type_size_seed: tuple[tuple[float, ...], ...] = (
        (1.0, 0, 0, 0, 0, 0, 0, 0),
        (0, 1.0, 0.05, 0.01, 0, 0, 0, 0),
        (0, 0.25, 0.40, 0.25, 0.07, 0.02, 0.005, 0.002),
        (0, 0, 0.10, 0.25, 0.30, 0.20, 0.10, 0.05),
        (0, 0, 0, 0.10, 0.25, 0.30, 0.20, 0.15),
    )
    elderly_weight: tuple[tuple[float, float, float], ...] = (
        (3.0, 0.0, 0.0),
        (1.5, 4.0, 0.0),
        (1.0, 1.0, 0.0),
        (2.0, 2.0, 1.0),
        (2.0, 2.0, 4.0),
    )
    default_type_shares: tuple[float, ...] = (0.25, 0.22, 0.38, 0.14, 0.01)
    default_elderly_shares: tuple[float, float, float] = (0.45, 0.27, 0.004)
    single_parent_share: float = 0.2


@dataclass
class Composition:
    """Family households with their members' target ages.

    Attributes:
        sizes: Persons per household.
        types: Type index per household (:data:`TYPE_NAMES`).
        elderly: Persons aged 65+ per household.
        slot_age: Target age of every member slot (households in order).
        slot_female: Target sex of every slot.
        slot_elderly: Whether a slot is for a person aged 65+.
    """

    sizes: np.ndarray
    types: np.ndarray
    elderly: np.ndarray
    slot_age: np.ndarray = field(repr=False)
    slot_female: np.ndarray = field(repr=False)
    slot_elderly: np.ndarray = field(repr=False)


def round_exact(values: np.ndarray, total: int) -> np.ndarray:
    """Round ``values`` (non-negative) to integers summing to ``total`` (largest remainder)."""
    scaled = values * (total / max(float(values.sum()), 1e-12))
    out = np.floor(scaled).astype(np.int64)
    short = int(total - out.sum())
    if short > 0:
        out[np.argsort(scaled - out, kind="stable")[::-1][:short]] += 1
    return out


def _figures(data: CountyData, keys: tuple[str, ...]) -> np.ndarray | None:
    if not all(k in data.county.index for k in keys):
        return None
    return np.array([data.figure(k) for k in keys], dtype=float)


def type_counts(data: CountyData, n_households: int, a: CompositionAssumptions) -> np.ndarray:
    """Scaled census counts of the five household types, summing to ``n_households``."""
    raw = _figures(data, TYPE_KEYS)
    if raw is None:
        shares = np.array(a.default_type_shares)
    else:
        shares = raw.copy()
        shares[1] = max(raw[1] - raw[0], 0.0)  # 一代户 includes the 一人户
    return round_exact(shares, n_households)


def elderly_counts(
    data: CountyData, scale: float, n_elderly_persons: int, a: CompositionAssumptions
) -> np.ndarray:
    """Scaled census counts of households with 1, 2 and 3+ persons aged 65+."""
    raw = _figures(data, ELDERLY_KEYS)
    if raw is None:
        return np.round(np.array(a.default_elderly_shares) * n_elderly_persons).astype(np.int64)
    return np.round(raw * scale).astype(np.int64)


def ipf(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, sweeps: int = 200) -> np.ndarray:
    """Iterative proportional fitting of ``seed`` to row and column totals.

    Args:
        seed: Non-negative seed table (zeros stay zero).
        rows: Row totals.
        cols: Column totals (rescaled to the row total).
        sweeps: Maximum number of row-and-column sweeps.

    Returns:
        The fitted table (real numbers).
    """
    table = seed.astype(float).copy()
    cols = cols * (rows.sum() / max(cols.sum(), 1e-12))
    for _ in range(sweeps):
        r = table.sum(axis=1)
        table *= np.divide(rows, r, out=np.zeros_like(r), where=r > 0)[:, None]
        c = table.sum(axis=0)
        table *= np.divide(cols, c, out=np.zeros_like(c), where=c > 0)[None, :]
        if np.abs(table.sum(axis=1) - rows).max() < 1e-6:
            break
    return table


def _sizes_by_type(
    counts: np.ndarray,
    size_shares: np.ndarray,
    n_persons: int,
    a: CompositionAssumptions,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Sizes and types of every household: IPF, integers, then exact persons."""
    seed = np.array(a.type_size_seed, dtype=float)
    fitted = ipf(seed, counts.astype(float), size_shares * counts.sum())
    cells = np.vstack([round_exact(fitted[t], int(counts[t])) for t in range(len(counts))])
    types = np.repeat(np.repeat(np.arange(5), 8), cells.ravel())
    sizes = np.repeat(np.tile(np.arange(1, 9), 5), cells.ravel())
    perm = rng.permutation(types.size)
    types, sizes = types[perm], sizes[perm]
    lo = np.array([1, 2, 2, 3, 4])[types]
    for _ in range(200):
        diff = n_persons - int(sizes.sum())
        if diff == 0:
            break
        movable = types >= 2
        can = np.flatnonzero(movable & ((sizes < 8) if diff > 0 else (sizes > lo)))
        if can.size == 0:
            can = np.flatnonzero((types >= 1) & ((sizes < 8) if diff > 0 else (sizes > lo)))
        if can.size == 0:
            break
        pick = rng.choice(can, size=min(abs(diff), can.size), replace=False)
        sizes[pick] += 1 if diff > 0 else -1
    if int(sizes.sum()) != n_persons:
        raise ValueError(
            f"cannot fit {n_persons} persons into {sizes.size} households of the census types"
        )
    return sizes.astype(np.int64), types.astype(np.int8)


def _elderly_per_household(
    sizes: np.ndarray,
    types: np.ndarray,
    counts: np.ndarray,
    n_elderly: int,
    a: CompositionAssumptions,
    rng: np.random.Generator,
) -> np.ndarray:
    """Persons aged 65+ per household: the census counts of 3, 2, 1 drawn without replacement."""
    n = sizes.size
    out = np.zeros(n, dtype=np.int64)
    w = np.array(a.elderly_weight)[types]
    # the persons aged 65+ in family households bound the total
    counts = counts.copy()
    excess = int(counts @ np.array([1, 2, 3])) - n_elderly
    if excess > 0:
        counts[0] = max(0, counts[0] - excess)
    for e in (3, 2, 1):
        allowed = (out == 0) & (sizes >= e) & (w[:, e - 1] > 0)
        if e == 2:
            allowed &= ~((types == 3) & (sizes < 4))
        if e == 3:
            allowed &= sizes >= 4
        idx = np.flatnonzero(allowed)
        k = min(int(counts[e - 1]), idx.size)
        if k == 0:
            continue
        key = np.log(w[idx, e - 1]) + rng.gumbel(size=idx.size)
        out[idx[np.argpartition(-key, k - 1)[:k]] if k < idx.size else idx] = e
    return out


def _generations(
    sizes: np.ndarray, types: np.ndarray, elderly: np.ndarray, a: CompositionAssumptions,
    rng: np.random.Generator,
) -> np.ndarray:
    """Persons per generation (oldest first), shape (households, 4)."""
    n = sizes.size
    gen = np.zeros((n, 4), dtype=np.int64)
    one = types <= 1
    gen[one, 0] = sizes[one]
    two = types == 2
    parents = np.where(sizes >= 3, 2, 1)
    single = rng.random(n) < a.single_parent_share
    parents = np.where(single & (elderly < 2), 1, parents)
    parents = np.minimum(np.maximum(parents, elderly), sizes - 1)
    gen[two, 0] = parents[two]
    gen[two, 1] = sizes[two] - parents[two]
    three = types == 3
    g0 = np.clip(np.where(elderly >= 2, 2, np.where(rng.random(n) < 0.5, 1, 2)), 1, sizes - 2)
    g1 = np.clip(np.where(sizes - g0 >= 3, 2, 1), 1, sizes - g0 - 1)
    gen[three, 0] = g0[three]
    gen[three, 1] = g1[three]
    gen[three, 2] = (sizes - g0 - g1)[three]
    four = types == 4
    f1 = np.clip(np.where(elderly >= 3, 2, 1), 1, np.maximum(sizes - 3, 1))
    f2 = np.clip(np.where(sizes - 1 - f1 >= 3, 2, 1), 1, np.maximum(sizes - 2 - f1, 1))
    gen[four, 0] = 1
    gen[four, 1] = f1[four]
    gen[four, 2] = f2[four]
    gen[four, 3] = (sizes - 1 - f1 - f2)[four]
    return gen


def _slots(
    sizes: np.ndarray,
    types: np.ndarray,
    elderly: np.ndarray,
    a: CompositionAssumptions,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Target age, sex and 65+ flag of every member slot."""
    n = sizes.size
    gen = _generations(sizes, types, elderly, a, rng)
    # age of the oldest generation, then about a generation (22-32 years) per step down
    old = elderly > 0
    oldest = np.select(
        [types == 0, types == 1, types == 2, types == 3],
        [
            np.where(old, rng.uniform(65, 92, n), rng.uniform(18, 64, n)),
            np.where(old, rng.uniform(65, 88, n), rng.uniform(20, 64, n)),
            np.where(old, rng.uniform(65, 88, n), rng.uniform(26, 64, n)),
            np.where(old, rng.uniform(65, 86, n), rng.uniform(48, 64, n)),
        ],
        rng.uniform(80, 96, n),
    )
    step = rng.uniform(22, 32, (n, 3))
    gen_age = np.column_stack([oldest, oldest - step[:, 0], oldest - step[:, :2].sum(1),
                               oldest - step.sum(1)])
    total = int(sizes.sum())
    flat = gen.ravel()
    slot_gen = np.repeat(np.tile(np.arange(4, dtype=np.int8), n), flat)
    block_start = np.cumsum(flat) - flat
    first_of_gen = np.zeros(total, bool)
    first_of_gen[block_start[flat > 0]] = True
    age = np.repeat(gen_age.ravel(), flat)
    slot_type = np.repeat(types, sizes)
    youngest_gen = np.repeat((gen > 0).sum(axis=1) - 1, sizes)
    pos = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    # spouses within three years; children of the youngest generation spread over 12 years
    youngest = slot_gen == youngest_gen
    u = rng.random(total)
    spread = np.where(youngest, 12.0 * u, 6.0 * u - 3.0)
    age = np.where(first_of_gen, age, age + spread)
    age = np.where(youngest & (slot_type >= 2), age - 6, age)
    slot_elderly = pos < np.repeat(elderly, sizes)
    age = np.where(slot_elderly, np.maximum(age, ELDERLY_AGE + 0.5), np.minimum(age, 64.5))
    female = rng.random(total) < 0.5
    # the second member of a parents' (or the only) generation is the first one's spouse
    second = np.flatnonzero(~first_of_gen & (~youngest | (slot_type <= 1)))
    female[second] = ~female[second - 1]
    return np.clip(age, 0, 99), female, slot_elderly


def compose(
    data: CountyData,
    n_households: int,
    n_persons: int,
    n_elderly_persons: int,
    scale: float,
    rng: np.random.Generator,
    assumptions: CompositionAssumptions | None = None,
) -> Composition:
    """Fit the family households to the census types, sizes and elderly households.

    Args:
        data: County data (household types and elderly counts in ``county.csv`` when given;
            ``household_sizes.csv``).
        n_households: Simulated family households.
        n_persons: Simulated family-household persons.
        n_elderly_persons: Simulated family-household persons aged 65+ (bounds the elderly
            households).
        scale: Simulated households per real household.
        rng: Generator all draws come from.
        assumptions: Composition assumptions (defaults: :class:`CompositionAssumptions`).

    Returns:
        The households and their member slots.
    """
    a = assumptions or CompositionAssumptions()
    counts = type_counts(data, n_households, a)
    shares = data.household_sizes.sort_values("size")["share"].to_numpy(float)
    sizes, types = _sizes_by_type(counts, shares, n_persons, a, rng)
    e_counts = elderly_counts(data, scale, n_elderly_persons, a)
    elderly = _elderly_per_household(sizes, types, e_counts, n_elderly_persons, a, rng)
    slot_age, slot_female, slot_elderly = _slots(sizes, types, elderly, a, rng)
    return Composition(sizes, types, elderly, slot_age, slot_female, slot_elderly)


def match_to_slots(
    comp: Composition, pool_age: np.ndarray, pool_female: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Give every slot a person of the pool: same counts, ranks matched within class and sex.

    The classes are "65+" and "under 65": elderly slots take the pool's persons aged 65+, so
    each household keeps its elderly count. Within a class the slots' sexes are flipped where
    needed so that they match the pool's; ages are then matched by rank.

    Args:
        comp: Households and slots.
        pool_age: Ages of the family-household persons of the census pool.
        pool_female: Their sexes.
        rng: Generator for ties and flips.

    Returns:
        Age and sex of every slot.
    """
    age = np.empty(comp.slot_age.size, dtype=np.int16)
    female = comp.slot_female.copy()
    # ranks by target age in steps of 1/16 year with random jitter: an O(n) radix sort
    key = ((comp.slot_age + rng.random(comp.slot_age.size) * 0.5) * 16).astype(np.int16)
    pool_old = pool_age >= ELDERLY_AGE
    for old in (False, True):
        slots = np.flatnonzero(comp.slot_elderly == old)
        people = np.flatnonzero(pool_old == old)
        if slots.size != people.size:
            raise ValueError(
                f"{slots.size} {'65+' if old else 'under-65'} slots for {people.size} persons"
            )
        n_f = int(pool_female[people].sum())
        diff = n_f - int(female[slots].sum())
        if diff:
            cand = slots[female[slots] != (diff > 0)]
            female[rng.choice(cand, size=abs(diff), replace=False)] = diff > 0
        for sex in (False, True):
            s = slots[female[slots] == sex]
            p = np.sort(pool_age[people][pool_female[people] == sex], kind="stable")
            age[s[np.argsort(key[s], kind="stable")]] = p
    return age, female
