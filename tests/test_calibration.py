"""Calibration (issue 5): targets, ABC-SMC, the posterior hook, back-test, comparators.

The model-based tests are kept small (scale 0.02, runs to 2022, two parameters, ~200 runs in
all) and share their prior draws through a module fixture. Tolerances are stated where used.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hdsim.calibration.backtest import predictive_table
from hdsim.calibration.comparators import (
    comparator_table,
    linear_trend,
    logistic_fit,
    observed_rates,
    urgd_projection,
    year_ends,
)
from hdsim.calibration.identifiability import identifiability_table, identified_directions
from hdsim.calibration.pipeline import CalibrationRequest, calibrate
from hdsim.calibration.posterior import (
    POSTERIOR_FILE,
    calibrated_config,
    calibration_draw,
    posterior_frame,
    read_posterior,
    update_behaviour_yaml,
    write_posterior,
)
from hdsim.calibration.priors import Prior, get_parameter, load_priors, with_parameters
from hdsim.calibration.simulator import (
    Simulator,
    calibration_config,
    project_config,
    reported_indicators,
    simulate,
)
from hdsim.calibration.smc import SMCSettings, abc_smc, weighted_quantile
from hdsim.calibration.targets import (
    TARGETS_FILE,
    CalibrationError,
    distance,
    load_targets,
    statistics,
)
from hdsim.config.frame import CalibrationUse
from hdsim.data import load_county_data
from hdsim.model.scenarios import load_scenario
from hdsim.paths import CONFIG_DIR
from hdsim.run import config_hash

HEADER = TARGETS_FILE.read_text(encoding="utf-8").splitlines()[0]

# --------------------------------------------------------------------------------------------
# Targets and statistics
# --------------------------------------------------------------------------------------------


def _series(values: dict[str, list[float]], dates: list[str]) -> pd.DataFrame:
    rows = [
        {"date": pd.Timestamp(d), "indicator": k, "value": v[i]}
        for k, v in values.items()
        for i, d in enumerate(dates)
    ]
    return pd.DataFrame(rows)


def _write_targets(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_packaged_targets_load_with_sources_and_every_fitted_kind():
    targets = load_targets()
    table = targets.table()
    assert table["source"].str.len().min() > 10
    assert set(table["kind"]) == {"point", "bound", "check"}
    assert targets.latest_group() == "bulletin_2022"
    assert {"population_2022", "rate_2022"} <= set(targets.fitted.ids)


def test_statistics_follow_their_definitions(tmp_path):
    dates = ["2020-11-01", "2020-11-30", "2020-12-31", "2021-12-31"]
    county = _series(
        {
            "resident_population": [1000.0, 990.0, 980.0, 900.0],
            "urbanization_rate": [0.40, 0.41, 0.42, 0.45],
            "births": [0.0, 10.0, 10.0, 10.0],
        },
        dates,
    )
    path = _write_targets(
        tmp_path / "t.csv",
        [
            "lvl,g,point,level,urbanization_rate,,2020-12-31,0.42,0.01,,,fraction,s,official,",
            "pace,g,point,pace,resident_population,2020-11-01,2021-12-31,-0.1,0.01,,,"
            "per year,s,official,",
            "chg,g,bound,change,urbanization_rate,2020-11-01,2021-12-31,,0.01,0.0,0.01,"
            "per year,s,derived,",
            "cbr,g,point,per_1000,births,2020-11-01,2020-12-31,10,1,,,per mille,s,official,",
        ],
    )
    targets = load_targets(path)
    stats = statistics(county, targets)
    years = (pd.Timestamp("2021-12-31") - pd.Timestamp("2020-11-01")).days / 365.25
    assert stats[0] == pytest.approx(0.42)
    assert stats[1] == pytest.approx((900 / 1000) ** (1 / years) - 1)
    assert stats[2] == pytest.approx(0.05 / years)
    two_months = (pd.Timestamp("2020-12-31") - pd.Timestamp("2020-11-01")).days / 365.25
    assert stats[3] == pytest.approx(20 / np.mean([1000, 990, 980]) * 1000 / two_months)
    # the bound is violated (pace 0.043/yr > 0.01): only its overshoot counts
    z_bound = (stats[2] - 0.01) / 0.01
    z_pace = (stats[1] + 0.1) / 0.01
    z_cbr = (stats[3] - 10) / 1
    assert distance(stats, targets) == pytest.approx(np.sqrt(z_pace**2 + z_bound**2 + z_cbr**2))


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("x,g,sometimes,level,urbanization_rate,,2022-12-31,0.4,0.01,,,f,s,official,", "kind"),
        ("x,g,point,level,urbanization_rate,,2022-12-31,0.4,,,,f,s,official,", "sd"),
        ("x,g,point,pace,resident_population,,2022-12-31,-0.01,0.01,,,f,s,official,", "start"),
        ("x,g,point,level,urbanization_rate,,2022-13-45,0.4,0.01,,,f,s,official,", "date"),
        ("x,g,point,level,urbanization_rate,,2022-12-31,0.4,0.01,,,f,s,rumour,", "confidence"),
        (
            "x,g,bound,change,urbanization_rate,2020-11-01,2022-12-31,,0.01,0.02,0.01,f,s,derived,",
            "lo",
        ),
    ],
)
def test_a_bad_target_row_is_one_line_naming_row_and_column(tmp_path, row, column):
    path = _write_targets(tmp_path / "bad.csv", [row])
    with pytest.raises(CalibrationError) as err:
        load_targets(path)
    message = str(err.value)
    assert "\n" not in message and "row 2" in message and column in message


def test_the_calibrate_command_reports_a_bad_targets_file_on_one_line(tmp_path):
    bad = _write_targets(
        tmp_path / "bad.csv",
        ["x,g,point,level,urbanization_rate,,2022-12-31,0.4,0.01,,,f,,quoted,"],
    )
    exe = Path(sys.executable).with_name("hdsim-calibrate")
    proc = subprocess.run(
        [str(exe), "--targets", str(bad), "--out", str(tmp_path / "job")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "source" in proc.stderr


# --------------------------------------------------------------------------------------------
# Priors and the ABC-SMC sampler on a problem with a known answer
# --------------------------------------------------------------------------------------------


def test_packaged_priors_lie_inside_the_schema_and_cover_the_hand_calibration():
    prior = load_priors()
    behaviour = project_config().behaviour
    for j, name in enumerate(prior.names):
        value = get_parameter(behaviour, name)
        assert prior.lo[j] <= value <= prior.hi[j], name
    with pytest.raises(CalibrationError):
        with_parameters(behaviour, {"demography.departure_rate": 1.5})


def test_abc_smc_recovers_the_mean_of_a_noisy_toy_model(tmp_path):
    """Toy model: two statistics = parameters + N(0, 0.05) noise, observed at (0.3, 0.7).

    The exact posterior under the targets' error model (observation = simulation + N(0, 0.05²))
    has sd 0.05·√2, a 90% interval 0.26 of the prior's (U[0, 1]). Tolerance: medians within
    0.05 of the truth, 90% interval between 0.2 and 0.33 of the prior's.
    """
    path = _write_targets(
        tmp_path / "toy.csv",
        [
            "a,g,point,level,a,,2021-12-31,0.3,0.05,,,x,toy,estimate,",
            "b,g,point,level,b,,2021-12-31,0.7,0.05,,,x,toy,estimate,",
        ],
    )
    targets = load_targets(path)
    prior = Prior(("x.a", "x.b"), np.zeros(2), np.ones(2), np.zeros(2, dtype=bool))
    rng = np.random.default_rng(5)

    def toy(batch: list[dict[str, float]]) -> np.ndarray:
        theta = np.array([[p["x.a"], p["x.b"]] for p in batch])
        return theta + rng.normal(0, 0.05, theta.shape)

    settings = SMCSettings(particles=200, first=800, per_generation=600, generations=3, seed=1)
    result = abc_smc(prior, toy, targets, settings=settings)
    assert result.simulations == settings.budget
    table = identifiability_table(prior, result.internal, result.weights)
    assert table["post_median"].to_numpy() == pytest.approx([0.3, 0.7], abs=0.05)
    assert table["width_ratio"].between(0.2, 1 / 3).all()
    assert (table["status"] == "identified").all()


# --------------------------------------------------------------------------------------------
# Twin experiment on the model itself, and adding a target row
# --------------------------------------------------------------------------------------------

TWIN_TRUTH = {"demography.departure_rate": 0.10, "location.asc_county_city": 2.3}
TWIN_SCALE = 0.05
# The twin's rate row is measured to 0.05 point. With the housing market rationing the county
# city, the rate moves little with asc_county_city: on the posterior's point values of
# 2026-12-01 (dated village mergers) 43.27% at 1.5, 43.58% at 2.3, 44.38% at 4.5 (means of 3
# runs at scale 0.02, 0.37 points per unit), while runs of one draw scatter by 0.3-0.5 points
# at 0.02. At that scale the 90% interval kept 80% of the prior's width and the median missed
# the truth by 0.66; at 0.05 the scatter is about 1.6 times smaller and the fit recovers the
# truth within the tolerances below.
TWIN_RATE_SD = 0.0005
TWIN_WORLD = {
    "demography.mortality_multiplier": 1.021,
    "demography.fertility_multiplier": 0.8787,
    "demography.return_rate": 0.03282,
    "location.consider_rate": 0.06105,
    "location.rr_school_entry": 2.469,
    "location.rr_junior_middle": 2.743,
    "location.moving_cost": 2.205,
    "location.asc_seat": 0.6743,
    "location.asc_outside": -0.8895,
    "townships.builtup_growth_share": 0.04314,
    "classification.seat_growth_share": 0.03351,
    "classification.zone_residents_per_job": 0.3206,
    "classification.upgrade_joined_share": 0.1942,
    "migration.in_migration_rate": 0.005672,
    "family.school_split_rate": 0.01846,
    "family.work_split_rate": 0.006891,
}
"""The twin's world: the other calibrated parameters at the posterior medians of 2026-12-01
(the fit the tolerances above were measured on), pinned here so that a re-fit of the county's
posterior does not move the ground of the twin. On the re-fit of 2026-12-02 (weakly identified
constants moved, e.g. asc_outside -0.89 -> -0.47) the county city's constant moved the rate
less and the median missed the truth by 0.53 against the 0.45 allowed."""


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    """Data made by the model at TWIN_TRUTH, then two fits sharing 80 prior draws.

    Fit "both" uses the end-2022 population and rate; fit "population" only the population.
    The targets files differ by one row (the rate), as when a planner adds a bulletin row.
    """
    folder = tmp_path_factory.mktemp("twin")
    data = load_county_data()
    rows = [
        "population_2022,twin,point,level,resident_population,,2022-12-31,{pop},2000,,,persons,"
        "model run at the twin truth,estimate,",
    ]
    pop_only = load_targets(_write_targets(folder / "pop.csv", [r.format(pop=0) for r in rows]))
    world = [f"behaviour.{key}={value}" for key, value in TWIN_WORLD.items()]
    cfg = calibration_config(project_config(world), pop_only, TWIN_SCALE, seed=777)
    probe = load_targets(
        _write_targets(
            folder / "probe.csv",
            [
                rows[0].format(pop=0),
                "rate_2022,twin,point,level,urbanization_rate,,2022-12-31,0.4,0.003,,,fraction,"
                "model run at the twin truth,estimate,",
            ],
        )
    )
    truth_stats = np.mean(
        [simulate(cfg, TWIN_TRUTH, 10_000 + r, probe, data)[0] for r in range(3)], axis=0
    )
    pop_row = rows[0].format(pop=round(truth_stats[0]))
    rate_row = (
        f"rate_2022,twin,point,level,urbanization_rate,,2022-12-31,{truth_stats[1]:.5f},"
        f"{TWIN_RATE_SD},,,"
        "fraction,model run at the twin truth,estimate,"
    )
    population = load_targets(_write_targets(folder / "pop.csv", [pop_row]))
    both = load_targets(_write_targets(folder / "both.csv", [pop_row, rate_row]))
    prior = Prior(
        tuple(TWIN_TRUTH),
        np.array([0.02, 1.5]),
        np.array([0.14, 4.5]),
        np.zeros(2, dtype=bool),
    )
    settings = SMCSettings(particles=25, first=80, per_generation=40, generations=2, seed=11)
    with Simulator(cfg, both, n_jobs=1) as sim:
        u0 = prior.sample(np.random.default_rng(3), settings.first)
        stats0 = sim([prior.as_dict(x) for x in prior.to_natural(u0)])
        fit_both = abc_smc(prior, sim, both, settings=settings, initial=(u0, stats0))
    fit_pop = abc_smc(
        prior,
        lambda batch: pytest.fail("the population-only fit must reuse the shared draws"),
        both,
        fitted_ids=population.ids,
        settings=dataclasses.replace(settings, generations=0),
        initial=(u0, stats0),
    )
    return {
        "prior": prior,
        "both": fit_both,
        "population": fit_pop,
        "targets": (population, both),
    }


def test_twin_experiment_recovers_the_parameters_that_made_the_data(twin):
    """Tolerance: the truth lies in the posterior 5-95% interval, the posterior median within
    15% of the prior range of the truth, and the posterior 90% interval is at most half the
    prior's for the departure rate (the population pins it) and 70% for the county city's
    constant (the rate's sd of 0.1 point and the runs' own scatter of about 0.2 allow about
    ±0.5 around it, against a prior range of 3)."""
    prior, fit = twin["prior"], twin["both"]
    table = identifiability_table(prior, fit.internal, fit.weights).set_index("parameter")
    narrowing = {"demography.departure_rate": 0.5, "location.asc_county_city": 0.7}
    for j, (name, truth) in enumerate(TWIN_TRUTH.items()):
        row = table.loc[name]
        assert row.post_p05 <= truth <= row.post_p95, (name, row.to_dict())
        assert abs(row.post_median - truth) <= 0.15 * (prior.hi[j] - prior.lo[j]), name
        assert row.width_ratio <= narrowing[name], (name, row.width_ratio)


def test_adding_a_target_row_changes_the_calibration(twin):
    """The rate row constrains asc_county_city: without it the county city's constant stays
    near its prior (90% width ratio above 0.6); with it the interval is at most 70% as wide and
    the median moves closer to the truth."""
    population, both = twin["targets"]
    assert population.checksum != both.checksum and len(both) == len(population) + 1
    prior = twin["prior"]
    widths = {}
    medians = {}
    for key in ("population", "both"):
        fit = twin[key]
        table = identifiability_table(prior, fit.internal, fit.weights).set_index("parameter")
        widths[key] = table.loc["location.asc_county_city", "width_ratio"]
        medians[key] = table.loc["location.asc_county_city", "post_median"]
    assert widths["population"] > 0.6
    assert widths["both"] <= 0.7 * widths["population"]
    truth = TWIN_TRUTH["location.asc_county_city"]
    assert abs(medians["both"] - truth) < abs(medians["population"] - truth)


def test_backtest_table_predicts_held_out_targets_from_the_same_runs(twin):
    fit = twin["population"]
    table = predictive_table(fit.targets, fit.stats, fit.weights)
    rate = table.set_index("id").loc["rate_2022"]
    x = fit.stats[:, fit.targets.ids.index("rate_2022")]
    assert rate.sim_mean == pytest.approx(float(fit.weights @ x))
    assert rate.sim_p05 <= rate.sim_mean <= rate.sim_p95
    assert rate.error == pytest.approx(rate.sim_mean - rate.observed)


# --------------------------------------------------------------------------------------------
# The stored posterior and the hook scenario runs use
# --------------------------------------------------------------------------------------------


def test_the_stored_ensemble_reproduces_its_targets_when_re_run():
    """Six replicates drawing from the packaged posterior at its calibration scale: the mean
    end-2022 rate within 2 sd of 41.5% under the bulletin's error model (an annual estimate 2.17
    years after the census, sd 1.65 points with the discrepancy: targets.csv), the population
    within 1% of 626,800, and every fitted point target within 2.5 sd."""
    post = read_posterior()
    scale = float(post.meta.get("scale", 0.05))
    base = project_config()
    cfg = calibration_config(base, load_targets(), scale, seed=base.seed)
    targets, _ = load_targets().available(reported_indicators(cfg))
    cfg = dataclasses.replace(
        cfg, calibration=dataclasses.replace(cfg.calibration, use=CalibrationUse.posterior)
    )
    data = load_county_data()
    from hdsim.calibration.effective import run_effective

    stats = np.vstack([statistics(run_effective(cfg, r, data).county, targets) for r in range(6)])
    table = predictive_table(targets, stats).set_index("id")
    assert abs(table.loc["rate_2022", "z"]) <= 2.0
    assert abs(table.loc["population_2022", "sim_mean"] / 626_800 - 1) <= 0.01
    points = table[table["kind"] == "point"]
    assert (points["z"].abs() <= 2.5).all(), points[["sim_mean", "observed", "z"]]


def test_the_point_estimate_in_the_yaml_reproduces_2022():
    """Four runs of the YAML values (calibration.use=point) at scale 0.05: rate within 2 sd of
    41.5% under the bulletin's error model and population within 1% of 626,800 at end 2022."""
    base = project_config(["calibration.use=point"])
    cfg = calibration_config(base, load_targets(), 0.05, seed=base.seed)
    data = load_county_data()
    targets, _ = load_targets().available(reported_indicators(cfg, data))
    stats = np.vstack([simulate(cfg, {}, r, targets, data)[0] for r in range(4)])
    table = predictive_table(targets, stats).set_index("id")
    assert abs(table.loc["rate_2022", "z"]) <= 2.0
    assert abs(table.loc["population_2022", "sim_mean"] / 626_800 - 1) <= 0.01


