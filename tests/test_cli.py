"""The hdsim command: a small main job end to end, and one-line errors on bad input."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hdsim.data import EMBEDDED_DIR

HDSIM = [str(Path(sys.executable).with_name("hdsim"))]


def run_hdsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(HDSIM + list(args), cwd=cwd, capture_output=True, text=True, timeout=600)


def test_main_job_writes_table_and_runs_from_any_directory(tmp_path):
    out = tmp_path / "job"
    proc = run_hdsim(
        "households.scale=0.02",
        "replicates=2",
        "compare=[baseline,seven_actions]",
        "n_jobs=1",
        "progress=false",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["scenario"]) == ["baseline", "seven_actions"]
    assert (summary["replicates"] == 2).all()
    assert "| baseline |" in proc.stdout
    for scen in ("baseline", "seven_actions"):
        for rep in (0, 1):
            run = out / "runs" / scen / f"rep_{rep:03d}"
            for name in (
                "county.parquet",
                "township.parquet",
                "config.yaml",
                "provenance.json",
                "_SUCCESS",
            ):
                assert (run / name).exists(), run / name
    ensemble = pd.read_parquet(out / "ensemble.parquet")
    end = ensemble[
        (ensemble["indicator"] == "urbanization_rate")
        & (ensemble["date"] == pd.Timestamp("2025-12-31"))
    ]
    means = end.groupby("scenario")["value"].mean()
    assert summary.set_index("scenario")["rate_mean"].to_dict() == pytest.approx(means.to_dict())


def test_a_scenario_override_narrows_the_job_and_overrides_apply(tmp_path):
    out = tmp_path / "job"
    proc = run_hdsim(
        "scenario=hukou_reform",
        "seed=7",
        "horizon.end_year=2026",
        "households.scale=0.02",
        "replicates=1",
        "n_jobs=1",
        "progress=false",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["scenario"]) == ["hukou_reform"]
    county = pd.read_parquet(out / "runs" / "hukou_reform" / "rep_000" / "county.parquet")
    assert county["date"].max() == pd.Timestamp("2026-12-31")
    assert (county["seed"] == 7).all()


def _broken_data(tmp_path: Path) -> Path:
    d = tmp_path / "county"
    shutil.copytree(EMBEDDED_DIR, d)
    text = (d / "townships.csv").read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace(",10,", ",ten,", 1)
    (d / "townships.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    return d


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["households.scale=-1"], "households.scale"),
        (["households.scale=abc"], "households.scale"),
        (["horizon.target_year=2040"], "horizon.target_year"),
        (["scenario=no_such_scenario"], "no_such_scenario"),
        (["scenario.policies.hukou_reform.start=2023-13"], "YYYY-MM"),
        (["scenario.policies.hukou_reform.intensity=9"], "intensity"),
    ],
)
def test_bad_config_gives_one_line_and_nonzero_exit(tmp_path, args, needle):
    proc = run_hdsim(*args, "replicates=1", cwd=tmp_path)
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").rglob("*.parquet"))


def test_bad_data_gives_one_line_naming_file_row_and_column(tmp_path):
    broken = _broken_data(tmp_path)
    proc = run_hdsim(f"data.dir={broken}", "replicates=1", "households.scale=0.02", cwd=tmp_path)
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "townships.csv" in lines[0] and "row 4" in lines[0] and "distance_km" in lines[0]


def test_fast_config_paths_match_omegaconf_exactly():
    """A composed config becomes the same HdsimConfig by the typed fast path as by a fresh
    merge with the schema, and ``config.yaml`` is byte for byte what OmegaConf would write."""
    import dataclasses

    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from hdsim.experiments.design import apply_design
    from hdsim.model.config import HdsimConfig, register_configs, to_config
    from hdsim.paths import require_config_dir
    from hdsim.run import config_yaml

    register_configs()
    # output.dir is pinned: its default interpolates the clock (${now:...}), which the two
    # paths would resolve a second apart now and then
    overrides = [
        "+experiment=uncertainty_sample",
        "experiment.sample_id=3",
        "replicate=1",
        "output.dir=outputs/pinned",
    ]
    with initialize_config_dir(config_dir=str(require_config_dir()), version_base="1.3"):
        raw = compose(config_name="hdsim", overrides=[*overrides, "scenario=seven_actions"])
    assert OmegaConf.get_type(raw) is HdsimConfig  # so to_config takes the fast path
    fast = to_config(raw)
    untyped = OmegaConf.create(OmegaConf.to_container(raw))
    assert OmegaConf.get_type(untyped) is not HdsimConfig
    assert fast == to_config(untyped)
    cfg = apply_design(fast)
    cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, dir=str(EMBEDDED_DIR)))
    assert config_yaml(cfg) == OmegaConf.to_yaml(OmegaConf.structured(cfg))
