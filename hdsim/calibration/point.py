"""The fallback point estimate: an approximate MAP particle of the posterior.

The pipeline writes the posterior medians to ``hdsim/conf/behaviour/hongtong.yaml`` when they
reproduce the latest targets, and this particle otherwise. Marginal medians of parameters that
the targets identify only jointly (a ridge: more departures and more returns give the same net
loss) need not reproduce the targets together; an accepted particle is a jointly consistent
set. The one chosen is the particle whose *expected* statistics come closest to the targets.
A particle's own simulation was one random draw, so its distance mixes fit and luck; the
expectation comes from a local linear surrogate, a least-squares regression of each fitted
statistic on the (internal) parameters over the runs near the posterior (the closer half of
all calibration runs). With uniform priors the ABC posterior is highest where the expected
distance is smallest, so this particle is an approximate maximum a posteriori (MAP) estimate.
"""

from __future__ import annotations

import numpy as np

from hdsim.calibration.smc import SMCResult
from hdsim.calibration.targets import distance

NEAR_SHARE = 0.5
"""Share of all calibration runs (the closest) the surrogate is fitted to."""


def linear_surrogate(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares coefficients of ``y ≈ [1, x] @ beta`` (one column of beta per statistic)."""
    design = np.column_stack([np.ones(x.shape[0]), x])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    return beta


def expected_distances(result: SMCResult) -> np.ndarray:
    """Surrogate-expected distance of every accepted particle to the fitted targets."""
    columns = np.array([result.targets.ids.index(i) for i in result.fitted.ids])
    d = result.all_distances
    near = d <= np.quantile(d, NEAR_SHARE)
    if near.sum() <= result.prior.dim + 1:
        near = np.ones_like(d, dtype=bool)
    beta = linear_surrogate(result.all_internal[near], result.all_stats[near][:, columns])
    design = np.column_stack([np.ones(result.internal.shape[0]), result.internal])
    return np.asarray(distance(design @ beta, result.fitted))


def map_particle(result: SMCResult) -> tuple[int, dict[str, float]]:
    """Index and natural values of the approximate MAP particle (see the module docstring)."""
    index = int(np.argmin(expected_distances(result)))
    return index, result.prior.as_dict(result.natural[index])