@pytest.fixture()
def three_particles(tmp_path):
    names = ("location.consider_rate", "demography.departure_rate")
    values = np.array([[0.05, 0.03], [0.10, 0.07], [0.20, 0.11]])
    frame = posterior_frame(names, values, np.ones(3), np.zeros(3))
    return write_posterior(frame, {"scale": 0.05}, tmp_path)


def _scenario_cfg(name: str, posterior: Path, use: str = "posterior"):
    cfg = project_config([f"calibration.use={use}", f"calibration.file={posterior}"])
    return dataclasses.replace(cfg, scenario=load_scenario(name))


def test_scenarios_of_one_replicate_share_their_posterior_draw(three_particles):
    base = _scenario_cfg("baseline", three_particles)
    policy = _scenario_cfg("seven_actions", three_particles)
    draws = [calibration_draw(base, r)["particle"] for r in range(30)]
    assert draws == [calibration_draw(policy, r)["particle"] for r in range(30)]
    assert set(draws) == {0, 1, 2}  # replicates do draw different particles
    for r in range(5):
        a = calibrated_config(base, r).behaviour
        b = calibrated_config(policy, r).behaviour
        assert a == b
        particle = read_posterior(three_particles).particle(draws[r])
        assert a.location.consider_rate == particle["location.consider_rate"]


