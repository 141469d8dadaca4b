"""How sure the answer is (issue 14 item 4): probabilities from posterior-drawn runs, Shapley
effects for dependent inputs, and the outlook's P(reached the target by year)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import small_config

from hdsim.calibration.effective import effective_config
from hdsim.calibration.posterior import posterior_path, read_posterior
from hdsim.config.frame import CalibrationUse, DesignConfig, ExperimentConfig
from hdsim.experiments.design import (
    apply_design,
    behaviour_source,
    design_parameters,
    is_prior_exploration,
    probability_basis,
)
from hdsim.experiments.shapley import (
    gaussian_linear_shapley,
    shapley_effects,
    shapley_from_values,
)
from hdsim.model.config import HdsimConfig
from hdsim.paths import CONFIG_DIR

PROBABILITY_EXPERIMENTS = ("uncertainty_sample", "sensitivity_sobol", "sensitivity_morris")


def _experiment(name: str, sample_id: int) -> HdsimConfig:
    """The seven-actions config with design row ``sample_id`` of experiment ``name`` applied."""
    block = yaml.safe_load((CONFIG_DIR / "experiment" / f"{name}.yaml").read_text())
    exp = block["experiment"]
    cfg = small_config("seven_actions")
    cfg.experiment = ExperimentConfig(
        name=exp["name"],
        sample_id=sample_id,
        crn_across_samples=bool(exp.get("crn_across_samples", False)),
        design=DesignConfig(**exp["design"]),
    )
    cfg.scenario.policies.budget.allow_over_budget = True
    return apply_design(cfg)


# ------------------------------------------------------------ designs draw from the posterior


@pytest.mark.parametrize("name", PROBABILITY_EXPERIMENTS)
def test_probability_designs_vary_levers_only_and_are_not_prior_explorations(name: str) -> None:
    """The designs hdsim takes probabilities from sample no behaviour: it comes from the
    posterior; the prior-range design survives only as the labelled prior exploration."""
    cfg = _experiment(name, 0)
    kinds = {p.kind for p in design_parameters(cfg.experiment.design)}
    assert kinds == {"lever"}
    assert not is_prior_exploration(cfg.experiment.design)
    assert behaviour_source(cfg) == "posterior"
    prior = _experiment("prior_exploration", 0)
    assert is_prior_exploration(prior.experiment.design)
    assert behaviour_source(prior) == "prior"
    assert "no probability of the county" in probability_basis(100, "prior")


def test_each_design_row_runs_the_behaviour_of_one_posterior_particle() -> None:
    """Row k of uncertainty_sample runs with every fitted parameter equal to the posterior
    particle it drew (one particle per row), and the rows spread over many particles."""
    post = read_posterior(posterior_path(small_config()))
    particles = []
    for row in range(12):
        cfg = effective_config(_experiment("uncertainty_sample", row), replicate=0)
        index = cfg.calibration.particle
        assert index is not None
        drawn = post.particle(index)
        for key, value in drawn.items():
            group, name = key.split(".")
            assert getattr(getattr(cfg.behaviour, group), name) == pytest.approx(value, rel=1e-12)
        particles.append(index)
    assert len(set(particles)) >= 8  # one draw per row, not one for the whole design


def test_sobol_rows_of_one_replicate_share_its_particle() -> None:
    """Under crn_across_samples every row of a replicate draws the same particle, so a row's
    mean over replicates integrates the same posterior draws (the posterior as noise)."""
    drawn = {
        (row, rep): effective_config(
            _experiment("sensitivity_sobol", row), rep
        ).calibration.particle
        for row, rep in itertools.product(range(3), range(3))
    }
    for rep in range(3):
        assert len({drawn[(row, rep)] for row in range(3)}) == 1
    assert len({drawn[(0, rep)] for rep in range(3)}) > 1


def test_the_basis_sentence_names_the_runs_and_the_source() -> None:
    """Every probability's sentence says how many runs and where their behaviour came from."""
    assert probability_basis(40, "posterior") == (
        "from 40 runs drawing behaviour from the posterior fitted to 2020–22"
    )
    cfg = dataclasses.replace(
        small_config(),
        calibration=dataclasses.replace(small_config().calibration, use=CalibrationUse.point),
    )
    assert behaviour_source(cfg) == "point"
    assert "randomness only" in probability_basis(5, "point")
    with pytest.raises(ValueError, match="unknown behaviour source"):
        probability_basis(5, "guess")


