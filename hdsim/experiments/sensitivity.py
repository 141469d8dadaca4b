"""Global sensitivity of the target-year urbanization rate and of P(reach target), with SALib.

The designs vary the **levers**; behaviour comes from the calibrated posterior (one particle
per row, or under ``experiment.crn_across_samples`` one per replicate shared by every row, so
that a row's mean over its replicates integrates the posterior out and the Sobol or Morris
indices are those of the levers with the posterior as noise). Over a Latin hypercube with one
particle per run, :mod:`~hdsim.experiments.shapley` attributes the variance of the target-year
rate to each lever and to the posterior behaviour (``sensitivity_shapley.csv``): Shapley
effects, which remain meaningful for the dependent behavioural parameters of the posterior.
A design that samples behaviour over prior ranges (a prior exploration,
:func:`~hdsim.experiments.design.is_prior_exploration`) gets only ``rate_target`` and a note
that its indices are over prior ranges, not the county's.

Two outputs are analysed, per design row (replicates of a row are averaged):

- ``rate_target``: the resident urbanization rate at the end of the target year;
- ``p_reach``: the share of the row's replicates that reach the target rate by then (an
  estimate of P(≥55%) given the row's parameter values).

A ``sobol`` design (Saltelli's scheme, ``N*(D+2)`` rows, no second-order terms) gives first-order
and total-order Sobol indices with bootstrap 95% confidence intervals
(``sensitivity_sobol.csv``); a ``morris`` design (``N*(D+1)`` rows) gives Morris's elementary
effects μ, μ* (with its 95% interval) and σ (``sensitivity_morris.csv``); a Latin-hypercube
design gives Spearman rank correlations (``sensitivity_rank.csv``), a screening, not variance
shares. An output that does not vary (for instance P(reach) when no run reaches the target)
has no sensitivity: its rows carry NaN and the note says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hdsim.config.frame import DesignConfig
from hdsim.experiments.design import (
    design_matrix,
    design_parameters,
    design_size,
    is_prior_exploration,
    salib_problem,
)
from hdsim.experiments.shapley import MAX_PLAYERS, shapley_effects
from hdsim.utils.io import atomic_write_text

OUTPUTS = ("rate_target", "p_reach")
BEHAVIOUR_GROUP = "behaviour (posterior)"
"""Name of the group of all drawn behavioural parameters in the Shapley table."""
LEVER_GROUP = "levers"
"""Name of the group of all design levers in the Shapley table's second grouping."""
RESAMPLES = 1000
ANALYSIS_SEED = 20201101