def test_design_rows_draw_their_own_particle_unless_they_share_streams(three_particles):
    """Rows of an uncertainty sample (own streams) spread over the posterior within one
    replicate; rows of a Sobol/Morris design (``crn_across_samples``) keep the replicate's
    particle, so for a replicate the model stays a function of the sampled parameters."""
    base = _scenario_cfg("baseline", three_particles)

    def row(sample_id: int, shared: bool):
        exp = dataclasses.replace(
            base.experiment, sample_id=sample_id, crn_across_samples=shared
        )
        return dataclasses.replace(base, experiment=exp)

    own = {calibration_draw(row(s, False), 0)["particle"] for s in range(30)}
    assert own == {0, 1, 2}
    replicate_particle = calibration_draw(base, 0)["particle"]
    shared = {calibration_draw(row(s, True), 0)["particle"] for s in range(30)}
    assert shared == {replicate_particle}


def test_point_option_keeps_the_configured_behaviour(three_particles):
    cfg = _scenario_cfg("baseline", three_particles, use="point")
    assert calibrated_config(cfg, 3) is cfg
    assert calibration_draw(cfg, 3) == {"use": "point"}


def test_a_new_posterior_changes_the_run_hash_so_old_runs_are_not_reused(three_particles):
    cfg = _scenario_cfg("baseline", three_particles)
    from hdsim.calibration.effective import effective_config

    before = config_hash(effective_config(cfg, 0))  # the hash resume compares: the run's
    frame = pd.read_csv(three_particles)
    frame.loc[0, "location.consider_rate"] = 0.06
    write_posterior(frame, {}, three_particles.parent)
    assert config_hash(effective_config(cfg, 0)) != before


