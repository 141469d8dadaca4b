"""Scores of a forecast against one held-out figure: interval, coverage and CRPS.

A forecast is a weighted ensemble (the model's runs with their posterior weights; a point
forecast is an ensemble of one member). For an observation ``y``:

- the **90% interval** is the ensemble's weighted 5% and 95% quantiles (:func:`interval`);
  ``covered`` says whether ``y`` lies inside it;
- the **continuous ranked probability score** (CRPS, Gneiting & Raftery 2007, eq. 21) is
  ``E|X - y| - E|X - X'| / 2`` with ``X, X'`` independent draws of the forecast
  (:func:`crps`): in the unit of the figure, lower is better, and for a point forecast it is
  the absolute error. It rewards a sharp forecast only where it is also calibrated, so the
  model's spread and a benchmark's point are compared on one scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOWER: float = 0.05
"""Lower quantile of the reported interval."""
UPPER: float = 0.95
"""Upper quantile of the reported interval."""


def _weights(values: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    w = np.ones(values.size) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != values.shape or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative, not all 0, one per value")
    return w / w.sum()


def weighted_quantile(
    values: np.ndarray, q: float, weights: np.ndarray | None = None
) -> float:
    """Quantile ``q`` of a weighted sample (inverse of its step distribution function).

    Args:
        values: Sample values.
        q: Probability in [0, 1].
        weights: Non-negative weights (default: equal).

    Returns:
        The smallest value whose cumulative weight reaches ``q``.
    """
    x = np.asarray(values, dtype=float)
    w = _weights(x, weights)
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    i = int(np.searchsorted(cum, q - 1e-12, side="left"))
    return float(x[order][min(i, x.size - 1)])


def interval(values: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """The weighted 5%-95% interval of a sample."""
    return (
        weighted_quantile(values, LOWER, weights),
        weighted_quantile(values, UPPER, weights),
    )


def crps(values: np.ndarray, observed: float, weights: np.ndarray | None = None) -> float:
    """CRPS of a weighted ensemble forecast for one observation.

    Args:
        values: Ensemble members (one value: a point forecast).
        observed: The observed figure.
        weights: Member weights (default: equal).

    Returns:
        ``E|X - y| - E|X - X'| / 2`` under the weighted ensemble (0 for a point on ``y``).
    """
    x = np.asarray(values, dtype=float)
    w = _weights(x, weights)
    first = float(np.sum(w * np.abs(x - observed)))
    spread = float(np.sum(w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])))
    return first - spread / 2.0


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights, ``(sum w)^2 / sum w^2``."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / max(float(np.sum(w * w)), 1e-300))


@dataclass(frozen=True)
class Score:
    """A forecast of one figure scored against its observation.

    Attributes:
        estimate: Weighted mean of the forecast.
        lo: 5% quantile.
        hi: 95% quantile.
        covered: Whether the observation lies in ``[lo, hi]``.
        crps: Continuous ranked probability score (unit of the figure).
    """

    estimate: float
    lo: float
    hi: float
    covered: bool
    crps: float


def score(values: np.ndarray, observed: float, weights: np.ndarray | None = None) -> Score:
    """Score a weighted ensemble (or a point, one value) against an observation."""
    x = np.asarray(values, dtype=float)
    w = _weights(x, weights)
    lo, hi = interval(x, w)
    return Score(
        estimate=float(np.sum(w * x)),
        lo=lo,
        hi=hi,
        covered=bool(lo <= observed <= hi),
        crps=crps(x, observed, w),
    )
