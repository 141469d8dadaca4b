"""Fast Bernoulli draws for rare events over large populations (thinning).

Most monthly events are rare (a death is about 6 in 10,000 a month), so drawing one uniform
number per person and comparing is wasteful at 800,000 persons. :func:`rare_events` draws the
same events by *thinning*: it proposes each of ``n`` rows independently with the bound
``p_max``, then accepts a proposed row with probability ``p(row) / p_max``.

The proposal is a binomial count ``K ~ Binomial(n, p_max)`` of distinct rows chosen uniformly
*without replacement*: a uniformly random subset of a binomial size is exactly a set of
independent Bernoulli(``p_max``) draws, one per row. So every row experiences the event with
exactly its probability ``p(row)`` (capped at ``p_max``), independently of the other rows; an
event of probability 1 fires for every row. (Drawing the ``K`` rows with replacement, as an
earlier version did, selected a row with probability ``1 - (1 - 1/n) ** K`` times the
acceptance: about 63% of the rows for an event of probability 1.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


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
    k = int(rng.binomial(n, p_max))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    candidates = np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)
    p = np.minimum(probability(candidates), p_max)
    return candidates[rng.random(candidates.size) * p_max < p]
