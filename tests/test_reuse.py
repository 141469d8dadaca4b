"""Reusing a replicate's synthesized county across its scenarios changes no result."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from conftest import county_data, small_config

from hdsim.calibration.effective import effective_config
from hdsim.ensemble import replicate_tasks, run_dir_for, run_ensemble
from hdsim.population.reuse import SynthesisCache
from hdsim.run import run_and_write, run_replicate

SCENARIOS = ("baseline", "seven_actions")


def _configs(scale: float = 0.02) -> list:
    return [small_config(s, scale, end_year=2022) for s in SCENARIOS]


def test_runs_built_from_a_reused_county_equal_runs_built_from_scratch_bit_for_bit():
    cache = SynthesisCache(size=1)
    for replicate in (0, 1):
        for cfg in _configs():
            eff = effective_config(cfg, replicate)
            fresh = run_replicate(eff, replicate, county_data())
            reused = run_replicate(eff, replicate, county_data(), cache)
            pd.testing.assert_frame_equal(reused.county, fresh.county, check_exact=True)
            pd.testing.assert_frame_equal(reused.township, fresh.township, check_exact=True)
    # one synthesis per replicate; the second scenario (and the first's rerun) reused it
    assert (cache.misses, cache.hits) == (2, 2)


def test_a_reused_county_is_a_copy_that_runs_cannot_change():
    cache = SynthesisCache(size=2)
    cfg = effective_config(_configs()[0], 0)
    first = run_replicate(cfg, 0, county_data(), cache)
    second = run_replicate(cfg, 0, county_data(), cache)  # the first run moved and aged people
    pd.testing.assert_frame_equal(first.county, second.county, check_exact=True)
    assert cache.hits == 1


def test_main_job_outputs_are_byte_identical_to_runs_written_one_by_one(tmp_path: Path):
    configs = _configs()
    job = tmp_path / "job"
    run_ensemble(configs, 2, job, n_jobs=1, progress=False)
    single = tmp_path / "single"
    for cfg in configs:
        for r in range(2):
            run_and_write(effective_config(cfg, r), r, run_dir_for(single, cfg.scenario.name, r))
    for cfg in configs:
        for r in range(2):
            for name in ("county.parquet", "township.parquet", "config.yaml"):
                a = run_dir_for(job, cfg.scenario.name, r) / name
                b = run_dir_for(single, cfg.scenario.name, r) / name
                assert a.read_bytes() == b.read_bytes(), f"{a} differs"


def test_replicate_tasks_hold_every_run_once_replicate_by_replicate(tmp_path: Path):
    configs = _configs()
    many = replicate_tasks(configs, 6, tmp_path, workers=2)
    assert [r for _, r in many] == list(range(6))  # one task per replicate: one synthesis each
    few = replicate_tasks(configs, 1, tmp_path, workers=2)
    assert len(few) == 2  # one replicate: split so that both workers have a run
    for tasks, reps in ((many, 6), (few, 1)):
        runs = sorted((str(d), r) for group, r in tasks for _, d in group)
        expected = sorted(
            (str(run_dir_for(tmp_path, c.scenario.name, r)), r)
            for c in configs
            for r in range(reps)
        )
        assert runs == expected