def test_design_parameters_keep_their_sampled_values(three_particles):
    cfg = _scenario_cfg("baseline", three_particles)
    if not hasattr(cfg, "experiment"):
        pytest.skip("no experiment section in this config")
    design = dataclasses.replace(
        cfg.experiment.design, parameters={"behaviour.location.consider_rate": [0.01, 0.5]}
    )
    cfg = dataclasses.replace(cfg, experiment=dataclasses.replace(cfg.experiment, design=design))
    draw = calibration_draw(cfg, 0)
    assert draw["kept_from_design"] == ["location.consider_rate"]
    assert "location.consider_rate" not in draw["values"]


def test_a_broken_posterior_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "posterior.csv"
    bad.write_text("particle,weight,distance,location.nonsense\n0,1,0,0.5\n")
    with pytest.raises(CalibrationError) as err:
        read_posterior(bad)
    assert "\n" not in str(err.value) and "nonsense" in str(err.value)


def test_installing_a_point_rewrites_only_the_fitted_yaml_lines(tmp_path):
    yaml = tmp_path / "hongtong.yaml"
    shutil.copy(CONFIG_DIR / "behaviour" / "hongtong.yaml", yaml)
    before = yaml.read_text().splitlines()
    point = {"location.consider_rate": 0.123456, "townships.builtup_growth_share": 0.0432}
    update_behaviour_yaml(yaml, point, "calibrated: test")
    after = yaml.read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 2
    assert any("consider_rate: 0.1235" in b and "(calibrated: test)." in b for _, b in changed)
    assert any("builtup_growth_share: 0.0432" in b for _, b in changed)