def sobol_indices(
    problem: dict[str, Any], y: np.ndarray, seed: int = ANALYSIS_SEED
) -> pd.DataFrame:
    """First- and total-order Sobol indices of ``y`` computed on a Saltelli sample.

    Args:
        problem: SALib problem of the design.
        y: Output of each design row, in row order.
        seed: Seed of the bootstrap of the confidence intervals.

    Returns:
        One row per parameter: S1, S1_conf, ST, ST_conf (half-widths of 95% intervals).
    """
    from SALib.analyze import sobol

    names = problem["names"]
    if np.nanvar(y) == 0:
        nan = [np.nan] * len(names)
        return pd.DataFrame(
            {"parameter": names, "S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
        )
    res = sobol.analyze(
        problem,
        np.asarray(y, dtype=float),
        calc_second_order=False,
        num_resamples=RESAMPLES,
        conf_level=0.95,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": names,
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )


def morris_indices(
    problem: dict[str, Any], x: np.ndarray, y: np.ndarray, levels: int, seed: int = ANALYSIS_SEED
) -> pd.DataFrame:
    """Morris elementary-effect statistics of ``y`` on a Morris design ``x``.

    Returns:
        One row per parameter: mu, mu_star, mu_star_conf (95% half-width), sigma.
    """
    from SALib.analyze import morris

    names = problem["names"]
    if np.nanvar(y) == 0:
        nan = [np.nan] * len(names)
        return pd.DataFrame(
            {"parameter": names, "mu": nan, "mu_star": nan, "mu_star_conf": nan, "sigma": nan}
        )
    res = morris.analyze(
        problem,
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        num_resamples=RESAMPLES,
        conf_level=0.95,
        num_levels=levels,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": names,
            "mu": np.asarray(res["mu"], dtype=float),
            "mu_star": np.asarray(res["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(res["mu_star_conf"], dtype=float),
            "sigma": np.asarray(res["sigma"], dtype=float),
        }
    )


def rank_correlations(names: list[str], x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Spearman rank correlation of ``y`` with each column of ``x`` (with its p-value)."""
    from scipy.stats import spearmanr

    rows = []
    for j, name in enumerate(names):
        if np.nanvar(y) == 0 or np.nanvar(x[:, j]) == 0:
            rho, p = np.nan, np.nan
        else:
            res = spearmanr(x[:, j], y)
            rho, p = float(res.statistic), float(res.pvalue)
        rows.append({"parameter": name, "spearman_rho": rho, "p_value": p})
    return pd.DataFrame(rows)


def row_outputs(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per design row: mean target-year rate and share of replicates reaching the target."""
    rows = outcomes.dropna(subset=["sample_id"]).groupby("sample_id")
    return pd.DataFrame(
        {
            "rate_target": rows["rate_target"].mean(),
            "p_reach": rows["reached"].mean(),
            "replicates": rows.size(),
        }
    )


def _ranked(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    frame = frame.copy()
    frame[f"rank_{by}"] = frame.groupby("output")[by].rank(ascending=False, method="min")
    return frame


def behaviour_players(behaviour: list[str]) -> dict[str, list[str]]:
    """The players of the behaviour grouping of the Shapley effects.

    Each drawn parameter is its own player, or, when that would exceed the exact sum's
    :data:`MAX_PLAYERS` (with the levers as one more player), each parameter group is one
    (``location``, ``demography``, ``classification``...: ``behaviour.<group>.<name>``).
    """
    if len(behaviour) + 1 <= MAX_PLAYERS:
        return {k: [k] for k in behaviour}
    groups: dict[str, list[str]] = {}
    for key in behaviour:
        parts = key.removeprefix("behaviour.").split(".")
        groups.setdefault(f"behaviour.{parts[0]}", []).append(key)
    return groups


def posterior_shapley(
    levers: list[str], outcomes: pd.DataFrame, drawn: pd.DataFrame
) -> pd.DataFrame:
    """Shapley effects of the target-year rate over runs with posterior-drawn behaviour.

    Two groupings of the same runs: each lever with the whole drawn behaviour as one input
    (``grouping = levers``), and each behavioural parameter (or parameter group, when there are
    too many for an exact sum: :func:`behaviour_players`) with the levers as one input
    (``grouping = behaviour``).

    Args:
        levers: Design columns of ``outcomes`` (the levers).
        outcomes: One row per run with ``sample_id``, ``replicate``, ``scenario``,
            ``rate_target`` and the lever columns.
        drawn: One row per run with the same keys and one column per drawn behaviour key.

    Returns:
        Columns grouping, parameter, shapley, columns, runs (empty with fewer than 20 runs).
    """
    keys = ["scenario", "sample_id", "replicate"]
    behaviour = [c for c in drawn.columns if c not in keys and drawn[c].nunique() > 1]
    runs = outcomes.merge(drawn, on=keys, how="inner").dropna(subset=["rate_target"])
    if len(runs) < 20 or not behaviour:
        return pd.DataFrame(columns=["grouping", "parameter", "shapley", "columns", "runs"])
    x = runs[levers + behaviour].astype(float)
    y = runs["rate_target"].to_numpy(dtype=float)
    by_lever = {k: [k] for k in levers} | {BEHAVIOUR_GROUP: behaviour}
    by_behaviour = {LEVER_GROUP: levers} | behaviour_players(behaviour)
    frames = [
        shapley_effects(x, y, by_lever).assign(grouping="levers"),
        shapley_effects(x, y, by_behaviour).assign(grouping="behaviour"),
    ]
    table = pd.concat(frames, ignore_index=True).assign(runs=len(runs))
    return table[["grouping", "parameter", "shapley", "columns", "runs"]]


def sensitivity(
    spec: DesignConfig,
    outcomes: pd.DataFrame,
    out_dir: Path,
    drawn: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, str]:
    """Analyse the design of an experiment and write its sensitivity table.

    Args:
        spec: The experiment's design.
        outcomes: One row per complete run (``hdsim.experiments.aggregate.run_outcomes``).
        out_dir: Folder of the aggregate tables.
        drawn: The behaviour each run drew from the posterior (keys scenario, sample_id,
            replicate); with a Latin-hypercube design over levers it feeds the Shapley table.

    Returns:
        The ranked table (empty when skipped) and a one-paragraph note for the report.
    """
    prior = is_prior_exploration(spec)
    outputs = OUTPUTS[:1] if prior else OUTPUTS
    params = design_parameters(spec)
    problem = salib_problem(params)
    kinds = {p.key: p.kind for p in params}
    size = design_size(spec)
    per_row = row_outputs(outcomes)
    missing = sorted(set(range(size)) - {int(i) for i in per_row.index})
    if missing and spec.method in ("sobol", "morris"):
        return pd.DataFrame(), (
            f"Sensitivity skipped: {len(missing)} of the design's {size} rows have no complete "
            f"run (first missing: {missing[:5]}); rerun the sweep to complete them."
        )
    per_row = per_row.reindex(range(size)) if spec.method != "lhs" else per_row
    x_all = design_matrix(spec)
    frames = []
    for output in outputs:
        y = per_row[output].to_numpy(dtype=float)
        if spec.method == "sobol":
            table = sobol_indices(problem, y)
        elif spec.method == "morris":
            table = morris_indices(problem, x_all, y, spec.levels)
        else:
            x = x_all[per_row.index.to_numpy(dtype=int)]
            table = rank_correlations(problem["names"], x, y)
        frames.append(table.assign(output=output))
    result = pd.concat(frames, ignore_index=True)
    result.insert(1, "kind", result["parameter"].map(kinds))
    result = result[["output", *[c for c in result.columns if c != "output"]]]
    name, key = {
        "sobol": ("sensitivity_sobol.csv", "ST"),
        "morris": ("sensitivity_morris.csv", "mu_star"),
        "lhs": ("sensitivity_rank.csv", "spearman_rho"),
    }[spec.method]
    if spec.method == "lhs":
        result["abs_rho"] = result["spearman_rho"].abs()
        key = "abs_rho"
    result = _ranked(result, key)
    atomic_write_text(out_dir / name, result.to_csv(index=False))
    notes = []
    if prior:
        notes.append(
            "Prior exploration: behaviour sampled over prior ranges, so these indices describe "
            "the model over those ranges, not the county; no P(reach) is analysed."
        )
    elif spec.method == "lhs" and drawn is not None and not drawn.empty:
        levers = [p.key for p in params]
        shap = posterior_shapley(levers, outcomes, drawn)
        atomic_write_text(out_dir / "sensitivity_shapley.csv", shap.to_csv(index=False))
        if len(shap):
            top = shap[(shap["grouping"] == "levers") & (shap["parameter"] != "unexplained")]
            top = top.sort_values("shapley", ascending=False).head(3)
            items = ", ".join(f"{r.parameter} {r.shapley:.2f}" for r in top.itertuples())
            notes.append(
                f"Shapley effects of rate_target over {int(shap['runs'].iloc[0])} runs with "
                f"behaviour drawn from the posterior (`sensitivity_shapley.csv`): {items}."
            )
    for output in outputs:
        sub = result[result["output"] == output]
        if sub[key].isna().all():
            notes.append(f"`{output}` does not vary across the design: no sensitivity.")
    head = f"{spec.method} design, {size} rows, table `{name}` (ranked by {key})."
    shown = result.sort_values(["output", f"rank_{key}"]).drop(columns=["kind"])
    return shown.reset_index(drop=True), " ".join([head, *notes])
