"""Smoke tests of the benchmark harness (``benchmarks/run_all.py``); no timed assertions.

The harness is what measures issue 16's figures, so CI checks that it still runs against the
current entry points (``hdsim`` commands, ``CountyModel``) and that its memory instrument counts
child processes; the figures themselves are only checked to be positive finite numbers.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import measure  # noqa: E402
import run_all  # noqa: E402


@pytest.mark.slow
def test_quick_session_has_every_figure_positive_and_finite(tmp_path: Path) -> None:
    """``run_all.py --quick`` runs every section at tiny scale and writes a complete JSON."""
    subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--quick", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    (out,) = tmp_path.glob("*.json")
    session = json.loads(out.read_text())
    for key in ("date", "label", "commit", "machine", "load_before", "load_after", "raw"):
        assert key in session, key
    assert set(session["machine"]) == {"nproc", "cpu", "python", "numpy"}
    expected = run_all.expected_keys({"policies"})
    assert set(expected) <= set(session["figures"])
    for key in expected:
        entry = session["figures"][key]
        assert math.isfinite(entry["value"]) and entry["value"] > 0, (key, entry)
        if entry["unit"] == "s" and key != "reference_s":
            assert math.isfinite(entry["ratio"]) and entry["ratio"] > 0, (key, entry)
    assert len(session["raw"]["kernels"]["top"]) == run_all.KERNELS
    assert run_all.check(session, {"policies"}) == []


def test_process_tree_memory_counts_child_processes(tmp_path: Path) -> None:
    """The main job's memory figure sums its workers: a child's 150 MB shows in the tree's peak."""
    child = "import time; b = b'x' * (150 * 2**20); time.sleep(1)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    cmd = [sys.executable, "-c", parent]
    result = measure.run_sampled(cmd, tmp_path)
    assert result["peak_tree_mb"] >= 150
    assert result["wall_s"] > 0


def test_check_reports_a_missing_or_non_positive_figure() -> None:
    """A session missing a figure or holding a zero/NaN one is rejected, naming the key."""
    good = run_all.figures({k: 1.0 for k in run_all.expected_keys(set())})
    assert run_all.check({"figures": good}, set()) == []
    bad = dict(good)
    del bad["help_s"]
    bad["steps_s"] = {**good["steps_s"], "value": float("nan")}
    problems = run_all.check({"figures": bad}, set())
    assert any(p.startswith("help_s") for p in problems)
    assert any(p.startswith("steps_s") for p in problems)