def test_packaged_posterior_records_how_it_was_made():
    post = read_posterior(POSTERIOR_FILE)
    assert {"hdsim_version", "created", "method"} <= set(post.meta)
    assert np.isclose(post.weights.sum(), 1.0)
    prior = load_priors()
    assert set(post.names) == set(prior.names)


# --------------------------------------------------------------------------------------------
# Comparators
# --------------------------------------------------------------------------------------------


def test_comparators_pass_through_the_observations_and_differ_later():
    targets = load_targets()
    observed = observed_rates(targets)
    at = pd.DatetimeIndex(observed["date"])
    assert linear_trend(observed, at) == pytest.approx(observed["rate"].to_numpy(), abs=1e-9)
    assert logistic_fit(observed, at) == pytest.approx(observed["rate"].to_numpy(), abs=1e-9)
    assert urgd_projection(observed, at) == pytest.approx(observed["rate"].to_numpy(), abs=1e-9)
    far = year_ends(2060, 2060)
    # the UN method's growth difference converges to its norm, the logistic to its ceiling
    assert urgd_projection(observed, far)[0] < linear_trend(observed, far)[0]
    assert logistic_fit(observed, far)[0] < 0.75
    with pytest.raises(CalibrationError):
        logistic_fit(observed, far, ceiling=0.4)
    table = comparator_table(targets, None, 2030)
    assert set(table["method"]) >= {"linear trend", "UN urban-rural growth difference"}


