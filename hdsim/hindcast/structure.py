"""The population's structure the hindcast scores: the age-sex pyramid and the household types.

**Pyramid.** The shares of residents by sex and the 18 age groups of ``age_sex.csv`` (0-4 ...
80-84, 85+ open; :data:`hdsim.data.spec.AGE_GROUPS`, the groups the synthesis fits), 36 shares
summing to 1 (:func:`pyramid_shares`). One number summarises a pyramid against the census:
the **dissimilarity index** (:func:`dissimilarity`), half the sum of the absolute share
differences, in percentage points: the share of residents that would have to change age group
or sex to turn one pyramid into the other (0 for the census against itself).

**Household types.** The census counts family households by type (一人户, 一代户, 二代户, 三代户,
四代及以上户; 一代户 includes the 一人户). The hindcast scores four shares of the family
households (:data:`TYPE_FIGURES`): one person, one generation of two or more persons, two
generations, three or more generations (:func:`census_type_shares`).

The model keeps no generation column, so :func:`generation_counts` **estimates** the
generations of a family household from its resident members' ages: sorted by age, the
members fall into clusters wherever two neighbours are at least ``gap`` years apart
(``generation_gap`` of ``hindcast.yaml``); each cluster is a generation. Spouses are a few
years apart and parents about a generation (20-35 years) older than their children, so the
clusters are the generations except where siblings are far apart or a parent was very young.
The estimator's error on the synthetic t0 population (which meets the census types exactly)
is measured in every hindcast run (:func:`hdsim.hindcast.pipeline.hindcast_county` reports it
per county); since it is not zero, the hindcast scores the 2020 shares as the 2010 census's
shares plus the change the estimator sees in the run (2020 estimate minus t0 estimate), not as
the raw 2020 estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from hdsim.data.spec import AGE_GROUPS

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel


def _group_label(lo: int, hi: int) -> str:
    return f"{lo:02d}_plus" if hi >= AGE_GROUPS[-1][1] else f"{lo:02d}_{hi:02d}"


PYRAMID_FIGURES: tuple[str, ...] = tuple(
    f"pyramid_{sex}_{_group_label(lo, hi)}" for sex in ("male", "female") for lo, hi in AGE_GROUPS
)
"""Names of the 36 pyramid shares: males 0-4 ... 85+, then females (share of all residents)."""

DISSIMILARITY: str = "pyramid_di"
"""Name of the pyramid's dissimilarity index against the 2020 census (points)."""

TYPE_FIGURES: tuple[str, ...] = (
    "one_generation_share",
    "two_generation_share",
    "three_plus_generation_share",
)
"""Household-type shares scored beyond the one-person share (which ``figures`` has)."""

ESTIMATED_TYPES: tuple[str, ...] = ("one_person_share", *TYPE_FIGURES)
"""The four type shares :func:`type_shares` returns, in census order (they sum to 1)."""

_LOWER: np.ndarray = np.array([lo for lo, _ in AGE_GROUPS], dtype=np.int64)


def pyramid_shares(
    male: Sequence[float] | np.ndarray, female: Sequence[float] | np.ndarray
) -> dict[str, float]:
    """The 36 pyramid shares from counts by age group (census order), males then females.

    Args:
        male: Males by the 18 age groups.
        female: Females by the 18 age groups.

    Returns:
        :data:`PYRAMID_FIGURES` -> share of all persons (summing to 1).
    """
    counts = np.concatenate([np.asarray(male, float), np.asarray(female, float)])
    if counts.size != len(PYRAMID_FIGURES):
        raise ValueError(f"{counts.size} age-sex counts; expected {len(PYRAMID_FIGURES)}")
    shares = counts / max(float(counts.sum()), 1.0)
    return dict(zip(PYRAMID_FIGURES, shares.tolist(), strict=True))


