"""Back-test and predictive checks: how well does a fit predict figures it has not seen?

The back-test holds out whole target groups (by default the most recent publication, the
end-2022 bulletin), calibrates on the rest (the 2020 census, the decade's decline pace, the
2019 vital rates and the province's pace), and predicts the held-out figures. Each accepted
particle's simulation is one draw of the posterior predictive distribution, so the prediction
comes from the same runs as the fit: its mean, its 5-95% interval, and the error
``mean - observed``. The same table for the full fit shows how close the calibrated model
comes to every target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hdsim.calibration.priors import Prior
from hdsim.calibration.smc import (
    Progress,
    Simulate,
    SMCResult,
    SMCSettings,
    abc_smc,
    weighted_quantile,
)
from hdsim.calibration.targets import TargetSet


def predictive_table(
    targets: TargetSet, stats: np.ndarray, weights: np.ndarray | None = None
) -> pd.DataFrame:
    """Observed versus simulated value of every target.

    Args:
        targets: The targets (columns of ``stats``).
        stats: Statistics of simulations (rows), e.g. the accepted particles' runs.
        weights: Weights of the rows (equal when omitted).

    Returns:
        One row per target: id, group, kind, observed value (or bounds), simulated mean,
        5% and 95% quantiles, error (mean - observed; 0 inside a bound), relative error,
        standardised error, and whether the observation lies in the 5-95% interval.
    """
    stats = np.atleast_2d(stats)
    w = np.full(stats.shape[0], 1.0) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum()
    rows = []
    for j, t in enumerate(targets.targets):
        x = stats[:, j]
        mean = float(w @ x)
        p05, p95 = (float(v) for v in weighted_quantile(x, w, np.array([0.05, 0.95])))
        if t.kind == "bound":
            error = max(mean - t.hi, 0.0) - max(t.lo - mean, 0.0)
            inside = bool(p95 >= t.lo and p05 <= t.hi)
        else:
            error = mean - t.value
            inside = bool(p05 <= t.value <= p95)
        rows.append(
            {
                "id": t.id,
                "group": t.group,
                "kind": t.kind,
                "statistic": t.statistic,
                "indicator": t.indicator,
                "date": t.date.date().isoformat(),
                "observed": t.value,
                "lo": t.lo,
                "hi": t.hi,
                "sd": t.sd,
                "sim_mean": mean,
                "sim_p05": p05,
                "sim_p95": p95,
                "error": error,
                "relative_error": error / t.value if t.value else float("nan"),
                "z": error / t.sd,
                "observed_in_90": inside,
            }
        )
    return pd.DataFrame(rows)


def backtest(
    prior: Prior,
    simulate: Simulate,
    targets: TargetSet,
    holdout: list[str],
    settings: SMCSettings,
    initial: tuple[np.ndarray, np.ndarray] | None = None,
    progress: Progress | None = None,
) -> tuple[SMCResult, pd.DataFrame]:
    """Calibrate without the ``holdout`` groups and predict them.

    Args:
        prior: Prior over the fitted parameters.
        simulate: Simulator returning statistics for all of ``targets``.
        targets: All targets.
        holdout: Groups held out of the fit.
        settings: Budget of the back-test's fit.
        initial: Prior draws shared with the full fit (see :func:`abc_smc`).
        progress: One line per generation.

    Returns:
        The back-test's accepted ensemble, and the predictive table of every target with a
        ``held_out`` column.
    """
    kept = targets.without_groups(holdout)
    result = abc_smc(
        prior,
        simulate,
        targets,
        fitted_ids=kept.fitted.ids,
        settings=settings,
        progress=progress,
        initial=initial,
    )
    table = predictive_table(targets, result.stats, result.weights)
    table["held_out"] = table["group"].isin(holdout)
    return result, table


def within_tolerance(
    table: pd.DataFrame, ids: dict[str, float], relative: set[str] | None = None
) -> dict[str, bool]:
    """Whether the simulated mean of each target lies within an absolute (or relative) tolerance.

    Args:
        table: A :func:`predictive_table`.
        ids: Target id → tolerance.
        relative: Ids whose tolerance is relative to the observed value.

    Returns:
        Target id → within tolerance.
    """
    relative = relative or set()
    out = {}
    for target_id, tol in ids.items():
        row = table[table["id"] == target_id].iloc[0]
        err = abs(row["sim_mean"] - row["observed"])
        out[target_id] = bool(err <= (tol * abs(row["observed"]) if target_id in relative else tol))
    return out