# ------------------------------------------------------------ Shapley effects on a known toy


def test_exact_shapley_of_two_correlated_linear_inputs_matches_the_closed_form() -> None:
    """For Y = b1 X1 + b2 X2 with unit variances and correlation r, Sh_1 = (b1²(1 − r²/2) +
    r b1 b2 + b2² r²/2) / Var(Y) (Iooss & Prieur 2019); the effects add up to 1."""
    b1, b2, r = 1.0, 2.0, 0.5
    var = b1**2 + b2**2 + 2 * r * b1 * b2
    expected = (b1**2 * (1 - r**2 / 2) + r * b1 * b2 + b2**2 * r**2 / 2) / var
    got = gaussian_linear_shapley(np.array([b1, b2]), np.array([[1.0, r], [r, 1.0]]))
    assert got[0] == pytest.approx(expected, abs=1e-12)
    assert got.sum() == pytest.approx(1.0, abs=1e-12)


def test_exact_shapley_reduces_to_sobol_shares_for_independent_inputs() -> None:
    """With independent inputs a linear model's Shapley effects are b_j² Var(X_j) / Var(Y)."""
    beta = np.array([1.0, -2.0, 0.5])
    got = gaussian_linear_shapley(beta, np.eye(3))
    assert got == pytest.approx(beta**2 / (beta**2).sum(), abs=1e-12)


def test_shapley_value_of_an_additive_game_is_each_players_own_worth() -> None:
    """The combinatorial sum is exact: in v(S) = Σ_{j∈S} w_j each player gets w_j."""
    worth = [0.1, 0.5, 0.4]
    got = shapley_from_values(["a", "b", "c"], lambda s: sum(worth[j] for j in s))
    assert list(got.values()) == pytest.approx(worth, abs=1e-12)


def test_nearest_neighbour_shapley_recovers_a_linear_model_with_correlated_gaussian_inputs():
    """Given-data Shapley effects of Y = X1 + 2 X2 + 0.5 X3 with corr(X1, X2) = 0.6 and
    corr(X2, X3) = −0.3 are within 0.04 of the exact ones, and the deterministic output leaves
    almost nothing unexplained; a third of the noise variance shows up as unexplained."""
    beta = np.array([1.0, 2.0, 0.5])
    cov = np.array([[1.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 1.0]])
    exact = gaussian_linear_shapley(beta, cov)
    rng = np.random.default_rng(20201101)
    x = rng.multivariate_normal(np.zeros(3), cov, size=4000)
    frame = pd.DataFrame(x, columns=["x1", "x2", "x3"])
    table = shapley_effects(frame, x @ beta).set_index("parameter")["shapley"]
    assert table[["x1", "x2", "x3"]].to_numpy() == pytest.approx(exact, abs=0.04)
    assert abs(table["unexplained"]) < 0.03
    noise_var = 0.5 * float(beta @ cov @ beta)  # noise worth a third of the total variance
    noisy = x @ beta + rng.normal(0.0, np.sqrt(noise_var), size=len(x))
    shares = shapley_effects(frame, noisy).set_index("parameter")["shapley"]
    assert shares["unexplained"] == pytest.approx(1 / 3, abs=0.06)
    grouped = shapley_effects(frame, x @ beta, {"x1+x2": ["x1", "x2"], "x3": ["x3"]})
    assert grouped.set_index("parameter")["shapley"]["x3"] == pytest.approx(exact[2], abs=0.04)


def test_shapley_refuses_groups_that_miss_a_column() -> None:
    frame = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2})
    with pytest.raises(ValueError, match="every column"):
        shapley_effects(frame, frame["a"].to_numpy(), {"a": ["a"]})


# ------------------------------------------------------------ the outlook: P(reached by year)


