"""Scenario discovery with PRIM: under which conditions is the target reached?

The Patient Rule Induction Method (Friedman and Fisher 1999), as used in exploratory modelling
(Bryant and Lempert 2010; Kwakkel's EMA Workbench), looks for a box, a set of ranges on the
sampled uncertainties and levers, in which the *cases of interest* (runs reaching the target) are
concentrated:

- *coverage*: share of all cases of interest that fall in the box;
- *density*: share of the runs in the box that are cases of interest;
- *mass*: share of all runs in the box.

Peeling: starting from the whole sample, repeatedly cut a slice holding a fraction ``alpha`` of
the box's runs off the low or high end of one parameter, choosing the cut that leaves the highest
density, until the box holds less than ``min_mass`` of the runs. Each step is a point of the
*peeling trajectory* (coverage falls, density rises). Pasting then widens the chosen box again
wherever that does not lower its density. The chosen box is the one with the highest coverage
among the steps whose density reaches ``density_goal``; if none does, the densest step.

Pruning: peeling in many dimensions trims a little off parameters that do not matter (noise
in a few hundred runs). As the EMA Workbench does, every restriction of the chosen box gets a
quasi-p-value: the one-sided binomial probability of seeing at least the box's cases of
interest among its runs if the density were that of the box with this restriction lifted.
Restrictions with a quasi-p-value above 0.05 are lifted one at a time (the least significant
first), so the box keeps only the conditions the data support.

Covering (Friedman and Fisher's sequential boxes): the runs inside the chosen box are set
aside and PRIM runs again on the rest, for up to ``max_boxes`` boxes, so that two distinct
ways of reaching the target (say, strong hukou reform *or* a strong county-city pull) show as
two boxes instead of one blurred one. It stops when fewer than ``min_cases`` cases of interest
are left, or when the next box is no denser than the runs it was peeled from. Each box's
coverage, density and mass are reported against the whole sample: coverage of box 2 counts the
cases it adds to box 1.

Here this module is implemented directly (about a hundred lines, tested on a case with a known
box) rather than with the EMA Workbench, whose dependencies (ipyparallel, seaborn, statsmodels,
scikit-learn, ...) are heavy for one algorithm. Tables: ``prim_boxes.csv`` (one row per
parameter of the chosen box), ``prim_trajectory.csv`` (one row per peeling step).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from hdsim.config.frame import DesignConfig
from hdsim.experiments.design import design_parameters
from hdsim.utils.io import atomic_write_text


@dataclass
class Box:
    """Limits of a PRIM box and its statistics.

    Attributes:
        low: Lower limit per parameter.
        high: Upper limit per parameter.
        coverage: Share of the cases of interest inside the box.
        density: Share of the runs inside the box that are cases of interest.
        mass: Share of all runs inside the box.
        n: Runs inside the box.
        qp: Quasi-p-value of each parameter's restriction (NaN where unrestricted), when
            computed (see :func:`prune`).
    """

    low: np.ndarray
    high: np.ndarray
    coverage: float
    density: float
    mass: float
    n: int
    qp: np.ndarray | None = None


def _inside(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.all((x >= low) & (x <= high), axis=1)


def _box(x: np.ndarray, y: np.ndarray, low: np.ndarray, high: np.ndarray) -> Box:
    mask = _inside(x, low, high)
    n = int(mask.sum())
    return Box(
        low.copy(),
        high.copy(),
        coverage=float(y[mask].sum() / max(y.sum(), 1)),
        density=float(y[mask].mean()) if n else 0.0,
        mass=n / len(y),
        n=n,
    )


def peel(x: np.ndarray, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05) -> list[Box]:
    """The peeling trajectory of PRIM.

    Args:
        x: Parameter values, one row per run.
        y: Whether each run is a case of interest.
        alpha: Share of the box's runs removed per step.
        min_mass: Smallest share of all runs a box may hold.

    Returns:
        The boxes of the trajectory, from the whole sample to the last peel.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    low, high = x.min(axis=0), x.max(axis=0)
    trajectory = [_box(x, y, low, high)]
    while True:
        mask = _inside(x, low, high)
        xin, yin = x[mask], y[mask]
        best: tuple[tuple[float, int], int, int, float] | None = None
        for j in range(x.shape[1]):
            col = xin[:, j]
            for side in (0, 1):
                q = np.quantile(col, alpha if side == 0 else 1 - alpha)
                remove = col < q if side == 0 else col > q
                if not remove.any():  # ties at the end: cut them all
                    remove = col <= q if side == 0 else col >= q
                keep = ~remove
                if not keep.any() or not remove.any():
                    continue
                score = (float(yin[keep].mean()), -int(remove.sum()))
                if best is None or score > best[0]:
                    limit = col[keep].min() if side == 0 else col[keep].max()
                    best = (score, j, side, float(limit))
        if best is None:
            break
        _, j, side, limit = best
        new_low, new_high = low.copy(), high.copy()
        if side == 0:
            new_low[j] = limit
        else:
            new_high[j] = limit
        if _inside(x, new_low, new_high).mean() < min_mass:
            break
        low, high = new_low, new_high
        trajectory.append(_box(x, y, low, high))
    return trajectory


