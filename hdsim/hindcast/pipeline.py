"""The hindcast of one county: a small posterior on independent figures, 2020 predicted, scored.

For a county folder at the 2010 census:

1. ``draws`` parameter sets from the calibration's shared priors (``priors.csv``), the same
   sets for every county (common random numbers); every other behavioural parameter as in the
   project's configuration, except the fertility trend of the 2010s (``hindcast.yaml``).
2. Each set runs once (its own random stream: replicate *i* of the hindcast seed), baseline
   scenario, from 2010-11 to the end of 2020-10, at the hindcast scale.
3. Importance weights ``exp(-d^2 / 2)`` with ``d^2 = sum z^2`` over the targets independent of
   the 2020 census (:func:`hdsim.hindcast.figures.fit_targets`): the prior draws become a
   posterior sample (approximate Bayesian computation with a Gaussian kernel, as the
   calibration's, in one generation).
4. The held-out 2020 figures of every run, weighted, are the model's forecast; the same draws
   with the location step off are the cohort-component benchmark; the trend benchmarks come
   from :mod:`hdsim.hindcast.benchmarks`. Every forecast is scored (:mod:`.scoring`).
5. Two figures are completed here (:mod:`hdsim.hindcast.structure`): the pyramid's
   dissimilarity index of every run against the 2020 census, and the generation shares,
   scored as the 2010 census's shares plus the change the household-type estimator sees in
   the run (its estimate at the end minus its estimate on the run's own t0 population), since
   the estimator is not exact at t0 (its t0 error, weighted over the runs, is in the summary).
   The trend benchmarks have no pyramid and no household types (no rows for them).

:func:`hindcast_county` returns the tidy score rows of one county.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from hdsim.calibration.priors import load_priors, with_parameters
from hdsim.calibration.simulator import project_config
from hdsim.county.census2010 import census_2010
from hdsim.data import CountyData, load_county_data
from hdsim.hindcast.benchmarks import trend_benchmarks
from hdsim.hindcast.figures import (
    FIGURES,
    fit_statistics,
    fit_targets,
    held_out,
    model_figures,
    province_figures,
    start_figures,
)
from hdsim.hindcast.scoring import effective_size, score
from hdsim.hindcast.structure import (
    DISSIMILARITY,
    ESTIMATED_TYPES,
    TYPE_FIGURES,
    dissimilarity,
    estimated_types,
)
from hdsim.model.config import HdsimConfig, to_config
from hdsim.model.scenarios import load_scenario
from hdsim.utils.calendar import month_index
from hdsim.utils.pool import process_pool

SETTINGS_FILE: Path = Path(__file__).resolve().parent / "hindcast.yaml"
"""Settings of the hindcast (value, unit, source, status)."""

END_MONTH: str = "2020-10"
"""Last simulated month: the run ends on 2020-10-31, the eve of the 2020 census day."""

MODEL: str = "model (posterior)"
COHORT: str = "cohort-component (location off)"

_WORKER: dict[str, Any] = {}


def load_settings(path: Path = SETTINGS_FILE) -> dict[str, float]:
    """The hindcast settings: name -> value."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {name: entry["value"] for name, entry in raw.items()}


def hindcast_config(folder: Path, settings: dict[str, float], scale: float) -> HdsimConfig:
    """The configuration of a county's hindcast runs (baseline, point behaviour, 2010-11 on).

    Args:
        folder: The county folder at the 2010 census.
        settings: Hindcast settings.
        scale: Households simulated per real household.
    """
    cfg = project_config(
        [
            f"data.dir={folder}",
            "horizon.start=2010-11",
            "horizon.end_year=2021",
            "horizon.target_year=2021",
            "calibration.use=point",
            f"households.scale={scale}",
            f"seed={int(settings['seed'])}",
            f"behaviour.demography.fertility_trend={settings['fertility_trend']}",
        ]
    )
    return to_config(dataclasses.replace(cfg, scenario=load_scenario("baseline")))


def run_draw(
    cfg: HdsimConfig,
    values: dict[str, float],
    replicate: int,
    data: CountyData,
    location: bool = True,
    gap: float | None = None,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Run one parameter set from the 2010 census to the eve of the 2020 census.

    Args:
        cfg: Hindcast configuration (:func:`hindcast_config`).
        values: Dotted behavioural parameters of the draw.
        replicate: Random stream of the run.
        data: The county folder's data.
        location: False runs the cohort-component benchmark (the location step removed).
        gap: Generation gap of the household-type estimator (default: ``hindcast.yaml``).

    Returns:
        The held-out figures of the run (with the estimator's raw type shares at the end,
        ``estimated_<type>``, and at t0, ``t0_<type>``), and its monthly county series (wide).
    """
    from hdsim.model.model import CountyModel  # heavy import kept out of module import
    from hdsim.run import run_seed

    run_cfg = dataclasses.replace(cfg, behaviour=with_parameters(cfg.behaviour, values))
    gap = float(load_settings()["generation_gap"] if gap is None else gap)
    model = CountyModel(run_cfg, data=data, seed_sequence=run_seed(run_cfg, replicate))
    # the census the model took at its start: read, not retaken (mechanisms read it)
    start = estimated_types(model, model.state.census.resident, gap)
    if not location:
        model.step_order = [s for s in model.step_order if s != "location"]
    for _ in range(month_index(cfg.horizon.start, END_MONTH) + 1):
        model.step()
    figures = model_figures(model, gap)
    figures.update({f"t0_{k}": v for k, v in start.items()})
    return figures, model.recorder.county_wide()


def _init(cfg: HdsimConfig, gap: float) -> None:
    _WORKER["cfg"] = cfg
    _WORKER["gap"] = gap
    _WORKER["data"] = load_county_data(cfg.data.dir)


def _work(values: dict[str, float], replicate: int, location: bool) -> tuple[Any, Any]:
    figures, wide = run_draw(
        _WORKER["cfg"], values, replicate, _WORKER["data"], location, _WORKER["gap"]
    )
    return figures, wide


def _run_all(
    cfg: HdsimConfig, draws: list[dict[str, float]], location: bool, pool: Executor | None,
    gap: float,
) -> list[tuple[dict[str, float], pd.DataFrame]]:
    reps = list(range(len(draws)))
    flags = [location] * len(draws)
    if pool is None:
        data = load_county_data(cfg.data.dir)
        return [
            run_draw(cfg, v, r, data, location, gap) for v, r in zip(draws, reps, strict=True)
        ]
    return list(pool.map(_work, draws, reps, flags))


def prior_draws(n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets from the shared priors (the same for every county)."""
    prior = load_priors()
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x48434153,)))
    natural = prior.to_natural(prior.sample(rng, n))
    return [prior.as_dict(row) for row in natural]