def test_weighted_quantile_matches_numpy_for_equal_weights():
    x = np.random.default_rng(0).normal(size=2001)
    assert weighted_quantile(x, np.ones_like(x), 0.5) == pytest.approx(np.median(x), abs=0.01)


def test_identified_directions_find_a_ridge_that_no_single_parameter_shows():
    """Posterior sample on a ridge a + b = 1 (±0.02) inside U[0,1]²: neither parameter is
    identified on its own (width ratio > 0.8), the combination a + b is (sd ratio < 0.2)."""
    prior = Prior(("x.a", "x.b"), np.zeros(2), np.ones(2), np.zeros(2, dtype=bool))
    rng = np.random.default_rng(2)
    a = rng.random(4000)
    b = np.clip(1 - a + rng.normal(0, 0.02, a.size), 0, 1)
    sample = np.column_stack([a, b])
    weights = np.ones(a.size)
    table = identifiability_table(prior, sample, weights)
    assert (table["status"] == "not identified").all()
    directions = identified_directions(prior, sample, weights)
    assert directions.loc[0, "sd_ratio"] < 0.2
    assert "x.a" in directions.loc[0, "combination"] and "x.b" in directions.loc[0, "combination"]
    assert directions.loc[1, "status"] == "not identified"


def test_the_pipeline_writes_its_report_and_installs_where_told(tmp_path):
    """The whole hdsim-calibrate pipeline on a tiny budget (scale 0.01, ~20 runs), installing
    into temporary copies of the package folder and the behaviour YAML."""
    yaml = tmp_path / "hongtong.yaml"
    shutil.copy(CONFIG_DIR / "behaviour" / "hongtong.yaml", yaml)
    tiny = SMCSettings(particles=4, first=8, per_generation=4, generations=1)
    request = CalibrationRequest(
        out_dir=tmp_path / "job",
        scale=0.01,
        settings=tiny,
        backtest_settings=dataclasses.replace(tiny, seed=tiny.seed + 1),
        check_replicates=1,
        predictive_replicates=2,
        comparator_end_year=2026,
        force=True,
        posterior_dir=tmp_path / "package",
        behaviour_file=yaml,
    )
    lines: list[str] = []
    outcome = calibrate(request, say=lines.append)
    assert outcome.installed
    job = tmp_path / "job"
    for name in (
        "report.md",
        "posterior.csv",
        "posterior.json",
        "backtest.csv",
        "fit.csv",
        "identifiability.csv",
        "comparators.parquet",
        "comparators.png",
        "drivers.csv",
    ):
        assert (job / name).exists(), name
    report = (job / "report.md").read_text()
    for title in ("Back-test (held out: bulletin_2022)", "Prior versus posterior", "Comparators"):
        assert title in report
    installed = read_posterior(tmp_path / "package" / "posterior.csv")
    assert installed.meta["simulations"] == 8 + 4 + 4
    assert installed.meta["point_estimate"] == pytest.approx(outcome.point)
    assert yaml.read_text() != (CONFIG_DIR / "behaviour" / "hongtong.yaml").read_text()
    assert any(line.startswith("back-test") for line in lines)