def paste(x: np.ndarray, y: np.ndarray, box: Box, alpha: float = 0.05) -> Box:
    """Widen ``box`` where that does not lower its density (PRIM's pasting step)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    lo_all, hi_all = x.min(axis=0), x.max(axis=0)
    current = box
    while True:
        best: Box | None = None
        step = max(1, int(np.ceil(alpha * current.n)))
        for j in range(x.shape[1]):
            others = np.ones(len(x), dtype=bool)
            for k in range(x.shape[1]):
                if k != j:
                    others &= (x[:, k] >= current.low[k]) & (x[:, k] <= current.high[k])
            for side in (0, 1):
                if side == 0:
                    outside = np.sort(x[others & (x[:, j] < current.low[j]), j])[::-1]
                else:
                    outside = np.sort(x[others & (x[:, j] > current.high[j]), j])
                if not len(outside):
                    continue
                limit = outside[min(step, len(outside)) - 1]
                low, high = current.low.copy(), current.high.copy()
                if side == 0:
                    low[j] = max(limit, lo_all[j])
                else:
                    high[j] = min(limit, hi_all[j])
                cand = _box(x, y, low, high)
                if cand.density >= current.density and (
                    best is None or cand.density > best.density
                ):
                    best = cand
        if best is None or best.n == current.n:
            return current
        current = best


def _lifted(
    box: Box, j: int, lo_all: np.ndarray, hi_all: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Limits of ``box`` with its restriction on parameter ``j`` lifted."""
    low, high = box.low.copy(), box.high.copy()
    low[j], high[j] = lo_all[j], hi_all[j]
    return low, high


def restriction_pvalues(x: np.ndarray, y: np.ndarray, box: Box) -> np.ndarray:
    """Quasi-p-value of each restriction of ``box`` (NaN for parameters it does not restrict).

    For parameter j: ``P(X >= k)`` for ``X ~ Binomial(n, p_j)``, where the box holds ``n`` runs
    and ``k`` cases of interest and ``p_j`` is the density of the box without its limits on j.
    """
    from scipy.stats import binom

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    lo_all, hi_all = x.min(axis=0), x.max(axis=0)
    inside = _inside(x, box.low, box.high)
    n, k = int(inside.sum()), int(y[inside].sum())
    out = np.full(x.shape[1], np.nan)
    for j in range(x.shape[1]):
        if box.low[j] <= lo_all[j] and box.high[j] >= hi_all[j]:
            continue
        wider = _inside(x, *_lifted(box, j, lo_all, hi_all))
        out[j] = float(binom.sf(k - 1, n, y[wider].mean())) if n else 1.0
    return out


