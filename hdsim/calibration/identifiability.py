"""Identifiability: which fitted parameters the targets constrain, and which stay assumptions.

For each parameter the posterior's 90% interval is compared with the prior's, in internal
coordinates (where every prior is uniform; logarithms for log-uniform priors):

    ratio = width of the posterior's 5-95% interval / width of the prior's

A ratio near 1 means the data did not narrow the prior: the parameter is **not identified**
by the targets and its value remains an assumption (the posterior still carries its spread into
every scenario). Thresholds (stated, not tuned): ratio < 0.5 *identified*, 0.5-0.8 *weakly
identified*, >= 0.8 *not identified*.

Parameters can also be identified only in combination (a ridge: more departures and more
returns give the same net loss). Strong posterior correlations (|r| >= 0.5) are listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hdsim.calibration.priors import Prior
from hdsim.calibration.smc import weighted_quantile

IDENTIFIED = 0.5
"""Below this width ratio a parameter counts as identified."""
WEAK = 0.8
"""Below this (and above IDENTIFIED) it is weakly identified; above, not identified."""
STRONG_CORRELATION = 0.5
"""Posterior correlations at least this strong (in absolute value) are reported as ridges."""


def status(ratio: float) -> str:
    """Verbal status of a width ratio."""
    if ratio < IDENTIFIED:
        return "identified"
    if ratio < WEAK:
        return "weakly identified"
    return "not identified"


def identifiability_table(
    prior: Prior,
    internal: np.ndarray,
    weights: np.ndarray,
    point: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Prior versus posterior width of every fitted parameter.

    Args:
        prior: The prior.
        internal: Posterior particles in internal coordinates.
        weights: Their weights.
        point: The point estimate written to the behaviour file (optional column).

    Returns:
        One row per parameter: prior range, prior and posterior 5/50/95% quantiles (natural
        units), posterior mean and sd, width ratio and status.
    """
    a, b = prior.box
    natural = prior.to_natural(internal)
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    rows = []
    for j, name in enumerate(prior.names):
        q_int = weighted_quantile(internal[:, j], w, np.array([0.05, 0.5, 0.95]))
        q_nat = prior.to_natural(np.tile(q_int[:, None], (1, prior.dim)))[:, j]
        ratio = float((q_int[2] - q_int[0]) / (0.9 * (b[j] - a[j])))
        mean = float(w @ natural[:, j])
        rows.append(
            {
                "parameter": name,
                "prior": "loguniform" if prior.log[j] else "uniform",
                "prior_lo": float(prior.lo[j]),
                "prior_hi": float(prior.hi[j]),
                "prior_p05": float(prior.quantiles(0.05)[j]),
                "prior_p95": float(prior.quantiles(0.95)[j]),
                "post_p05": float(q_nat[0]),
                "post_median": float(q_nat[1]),
                "post_p95": float(q_nat[2]),
                "post_mean": mean,
                "post_sd": float(np.sqrt(w @ (natural[:, j] - mean) ** 2)),
                "width_ratio": ratio,
                "status": status(ratio),
            }
        )
    table = pd.DataFrame(rows)
    if point is not None:
        table.insert(
            table.columns.get_loc("post_median") + 1, "point", table["parameter"].map(point)
        )
    return table


def posterior_correlations(prior: Prior, internal: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    """Weighted posterior correlations (internal coordinates) at least STRONG_CORRELATION strong.

    Returns:
        Columns a, b, r, sorted by |r| descending.
    """
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    mean = w @ internal
    dev = internal - mean
    cov = (dev * w[:, None]).T @ dev
    sd = np.sqrt(np.maximum(np.diag(cov), 1e-300))
    corr = cov / np.outer(sd, sd)
    rows = [
        {"a": prior.names[i], "b": prior.names[k], "r": float(corr[i, k])}
        for i in range(prior.dim)
        for k in range(i + 1, prior.dim)
        if abs(corr[i, k]) >= STRONG_CORRELATION
    ]
    frame = pd.DataFrame(rows, columns=["a", "b", "r"])
    return frame.reindex(frame["r"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def identified_directions(
    prior: Prior, internal: np.ndarray, weights: np.ndarray, top: int = 3
) -> pd.DataFrame:
    """Parameter combinations the targets constrain, from the posterior's principal axes.

    Coordinates are internal and divided by the prior's sd, so every prior has unit variance.
    Along each eigenvector of the posterior covariance, ``sd_ratio`` is the posterior sd over
    the prior sd: a combination with a ratio below IDENTIFIED is pinned by the data even when
    none of its parameters is on its own (a ridge).

    Returns:
        One row per direction, tightest first: sd_ratio, status, and the ``top`` parameters
        with the largest loadings (signed).
    """
    a, b = prior.box
    z = internal / ((b - a) / np.sqrt(12.0))
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    dev = z - w @ z
    cov = (dev * w[:, None]).T @ dev
    values, vectors = np.linalg.eigh(cov)
    rows = []
    for k in np.argsort(values):
        v = vectors[:, k]
        v = v * np.sign(v[np.argmax(np.abs(v))])
        lead = np.argsort(-np.abs(v))[:top]
        ratio = float(np.sqrt(max(values[k], 0.0)))
        rows.append(
            {
                "sd_ratio": ratio,
                "status": status(ratio),
                "combination": " ".join(f"{v[i]:+.2f}·{prior.names[i]}" for i in lead),
            }
        )
    return pd.DataFrame(rows)
