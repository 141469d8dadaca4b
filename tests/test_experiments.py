"""Experiments at scale: designs, seeds, sweeps under three launchers, resume and failure,
aggregation, sensitivity on known functions, PRIM on a known box, target seeking.

Sweeps run the real ``hdsim -m`` command at scale 0.02 with a handful of jobs.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from hdsim.config.fields import ConfigError
from hdsim.config.frame import DesignConfig, ExperimentConfig
from hdsim.experiments.design import apply_design, design_frame, design_size
from hdsim.experiments.discovery import prim
from hdsim.experiments.sensitivity import morris_indices, sobol_indices
from hdsim.experiments.target import Evaluation, find_thresholds, run_target
from hdsim.model.config import HdsimConfig
from hdsim.run import SAMPLE_STREAM_TAG, replicate_seed, run_seed

HDSIM = [str(Path(sys.executable).with_name("hdsim"))]
AGGREGATE = [sys.executable, "-m", "hdsim.experiments.aggregate"]
TINY = ["households.scale=0.02", "horizon.end_year=2025"]


def hdsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(HDSIM + list(args), cwd=cwd, capture_output=True, text=True, timeout=300)


def job_dirs(sweep: Path) -> list[Path]:
    return sorted(p for p in sweep.iterdir() if p.is_dir() and not p.name.startswith("."))


# ------------------------------------------------------------------------------------ designs


def _spec(method: str, samples: int) -> DesignConfig:
    return DesignConfig(
        method=method,
        samples=samples,
        seed=5,
        parameters={
            "behaviour.location.asc_county_city": [2.6, 3.6],
            "behaviour.hukou.residence_months": [6, 36],
            "scenario.policies.hukou_reform.intensity": [0, 2],
        },
    )


@pytest.mark.parametrize(
    ("method", "samples", "rows"), [("lhs", 7, 7), ("sobol", 4, 20), ("morris", 3, 12)]
)
def test_design_is_a_pure_function_of_its_block_and_stays_in_range(method, samples, rows):
    spec = _spec(method, samples)
    a, b = design_frame(spec), design_frame(_spec(method, samples))
    assert design_size(spec) == rows == len(a)
    pd.testing.assert_frame_equal(a, b)
    for key, (lo, hi) in spec.parameters.items():
        assert a[key].between(lo, hi).all()
    assert (a["behaviour.hukou.residence_months"] % 1 == 0).all()  # integer field rounded


def test_a_job_takes_its_design_row_and_bad_designs_fail_in_one_line():
    spec = _spec("lhs", 5)
    frame = design_frame(spec)
    cfg = HdsimConfig(experiment=ExperimentConfig(sample_id=3, design=spec))
    applied = apply_design(cfg)
    assert applied.behaviour.location.asc_county_city == pytest.approx(
        frame.loc[3, "behaviour.location.asc_county_city"]
    )
    assert applied.scenario.policies.hukou_reform.intensity == pytest.approx(
        frame.loc[3, "scenario.policies.hukou_reform.intensity"]
    )
    bad = [
        HdsimConfig(experiment=ExperimentConfig(sample_id=5, design=spec)),  # row 5 of 0..4
        HdsimConfig(experiment=ExperimentConfig(sample_id=0, design=DesignConfig())),
        HdsimConfig(
            experiment=ExperimentConfig(
                sample_id=0,
                design=DesignConfig(method="lhs", samples=2, parameters={"behaviour.nope": [0, 1]}),
            )
        ),
        HdsimConfig(
            experiment=ExperimentConfig(
                sample_id=0,
                design=DesignConfig(
                    method="lhs", samples=2, parameters={"behaviour.location.asc_seat": [0, 99]}
                ),
            )
        ),
    ]
    for cfg in bad:
        with pytest.raises(ConfigError) as err:
            apply_design(cfg)
        assert "\n" not in str(err.value)


def test_a_package_factor_scales_exactly_its_actions_switched_on_levers():
    """``package.action4`` multiplies every action-4 lever the scenario switches on and no
    other; a lever the design sets by its own key keeps that value; a lever that is off stays
    off; an unknown package fails in one line."""
    from hdsim.model.config import to_config
    from hdsim.model.scenarios import load_scenario
    from hdsim.policies.catalogue import lever_actions

    spec = DesignConfig(
        method="lhs",
        samples=4,
        parameters={
            "package.action4": [0.0, 2.0],
            "scenario.policies.schools.intensity": [0.0, 0.1],
        },
    )
    row = design_frame(spec).loc[2]
    plan = to_config(HdsimConfig(scenario=load_scenario("seven_actions")))
    job = apply_design(replace(plan, experiment=ExperimentConfig(sample_id=2, design=spec)))
    action4 = {n for n, a in lever_actions().items() if a == 4}
    assert {"schools", "hospitals", "public_services"} <= action4
    assert job.scenario.policies.public_services.intensity == 0.0  # legacy bundle: off, stays off
    for name, lever in vars(plan.scenario.policies).items():
        before = getattr(lever, "intensity", None)
        after = getattr(getattr(job.scenario.policies, name), "intensity", None)
        if name == "schools":
            assert after == pytest.approx(row["scenario.policies.schools.intensity"])
        elif name in action4 and before:
            assert after == pytest.approx(before * row["package.action4"])
        else:
            assert after == before, name
    base = to_config(HdsimConfig())  # the baseline switches no lever on: nothing to scale
    off = apply_design(replace(base, experiment=ExperimentConfig(sample_id=2, design=spec)))
    assert off.scenario.policies.hospitals.intensity == 0.0
    bad = DesignConfig(method="lhs", samples=2, parameters={"package.action9": [0.0, 1.0]})
    with pytest.raises(ConfigError, match=r"package\.action1") as err:
        design_size(bad)
    assert "\n" not in str(err.value)


# -------------------------------------------------------------------------------------- seeds


def test_policy_runs_share_streams_and_design_rows_never_collide():
    assert replicate_seed(9, 3).spawn_key == (3,)  # the default used by the core is unchanged
    states = {}
    for r in range(3):
        policy = replicate_seed(9, r)
        states[("policy", r)] = tuple(policy.generate_state(4))
        for i, child in enumerate(policy.spawn(8)):  # the model's own child streams
            states[("child", r, i)] = tuple(child.generate_state(4))
        for s in range(20):
            states[("row", r, s)] = tuple(replicate_seed(9, r, s).generate_state(4))
    assert len(set(states.values())) == len(states)
    row = HdsimConfig(experiment=ExperimentConfig(sample_id=4))
    assert run_seed(row, 2).spawn_key == (2, SAMPLE_STREAM_TAG, 4)
    shared = HdsimConfig(experiment=ExperimentConfig(sample_id=4, crn_across_samples=True))
    assert run_seed(shared, 2).spawn_key == (2,)


# --------------------------------------------------------------- sensitivity and discovery


def test_sobol_and_morris_rank_a_known_linear_function():
    from hdsim.experiments.design import design_matrix, design_parameters, salib_problem

    def model(x: np.ndarray) -> np.ndarray:  # x0 matters most, x2 not at all
        a = (x[:, 0] - 2.6) / 1.0
        b = (x[:, 1] - 6) / 30
        return 4 * a + 1 * b + 0 * x[:, 2]

    spec = _spec("sobol", 256)
    spec.parameters["behaviour.hukou.residence_months"] = [6, 36]
    problem = salib_problem(design_parameters(spec))
    s = sobol_indices(problem, model(design_matrix(spec))).set_index("parameter")
    names = problem["names"]
    assert s.loc[names[0], "ST"] > s.loc[names[1], "ST"] > s.loc[names[2], "ST"]
    assert abs(s.loc[names[2], "ST"]) <= s.loc[names[2], "ST_conf"] + 0.01
    assert s.loc[names[0], "S1"] - s.loc[names[0], "S1_conf"] > 0.8  # 16/17 of the variance

    spec_m = _spec("morris", 20)
    x = design_matrix(spec_m)
    m = morris_indices(salib_problem(design_parameters(spec_m)), x, model(x), 4).set_index(
        "parameter"
    )
    assert m.loc[names[0], "mu_star"] > m.loc[names[1], "mu_star"] > m.loc[names[2], "mu_star"]
    assert m.loc[names[2], "mu_star"] == pytest.approx(0.0, abs=1e-9)


def test_a_constant_output_has_no_sensitivity():
    from hdsim.experiments.design import design_parameters, salib_problem

    spec = _spec("sobol", 8)
    out = sobol_indices(salib_problem(design_parameters(spec)), np.zeros(design_size(spec)))
    assert out[["S1", "ST"]].isna().all().all()


def test_prim_recovers_a_known_box():
    rng = np.random.default_rng(1)
    x = rng.random((3000, 3))
    y = (x[:, 0] > 0.6) & (x[:, 1] < 0.3)
    box, trajectory = prim(x, y)
    assert abs(box.low[0] - 0.6) < 0.06 and box.high[0] > 0.99
    assert abs(box.high[1] - 0.3) < 0.06 and box.low[1] < 0.01
    assert box.low[2] < 0.01 and box.high[2] > 0.99  # x2 plays no role: not restricted
    assert box.coverage > 0.9 and box.density > 0.8
    densities = [b.density for b in trajectory]
    assert densities[-1] > densities[0]  # peeling concentrates the cases of interest
    assert all(a.mass >= b.mass for a, b in itertools.pairwise(trajectory))


def test_prim_covering_finds_two_separate_ways_to_the_target():
    """Cases of interest lie in two disjoint boxes (two different conditions): covering finds
    one box per condition, each restricting its own two parameters, and together they cover
    nearly all cases; coverage is counted against the whole sample, without double counting."""
    from hdsim.experiments.discovery import cover

    rng = np.random.default_rng(7)
    x = rng.random((4000, 5))
    first = (x[:, 0] > 0.75) & (x[:, 1] > 0.6)
    second = (x[:, 2] < 0.25) & (x[:, 3] < 0.4) & ~first
    y = first | second
    boxes = cover(x, y, max_boxes=3)
    assert len(boxes) >= 2
    found = []
    for box, _ in boxes[:2]:
        restricted = set(np.flatnonzero((box.low > 0.05) | (box.high < 0.95)))
        found.append(restricted)
        assert box.density > 0.75
    assert {0, 1} in found and {2, 3} in found
    assert 4 not in set().union(*found)  # x4 plays no role
    assert sum(b.coverage for b, _ in boxes) == pytest.approx(
        y[np.any([_inside_box(x, b) for b, _ in boxes], axis=0)].sum() / y.sum()
    )
    assert sum(b.coverage for b, _ in boxes) > 0.85


def test_prim_pruning_lifts_a_restriction_the_data_do_not_support():
    """A box with the two true conditions and a spurious trim on an irrelevant parameter:
    pruning lifts the trim (high quasi-p-value) and keeps both true conditions (tiny ones)."""
    from hdsim.experiments.discovery import Box, prune

    rng = np.random.default_rng(3)
    x = rng.random((2000, 3))
    y = (x[:, 0] > 0.6) & (x[:, 1] < 0.4)
    low, high = np.array([0.6, 0.0, 0.03]), np.array([1.0, 0.4, 0.96])  # x2 trimmed: noise
    pruned = prune(x, y, Box(low, high, 0.0, 0.0, 0.0, 0))
    assert pruned.low[2] <= x[:, 2].min() and pruned.high[2] >= x[:, 2].max()
    assert pruned.low[0] == 0.6 and pruned.high[1] == 0.4
    assert pruned.qp is not None and np.isnan(pruned.qp[2]) and np.nanmax(pruned.qp) < 1e-6


def _inside_box(x: np.ndarray, box) -> np.ndarray:
    return np.all((x >= box.low) & (x <= box.high), axis=1)


# ----------------------------------------------------------------------------- target seeking


def _threshold_evaluator(thresholds: np.ndarray):
    """P(reach | x) = share of replicates whose own threshold is <= x (monotone, like CRN)."""
    calls: list[float] = []

    def evaluate(x: float) -> Evaluation:
        calls.append(x)
        return Evaluation(x, int((thresholds <= x).sum()), len(thresholds))

    return evaluate, calls


def test_target_seeking_finds_the_smallest_value_within_tolerance():
    thresholds = np.array([0.3, 0.5, 0.7, 0.9, 1.1, 1.2, 1.3, 1.5, 1.7, 1.9])
    evaluate, calls = _threshold_evaluator(thresholds)
    answers, _ = find_thresholds(evaluate, 0.0, 2.0, [0.5, 0.8], tolerance=0.01)
    for a in answers:
        truth = np.sort(thresholds)[int(np.ceil(a.level * len(thresholds))) - 1]
        assert a.status == "reached"
        assert truth <= a.value <= truth + 0.01
        assert a.bracket_low < truth
    assert len(calls) == len(set(calls))  # no candidate evaluated twice


def test_target_seeking_says_when_a_level_is_not_reachable():
    evaluate, calls = _threshold_evaluator(np.array([0.5, 5.0, 5.0, 5.0]))
    answers, _ = find_thresholds(evaluate, 0.0, 2.0, [0.5, 0.8], tolerance=0.01)
    assert [a.status for a in answers] == ["not reachable within the lever's range"] * 2
    assert calls == [2.0]


def test_hdsim_target_on_the_model_reports_unreachable_and_writes_tables(tmp_path):
    answer, cand = run_target(
        ["scenario=hukou_reform", *TINY, "horizon.target_rate=0.99"],
        "scenario.policies.hukou_reform.intensity",
        [0.5],
        None,
        2,
        0.5,
        tmp_path,
    )
    assert answer.loc[0, "status"] == "not reachable within the lever's range"
    assert answer.loc[0, "range_high"] == 2.0 and len(cand) == 1
    assert (tmp_path / "target_seeking.csv").exists() and (tmp_path / "target.md").exists()
    keys = {
        json.loads((d / "provenance.json").read_text())["seed_spawn_key"][0]
        for d in (tmp_path / "candidates").glob("*/rep_*")
    }
    assert keys == {0, 1}
    with pytest.raises(ConfigError):
        run_target(
            TINY, "scenario.policies.hukou_reform.intensity", [0.5], (0, 3), 1, 0.1, tmp_path
        )


def test_hdsim_target_candidates_run_with_a_behaviour_override_over_the_posterior(tmp_path):
    """A behaviour key given to hdsim-target wins over the posterior draw in every candidate run
    (as it does for ``hdsim``): each run's config.yaml, what ran, holds the override."""
    run_target(
        ["scenario=hukou_reform", *TINY, "horizon.end_year=2021", "horizon.target_year=2021",
         "behaviour.location.consider_rate=0.2345"],
        "scenario.policies.hukou_reform.intensity", [0.5], (0.0, 1.0), 1, 0.5, tmp_path,
    )
    runs = sorted((tmp_path / "candidates").glob("*/rep_*/config.yaml"))
    assert runs
    for path in runs:
        ran = yaml.safe_load(path.read_text())
        assert ran["behaviour"]["location"]["consider_rate"] == 0.2345