def prune(x: np.ndarray, y: np.ndarray, box: Box, significance: float = 0.05) -> Box:
    """Lift the restrictions of ``box`` whose quasi-p-value exceeds ``significance``.

    One restriction at a time, the least significant first, recomputing the others after each.

    Returns:
        The pruned box, with its statistics on ``x, y`` and the quasi-p-values of what is left.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    lo_all, hi_all = x.min(axis=0), x.max(axis=0)
    while True:
        qp = restriction_pvalues(x, y, box)
        if np.all(np.isnan(qp)) or np.nanmax(qp) <= significance:
            return replace(box, qp=qp)
        box = _box(x, y, *_lifted(box, int(np.nanargmax(qp)), lo_all, hi_all))


def choose(trajectory: list[Box], density_goal: float = 0.8) -> Box:
    """The box with the highest coverage among steps dense enough, else the densest."""
    dense = [b for b in trajectory if b.density >= density_goal]
    if dense:
        return max(dense, key=lambda b: (b.coverage, b.density))
    return max(trajectory, key=lambda b: (b.density, b.coverage))


def prim(
    x: np.ndarray,
    y: np.ndarray,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    density_goal: float = 0.8,
) -> tuple[Box, list[Box]]:
    """Peel, choose a box on the trajectory, paste it.

    Returns:
        The chosen (pasted) box and the peeling trajectory.
    """
    trajectory = peel(x, y, alpha, min_mass)
    return paste(x, y, choose(trajectory, density_goal), alpha), trajectory


def cover(
    x: np.ndarray,
    y: np.ndarray,
    max_boxes: int = 3,
    min_cases: int = 5,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    density_goal: float = 0.8,
) -> list[tuple[Box, list[Box]]]:
    """PRIM's covering: box after box, each found on the runs the earlier boxes left.

    Args:
        x: Parameter values, one row per run.
        y: Whether each run is a case of interest.
        max_boxes: Most boxes to find.
        min_cases: Stop when fewer cases of interest than this are left outside the boxes.
        alpha: Peeling share (see :func:`peel`).
        min_mass: Smallest share of the remaining runs a box may hold.
        density_goal: Density at which a box is good enough (see :func:`choose`).

    Returns:
        Per box: the box with statistics against the whole sample, and its peeling trajectory
        (statistics against the runs it was peeled from).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    total = max(int(y.sum()), 1)
    left = np.ones(len(y), dtype=bool)
    out: list[tuple[Box, list[Box]]] = []
    while len(out) < max_boxes:
        xl, yl = x[left], y[left]
        if yl.sum() < min_cases or yl.all():
            break
        box, trajectory = prim(xl, yl, alpha, min_mass, density_goal)
        box = prune(xl, yl, box)
        if box.density <= yl.mean():  # no denser than the rest: nothing more to say
            break
        free = np.isnan(box.qp) if box.qp is not None else np.zeros(x.shape[1], dtype=bool)
        box.low = np.where(free, x.min(axis=0), box.low)  # unrestricted: the whole sample's
        box.high = np.where(free, x.max(axis=0), box.high)  # range, not what was left
        inside = left & _inside(x, box.low, box.high)
        n = int(inside.sum())
        whole = Box(
            box.low,
            box.high,
            coverage=float(y[inside].sum() / total),
            density=float(y[inside].mean()) if n else 0.0,
            mass=n / len(y),
            n=n,
            qp=box.qp,
        )
        out.append((whole, trajectory))
        left &= ~inside
    return out


def box_table(
    box: Box, names: list[str], kinds: dict[str, str], x: np.ndarray, number: int = 1
) -> pd.DataFrame:
    """One row per parameter of a box; ``restricted`` marks the limits PRIM moved."""
    lo_all, hi_all = np.asarray(x).min(axis=0), np.asarray(x).max(axis=0)
    return pd.DataFrame(
        {
            "box": number,
            "parameter": names,
            "kind": [kinds.get(n, "") for n in names],
            "low": box.low,
            "high": box.high,
            "sample_low": lo_all,
            "sample_high": hi_all,
            "restricted": (box.low > lo_all) | (box.high < hi_all),
            "qp_value": box.qp if box.qp is not None else np.nan,
            "coverage": box.coverage,
            "density": box.density,
            "mass": box.mass,
            "runs_in_box": box.n,
        }
    )


