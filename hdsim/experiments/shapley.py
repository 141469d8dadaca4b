"""Shapley effects: variance shares of an output for dependent inputs (given-data estimator).

Sobol indices assume independent inputs. The behaviour a run draws from the calibrated
posterior is not independent (the fit trades the consider rate against the county city's pull
and moving cost), so hdsim attributes the variance of an output over posterior-drawn runs with
**Shapley effects** (Owen 2014; Song, Nelson & Staum 2016): the share of input *j* is the
average, over all orders in which inputs are revealed, of the variance explained when *j* is
added,

    Sh_j = sum over S ⊆ D∖{j} of |S|! (d−|S|−1)! / d! · (v(S ∪ {j}) − v(S)) / Var(Y),

with v(S) = Var(E[Y | X_S]). The effects are non-negative for any dependence, add up to
v(D) / Var(Y) (1 for a deterministic output; the remainder is the run-to-run randomness that no
input explains) and equal the Sobol first-order = total indices of a linear model only when the
inputs are independent.

v(S) is estimated from the runs themselves (no conditional sampling, which an empirical
posterior does not allow), by the nearest-neighbour estimator of Broto, Bachoc & Depecker
(2020, "Variance reduction for estimation of Shapley effects and adaptation to unknown input
distribution", SIAM/ASA JUQ 8): E[Var(Y | X_S)] is the mean, over the runs, of the sample
variance of Y among the run's :data:`NEIGHBOURS` nearest neighbours in the standardised X_S
(the run included), and v(S) = Var(Y) − E[Var(Y | X_S)]. Inputs may be grouped (e.g. all
behavioural parameters of a particle as one input "behaviour (posterior)"), which keeps the
2^d subsets few. ``tests/test_certainty.py`` checks the estimator on a linear model with
correlated Gaussian inputs, whose effects are known in closed form.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

NEIGHBOURS = 3
"""Nearest neighbours per run in the estimate of E[Var(Y | X_S)] (count; Broto et al. use
2–4: fewer neighbours, less bias from their distance, more variance)."""

MAX_PLAYERS = 16
"""Most inputs (or groups) of an exact Shapley sum (count; 2^16 subsets)."""


def shapley_from_values(
    players: Sequence[str], value: Callable[[frozenset[int]], float]
) -> dict[str, float]:
    """Shapley values of ``players`` for the set function ``value`` (exact, all subsets).

    Args:
        players: Names of the inputs (or groups), in order.
        value: v(S) for a subset S of player indices; v(∅) is taken as given.

    Returns:
        Player name -> Shapley value (in the units of ``value``).

    Raises:
        ValueError: More than :data:`MAX_PLAYERS` players.
    """
    d = len(players)
    if d > MAX_PLAYERS:
        raise ValueError(f"{d} inputs: group them (at most {MAX_PLAYERS} for an exact sum)")
    cache = {
        frozenset(s): value(frozenset(s))
        for size in range(d + 1)
        for s in itertools.combinations(range(d), size)
    }
    out = {}
    for j, name in enumerate(players):
        total = 0.0
        others = [i for i in range(d) if i != j]
        for size in range(d):
            weight = math.factorial(size) * math.factorial(d - size - 1) / math.factorial(d)
            for s in itertools.combinations(others, size):
                base = frozenset(s)
                total += weight * (cache[base | {j}] - cache[base])
        out[name] = total
    return out


def conditional_variance(x: np.ndarray, y: np.ndarray, k: int = NEIGHBOURS) -> float:
    """Nearest-neighbour estimate of E[Var(Y | X)] from a sample (Broto et al. 2020).

    Args:
        x: Inputs, one row per run (standardised by the caller), at least one column.
        y: Output per run.
        k: Neighbours per run, the run included.
    """
    from scipy.spatial import cKDTree

    k = min(k, len(y))
    _, idx = cKDTree(x).query(x, k=k)
    groups = np.asarray(y)[np.asarray(idx).reshape(len(y), k)]
    return float(np.mean(np.var(groups, axis=1, ddof=1)))


def shapley_effects(
    x: pd.DataFrame,
    y: np.ndarray,
    groups: Mapping[str, Sequence[str]] | None = None,
    k: int = NEIGHBOURS,
) -> pd.DataFrame:
    """Shapley effects of the output ``y`` with respect to the columns (or groups) of ``x``.

    Args:
        x: Inputs of each run (one column per input; dependent inputs allowed).
        y: Output of each run, in the rows' order.
        groups: Optional player name -> columns of ``x`` (every column in exactly one group);
            by default each column is its own player.
        k: Neighbours of the nearest-neighbour estimator.

    Returns:
        One row per player: ``parameter``, ``shapley`` (share of Var(Y)) and ``columns``
        (the inputs it groups), plus a last row ``unexplained`` (1 − their sum: run-to-run
        randomness and estimator error). Empty shares (NaN) when Y does not vary.

    Raises:
        ValueError: Columns missing from or repeated across groups, or too few runs.
    """
    y = np.asarray(y, dtype=float)
    if len(y) != len(x) or len(y) < 2 * k:
        raise ValueError(f"{len(y)} outputs for {len(x)} runs: need as many, and at least {2 * k}")
    players = dict(groups) if groups else {c: [c] for c in x.columns}
    listed = [c for cols in players.values() for c in cols]
    if sorted(listed) != sorted(x.columns) or len(set(listed)) != len(listed):
        raise ValueError("groups must list every column of x exactly once")
    names = list(players)
    total = float(np.var(y, ddof=1))
    if total == 0:
        shares = dict.fromkeys(names, float("nan"))
        unexplained = float("nan")
    else:
        spread = x.std(ddof=1).replace(0, 1.0)
        z = ((x - x.mean()) / spread).to_numpy(dtype=float)
        column = {c: i for i, c in enumerate(x.columns)}

        def value(s: frozenset[int]) -> float:
            if not s:
                return 0.0
            cols = [column[c] for j in sorted(s) for c in players[names[j]]]
            return total - conditional_variance(z[:, cols], y, k)

        raw = shapley_from_values(names, value)
        shares = {n: v / total for n, v in raw.items()}
        unexplained = 1.0 - sum(shares.values())
    rows = [{"parameter": n, "shapley": shares[n], "columns": " ".join(players[n])} for n in names]
    rows.append({"parameter": "unexplained", "shapley": unexplained, "columns": ""})
    return pd.DataFrame(rows)


def gaussian_linear_shapley(beta: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Exact Shapley effects (shares) of Y = βᵀX with X ~ N(μ, Σ) (the test's known answer).

    v(S) = Var(E[Y | X_S]) = cᵀ Σ_SS⁻¹ c with c = Σ_S· β, the variance of
    the best linear (here exact) predictor of Y from X_S.
    """
    beta = np.asarray(beta, dtype=float)
    cov = np.asarray(cov, dtype=float)
    total = float(beta @ cov @ beta)

    def value(s: frozenset[int]) -> float:
        if not s:
            return 0.0
        idx = sorted(s)
        c = cov[idx] @ beta
        return float(c @ np.linalg.solve(cov[np.ix_(idx, idx)], c))

    raw = shapley_from_values([str(i) for i in range(len(beta))], value)
    return np.array([raw[str(i)] for i in range(len(beta))]) / total
