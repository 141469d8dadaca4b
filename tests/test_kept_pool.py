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


def _count_pools(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Make ``ensemble.process_pool`` record each pool it starts; return the record."""
    started: list[tuple] = []
    real = ensemble.process_pool

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(ensemble, "process_pool", counted)
    return started


def test_a_kept_pool_runs_the_next_job_with_the_same_bytes_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reusing the workers (and their synthesis cache) changes no output; one pool is started."""
    started = _count_pools(monkeypatch)
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


def test_a_pool_started_before_the_job_is_the_one_it_runs_on_and_changes_no_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``start_pool`` (the command starts the workers while it composes) of the job's shape
    is taken by ``run_ensemble``: one pool in all, outputs equal one process's bytes."""
    started = _count_pools(monkeypatch)
    configs = _configs(2021)
    try:
        assert ensemble.start_pool(2, len(configs) * 2, configs[0].data.dir)
        run_ensemble(configs, 2, tmp_path / "early", n_jobs=2, progress=False)
    finally:
        release_pool()
    assert len(started) == 1
    assert ensemble._KEPT_POOL is None
    run_ensemble(configs, 2, tmp_path / "serial", n_jobs=1, progress=False)
    assert (tmp_path / "early" / "ensemble.parquet").read_bytes() == (
        tmp_path / "serial" / "ensemble.parquet"
    ).read_bytes()


def test_a_started_pool_of_another_shape_is_not_used_and_one_run_starts_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job with fewer runs than the started workers gets a pool of its own size (the started
    one is shut down, not leaked); a job of one run starts no pool at all."""
    started: list[int] = []
    real = ensemble.process_pool

    def counted(workers, *args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(workers)
        return real(workers, *args, **kwargs)

    monkeypatch.setattr(ensemble, "process_pool", counted)
    assert not ensemble.start_pool(2, 1, None)  # one run: in this process
    assert started == [] and ensemble._KEPT_POOL is None
    configs = _configs(2021)[:1]
    try:
        assert ensemble.start_pool(2, 4, configs[0].data.dir)
        run_ensemble(configs, 1, tmp_path / "one", n_jobs=2, progress=False)
    finally:
        release_pool()
    assert started == [2]  # the single run ran here; the started pool was shut down
    assert ensemble._KEPT_POOL is None