def discover(
    spec: DesignConfig, outcomes: pd.DataFrame, threshold: float, out_dir: Path
) -> tuple[pd.DataFrame, str]:
    """Run PRIM on an experiment's runs: cases of interest are runs at or above ``threshold``.

    Args:
        spec: The experiment's design (its parameters are PRIM's dimensions).
        outcomes: One row per complete run, with one column per design parameter.
        threshold: Target-year urbanization rate that makes a run a case of interest.
        out_dir: Folder of the aggregate tables.

    Returns:
        The restricted limits of the chosen box (empty when there is none) and a note.
    """
    params = design_parameters(spec)
    names = [p.key for p in params]
    kinds = {p.key: p.kind for p in params}
    x = outcomes[names].to_numpy(dtype=float)
    finite = np.isfinite(x).all(axis=1) & np.isfinite(outcomes["rate_target"].to_numpy(float))
    if not finite.any():
        atomic_write_text(out_dir / "prim_boxes.csv", "")
        atomic_write_text(out_dir / "prim_trajectory.csv", "box,step,coverage,density,mass,runs\n")
        return pd.DataFrame(), "PRIM skipped: no run has finite values of every design factor."
    outcomes, x = outcomes[finite], x[finite]  # a damaged or partial run cannot be placed
    y = (outcomes["rate_target"] >= threshold).to_numpy()
    empty = box_table(Box(x.min(0), x.max(0), 0, 0, 0, 0), names, kinds, x).iloc[:0]
    if not y.any() or y.all():
        atomic_write_text(out_dir / "prim_boxes.csv", empty.to_csv(index=False))
        atomic_write_text(
            out_dir / "prim_trajectory.csv", "box,step,coverage,density,mass,runs\n"
        )
        best = outcomes["rate_target"].max()
        which = "no run reaches" if not y.any() else "every run reaches"
        return empty, (
            f"{which} {threshold:.1%} ({len(y)} runs, highest rate {best:.2%}): no box to find."
        )
    boxes = cover(x, y)
    if not boxes:  # too few cases to peel: report the whole sample as the (only) box
        whole = _box(x, y, x.min(0), x.max(0))
        boxes = [(whole, [whole])]
    table = pd.concat(
        [box_table(b, names, kinds, x, k) for k, (b, _) in enumerate(boxes, start=1)],
        ignore_index=True,
    )
    traj = pd.DataFrame(
        [
            {
                "box": k,
                "step": i,
                "coverage": b.coverage,
                "density": b.density,
                "mass": b.mass,
                "runs": b.n,
            }
            for k, (_, trajectory) in enumerate(boxes, start=1)
            for i, b in enumerate(trajectory)
        ]
    )
    atomic_write_text(out_dir / "prim_boxes.csv", table.to_csv(index=False))
    atomic_write_text(out_dir / "prim_trajectory.csv", traj.to_csv(index=False))
    parts = [
        f"box {k}: coverage {b.coverage:.0%}, density {b.density:.0%}, mass {b.mass:.0%}"
        for k, (b, _) in enumerate(boxes, start=1)
    ]
    covered = sum(b.coverage for b, _ in boxes)
    note = (
        f"{int(y.sum())} of {len(y)} runs reach {threshold:.1%} (base density {y.mean():.0%}). "
        f"{len(boxes)} box(es), together covering {covered:.0%} of them; "
        + "; ".join(parts)
        + ". Restricted parameters below."
    )
    shown = table[table["restricted"]][
        ["box", "parameter", "low", "high", "sample_low", "sample_high", "qp_value"]
    ]
    return shown.reset_index(drop=True), note