def test_refresh_doc_replaces_only_the_generated_region(tmp_path):
    """The doc's generated tables are the report's sections, and only they change; a file
    without the markers is refused in one line."""
    from hdsim.calibration.report import DOC_BEGIN, DOC_END, refresh_doc

    doc = tmp_path / "calibration.md"
    shutil.copy(Path(__file__).resolve().parents[1] / "docs" / "calibration.md", doc)
    before = doc.read_text(encoding="utf-8")
    text = refresh_doc(doc, {"Posterior predictive check": "| a |\n|---|\n| 1 |\n"})
    assert "### Posterior predictive check\n\n| a |" in text
    head, tail = before.split(DOC_BEGIN)[0], before.split(DOC_END)[1]
    assert text.startswith(head + DOC_BEGIN) and text.endswith(DOC_END + tail)
    assert refresh_doc(doc, {"Posterior predictive check": "| b |\n"}).count(DOC_BEGIN) == 1
    plain = tmp_path / "plain.md"
    plain.write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(CalibrationError) as err:
        refresh_doc(plain, {})
    assert "\n" not in str(err.value) and "generated region" in str(err.value)


def test_the_calibrate_command_has_help_for_every_option():
    """``hdsim-calibrate --help`` gives every option one line of help text."""
    from hdsim.calibration.cli import parser

    actions = [a for a in parser()._actions if a.dest != "help"]
    assert actions and all(a.help and len(a.help) > 10 for a in actions)
