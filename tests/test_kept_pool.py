"""The outlook on the main job's kept workers gives the runs a fresh pool or one process gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import small_config

import hdsim.ensemble as ensemble
from hdsim.ensemble import release_pool, run_dir_for, run_ensemble

SCENARIOS = ("baseline", "seven_actions")


def _configs(end_year: int) -> list:
    return [small_config(s, 0.02, end_year=end_year) for s in SCENARIOS]


def test_a_kept_pool_runs_the_next_job_with_the_same_bytes_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reusing the workers (and their synthesis cache) changes no output; one pool is started."""
    started = []
    real = ensemble.process_pool

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(ensemble, "process_pool", counted)
    try:
        run_ensemble(_configs(2021), 2, tmp_path / "job", n_jobs=2, progress=False, keep_pool=True)
        assert ensemble._KEPT_POOL is not None
        run_ensemble(_configs(2022), 2, tmp_path / "next", n_jobs=2, progress=False)
    finally:
        release_pool()
    assert len(started) == 1  # the second job ran on the first one's workers
    assert ensemble._KEPT_POOL is None  # not kept unless asked
    run_ensemble(_configs(2022), 2, tmp_path / "serial", n_jobs=1, progress=False)
    for cfg in _configs(2022):
        for r in range(2):
            for name in ("county.parquet", "township.parquet"):
                a = run_dir_for(tmp_path / "next", cfg.scenario.name, r) / name
                b = run_dir_for(tmp_path / "serial", cfg.scenario.name, r) / name
                assert a.read_bytes() == b.read_bytes(), f"{a} differs"
