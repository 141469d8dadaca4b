"""Branching a running model into scenarios reproduces each scenario run alone, bit for bit.

The months before any lever acts are simulated once per replicate (``hdsim.model.branching``,
``hdsim.run.run_scenarios``); these tests hold the promise that this changes no output: every
scenario of the library, branched from the baseline, gives the frames of its own run.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import county_data, point, small_config

from hdsim.calibration.effective import effective_config
from hdsim.model.branching import BranchError, branch, first_lever_month, shared_months
from hdsim.model.model import CountyModel
from hdsim.model.scenarios import available_scenarios
from hdsim.run import RunResult, run_replicate, run_scenarios, run_seed
from hdsim.utils.calendar import month_index

SCALE = 0.02


def _frames(model: CountyModel) -> list[pd.DataFrame]:
    rec = model.recorder
    return [rec.county_frame(), rec.township_frame(), rec.rate_change_frame()]


def _alone(cfg, replicate: int = 0) -> list[pd.DataFrame]:
    model = CountyModel(cfg, data=county_data(), seed_sequence=run_seed(cfg, replicate))
    return _frames(model.run())


def _assert_same(a: list[pd.DataFrame], b: list[pd.DataFrame], what: str) -> None:
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True, obj=what)


def test_every_library_scenario_branched_from_the_baseline_equals_its_own_run():
    base_cfg = point(small_config("baseline", SCALE))
    names = [name for name in available_scenarios() if name != "baseline"]
    others = [point(small_config(name, SCALE)) for name in names]
    shared = {cfg.scenario.name: shared_months([base_cfg, cfg]) for cfg in others}
    assert max(shared.values()) > 0, "no scenario shares a month with the baseline"
    trunk = CountyModel(base_cfg, data=county_data(), seed_sequence=run_seed(base_cfg, 0))
    for months in sorted(set(shared.values()) - {0}):
        while trunk.steps < months:
            trunk.step()
        for cfg in others:
            if shared[cfg.scenario.name] == months:
                branched = _frames(branch(trunk, cfg).run())
                _assert_same(branched, _alone(cfg), cfg.scenario.name)
    _assert_same(_frames(trunk.run()), _alone(base_cfg), "baseline (the trunk)")


def test_a_branch_taken_before_the_last_shared_month_is_the_same_run():
    base_cfg = point(small_config("baseline", SCALE))
    cfg = point(small_config("seven_actions", SCALE))
    trunk = CountyModel(base_cfg, data=county_data(), seed_sequence=run_seed(base_cfg, 1))
    for _ in range(shared_months([base_cfg, cfg]) // 2):
        trunk.step()
    _assert_same(_frames(branch(trunk, cfg).run()), _alone(cfg, 1), "seven_actions at mid-way")


def test_a_branch_leaves_the_model_it_was_copied_from_unchanged():
    base_cfg = point(small_config("baseline", SCALE))
    cfg = point(small_config("seven_actions", SCALE))
    trunk = CountyModel(base_cfg, data=county_data(), seed_sequence=run_seed(base_cfg, 0))
    for _ in range(shared_months([base_cfg, cfg])):
        trunk.step()
    copy = branch(trunk, cfg)
    copy.run()  # the copy moves, ages and registers people, spends, and upgrades a township
    assert (
        copy.state is not trunk.state
        and copy.streams["demography"] is not trunk.streams["demography"]
    )
    assert copy.data is trunk.data  # the county data are shared, never written
    _assert_same(_frames(trunk.run()), _alone(base_cfg), "the trunk after its copy ran")


def test_shared_months_end_where_the_first_lever_of_any_scenario_starts():
    cfgs = [point(small_config(name, SCALE)) for name in ("baseline", "hukou_reform")]
    starts = [lever.start for lever in cfgs[1].scenario.policies.levers().values() if lever.is_on()]
    expected = min(month_index(cfgs[0].horizon.start, s) for s in starts)
    assert shared_months(cfgs) == expected == first_lever_month(cfgs[1]) > 0
    early = dataclasses.replace(cfgs[1].scenario.policies.hukou_reform, start=cfgs[0].horizon.start)
    policies = dataclasses.replace(cfgs[1].scenario.policies, hukou_reform=early)
    at_start = dataclasses.replace(
        cfgs[1], scenario=dataclasses.replace(cfgs[1].scenario, policies=policies)
    )
    assert shared_months([cfgs[0], at_start]) == 0  # a lever on from the first month
    assert shared_months(cfgs[:1]) == 0  # nothing to share with


def test_configs_that_differ_beyond_their_scenario_share_no_month():
    a = point(small_config("baseline", SCALE))
    b = point(small_config("seven_actions", SCALE))
    other_seed = dataclasses.replace(b, seed=b.seed + 1)
    assert shared_months([a, b]) > 0
    assert shared_months([a, other_seed]) == 0
    other_scale = point(small_config("seven_actions", 0.03))
    assert shared_months([a, other_scale]) == 0


def test_branching_after_a_lever_has_acted_is_refused():
    base_cfg = point(small_config("baseline", SCALE))
    cfg = point(small_config("seven_actions", SCALE))
    trunk = CountyModel(base_cfg, data=county_data(), seed_sequence=run_seed(base_cfg, 0))
    for _ in range(shared_months([base_cfg, cfg]) + 1):
        trunk.step()
    with pytest.raises(BranchError, match="do not share the months"):
        branch(trunk, cfg)


def test_run_scenarios_gives_each_scenario_the_result_of_its_own_run():
    names = ("baseline", "public_services", "seven_actions")
    cfgs = [effective_config(small_config(n, SCALE), 2) for n in names]
    results: dict[int, RunResult] = dict(run_scenarios(cfgs, 2, county_data()))
    assert sorted(results) == [0, 1, 2]
    for i, cfg in enumerate(cfgs):
        alone = run_replicate(cfg, 2, county_data())
        got = results[i]
        assert got.county["scenario"].eq(cfg.scenario.name).all()
        for x, y in (
            (got.county, alone.county),
            (got.township, alone.township),
            (got.rate_change, alone.rate_change),
        ):
            pd.testing.assert_frame_equal(x, y, check_exact=True, obj=cfg.scenario.name)


def test_a_main_job_run_records_the_model_time_it_shares_with_its_replicate(tmp_path):
    import json

    from hdsim.ensemble import run_dir_for, run_ensemble

    configs = [small_config(n, SCALE) for n in ("baseline", "seven_actions")]
    run_ensemble(configs, 1, tmp_path, n_jobs=1, progress=False)
    for cfg in configs:
        prov = json.loads(
            (run_dir_for(tmp_path, cfg.scenario.name, 0) / "provenance.json").read_text()
        )
        # the build and the 26 months before 2023-01 ran once for both scenarios
        assert prov["shared_by"] == 2 and prov["shared_seconds"] > 0 and prov["seconds"] > 0