def _completed(
    runs: list[dict[str, float]], observed: dict[str, float], start: dict[str, float]
) -> dict[str, np.ndarray]:
    """Every figure of the runs, with the dissimilarity index and the generation shares.

    Args:
        runs: Figures of every run (:func:`run_draw`).
        observed: The held-out 2020 figures.
        start: The 2010 census figures.
    """
    out = {f: np.array([r[f] for r in runs]) for f, _, _ in FIGURES if f in runs[0]}
    out[DISSIMILARITY] = np.array([dissimilarity(r, observed) for r in runs])
    for f in TYPE_FIGURES:
        change = np.array([r[f"estimated_{f}"] - r[f"t0_{f}"] for r in runs])
        out[f] = start[f] + change
    return out


def estimator_error(
    runs: list[dict[str, float]], start: dict[str, float], weights: np.ndarray
) -> dict[str, float]:
    """The household-type estimator's weighted mean error on the runs' t0 populations.

    The synthesis meets the 2010 census types exactly, so the error is the estimator's own
    (in points of the share of family households).
    """
    return {
        f: float(np.sum(weights * [100.0 * (r[f"t0_{f}"] - start[f]) for r in runs]))
        for f in ESTIMATED_TYPES
    }


def _rows(
    code: str, name: str, method: str, forecast: dict[str, np.ndarray],
    weights: np.ndarray | None, observed: dict[str, float],
) -> list[dict[str, Any]]:
    rows = []
    for fig, unit, _ in FIGURES:
        if fig not in forecast:
            continue
        s = score(np.atleast_1d(forecast[fig]), observed[fig], weights)
        rows.append(
            {
                "county_code": code, "county": name, "figure": fig, "unit": unit,
                "observed_2020": observed[fig], "method": method, "estimate": s.estimate,
                "p05": s.lo, "p95": s.hi, "covered": s.covered, "crps": s.crps,
            }
        )
    return rows


def hindcast_county(
    folder: Path,
    code: str,
    settings: dict[str, float],
    scale: float | None = None,
    draws: int | None = None,
    n_jobs: int = 1,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Hindcast one county from its 2010 folder and score every method on its 2020 census.

    Args:
        folder: The county folder at the 2010 census.
        code: 6-digit county code (its 2020 census row is the held-out truth).
        settings: Hindcast settings (``hindcast.yaml``).
        scale: Households per real household (default: the settings').
        draws: Prior draws (default: the settings').
        n_jobs: Worker processes (1: this process).

    Returns:
        The score rows (one per figure and method) and a summary (ESS, targets, fit).
    """
    scale = float(settings["scale"] if scale is None else scale)
    n = int(settings["draws"] if draws is None else draws)
    cfg = hindcast_config(folder, settings, scale)
    data = load_county_data(folder)
    targets = fit_targets(code, data, settings)
    sets = prior_draws(n, int(settings["seed"]))
    gap = float(settings["generation_gap"])
    pool = process_pool(n_jobs, _init, (cfg, gap)) if n_jobs != 1 and n > 1 else None
    try:
        runs = _run_all(cfg, sets, True, pool, gap)
        cohort = _run_all(cfg, sets, False, pool, gap)
    finally:
        if pool is not None:
            pool.shutdown()
    stats = [fit_statistics(wide, targets) for _, wide in runs]
    d2 = np.array([sum(t.z(s[t.name]) ** 2 for t in targets) for s in stats])
    weights = np.exp(-(d2 - d2.min()) / 2.0)
    weights /= weights.sum()
    observed = held_out(code)
    start = start_figures(code)
    name = data.name("name_zh")
    model = _completed([r[0] for r in runs], observed, start)
    coh = _completed([r[0] for r in cohort], observed, start)
    rows = _rows(code, name, MODEL, model, weights, observed)
    rows += _rows(code, name, COHORT, coh, weights, observed)
    p = province_figures(code)
    for method, point in trend_benchmarks(start, p[:2], p[2:]).items():
        rows += _rows(code, name, method, {k: np.array([v]) for k, v in point.items()}, None,
                      observed)
    summary = {
        "county_code": code,
        "county": name,
        "draws": n,
        "scale": scale,
        "ess": effective_size(weights),
        "targets": [
            {
                "target": t.name,
                "observed": t.observed if t.lo is None else f"[{t.lo:.5f}, {t.hi:.5f}]",
                "posterior_mean": float(np.sum(weights * [s[t.name] for s in stats])),
                "prior_mean": float(np.mean([s[t.name] for s in stats])),
                "source": t.source,
            }
            for t in targets
        ],
        "residents_2010": census_2010(code).total,
        "generation_gap": gap,
        "estimator_t0_error": estimator_error([r[0] for r in runs], start, weights),
    }
    return pd.DataFrame(rows), summary
