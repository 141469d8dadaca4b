"""Posterior files are checked at start-up (issue 11): one line, exit status 2, no run started.

Each case damages a copy of the packaged posterior (``posterior.csv`` and its record
``posterior.json``) and runs the real ``hdsim`` command on it: a corrupt or non-object JSON, a
missing, infinite, negative or all-zero weight, a non-finite parameter value, a CSV edited
without its record (checksum mismatch), a folder instead of a file, a missing file. The line
must name the file and the problem; no result file may be written. The library-level check
(:func:`hdsim.calibration.posterior.read_posterior`) is asserted for the same cases, faster.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TINY_JOB

from hdsim.calibration.posterior import POSTERIOR_FILE, read_posterior
from hdsim.calibration.targets import CalibrationError

HDSIM = str(Path(sys.executable).with_name("hdsim"))
TINY = [*TINY_JOB, "calibration.use=posterior"]
"""A job of a few seconds, drawing from the posterior under test."""


def _copy(root: Path) -> Path:
    folder = root / "posterior"
    folder.mkdir()
    shutil.copy(POSTERIOR_FILE, folder / "posterior.csv")
    shutil.copy(POSTERIOR_FILE.with_suffix(".json"), folder / "posterior.json")
    return folder / "posterior.csv"


def _set_cell(csv: Path, row: int, column: str, value: str, keep_record: bool = True) -> None:
    """Set one cell; with ``keep_record`` the JSON's checksum follows (only the cell is bad)."""
    lines = csv.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if keep_record:
        record = csv.with_suffix(".json")
        meta = json.loads(record.read_text(encoding="utf-8"))
        meta.pop("posterior_sha256", None)
        record.write_text(json.dumps(meta), encoding="utf-8")


def _all_zero(csv: Path) -> None:
    for row in range(1, len(csv.read_text(encoding="utf-8").splitlines())):
        _set_cell(csv, row, "weight", "0")


@dataclass
class Case:
    """A damaged posterior: how to damage it and what the one line must contain."""

    id: str
    damage: Callable[[Path], Path]
    needle: str


def _then(edit: Callable[[Path], object]) -> Callable[[Path], Path]:
    def damage(root: Path) -> Path:
        csv = _copy(root)
        edit(csv)
        return csv

    return damage


CASES: list[Case] = [
    Case(
        "json_corrupt",
        _then(lambda p: p.with_suffix(".json").write_text('{"command": "hdsim-cal', "utf-8")),
        "posterior.json: not valid JSON",
    ),
    Case(
        "json_not_an_object",
        _then(lambda p: p.with_suffix(".json").write_text("[1, 2]", "utf-8")),
        "posterior.json: holds no JSON object",
    ),
    Case("weight_missing", _then(lambda p: _set_cell(p, 3, "weight", "")), "'weight': missing"),
    Case("weight_inf", _then(lambda p: _set_cell(p, 3, "weight", "inf")), "'weight': 'inf'"),
    Case("weight_nan", _then(lambda p: _set_cell(p, 5, "weight", "nan")), "row 6, column 'weight'"),
    Case("weight_negative", _then(lambda p: _set_cell(p, 2, "weight", "-0.1")), "'weight': '-0.1'"),
    Case("weights_all_zero", _then(_all_zero), "every weight is 0"),
    Case(
        "value_inf",
        _then(lambda p: _set_cell(p, 4, "location.moving_cost", "inf")),
        "column 'location.moving_cost': not a finite number",
    ),
    Case(
        "csv_edited_alone",
        _then(lambda p: _set_cell(p, 2, "location.moving_cost", "1.5", keep_record=False)),
        "differs from",
    ),
    Case(
        "csv_is_a_folder",
        lambda root: (root / "posterior.csv").mkdir() or root / "posterior.csv",
        "is a folder",
    ),
    Case("csv_missing", lambda root: root / "nowhere" / "posterior.csv", "not found"),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_read_posterior_refuses_a_damaged_file_in_one_line(tmp_path, case):
    path = case.damage(tmp_path)
    with pytest.raises(CalibrationError) as err:
        read_posterior(path)
    message = str(err.value)
    assert "\n" not in message and case.needle in message


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every case through the real command once, three at a time (independent processes)."""

    def run(case: Case) -> tuple[str, subprocess.CompletedProcess[str], Path]:
        root = tmp_path_factory.mktemp(case.id)
        path = case.damage(root)
        proc = subprocess.run(
            [HDSIM, *TINY, f"calibration.file={path}", f"hydra.run.dir={root / 'out'}"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "HYDRA_FULL_ERROR": "0"},
        )
        return case.id, proc, root / "out"

    with ThreadPoolExecutor(max_workers=3) as pool:
        return {cid: (proc, out) for cid, proc, out in pool.map(run, CASES)}  # type: ignore[misc]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_hdsim_refuses_a_damaged_posterior_before_any_run(outcomes, case):
    """Exit status 2, one stderr line naming the problem, and no result file written."""
    proc, out = outcomes[case.id]
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert case.needle in lines[0]
    written = (
        [p for p in out.rglob("*") if p.suffix in {".parquet", ".csv", ".md"}]
        if out.exists()
        else []
    )
    assert written == []


def test_an_intact_posterior_copy_passes_the_checks(tmp_path):
    """The checks reject damage, not the packaged file: its copy reads, weights sum to 1."""
    post = read_posterior(_copy(tmp_path))
    assert post.weights.sum() == pytest.approx(1.0)
    assert post.meta["posterior_sha256"] == post.checksum
