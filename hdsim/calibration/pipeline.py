"""The calibration pipeline behind ``hdsim-calibrate``: fit, back-test, check, compare, install.

Steps (all runs at the calibration scale, in the baseline scenario):

1. Simulate ``first`` prior draws once; both fits below start from these runs.
2. Back-test: ABC-SMC without the held-out group (default: the most recent publication),
   then the prediction of the held-out figures and its error.
3. Full fit: ABC-SMC on every fitted target; the accepted particles are the posterior.
4. Point estimate: the weighted marginal posterior medians (central values, also for the
   parameters the data leave open), checked by ``check_replicates`` runs: every point target
   of the latest publication within 2.5 sd (for the 2022 bulletin: the rate within ±1 point,
   the population within ±0.75%). If the medians miss, the approximate MAP particle
   (:mod:`hdsim.calibration.point`), a jointly consistent set, is checked instead.
5. Posterior predictive baseline: ``predictive_replicates`` runs drawing their behaviour from
   the new posterior through the same hook scenario runs use (``calibration.use=posterior``),
   to the comparators' last year; the fitted baseline's values at end 2022 and at the target
   year; the comparators beside it.
6. Prior versus posterior widths (identifiability).
7. Job folder outputs and ``report.md``; then, unless told not to, the posterior goes into the
   county folder (``<data.dir>/calibration/posterior.{csv,json}``, with the command, the
   county and its data checksum), which makes it the default of every later run on that
   county; for the embedded county the point estimate also goes into its behaviour YAML.

The targets are the county's own (:mod:`hdsim.calibration.observed`): ``--targets``, else
``<data.dir>/calibration/targets.csv``, else derived from ``<data.dir>/observations.csv``.
Targets whose indicator the model does not report yet are skipped with one line each.
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
from hdsim.calibration.comparators import baseline_drivers, comparator_table, wide_comparison
from hdsim.calibration.identifiability import (
    identifiability_table,
    identified_directions,
    posterior_correlations,
)
from hdsim.calibration.observed import targets_csv, targets_for
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
    GENERATED_SECTIONS,
    comparators_chart,
    comparators_markdown,
    identifiability_markdown,
    markdown_table,
    posterior_chart,
    refresh_doc,
    targets_markdown,
    why_models_differ,
    write_report,
)
from hdsim.calibration.simulator import (
    Simulator,
    calibration_config,
    project_config,
    reported_indicators,
    simulate,
)
from hdsim.calibration.smc import SMCResult, SMCSettings, abc_smc, weighted_quantile
from hdsim.calibration.targets import (
    CalibrationError,
    TargetSet,
    county_calibration_dir,
    statistics,
)
from hdsim.config.frame import CalibrationUse
from hdsim.data import EMBEDDED_DIR, CountyData, load_county_data
from hdsim.model.config import HdsimConfig
from hdsim.paths import CONFIG_DIR
from hdsim.utils.io import atomic_write_parquet, atomic_write_text, make_folder

BEHAVIOUR_FILE: Path = CONFIG_DIR / "behaviour" / "hongtong.yaml"
ACCEPT_Z = 2.5
"""A point estimate passes when every point target of the latest group lies within this many sd."""


@dataclass
class CalibrationRequest:
    """What one ``hdsim-calibrate`` call does (see :mod:`hdsim.calibration.cli` for options).

    ``posterior_dir`` None installs into the county folder's ``calibration/``;
    ``behaviour_file`` receives the point estimate only when the county is the embedded one
    (None: never); ``doc_file`` is a Markdown file whose generated region is refreshed with the
    report's tables (:func:`~hdsim.calibration.report.refresh_doc`).
    """

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
    posterior_dir: Path | None = None
    behaviour_file: Path | None = BEHAVIOUR_FILE
    doc_file: Path | None = None


@dataclass
class CalibrationOutcome:
    """Tables of a finished calibration (also written to the job folder)."""

    result: SMCResult
    point: dict[str, float]
    tables: dict[str, pd.DataFrame]
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
    cfg: HdsimConfig,
    point: dict[str, float],
    targets: TargetSet,
    replicates: int,
    first: int,
    data: CountyData | None = None,
) -> pd.DataFrame:
    """Statistics of ``replicates`` runs of the point estimate (replicates ``first``...)."""
    data = data if data is not None else load_county_data(cfg.data.dir)
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


def predictive_check(ensemble: pd.DataFrame, targets: TargetSet) -> pd.DataFrame:
    """Posterior predictive check: every target against the runs that drew from the posterior.

    Each run of ``ensemble`` drew its behaviour from the new posterior through the hook every
    scenario run uses, so its statistics are draws of the posterior predictive distribution.

    Returns:
        A :func:`~hdsim.calibration.backtest.predictive_table` (observed, predictive mean and
        5-95%, error, z, whether the observation lies in the 90% interval): the latest
        publication's rows (for the embedded county the end-2022 bulletin) first, then the
        others in file order.
    """
    stats = np.vstack(
        [statistics(run, targets) for _, run in ensemble.groupby("replicate", sort=True)]
    )
    table = predictive_table(targets, stats)
    latest = table["group"] == targets.latest_group()
    return pd.concat([table[latest], table[~latest]], ignore_index=True)


def is_embedded(data: CountyData) -> bool:
    """Whether ``data`` is the embedded county's folder (its point estimate has a YAML)."""
    return data.directory.resolve() == EMBEDDED_DIR.resolve()


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
    make_folder(out)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    prior = load_priors(request.priors_file)
    base = project_config(request.overrides)
    data = load_county_data(base.data.dir)
    all_targets, targets_origin = targets_for(
        data, base.horizon.start, request.targets_file, request.scale
    )
    cfg = calibration_config(base, all_targets, request.scale, request.seed)
    targets, skipped = all_targets.available(reported_indicators(cfg, data))
    for line in skipped:
        say(line)
    if not any(t.fitted for t in targets.targets):
        raise CalibrationError(
            f"no target left to fit once the skipped ones are removed ({targets_origin})"
        )
    atomic_write_text(out / "targets.csv", targets_csv(all_targets))
    county = {
        "code": data.name("code"),
        "name_zh": data.name("name_zh"),
        "name_en": data.name("name_en"),
        "data_dir": str(data.directory),
    }
    settings = request.settings
    settings.check()
    say(
        f"hdsim-calibrate: {county['name_zh']} ({county['code']}), {prior.dim} parameters, "
        f"{len(targets.fitted)} fitted targets ({targets_origin}), "
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

    fit_table = predictive_table(targets, result.stats, result.weights)
    frame = posterior_frame(prior.names, result.natural, result.weights, result.distances)
    meta = metadata(
        {
            "method": "ABC-SMC (population Monte Carlo), Gaussian-kernel final weights, "
            "hdsim.calibration.smc",
            "scale": request.scale,
            "run_seed": request.seed,
            "settings": dataclasses.asdict(settings),
            "backtest_settings": dataclasses.asdict(request.backtest_settings)
            if request.backtest
            else None,
            "holdout": holdout,
            "simulations": runs,
            "county": county,
            "data_checksum": data.checksum,
            "targets_file": targets_origin,
            "targets_checksum": all_targets.checksum,
            "fitted_targets": result.fitted.ids,
            "skipped_targets": skipped,
            "targets": json.loads(all_targets.table().to_json(orient="records", date_format="iso")),
            "priors_file": str(request.priors_file or PRIORS_FILE),
            "priors": prior.table(),
            "overrides": request.overrides,
            "history": [dataclasses.asdict(g) for g in result.history],
            "ess": result.ess,
            "posterior_median": posterior_median(result),
            "map_particle": map_particle(result)[1],
        }
    )

    say(f"checking the point estimate ({request.check_replicates} runs)")
    before = time.perf_counter()
    for method in ("posterior_median", "map_particle"):
        point = meta[method]
        point_table = check_point(
            cfg, point, targets, request.check_replicates, first=runs, data=data
        )
        if accepts(point_table, targets):
            break
        say(f"the {method.replace('_', ' ')} misses the latest targets")
    seconds["point_check"] = time.perf_counter() - before
    accepted = accepts(point_table, targets) and accepts(fit_table, targets)
    meta |= {"point_estimate": point, "point_method": method.replace("_", " ")}
    posterior_csv = write_posterior(frame, meta, out)

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
    target_year = base.horizon.target_year
    years = sorted({2022, target_year, request.comparator_end_year})
    periods = [(2021, 2022), (2023, target_year), (target_year + 1, request.comparator_end_year)]
    try:
        comparators = comparator_table(targets, ensemble, request.comparator_end_year)
    except CalibrationError as exc:
        say(f"no comparators: {exc}")
        comparators = pd.DataFrame(columns=["method", "date", "rate", "p05", "p95", "runs"])
    tables: dict[str, pd.DataFrame] = {
        "fit": fit_table,
        "point_check": point_table,
        "predictive_check": predictive_check(ensemble, targets),
        "baseline": baseline_values(ensemble, years),
        "identifiability": identifiability_table(prior, result.internal, result.weights, point),
        "correlations": posterior_correlations(prior, result.internal, result.weights),
        "directions": identified_directions(prior, result.internal, result.weights),
        "comparators": comparators,
        "drivers": baseline_drivers(ensemble, [p for p in periods if p[0] <= p[1]]),
    }
    if bt_table is not None:
        tables["backtest"] = bt_table
    for name, table in tables.items():
        atomic_write_text(out / f"{name}.csv", table.to_csv(index=False))
    atomic_write_parquet(out / "comparators.parquet", comparators)
    atomic_write_parquet(out / "simulations.parquet", simulations_frame(result, prior, targets))
    if len(comparators):
        comparators_chart(
            comparators, out / "comparators.png", base.horizon.target_rate, county["name_en"]
        )
    posterior_chart(prior, result.natural, result.weights, out / "posterior.png")
    seconds["total"] = time.perf_counter() - clock

    installed = False
    install_dir = request.posterior_dir or county_calibration_dir(data.directory)
    if request.install and (accepted or request.force):
        write_posterior(frame, meta, install_dir)
        if request.behaviour_file is not None and is_embedded(data):
            status = f"calibrated: ABC {meta['point_method']}, hdsim-calibrate"
            update_behaviour_yaml(request.behaviour_file, point, status)
        installed = True
    facts = {
        "holdout": holdout,
        "accepted": accepted,
        "installed": installed,
        "runs": runs,
        "seconds": seconds,
        "point_method": meta["point_method"],
        "target_year": target_year,
        "county": county,
        "targets_origin": targets_origin,
        "skipped": skipped,
        "install_dir": install_dir,
    }
    sections = _sections(request, targets, result, tables, facts)
    report = write_report(out / "report.md", sections)
    if request.doc_file is not None:
        refresh_doc(request.doc_file, {k: sections[k] for k in GENERATED_SECTIONS if k in sections})
    atomic_write_text(out / "timing.json", json.dumps(seconds, indent=2) + "\n")
    return CalibrationOutcome(
        result=result,
        point=point,
        tables=tables,
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
    tables: dict[str, pd.DataFrame],
    facts: dict[str, Any],
) -> dict[str, str]:
    """The report's sections, in order (title → Markdown)."""
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
    seconds = facts["seconds"]
    county = facts["county"]
    skipped = "".join(f"- {line}\n" for line in facts["skipped"])
    setup = (
        f"- county: {county['name_zh']} ({county['code']}), data `{county['data_dir']}`\n"
        f"- targets: {facts['targets_origin']} ({len(targets)} rows used, "
        f"{len(result.fitted)} fitted)\n"
        + skipped
        + f"- scale {request.scale}, {facts['runs']} calibration runs, "
        f"{seconds.get('total', 0):.0f} s in all (ESS of the posterior {result.ess:.0f} of "
        f"{result.weights.size} particles)\n"
        f"- point estimate: {facts['point_method']}; accepted: "
        f"{'yes' if facts['accepted'] else 'NO'}; installed: "
        + (f"yes, into `{facts['install_dir']}`" if facts["installed"] else "no")
        + "\n\n"
        + history
    )
    sections = {"Setup": setup, "Fit to the targets": targets_markdown(tables["fit"])}
    if "backtest" in tables:
        bt = tables["backtest"]
        holdout = ", ".join(facts["holdout"])
        held = bt[bt["held_out"] & (bt["kind"] == "point")]
        errors = "; ".join(
            f"{r.id}: error {r.error:+.4g} ({100 * r.relative_error:+.2f}%)"
            for r in held.itertuples(index=False)
        )
        sections[f"Back-test (held out: {holdout})"] = (
            f"Fitted without {holdout}, predicted from the 2020 census state. {errors}.\n\n"
            + targets_markdown(bt, held_out=True)
        )
    sections["Point estimate check"] = (
        f"{request.check_replicates} runs of the point estimate ({facts['point_method']}, "
        "the values written to the behaviour YAML).\n\n" + targets_markdown(tables["point_check"])
    )
    ppc = tables["predictive_check"]
    inside = int(ppc.loc[ppc["kind"] != "check", "observed_in_90"].sum())
    fitted_rows = int((ppc["kind"] != "check").sum())
    sections[GENERATED_SECTIONS[0]] = (
        f"{int(tables['baseline']['runs'].max()) if len(tables['baseline']) else 0} baseline "
        "runs drawing their behaviour from the new posterior (the hook every scenario run "
        f"uses); {inside} of {fitted_rows} fitted observations lie inside the runs' 5-95% "
        f"interval. The latest publication ({targets.latest_group()}) first.\n\n"
        + targets_markdown(ppc)
    )
    sections["Fitted baseline (posterior predictive)"] = _baseline_markdown(tables["baseline"])
    corr = tables["correlations"]
    sections[GENERATED_SECTIONS[1]] = (
        identifiability_markdown(tables["identifiability"])
        + "\nParameter combinations along the posterior's principal axes (prior sd = 1; "
        "tightest first):\n\n"
        + markdown_table(tables["directions"].round(2))
        + (
            "\nStrong posterior correlations (ridges):\n\n" + markdown_table(corr.round(2))
            if len(corr)
            else ""
        )
    )
    if len(tables["comparators"]):
        wide = wide_comparison(tables["comparators"])
        sections["Comparators"] = (
            comparators_markdown(wide)
            + "\n"
            + why_models_differ(wide, facts["target_year"], tables["drivers"])
        )
    return sections
