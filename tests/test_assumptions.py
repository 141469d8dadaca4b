"""``hdsim-assumptions``: which assumption each policy's gain rests on most.

Properties checked: the arms pair every changed scenario with the right baseline (a lever's
magnitude changes only its scenario; a behaviour parameter changes the baseline too, so the
gain stays a paired difference); the whole plan varies each lever's magnitudes together; the
tables are the same whatever the process count; bad input is one line and exit status 2.
"""

from __future__ import annotations

import pandas as pd
import pytest

from hdsim.composition import compose
from hdsim.config.fields import ConfigError
from hdsim.experiments.assumptions import (
    arm_config,
    assumptions_of,
    load_settings,
    main,
    plan_arms,
    run_assumptions,
)

TINY = ["households.scale=0.02", "horizon.end_year=2021", "horizon.target_year=2021"]


def test_lever_arms_share_the_baseline_and_behaviour_arms_rerun_it():
    cfg = {"hukou_reform": compose("hukou_reform", TINY)}
    found = {"hukou_reform": assumptions_of(cfg["hukou_reform"], ["location.beta_hukou"], 2.0, 3)}
    kinds = {a.kind for a in found["hukou_reform"]}
    assert kinds == {"lever", "behaviour"}
    arms = plan_arms(cfg, "baseline", found)
    baseline_arms = [a for a in arms if a.scenario == "baseline"]
    n_lever = sum(a.kind == "lever" for a in found["hukou_reform"])
    # the baseline as configured, plus the two behaviour settings; no baseline per lever field
    assert len(baseline_arms) == 3
    assert len(arms) == 1 + 1 + 2 * n_lever + 2 * 2
    assert all(k.startswith("behaviour.") for a in baseline_arms for k, _ in a.changes)
    assert len({a.name for a in arms}) == len(arms)


def test_the_whole_plan_varies_each_levers_magnitudes_together():
    cfg = compose("seven_actions", TINY)
    found = assumptions_of(cfg, [], 2.0, 3)
    keys = [a.key for a in found]
    assert keys and all(k.count(".") == 2 for k in keys)  # scenario.policies.<lever>
    industry = next(a for a in found if a.key == "scenario.policies.industrial_cluster")
    assert len(industry.settings["high"]) > 1
    for key, high in industry.settings["high"].items():
        low = industry.settings["low"][key]
        assert low < high


def test_every_arm_of_the_whole_plan_is_a_valid_configuration():
    """Integer magnitudes (jobs, dwellings) stay integers when halved or doubled, so every arm
    validates (a float for an int field was refused by the schema)."""
    cfg = compose("seven_actions", TINY)
    found = assumptions_of(cfg, ["location.beta_hukou"], 2.0, 3)
    for arm in plan_arms({"seven_actions": cfg}, "baseline", {"seven_actions": found}):
        base = cfg if arm.scenario == "seven_actions" else compose("baseline", TINY)
        arm_config(base, arm.changes)


def test_a_declared_uncertainty_range_is_tried_instead_of_halving():
    cfg = compose("hukou_reform", TINY)
    (beta,) = assumptions_of(cfg, ["location.beta_hukou"], 2.0, 0)[-1:]
    assert beta.key == "behaviour.location.beta_hukou"
    assert (beta.settings["low"][beta.key], beta.settings["high"][beta.key]) == (0.0, 0.3)


def test_the_tables_are_the_same_whatever_the_process_count(tmp_path):
    settings = load_settings(replicates=2, scale=0.02, behaviour=["location.beta_school"])
    serial = run_assumptions(TINY, ["public_services"], settings, tmp_path / "one", 1)
    pooled = run_assumptions(TINY, ["public_services"], settings, tmp_path / "two", 2)
    pd.testing.assert_frame_equal(serial, pooled)
    assert (serial["swing"] >= 0).all()
    assert set(serial["rank"]) == set(range(1, len(serial) + 1))
    md = (tmp_path / "one" / "assumptions.md").read_text(encoding="utf-8")
    assert "最依赖的假设" in md and "public_services" in md
    # rerunning into the same folder reuses every run and gives the same table
    again = run_assumptions(TINY, ["public_services"], settings, tmp_path / "one", 1)
    pd.testing.assert_frame_equal(serial, again)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--scenarios", "seven_acts"], "did you mean 'seven_actions'"),
        (["--behaviour", "location.nope"], "not a numeric behaviour parameter"),
        (["--replicates", "1"], "at least 2"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, says, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--out", str(tmp_path / "out"), *TINY])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and says in err
    assert not (tmp_path / "out").exists()


def test_settings_reject_a_factor_that_changes_nothing():
    with pytest.raises(ConfigError, match="factor"):
        load_settings(factor=1.0)


def test_arms_run_together_give_the_rates_and_files_of_arms_run_alone(tmp_path):
    """The arms of a replicate share their months before 2023-01 (``run_rates``); each arm's
    rate and files are those of its own run, and arms of different behaviour never share."""
    from hdsim.experiments.target import init_worker, run_rate, run_rates
    from hdsim.run import sharing_groups

    items = ["households.scale=0.02", "horizon.end_year=2023", "horizon.target_year=2023"]
    cfg = {"hukou_reform": compose("hukou_reform", items)}
    found = {"hukou_reform": assumptions_of(cfg["hukou_reform"], ["location.beta_hukou"], 2.0, 3)}
    arms = plan_arms(cfg, "baseline", found)
    scenario_cfg = {"baseline": compose("baseline", items), **cfg}
    configs = [arm_config(scenario_cfg[a.scenario], a.changes) for a in arms]
    groups = sharing_groups(configs, 3)
    assert sorted(i for g in groups for i in g) == list(range(len(arms)))
    assert all(len(g) <= 3 for g in groups) and any(len(g) > 1 for g in groups)
    for g in groups:  # a group never mixes behaviour settings
        assert all(configs[i].behaviour == configs[g[0]].behaviour for i in g)
    init_worker(None)
    group = max(groups, key=len)
    together = run_rates([(configs[i], tmp_path / "t" / arms[i].name) for i in group], 1)
    for i, rate in zip(group, together, strict=True):
        assert rate == run_rate(configs[i], 1, tmp_path / "a" / arms[i].name)
        for name in ("county.parquet", "township.parquet", "rate_change.parquet"):
            a = (tmp_path / "t" / arms[i].name / name).read_bytes()
            assert a == (tmp_path / "a" / arms[i].name / name).read_bytes(), name
