"""Real read-only and full disks: every console script says so in one line, before its runs.

The fault suite (``tests/test_faults.py``) injects ``ENOSPC`` and ``EROFS`` into the writer;
here the disks are real: a tmpfs mounted read-only, which refuses writes even to root (the
suite runs as root in CI, where ``chmod`` would not), and a tmpfs of 64 KiB that fills up
during a job. Each case runs the real command in a subprocess and asserts:

- the exit status is non-zero (2; ``hdsim-county`` keeps its 1 for bad input);
- stderr's last line is the one error line, naming the path and the reason (no traceback);
- nothing is left half-written: no temporary file of the atomic writer, no ``summary.csv``
  or other final output of a job that failed, no county folder that is only partly there;
- on the read-only disk the command refuses before it starts any run (it takes seconds,
  not the minutes its runs would take, and leaves the disk as it was: empty).

Mounting needs ``CAP_SYS_ADMIN`` (root in the CI container); without it the module is
skipped with that reason, and the simulated cases of the fault suite still run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY_JOB

BIN = Path(sys.executable).parent
TINY = [*TINY_JOB, "calibration.use=point"]


def _mount(point: Path, options: str) -> bool:
    """Mount a tmpfs at ``point``; False when this process may not mount."""
    point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
        capture_output=True,
        text=True,
    )
    return done.returncode == 0


def _unmount(point: Path) -> None:
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """A read-only tmpfs (``ro``) and a 64 KiB tmpfs (``full``), unmounted afterwards."""
    ro, full = tmp_path / "ro", tmp_path / "full"
    if not _mount(ro, "ro,size=64k"):
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        if not _mount(full, "size=64k"):
            pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
        try:
            yield {"ro": ro, "full": full}
        finally:
            _unmount(full)
    finally:
        _unmount(ro)


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished small main job (for the report and the aggregation)."""
    out = tmp_path_factory.mktemp("job") / "job"
    done = _run(["hdsim", *TINY, f"hydra.run.dir={out}"], out.parent)
    assert done.returncode == 0, done.stderr
    return out


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HYDRA_FULL_ERROR": "0"},
    )


@dataclass(frozen=True)
class DiskCase:
    """One command writing into a disk that refuses: its arguments (``{out}`` is the folder)."""

    id: str
    command: list[str]
    status: int = 2


READ_ONLY_CASES = [
    DiskCase("hdsim_job", ["hdsim", *TINY, "hydra.run.dir={out}"]),
    DiskCase("hdsim_sweep", ["hdsim", "-m", *TINY, "hydra.sweep.dir={out}"]),
    DiskCase("report", ["hdsim-report", "{job}", "--out", "{out}", "--quiet"]),
    DiskCase("aggregate", ["hdsim-aggregate", "{job}", "--out", "{out}"]),
    DiskCase(
        "hindcast",
        ["hdsim-hindcast", "--counties", "141024", "--draws", "2", "--scale", "0.01",
         "--out", "{out}"],
    ),
    DiskCase("county_init", ["hdsim-county", "init", "{out}", "--code", "141023"], status=1),
    DiskCase(
        "target",
        ["hdsim-target", "--lever", "scenario.policies.hukou_reform.intensity", "--levels",
         "0.5", "--replicates", "1", "--out", "{out}", "households.scale=0.02"],
    ),
    DiskCase("assumptions", ["hdsim-assumptions", "--out", "{out}", "--scale", "0.02"]),
    DiskCase("calibrate", ["hdsim-calibrate", "--quick", "--out", "{out}"]),
]
"""Every console script that writes a folder, pointed at a read-only disk."""

FULL_CASES = [
    DiskCase("hdsim_job", ["hdsim", *TINY, "hydra.run.dir={out}"]),
    DiskCase("report", ["hdsim-report", "{job}", "--out", "{out}", "--quiet"]),
    DiskCase("aggregate", ["hdsim-aggregate", "{job}", "--out", "{out}"]),
    DiskCase("county_init", ["hdsim-county", "init", "{out}", "--code", "141023"], status=1),
]
"""The commands whose outputs outgrow a 64 KiB disk."""


def _last_line(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert lines, "no error line on stderr"
    assert not any(ln.startswith("Traceback") for ln in lines), stderr
    return lines[-1]


def _leftovers(root: Path) -> list[Path]:
    """Temporary files of the atomic writer (``.<name>.*.tmp``) or of a county folder."""
    return [p for p in root.rglob(".*") if p.suffix == ".tmp" or p.name.startswith(".out.")]


def _refused(case: DiskCase, out: Path, job: Path, cwd: Path) -> str:
    """Run ``case`` writing into ``out``: its exit status, and the one error line it ends with."""
    done = _run([a.format(out=out, job=job) for a in case.command], cwd)
    assert done.returncode == case.status, done.stderr
    return _last_line(done.stderr)


@pytest.mark.parametrize("case", READ_ONLY_CASES, ids=lambda c: c.id)
def test_read_only_disk_is_refused_in_one_line_before_any_run(
    case: DiskCase, disk: dict[str, Path], job: Path, tmp_path: Path
) -> None:
    """A read-only disk: non-zero exit, one line naming the folder and reason, disk untouched."""
    out = disk["ro"] / "out"
    line = _refused(case, out, job, tmp_path)
    assert str(out) in line and "Read-only file system" in line, line
    assert "choose another output folder" in line
    assert list(disk["ro"].iterdir()) == []


@pytest.mark.parametrize("case", FULL_CASES, ids=lambda c: c.id)
def test_full_disk_is_one_line_and_leaves_nothing_half_written(
    case: DiskCase, disk: dict[str, Path], job: Path, tmp_path: Path
) -> None:
    """A disk that fills up mid-job: one line naming the file, no temporary or final file."""
    out = disk["full"] / "out"
    line = _refused(case, out, job, tmp_path)
    assert "No space left on device" in line and str(disk["full"]) in line, line
    assert _leftovers(disk["full"]) == []
    for written in out.rglob("*.csv") if out.exists() else []:
        pd.read_csv(written)  # whatever was written before the disk filled is whole
    if case.id == "hdsim_job":
        assert not (out / "summary.csv").exists()  # no summary of runs that did not finish
    if case.id == "county_init":
        assert not out.exists()  # a county folder is written whole or not at all
    if case.id == "report":
        assert not any(out.rglob("report.*"))  # no report document without its figures
