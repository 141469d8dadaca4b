"""The Python API gives what the ``hdsim`` command gives, and cannot disagree with it silently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import hdsim
from hdsim.config.fields import ConfigError

HDSIM = [str(Path(sys.executable).with_name("hdsim"))]
TINY = ["households.scale=0.02", "horizon.end_year=2021", "horizon.target_year=2021"]


def test_the_api_is_importable_from_the_package_without_building_a_model() -> None:
    code = "import sys, hdsim; hdsim.compose; hdsim.run_replicate; print('mesa' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # Mesa is imported when a model is built, not before


def test_python_m_hdsim_is_the_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hdsim", "--help"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0 and "Usage: hdsim" in proc.stdout


def test_effective_config_is_idempotent_and_records_the_particle() -> None:
    cfg = hdsim.compose("baseline", TINY)
    once = hdsim.effective_config(cfg, 3)
    assert cfg.calibration.particle is None and once.calibration.particle is not None
    assert hdsim.effective_config(once, 3) == once


def test_a_replicate_from_python_equals_the_command_line_run(tmp_path) -> None:
    args = ["scenario=hukou_reform", "replicate=3", *TINY, "output.report=false"]
    subprocess.run(
        [*HDSIM, *args, f"hydra.run.dir={tmp_path}"], check=True, capture_output=True, timeout=300
    )
    run = hdsim.run_replicate("hukou_reform", 3, overrides=TINY)
    pd.testing.assert_frame_equal(run.county, pd.read_parquet(tmp_path / "county.parquet"))


def test_an_ensemble_from_python_gives_the_main_jobs_table(tmp_path) -> None:
    args = [*TINY, "replicates=2", "compare=[baseline,hukou_reform]", "n_jobs=1"]
    args += ["progress=false", "output.report=false", f"hydra.run.dir={tmp_path / 'cli'}"]
    subprocess.run([*HDSIM, *args], check=True, capture_output=True, timeout=300)
    job = hdsim.run_ensemble(["baseline", "hukou_reform"], 2, overrides=TINY, root=tmp_path / "py")
    cli = pd.read_csv(tmp_path / "cli" / "summary.csv")
    pd.testing.assert_frame_equal(
        job.summary.reset_index(drop=True), cli, check_dtype=False, check_exact=True
    )


def test_county_model_refuses_an_unresolved_posterior_config() -> None:
    cfg = hdsim.compose("baseline", TINY)
    with pytest.raises(ConfigError, match="effective_config"):
        hdsim.CountyModel(cfg)


def test_county_model_of_a_replicate_runs_what_run_replicate_runs() -> None:
    cfg = hdsim.compose("baseline", TINY)
    model = hdsim.CountyModel(cfg, replicate=2).run()
    county = model.recorder.county_frame()
    run = hdsim.run_replicate(cfg, 2)
    expected = run.county.drop(columns=["scenario", "replicate", "seed"])
    pd.testing.assert_frame_equal(county.reset_index(drop=True), expected.reset_index(drop=True))


def test_a_bad_override_is_one_line() -> None:
    with pytest.raises(ConfigError) as err:
        hdsim.compose("baseline", ["households.scale=-1"])
    assert "\n" not in str(err.value)