# ------------------------------------------------------------------------------------ sweeps


@pytest.fixture(scope="module")
def launcher_sweeps(tmp_path_factory):
    """The same small experiment under the basic launcher, hdsim's pool, Hydra's stock joblib
    launcher and submitit_local."""
    root = tmp_path_factory.mktemp("launchers")
    args = ["-m", "+experiment=compare_scenarios", *TINY, "scenario=baseline,hukou_reform"]
    args += ["replicate=0"]
    out = {}
    for launcher in ("basic", "hdsim_joblib", "joblib", "hdsim_submitit_local"):
        sweep = root / launcher
        extra = [] if launcher == "basic" else [f"hydra/launcher={launcher}"]
        res = hdsim(*args, *extra, f"hydra.sweep.dir={sweep}", cwd=root)
        assert res.returncode == 0, res.stderr[-2000:]
        out[launcher] = sweep
    return out


def test_launchers_give_identical_per_run_outputs(launcher_sweeps):
    basic = launcher_sweeps["basic"]
    names = [d.name for d in job_dirs(basic)]
    assert len(names) == 2
    for launcher, sweep in launcher_sweeps.items():
        assert [d.name for d in job_dirs(sweep)] == names, launcher
        for name in names:
            a = pd.read_parquet(basic / name / "county.parquet")
            b = pd.read_parquet(sweep / name / "county.parquet")
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        timing = json.loads((sweep / "timing.json").read_text())
        assert timing["done"] == 2 and timing["failed"] == 0 and timing["runs_per_minute"] > 0
        assert timing["completed"] is True


