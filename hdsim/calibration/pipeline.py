"""The calibration pipeline behind ``hdsim-calibrate``: fit, back-test, check, compare, install.

Steps (all runs at the calibration scale, in the baseline scenario):

1. Simulate ``first`` prior draws once; both fits below start from these runs.
2. Back-test: ABC-SMC without the held-out group (default: the most recent publication),
   then the prediction of the held-out figures and its error.
3. Full fit: ABC-SMC on every fitted target; the accepted particles are the posterior.
4. Point estimate (the approximate MAP particle, :mod:`hdsim.calibration.point`), checked by
   ``check_replicates`` runs: the end-2022 rate within ±1 point and the population within ±1%
   (or generally every point target of the latest publication within 2.5 sd).
5. Posterior predictive baseline: ``predictive_replicates`` runs drawing their behaviour from
   the new posterior through the same hook scenario runs use (``calibration.use=posterior``),
   to the comparators' last year; the fitted baseline's values at end 2022 and at the target
   year; the comparators beside it.
6. Prior versus posterior widths (identifiability).
7. Job folder outputs and ``report.md``; then, unless told not to, the posterior goes into the
   package (``hdsim/data/calibration/posterior.{csv,json}``) and the point estimate into
   ``configs/behaviour/hongtong.yaml``, which makes them the default of every later run.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hdsim.calibration.backtest import backtest, predictive_table
from hdsim.calibration.comparators import comparator_table, wide_comparison
from hdsim.calibration.identifiability import identifiability_table, posterior_correlations
from hdsim.calibration.point import map_particle
from hdsim.calibration.posterior import (
    current_values,
    metadata,
    point_behaviour,
    posterior_frame,
    update_behaviour_yaml,
    write_posterior,
)
from hdsim.calibration.priors import PRIORS_FILE, Prior, load_priors
from hdsim.calibration.report import (
    comparators_chart,
    comparators_markdown,
    identifiability_markdown,
    markdown_table,
    posterior_chart,
    targets_markdown,
    why_models_differ,
    write_report,
)
from hdsim.calibration.simulator import (
    Simulator,
    calibration_config,
    project_config,
    simulate,
)
from hdsim.calibration.smc import SMCResult, SMCSettings, abc_smc, weighted_quantile
from hdsim.calibration.targets import CALIBRATION_DIR, TargetSet, load_targets
from hdsim.config.schema import CalibrationUse, HdsimConfig
from hdsim.paths import CONFIG_DIR
from hdsim.run import atomic_write_parquet, atomic_write_text

BEHAVIOUR_FILE: Path = CONFIG_DIR / "behaviour" / "hongtong.yaml"
POINT_STATUS = "calibrated: approximate MAP of the ABC posterior, hdsim-calibrate"
ACCEPT_Z = 2.5
"""A point estimate passes when every point target of the latest group lies within this many sd."""


@dataclass
class CalibrationRequest:
    """What one ``hdsim-calibrate`` call does (see :mod:`hdsim.calibration.cli` for options)."""

    out_dir: Path
    targets_file: Path | None = None
    priors_file: Path | None = None
    overrides: list[str] = field(default_factory=list)
    scale: float = 0.05
    seed: int = 20221231
    settings: SMCSettings = field(default_factory=SMCSettings)
    backtest: bool = True
    holdout: list[str] | None = None
    backtest_settings: SMCSettings = field(
        default_factory=lambda: SMCSettings(particles=60, per_generation=150, generations=2)
    )
    check_replicates: int = 10
    predictive_replicates: int = 40
    comparator_end_year: int = 2030
    n_jobs: int = 1
    install: bool = True
    force: bool = False
    posterior_dir: Path = CALIBRATION_DIR
    behaviour_file: Path = BEHAVIOUR_FILE


@dataclass
class CalibrationOutcome:
    """Tables of a finished calibration (also written to the job folder)."""

    result: SMCResult
    point: dict[str, float]
    fit: pd.DataFrame
    backtest: pd.DataFrame | None
    point_check: pd.DataFrame
    baseline: pd.DataFrame
    identifiability: pd.DataFrame
    comparators: pd.DataFrame
    accepted: bool
    installed: bool
    seconds: dict[str, float]
    report: str


def posterior_median(result: SMCResult) -> dict[str, float]:
    """Weighted marginal posterior medians (reported beside the point estimate)."""
    natural = result.natural
    return {
        n: float(weighted_quantile(natural[:, j], result.weights, 0.5))
        for j, n in enumerate(result.prior.names)
    }


def simulations_frame(result: SMCResult, prior: Prior, targets: TargetSet) -> pd.DataFrame:
    """Every simulation of a fit: generation, parameters, distance and statistics."""
    frame = pd.DataFrame(prior.to_natural(result.all_internal), columns=list(prior.names))
    frame.insert(0, "generation", result.all_generation)
    frame["distance"] = result.all_distances
    for j, target_id in enumerate(targets.ids):
        frame[f"stat:{target_id}"] = result.all_stats[:, j]
    return frame


def check_point(
    cfg: HdsimConfig, point: dict[str, float], targets: TargetSet, replicates: int, first: int
) -> pd.DataFrame:
    """Statistics of ``replicates`` runs of the point estimate (replicates ``first``...)."""
    from hdsim.data import load_county_data

    data = load_county_data(cfg.data.dir)
    values = current_values(point_behaviour(cfg.behaviour, point), tuple(point))
    stats = np.vstack(
        [simulate(cfg, values, first + r, targets, data)[0] for r in range(replicates)]
    )
    return predictive_table(targets, stats)


def accepts(table: pd.DataFrame, targets: TargetSet) -> bool:
    """Whether every point target of the latest publication lies within ACCEPT_Z sd."""
    latest = targets.latest_group()
    part = table[(table["group"] == latest) & (table["kind"] == "point")]
    return bool((part["z"].abs() <= ACCEPT_Z).all())


def predictive_baseline(
    cfg: HdsimConfig, posterior_csv: Path, replicates: int, end_year: int, root: Path, n_jobs: int
) -> pd.DataFrame:
    """Baseline runs drawing their behaviour from ``posterior_csv`` (the scenario-run hook)."""
    from hdsim.ensemble import run_ensemble

    horizon = dataclasses.replace(cfg.horizon, end_year=max(end_year, cfg.horizon.target_year))
    run_cfg = dataclasses.replace(
        cfg,
        horizon=horizon,
        calibration=dataclasses.replace(
            cfg.calibration, use=CalibrationUse.posterior, file=str(posterior_csv)
        ),
        output=dataclasses.replace(cfg.output, township_series=False),
    )
    return run_ensemble([run_cfg], replicates, root, n_jobs, progress=False)


def baseline_values(ensemble: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Mean and 5-95% of the rate and residents at the end of ``years``."""
    rows = []
    for year in years:
        date = pd.Timestamp(f"{year}-12-31")
        at = ensemble[ensemble["date"] == date]
        for indicator in ("urbanization_rate", "resident_population", "urban_population"):
            x = at[at["indicator"] == indicator]["value"]
            if x.empty:
                continue
            rows.append(
                {
                    "year": year,
                    "indicator": indicator,
                    "mean": float(x.mean()),
                    "p05": float(x.quantile(0.05)),
                    "p95": float(x.quantile(0.95)),
                    "runs": int(x.size),
                }
            )
    return pd.DataFrame(rows)


