"""A run's ``config.yaml`` is its effective configuration: given back, it reproduces the run.

These are the repository's replay guarantees, checked with the real ``hdsim`` command on a
tiny run (scale 0.02, horizon 2021, replicate 3 under the default posterior draw).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HDSIM = [str(Path(sys.executable).with_name("hdsim"))]
TINY = [
    "scenario=hukou_reform",
    "replicate=3",
    "households.scale=0.02",
    "horizon.end_year=2021",
    "horizon.target_year=2021",
    "output.report=false",
]


def hdsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(HDSIM + list(args), cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("replay")
    hdsim(*TINY, f"hydra.run.dir={root / 'A'}", cwd=root)
    return root / "A"


def test_config_yaml_given_back_reproduces_the_run_byte_for_byte(first_run, tmp_path) -> None:
    hdsim(
        "--config-path",
        str(first_run),
        "--config-name",
        "config",
        f"hydra.run.dir={tmp_path / 'B'}",
        cwd=tmp_path,
    )
    for name in ("county.parquet", "township.parquet"):
        assert (first_run / name).read_bytes() == (tmp_path / "B" / name).read_bytes(), name


def test_replay_with_point_calibration_runs_the_recorded_draw_byte_for_byte(
    first_run, tmp_path
) -> None:
    hdsim(
        "--config-path",
        str(first_run),
        "--config-name",
        "config",
        "calibration.use=point",
        f"hydra.run.dir={tmp_path / 'B'}",
        cwd=tmp_path,
    )
    assert (first_run / "county.parquet").read_bytes() == (
        tmp_path / "B" / "county.parquet"
    ).read_bytes()


def test_config_yaml_records_the_drawn_particle_and_its_values(first_run) -> None:
    from hdsim.calibration.posterior import read_posterior

    cfg = yaml.safe_load((first_run / "config.yaml").read_text())
    prov = json.loads((first_run / "provenance.json").read_text())
    particle = cfg["calibration"]["particle"]
    assert isinstance(particle, int) and prov["calibration"]["particle"] == particle
    drawn = read_posterior().particle(particle)
    for name, value in drawn.items():
        group, key = name.split(".")
        assert cfg["behaviour"][group][key] == pytest.approx(value), name
    assert cfg["calibration"]["overrides"] == []


def test_a_behaviour_override_wins_over_the_draw_and_is_recorded(first_run, tmp_path) -> None:
    proc = hdsim(
        *TINY,
        "behaviour.location.consider_rate=0.9",
        f"hydra.run.dir={tmp_path / 'C'}",
        cwd=tmp_path,
    )
    run = tmp_path / "C"
    assert (run / "county.parquet").read_bytes() != (first_run / "county.parquet").read_bytes()
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    assert cfg["behaviour"]["location"]["consider_rate"] == 0.9
    assert cfg["calibration"]["overrides"] == ["behaviour.location.consider_rate"]
    said = [ln for ln in proc.stderr.splitlines() + proc.stdout.splitlines() if "wins over" in ln]
    assert len(said) == 1 and "consider_rate=0.9" in said[0]
    # and the override survives a replay of its own config.yaml
    hdsim(
        "--config-path",
        str(run),
        "--config-name",
        "config",
        f"hydra.run.dir={tmp_path / 'D'}",
        cwd=tmp_path,
    )
    assert (run / "county.parquet").read_bytes() == (tmp_path / "D" / "county.parquet").read_bytes()


def test_the_reports_parameter_table_shows_the_values_the_runs_used(first_run, tmp_path) -> None:
    """The table reads the runs' effective config.yaml, not the composed defaults."""
    from hdsim.calibration.posterior import read_posterior
    from hdsim.report.appendix import parameter_rows

    cfg = yaml.safe_load((first_run / "config.yaml").read_text())
    drawn = read_posterior().particle(cfg["calibration"]["particle"])
    rows = {name: value for name, value, _, _ in parameter_rows({}, [first_run])}
    assert rows["location.consider_rate"] == pytest.approx(drawn["location.consider_rate"])
