"""Fast Bernoulli draws for rare events over large populations (thinning).

Most monthly events are rare (a death is about 6 in 10,000 a month), so drawing one uniform
number per person and comparing is wasteful at 800,000 persons. :func:`rare_events` draws the
same events by *thinning*: it proposes each of ``n`` rows independently with the bound
``p_max``, then accepts a proposed row with probability ``p(row) / p_max``.

The proposals are the rows of a Bernoulli(``p_max``) process over ``0..n-1``, walked by its
geometric gaps (:func:`bernoulli_rows`): the distance from one proposed row to the next is
``Geometric(p_max)``, so the proposals come out sorted and cost O(``n p_max``) draws, where a
binomial count of rows chosen without replacement cost a permutation of all ``n`` rows once
``p_max`` passed 2% (numpy's ``choice``), then a sort. Every row experiences the event with
exactly its probability ``p(row)`` (capped at ``p_max``), independently of the other rows; an
event of probability 1 fires for every row. (Drawing the proposals with replacement, as an
early version did, selected a row with probability ``1 - (1 - 1/n) ** K`` times the
acceptance: about 63% of the rows for an event of probability 1.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

GAP_WALK_LIMIT = 0.25
"""Bound above which :func:`bernoulli_rows` compares one uniform per row instead of walking gaps.

A computing constant, not a model assumption: both give the same law; above about a quarter the
``n p`` geometric draws cost more than ``n`` uniforms (measured at 800,000 rows)."""


def rare_events(
    n: int,
    p_max: float,
    probability: Callable[[np.ndarray], np.ndarray],
    rng: np.random.Generator,
) -> np.ndarray:
    """Rows among ``0..n-1`` that experience an event with row-specific probability.

    Args:
        n: Number of rows.
        p_max: Upper bound of the per-row probability (rows above it are capped at it).
        probability: Maps an array of candidate rows to their event probabilities
            (0 for rows not at risk).
        rng: Generator to draw from.

    Returns:
        Sorted unique rows that experience the event.
    """
    if n == 0 or p_max <= 0:
        return np.zeros(0, dtype=np.int64)
    p_max = min(p_max, 1.0)
    candidates = bernoulli_rows(n, p_max, rng)
    if candidates.size == 0:
        return candidates
    p = np.minimum(probability(candidates), p_max)
    return candidates[rng.random(candidates.size) * p_max < p]


def bernoulli_rows(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted rows among ``0..n-1``, each one independently with probability ``p``.

    Below :data:`GAP_WALK_LIMIT` the rows are found by walking the process's geometric gaps
    (``Geometric(p)`` from one row to the next), drawn in blocks of the expected count plus six
    standard deviations, so a block almost always covers all ``n`` rows; above it each row
    compares one uniform with ``p``. The rows drawn depend only on ``n``, ``p`` and the stream.

    Args:
        n: Number of rows.
        p: Probability of each row, in ``(0, 1]``.
        rng: Generator to draw from.

    Returns:
        The chosen rows, sorted, as int64.
    """
    if p >= 1.0:
        return np.arange(n, dtype=np.int64)
    if p > GAP_WALK_LIMIT:
        return np.flatnonzero(rng.random(n) < p).astype(np.int64)
    mean = n * p
    block = int(mean + 6.0 * np.sqrt(mean) + 16.0)
    rows = np.cumsum(rng.geometric(p, block)) - 1
    while rows[-1] < n:
        rows = np.concatenate([rows, rows[-1] + np.cumsum(rng.geometric(p, block))])
    return rows[: np.searchsorted(rows, n)].astype(np.int64, copy=False)