def calibrate(
    request: CalibrationRequest, say: Callable[[str], None] = print
) -> CalibrationOutcome:
    """Run the whole pipeline (see the module docstring).

    Args:
        request: What to do.
        say: Receives one progress line at a time.

    Returns:
        The outcome; the job folder holds the same tables and ``report.md``.
    """
    out = Path(request.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    targets = load_targets(request.targets_file)
    prior = load_priors(request.priors_file)
    base = project_config(request.overrides)
    cfg = calibration_config(base, targets, request.scale, request.seed)
    settings = request.settings
    settings.check()
    say(
        f"hdsim-calibrate: {prior.dim} parameters, {len(targets.fitted)} fitted targets, "
        f"scale {request.scale}, budget {settings.budget} runs"
        + (
            f" + back-test {request.backtest_settings.generations}"
            f" x {request.backtest_settings.per_generation}"
            if request.backtest
            else ""
        )
        + f" -> {out}"
    )

    with Simulator(cfg, targets, request.n_jobs) as sim:
        rng = np.random.default_rng(settings.seed)
        u0 = prior.sample(rng, settings.first)
        stats0 = sim([prior.as_dict(x) for x in prior.to_natural(u0)])
        seconds["prior_draws"] = sim.seconds
        bt_table = None
        holdout: list[str] = []
        if request.backtest:
            holdout = request.holdout or [targets.latest_group()]
            say(f"back-test: fitting without {', '.join(holdout)}")
            bt_settings = dataclasses.replace(request.backtest_settings, seed=settings.seed + 1)
            _, bt_table = backtest(
                prior, sim, targets, holdout, bt_settings, (u0, stats0), progress=say
            )
            seconds["backtest"] = sim.seconds - seconds["prior_draws"]
        say("full fit")
        before = sim.seconds
        result = abc_smc(prior, sim, targets, settings=settings, progress=say, initial=(u0, stats0))
        seconds["fit"] = sim.seconds - before
        runs = sim.runs

    point_index, point = map_particle(result)
    fit_table = predictive_table(targets, result.stats, result.weights)
    frame = posterior_frame(prior.names, result.natural, result.weights, result.distances)
    meta = metadata(
        {
            "method": "ABC-SMC (population Monte Carlo), hdsim.calibration.smc",
            "scale": request.scale,
            "run_seed": request.seed,
            "settings": dataclasses.asdict(settings),
            "backtest_settings": dataclasses.asdict(request.backtest_settings)
            if request.backtest
            else None,
            "holdout": holdout,
            "simulations": runs,
            "targets_file": str(targets.path),
            "targets_checksum": targets.checksum,
            "fitted_targets": result.fitted.ids,
            "priors_file": str(request.priors_file or PRIORS_FILE),
            "priors": prior.table(),
            "overrides": request.overrides,
            "history": [dataclasses.asdict(g) for g in result.history],
            "ess": result.ess,
            "point_estimate": point,
            "point_particle": point_index,
            "point_method": "approximate MAP particle (hdsim.calibration.point)",
            "posterior_median": posterior_median(result),
        }
    )
    posterior_csv = write_posterior(frame, meta, out)

    say(f"checking the point estimate ({request.check_replicates} runs)")
    before = time.perf_counter()
    point_table = check_point(cfg, point, targets, request.check_replicates, first=runs)
    seconds["point_check"] = time.perf_counter() - before
    accepted = accepts(point_table, targets) and accepts(fit_table, targets)

    say(f"posterior predictive baseline ({request.predictive_replicates} runs)")
    before = time.perf_counter()
    ensemble = predictive_baseline(
        cfg,
        posterior_csv,
        request.predictive_replicates,
        request.comparator_end_year,
        out / "predictive",
        request.n_jobs,
    )
    seconds["predictive"] = time.perf_counter() - before
    years = sorted({2022, base.horizon.target_year, request.comparator_end_year})
    baseline = baseline_values(ensemble, years)
    comparators = comparator_table(targets, ensemble, request.comparator_end_year)
    wide = wide_comparison(comparators)
    ident = identifiability_table(prior, result.internal, result.weights, point)
    corr = posterior_correlations(prior, result.internal, result.weights)

    atomic_write_parquet(out / "simulations.parquet", simulations_frame(result, prior, targets))
    atomic_write_text(out / "fit.csv", fit_table.to_csv(index=False))
    atomic_write_text(out / "point_check.csv", point_table.to_csv(index=False))
    atomic_write_text(out / "baseline.csv", baseline.to_csv(index=False))
    atomic_write_text(out / "identifiability.csv", ident.to_csv(index=False))
    atomic_write_text(out / "correlations.csv", corr.to_csv(index=False))
    atomic_write_parquet(out / "comparators.parquet", comparators)
    atomic_write_text(out / "comparators.csv", comparators.to_csv(index=False))
    if bt_table is not None:
        atomic_write_text(out / "backtest.csv", bt_table.to_csv(index=False))
    comparators_chart(comparators, out / "comparators.png", base.horizon.target_rate)
    posterior_chart(prior, result.natural, result.weights, out / "posterior.png")
    seconds["total"] = time.perf_counter() - clock

    installed = False
    if request.install and (accepted or request.force):
        write_posterior(frame, meta, request.posterior_dir)
        update_behaviour_yaml(request.behaviour_file, point, POINT_STATUS)
        installed = True
    report = write_report(
        out / "report.md",
        _sections(
            request,
            targets,
            result,
            fit_table,
            bt_table,
            holdout,
            point_table,
            accepted,
            baseline,
            ident,
            corr,
            wide,
            base,
            seconds,
            runs,
            installed,
        ),
    )
    atomic_write_text(out / "timing.json", json.dumps(seconds, indent=2) + "\n")
    return CalibrationOutcome(
        result=result,
        point=point,
        fit=fit_table,
        backtest=bt_table,
        point_check=point_table,
        baseline=baseline,
        identifiability=ident,
        comparators=comparators,
        accepted=accepted,
        installed=installed,
        seconds=seconds,
        report=report,
    )


def _baseline_markdown(baseline: pd.DataFrame) -> str:
    rows = []
    for r in baseline.itertuples(index=False):
        if r.indicator == "urbanization_rate":
            text = f"{100 * r.mean:.2f}% [{100 * r.p05:.2f}% – {100 * r.p95:.2f}%]"
        else:
            text = f"{r.mean:,.0f} [{r.p05:,.0f} – {r.p95:,.0f}]"
        rows.append(
            {"year end": r.year, "indicator": r.indicator, "mean [5%-95%]": text, "runs": r.runs}
        )
    return markdown_table(pd.DataFrame(rows))


def _sections(
    request: CalibrationRequest,
    targets: TargetSet,
    result: SMCResult,
    fit_table: pd.DataFrame,
    bt_table: pd.DataFrame | None,
    holdout: list[str],
    point_table: pd.DataFrame,
    accepted: bool,
    baseline: pd.DataFrame,
    ident: pd.DataFrame,
    corr: pd.DataFrame,
    wide: pd.DataFrame,
    base: HdsimConfig,
    seconds: dict[str, float],
    runs: int,
    installed: bool,
) -> dict[str, Any]:
    history = markdown_table(
        pd.DataFrame(
            [
                {
                    "generation": g.index if g.index >= 0 else "final (Gaussian kernel)",
                    "runs": g.simulations,
                    "kept": g.accepted,
                    "eps": f"{g.epsilon:.3f}",
                    "ESS": f"{g.ess:.0f}",
                }
                for g in result.history
            ]
        )
    )
    setup = (
        f"- targets: `{targets.path}` ({len(targets)} rows, {len(result.fitted)} fitted)\n"
        f"- scale {request.scale}, {runs} calibration runs in {seconds.get('total', 0):.0f} s "
        f"(ESS of the posterior {result.ess:.0f} of {result.weights.size} particles)\n"
        f"- installed into the package: {'yes' if installed else 'no'}; "
        f"point estimate accepted: {'yes' if accepted else 'NO'}\n\n" + history
    )
    sections: dict[str, Any] = {"Setup": setup, "Fit to the targets": targets_markdown(fit_table)}
    if bt_table is not None:
        held = bt_table[bt_table["held_out"] & (bt_table["kind"] == "point")]
        errors = "; ".join(
            f"{r.id}: error {r.error:+.4g} ({100 * r.relative_error:+.2f}%)"
            for r in held.itertuples(index=False)
        )
        sections[f"Back-test (held out: {', '.join(holdout)})"] = (
            f"Fitted without {', '.join(holdout)}, predicted from the 2020 census state. "
            f"{errors}.\n\n" + targets_markdown(bt_table, held_out=True)
        )
    sections["Point estimate check"] = (
        f"{request.check_replicates} runs of the point estimate (the YAML values).\n\n"
        + targets_markdown(point_table)
    )
    sections["Fitted baseline (posterior predictive)"] = _baseline_markdown(baseline)
    sections["Prior versus posterior (identifiability)"] = identifiability_markdown(ident) + (
        "\nStrong posterior correlations (ridges):\n\n" + markdown_table(corr.round(2))
        if len(corr)
        else ""
    )
    sections["Comparators"] = (
        comparators_markdown(wide) + "\n" + why_models_differ(wide, base.horizon.target_year)
    )
    return sections