def _synthetic_ensemble(runs: int, seed: int = 7) -> pd.DataFrame:
    """Year-end rates of ``runs`` random walks that can fall back below the target."""
    rng = np.random.default_rng(seed)
    years = np.arange(2025, 2036)
    rows = []
    for rep in range(runs):
        path = 0.47 + np.cumsum(rng.normal(0.008, 0.02, len(years)))
        for year, value in zip(years, path, strict=True):
            rows.append(("s", rep, pd.Timestamp(f"{year}-12-31"), "urbanization_rate", value))
    return pd.DataFrame(rows, columns=["scenario", "replicate", "date", "indicator", "value"])


def test_outlook_probability_of_reached_by_is_monotone_even_when_rates_fall_back() -> None:
    """A run that crossed and fell back again counts as "reached by year Y", so P is
    non-decreasing in the year, lies in [0, 1] inside its interval, and equals the share of
    runs whose running maximum is at or above the target."""
    from hdsim.outlook import outlook_table, year_end_rates

    ensemble = _synthetic_ensemble(60)
    cfg = small_config()
    table = outlook_table(ensemble, cfg, scale=0.03)
    assert (table["n"] == 60).all() and len(table) == 11
    assert table["p"].between(0, 1).all()
    assert ((table["p_lo"] <= table["p"]) & (table["p"] <= table["p_hi"])).all()
    assert (np.diff(table["p"].to_numpy()) >= 0).all()
    wide = year_end_rates(ensemble)
    running_max = wide.cummax(axis=1)
    for r in table.itertuples():
        assert r.reached == int((running_max[r.year] >= cfg.horizon.target_rate).sum())
    above = wide >= cfg.horizon.target_rate
    assert (above.mean().to_numpy() <= table["p"].to_numpy() + 1e-12).all()
    fell_back = (running_max >= cfg.horizon.target_rate) & ~above
    assert fell_back.to_numpy().any()  # some toy runs do fall back: the test can fail


def test_outlook_runs_draw_the_posterior_and_give_the_same_table_in_any_process_count(
    tmp_path,
) -> None:
    """The main job's outlook writes a tidy table whose P is the share of its posterior-drawn
    runs reached by each year, says so, and is identical with 1 or 2 processes."""
    from hdsim.outlook import COLUMNS, outlook_replicates, write_outlook

    cfg = small_config("seven_actions", scale=0.02)
    cfg.replicates = 1  # two outlook runs per pass
    cfg.horizon = dataclasses.replace(cfg.horizon, target_rate=0.47)
    cfg.output = dataclasses.replace(cfg.output, report=True)
    tables = []
    for jobs in (1, 2):
        cfg.n_jobs = jobs
        path = write_outlook([cfg], cfg, tmp_path / f"jobs{jobs}")
        assert path is not None
        tables.append(pd.read_csv(path))
    one, two = tables
    pd.testing.assert_frame_equal(one, two)
    assert list(one.columns) == list(COLUMNS)
    assert set(one["year"]) == set(range(2025, 2036))
    assert (one["n"] == outlook_replicates(1)).all()
    assert (one["behaviour"] == "posterior").all()
    assert one["basis"].iloc[0] == probability_basis(outlook_replicates(1), "posterior")
    assert (np.diff(one["p"].to_numpy()) >= 0).all() and one["p"].between(0, 1).all()


def test_too_many_drawn_parameters_are_grouped_for_an_exact_shapley_sum():
    """With more drawn parameters than an exact Shapley sum allows (the posterior now has 18),
    the behaviour grouping gives one player per parameter group, each parameter in exactly one;
    with few, each parameter stays its own player."""
    from hdsim.experiments.sensitivity import behaviour_players
    from hdsim.experiments.shapley import MAX_PLAYERS

    few = [f"behaviour.location.p{i}" for i in range(3)]
    assert behaviour_players(few) == {k: [k] for k in few}
    many = [f"behaviour.{g}.p{i}" for g in ("location", "demography", "family") for i in range(6)]
    players = behaviour_players(many)
    assert len(players) + 1 <= MAX_PLAYERS
    assert sorted(k for cols in players.values() for k in cols) == sorted(many)