def test_pool_worker_count_and_thread_limits(monkeypatch):
    """``n_jobs`` counts as joblib's does, and each worker's BLAS threads are capped at its
    share of the cores unless the user set them."""
    from hdsim.utils.pool import thread_limits, worker_count

    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert (worker_count(-1), worker_count(-2), worker_count(3), worker_count(-20)) == (8, 7, 3, 1)
    with pytest.raises(ValueError, match="n_jobs"):
        worker_count(0)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    limits = thread_limits(2)
    assert limits["OMP_NUM_THREADS"] == "4" and limits["MKL_NUM_THREADS"] == "3"
    assert thread_limits(16)["OPENBLAS_NUM_THREADS"] == "1"


def test_failed_runs_are_listed_others_aggregate_and_a_rerun_resumes(tmp_path):
    sweep = tmp_path / "sweep"
    args = ["-m", "+experiment=compare_scenarios", *TINY, "scenario=baseline", "replicate=0"]
    # intensity 5 is outside the lever's range: those jobs fail when they validate their config
    args += ["scenario.policies.hukou_reform.intensity=0,5", f"hydra.sweep.dir={sweep}"]
    first = hdsim(*args, cwd=tmp_path)
    assert first.returncode != 0  # a job failed: the command says so
    dirs = job_dirs(sweep)
    failed = [d for d in dirs if (d / "_ERROR").exists()]
    done = [d for d in dirs if (d / "_SUCCESS").exists()]
    assert len(failed) == 1 and len(done) == 1 and not set(failed) & set(done)
    assert "out of range" in (failed[0] / "_ERROR").read_text().splitlines()[0]
    timing = json.loads((sweep / "timing.json").read_text())
    assert timing["completed"] is True and (timing["done"], timing["failed"]) == (2, 1)
    assert "sweep done: 2 of 2 runs (0 resumed, 1 failed)" in first.stderr
    stamps = {d: (d / "county.parquet").stat().st_mtime_ns for d in done}

    agg = subprocess.run([*AGGREGATE, str(sweep)], capture_output=True, text=True, timeout=300)
    assert agg.returncode == 1, agg.stderr  # runs failed: non-zero, but everything written
    out = sweep / "aggregate"
    failures = pd.read_csv(out / "failures.csv")
    assert len(failures) == 1 and failures["error"].str.contains("intensity=5").all()
    index = pd.read_csv(out / "run_index.csv")
    assert sorted(index["status"]) == ["complete", "failed"]
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["replicate"].unique().tolist() == [0]  # the complete run only
    assert {"experiment", "scenario", "replicate", "date", "indicator", "value"} <= set(runs)

    again = hdsim(*args, cwd=tmp_path)
    assert again.returncode != 0
    for d in done:  # complete runs are skipped, not redone
        assert (d / "county.parquet").stat().st_mtime_ns == stamps[d]
        assert json.loads((d / "job.json").read_text())["resumed"] is True
    for d in failed:
        assert (d / "_ERROR").exists() and not (d / "_SUCCESS").exists()