def pyramid_of(age: np.ndarray, female: np.ndarray) -> dict[str, float]:
    """The pyramid shares of a set of persons (integer ages, open top group)."""
    group = np.searchsorted(_LOWER, np.asarray(age, np.int64), side="right") - 1
    key = np.clip(group, 0, _LOWER.size - 1) + _LOWER.size * np.asarray(female, bool)
    counts = np.bincount(key, minlength=2 * _LOWER.size)
    return pyramid_shares(counts[: _LOWER.size], counts[_LOWER.size :])


def dissimilarity(shares: dict[str, float], reference: dict[str, float]) -> float:
    """Dissimilarity index of a pyramid against a reference: half the L1 distance, in points."""
    a = np.array([shares[f] for f in PYRAMID_FIGURES])
    b = np.array([reference[f] for f in PYRAMID_FIGURES])
    return float(50.0 * np.abs(a - b).sum())


def census_type_shares(
    households: float, one_person: float, one_generation: float, two: float, three: float,
    four_plus: float,
) -> dict[str, float]:
    """The four type shares from census counts (``one_generation`` includes the one-person).

    Args:
        households: Family households.
        one_person: 一人户.
        one_generation: 一代户 (one-person households included, as the census counts them).
        two: 二代户.
        three: 三代户.
        four_plus: 四代及以上户.

    Returns:
        :data:`ESTIMATED_TYPES` -> share of family households.
    """
    values = (one_person, one_generation - one_person, two, three + four_plus)
    return {k: v / households for k, v in zip(ESTIMATED_TYPES, values, strict=True)}


def generation_counts(
    household: np.ndarray, age: np.ndarray, n_households: int, gap: float
) -> tuple[np.ndarray, np.ndarray]:
    """Members and estimated generations of every household (see the module docstring).

    Args:
        household: Household row of every person counted (resident family members).
        age: Their ages in whole years.
        n_households: Household rows (length of the results).
        gap: Smallest age difference between neighbouring members (sorted by age) that
            separates two generations (years).

    Returns:
        Members per household, and generations per household (0 where it has no member).
    """
    h = np.asarray(household, np.int64)
    a = np.asarray(age, np.int64)
    order = np.lexsort((a, h))
    h, a = h[order], a[order]
    breaks = (h[1:] == h[:-1]) & (np.diff(a) >= gap)
    sizes = np.bincount(h, minlength=n_households)
    generations = np.bincount(h[1:][breaks], minlength=n_households) + (sizes > 0)
    return sizes, generations


def type_shares(sizes: np.ndarray, generations: np.ndarray) -> dict[str, float]:
    """The four type shares of the households with at least one member."""
    k = sizes > 0
    s, g = sizes[k], generations[k]
    total = max(int(s.size), 1)
    counts = (
        np.count_nonzero(s == 1),
        np.count_nonzero((s > 1) & (g == 1)),
        np.count_nonzero((s > 1) & (g == 2)),
        np.count_nonzero((s > 1) & (g >= 3)),
    )
    return {k: float(c) / total for k, c in zip(ESTIMATED_TYPES, counts, strict=True)}


def family_members(model: CountyModel, resident: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Household rows and ages of the resident members of family households.

    Args:
        model: The model (only read).
        resident: Resident flag of every person row (a census's ``resident``).
    """
    persons = model.persons
    n = resident.size
    coll = model.households.collective[: model.households.n]
    hh = persons.household[:n]
    family = resident & ~coll[hh]
    return hh[family], persons.age[:n][family]


def estimated_types(model: CountyModel, resident: np.ndarray, gap: float) -> dict[str, float]:
    """The estimator's four type shares of a model's resident family households now.

    Args:
        model: The model (only read: call it at t0 with the census the model took at its
            start, ``model.state.census``, so that nothing the run reads changes).
        resident: Resident flag of every person row.
        gap: Generation gap (years).
    """
    hh, age = family_members(model, resident)
    sizes, generations = generation_counts(hh, age, model.households.n, gap)
    return type_shares(sizes, generations)
