"""A plain (non-editable) install of the wheel gives a working ``hdsim`` from any folder.

The test builds the wheel from the source tree (pip's wheel cache and the local index serve
the build back-end), installs it without its dependencies into a fresh virtual environment
whose dependencies are those of this environment (a ``.pth`` file; this environment's own
editable hdsim is not on that path), and runs ``hdsim --help``, ``python -m hdsim --help`` and
a tiny run in a folder outside the repository. The configs, scenarios, county data, posterior
and the sweep launcher must therefore come from the installed package.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, (proc.stdout[-1500:], proc.stderr[-1500:])
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("packaging")
    wheels = work / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT, cwd=work)
    wheel = next(wheels.glob("hdsim-*.whl"))
    env = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-deps",
        wheel,
        cwd=work,
    )
    site = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=work
        ).stdout.strip()
    )
    (site / "hdsim_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return env


def test_installed_hdsim_comes_from_the_wheel_not_the_source_tree(installed, tmp_path) -> None:
    python = installed / "bin" / "python"
    where = _run(python, "-c", "import hdsim; print(hdsim.__file__)", cwd=tmp_path).stdout
    assert str(installed) in where and str(ROOT) not in where


def test_installed_hdsim_help_and_python_m_work_from_any_folder(installed, tmp_path) -> None:
    out = _run(installed / "bin" / "hdsim", "--help", cwd=tmp_path).stdout
    assert "Scenario library" in out and "hukou_reform" in out  # the packaged scenario library
    _run(installed / "bin" / "python", "-m", "hdsim", "--help", cwd=tmp_path)


def test_installed_hdsim_runs_a_tiny_replicate_outside_the_repository(installed, tmp_path) -> None:
    args = ["replicate=0", "households.scale=0.02", "horizon.end_year=2021"]
    args += ["horizon.target_year=2021", "output.report=false", "hydra.run.dir=out"]
    _run(installed / "bin" / "hdsim", *args, cwd=tmp_path)
    county = pd.read_parquet(tmp_path / "out" / "county.parquet")
    assert (county["date"].max().year, county["replicate"].unique().tolist()) == (2021, [0])
    assert (tmp_path / "out" / "_SUCCESS").exists()