def test_aggregate_statistics_are_consistent(launcher_sweeps):
    sweep = launcher_sweeps["basic"]
    agg = subprocess.run(
        [*AGGREGATE, str(sweep), "--out", str(sweep.parent / "agg_basic")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert agg.returncode == 0, agg.stderr
    out = sweep.parent / "agg_basic"
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["scenario"]) == {"baseline", "hukou_reform"}
    assert (summary["p_reach_lo"] <= summary["p_reach"]).all()
    assert (summary["p_reach"] <= summary["p_reach_hi"]).all()
    assert (summary["rate_p05"] <= summary["rate_mean"] + 1e-12).all()
    bands = pd.read_parquet(out / "bands.parquet")
    ok = (bands["p05"] <= bands["p50"] + 1e-12) & (bands["p50"] <= bands["p95"] + 1e-12)
    assert ok.all()
    crossing = pd.read_csv(out / "crossing_years.csv")
    assert np.allclose(crossing.groupby("scenario")["share"].sum(), 1.0)
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert (outcomes["reached"] == (outcomes["rate_target"] >= 0.55)).all()
    # the split of the rate's change adds up to the change itself, per run and so per group:
    # statistical + behavioural points to the end of the target year = rate there - rate at t0
    split = pd.read_csv(out / "rate_split.csv").set_index("scenario")
    assert np.allclose(split["statistical_pp"] + split["behavioural_pp"], split["total_pp"])
    runs = pd.read_parquet(out / "runs.parquet")
    rate = runs[runs["indicator"] == "urbanization_rate"].sort_values("date")
    start = rate.groupby("scenario", observed=True)["value"].first()
    change = outcomes.groupby("scenario", observed=True)["rate_target"].mean() - start
    assert np.allclose(split.loc[change.index, "total_pp"], 100 * change, atol=1e-9)
    assert (split["runs"] == 1).all()
    per_run = pd.read_parquet(out / "rate_change.parquet")
    assert set(per_run["part"]) == {"statistical", "behavioural"}


def test_a_design_sweep_runs_its_rows_and_feeds_sensitivity_and_prim(tmp_path):
    sweep = tmp_path / "morris"
    design = [
        "experiment.design.method=morris",
        "experiment.design.samples=1",  # one trajectory: 3 rows
        "++experiment.design.parameters={behaviour.location.asc_county_city:[2.6,3.6],"
        "package.action4:[0,2]}",
    ]
    base = ["-m", "+experiment=compare_scenarios", "experiment.name=tiny_morris", *TINY, *design]
    base += ["scenario=seven_actions", "scenario.policies.budget.allow_over_budget=true"]
    base += ["replicate=0"]
    too_far = hdsim(
        *base, "experiment.sample_id=range(0,4)", f"hydra.sweep.dir={sweep}x", cwd=tmp_path
    )
    assert too_far.returncode == 2 and "has 3 rows" in too_far.stderr
    assert not any((sweep.parent / "morrisx").glob("*/_SUCCESS"))  # refused before any job ran
    res = hdsim(*base, "experiment.sample_id=range(0,3)", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    agg = subprocess.run(
        [*AGGREGATE, str(sweep), "--prim-threshold", "0.3"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert agg.returncode == 0, agg.stderr
    out = sweep / "aggregate"
    design_csv = pd.read_csv(out / "design.csv")
    outcomes = pd.read_parquet(out / "outcomes.parquet").sort_values("sample_id")
    key = "behaviour.location.asc_county_city"
    assert np.allclose(outcomes[key].to_numpy(), design_csv[key].to_numpy())
    factors = pd.read_csv(out / "factors.csv").set_index("factor")
    assert factors.loc[key, "in_design"] and factors.loc[key, "kind"] == "uncertainty"
    assert factors.loc["package.action4", "in_design"]
    assert factors.loc["package.action4", "kind"] == "lever"
    # the intensities the package sets vary too, but are not factors of their own
    assert "scenario.policies.schools.intensity" not in factors.index
    assert len(pd.read_csv(out / "summary.csv")) == 1  # design rows pooled, not grouped
    summary = pd.read_csv(out / "summary.csv")  # behaviour sampled: a prior exploration
    assert summary["p_reach"].isna().all() and "prior exploration" in summary["basis"].iloc[0]
    morris = pd.read_csv(out / "sensitivity_morris.csv")
    assert set(morris["output"]) == {"rate_target"}  # no P(reach) over prior ranges
    assert set(morris["parameter"]) == {key, "package.action4"}
    assert (out / "prim_boxes.csv").exists() and "PRIM" in (out / "report.md").read_text()


_POOL_PARENT = """
import os, sys, time
from hdsim.utils.pool import process_pool

def worker_pid() -> int:
    return os.getpid()

if __name__ == "__main__":
    pool = process_pool(2)
    pids = {pool.submit(worker_pid).result() for _ in range(4)}
    print(" ".join(map(str, sorted(pids))), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"  # not a zombie


def test_pool_workers_exit_when_their_parent_is_killed(tmp_path):
    """A ``kill -9`` of the process that owns the pool leaves no worker running (no orphans)."""
    script = tmp_path / "parent.py"
    script.write_text(_POOL_PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert parent.stdout is not None
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert workers and all(_alive(p) for p in workers) and parent.pid not in workers
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(200):  # workers check on their parent every 0.5 s; allow them 20 s
        if not any(_alive(p) for p in workers):
            break
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers)


def test_pool_workers_get_their_share_of_blas_threads(monkeypatch):
    """Every driver's pool caps each worker's BLAS threads (cores // workers, at least 1)."""
    from hdsim.utils.pool import process_pool

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    with process_pool(2) as pool:
        seen = {pool.submit(os.getenv, "OPENBLAS_NUM_THREADS").result() for _ in range(4)}
    assert seen == {str(max(1, (os.cpu_count() or 1) // 2))}
