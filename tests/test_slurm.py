"""``hydra/launcher=hdsim_slurm`` end to end: a small sweep goes through submitit's real Slurm
executor (sbatch script, job array, sacct polling, srun, ``SLURM_*`` job environment) into a
fake Slurm, ``tests/fake_slurm/``, put first on PATH since this machine has no scheduler.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

FAKE = Path(__file__).with_name("fake_slurm")
HDSIM = [str(Path(sys.executable).with_name("hdsim"))]
SWEEP = ["-m", "+experiment=compare_scenarios", "scenario=baseline,hukou_reform", "replicate=0"]
SWEEP += ["households.scale=0.02", "horizon.end_year=2025"]


def slurm_env(state: Path) -> dict[str, str]:
    """This environment with the fake Slurm first on PATH (then this venv, for its python3)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "FAKE_SLURM"))}
    env["PATH"] = os.pathsep.join([str(FAKE), str(Path(sys.executable).parent), env["PATH"]])
    env |= {"FAKE_SLURM_STATE": str(state), "FAKE_SLURM_PARTITIONS": "debug,compute"}
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def job_dirs(sweep: Path) -> list[Path]:
    return sorted(p for p in sweep.iterdir() if p.is_dir() and not p.name.startswith("."))


def settled_accounting(job: int, cwd: Path, state: Path, within: float = 30.0) -> list[str]:
    """``sacct``'s rows for ``job`` once no row says RUNNING (or after ``within`` seconds).

    The sweep ends when submitit has read the tasks' result files; the scheduler records a
    task's end a moment later (the fake polls every 0.2 s, Slurm's accounting lags likewise),
    so the rows are read again until they settle rather than at one instant.
    """
    sacct = ["sacct", "-o", "JobID,State,NodeList", "--parsable2", "-j", str(job)]
    deadline = time.monotonic() + within
    while True:
        acct = run(sacct, cwd, slurm_env(state))
        assert acct.returncode == 0, acct.stderr
        rows = acct.stdout.splitlines()
        if not any("|RUNNING|" in r for r in rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_hdsim_slurm_sweep_runs_as_a_job_array_and_matches_the_basic_launcher(tmp_path):
    state = tmp_path / "state"
    basic, slurm = tmp_path / "basic", tmp_path / "slurm"
    res = run([*HDSIM, *SWEEP, f"hydra.sweep.dir={basic}"], tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    launcher = ["hydra/launcher=hdsim_slurm", "hydra.launcher.partition=debug"]
    res = run([*HDSIM, *SWEEP, *launcher, f"hydra.sweep.dir={slurm}"], tmp_path, slurm_env(state))
    assert res.returncode == 0, res.stderr[-3000:]

    names = [d.name for d in job_dirs(basic)]
    assert len(names) == 2 and [d.name for d in job_dirs(slurm)] == names
    for name in names:
        assert (slurm / name / "_SUCCESS").exists() and (slurm / name / "county.parquet").exists()
        for table in ("county", "township"):
            a = pd.read_parquet(basic / name / f"{table}.parquet")
            b = pd.read_parquet(slurm / name / f"{table}.parquet")
            pd.testing.assert_frame_equal(a, b, check_exact=True)
    timing = json.loads((slurm / "timing.json").read_text())
    assert timing["done"] == 2 and timing["failed"] == 0
    assert timing["launcher"].endswith("SlurmLauncher")

    # the config's keys reached the scheduler: the script submitit wrote, as sbatch parsed it
    (script,) = (slurm / ".submitit").glob("*/*_submission.sh")
    text = script.read_text()
    for line in ("--array=0-1%", "--partition=debug", "--job-name=hdsim", "--time=30"):
        assert f"#SBATCH {line}" in text, line
    assert "#SBATCH --mem=2GB" in text and "srun --unbuffered" in text
    (record,) = (json.loads(p.read_text()) for p in (state / "jobs").glob("*.json"))
    assert record["partition"] == "debug" and record["name"] == "hdsim"
    assert record["throttle"] == 2 and record["time_limit_min"] == 30
    assert [t["index"] for t in record["tasks"]] == [0, 1]
    assert [len(t["steps"]) for t in record["tasks"]] == [1, 1]  # each ran through srun

    # both array tasks went through the scheduler, and submitit's job environment read the
    # fake's SLURM_* variables (its log names the array task it ran as)
    job = record["id"]
    rows = settled_accounting(job, tmp_path, state)
    assert rows[0] == "JobID|State|NodeList"
    for i in (0, 1):
        assert f"{job}_{i}|COMPLETED|fakenode1" in rows
        assert f"{job}_{i}.0|COMPLETED|fakenode1" in rows  # the srun step
        logs = slurm / ".submitit" / f"{job}_{i}"
        log = (logs / f"{job}_{i}_0_log.out").read_text()  # written by srun --output
        assert f"Starting with JobEnvironment(job_id={job}_{i}," in log
        assert (logs / f"{job}_{i}_0_result.pkl").exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("hydra.launcher.partition=nosuch", "Invalid partition name specified"),
        ("+hydra.launcher.additional_parameters.blublu=12", "unrecognized option '--blublu=12'"),
        ("hydra.launcher.cpus_per_task=4096", "Requested node configuration is not available"),
    ],
)
def test_a_launcher_config_mistake_stops_at_sbatch(tmp_path, override, message):
    state = tmp_path / "state"
    res = run(
        [*HDSIM, *SWEEP, "hydra/launcher=hdsim_slurm", override, f"hydra.sweep.dir={tmp_path}/s"],
        tmp_path,
        slurm_env(state),
    )
    assert res.returncode != 0 and message in res.stderr
    assert not list(state.glob("jobs/*.json"))  # nothing was queued
    assert "sweep stopped: 0 of 2 runs" in res.stderr  # not "done": nothing ran
    timing = json.loads((tmp_path / "s" / "timing.json").read_text())
    assert timing["completed"] is False and timing["done"] == 0


def test_the_fake_slurm_throttles_arrays_and_reports_like_slurm(tmp_path):
    """The fake itself: ``%p`` caps running tasks, ids and ``SLURM_*`` as Slurm sets them, output
    patterns, a failing task is FAILED with its exit code, scancel stops pending tasks."""
    env = slurm_env(tmp_path / "state") | {"FAKE_SLURM_SCHED_DELAY": "0"}
    (tmp_path / "out").mkdir()
    script = tmp_path / "job.sh"
    script.write_text(
        "#!/bin/bash\n"
        "#SBATCH --job-name=tiny\n#SBATCH --array=0-3%2\n#SBATCH --output=out/%A_%a.out\n"
        'echo "$SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID $SLURM_JOB_ID $(date +%s.%N)"\n'
        "srun --output out/%A_%a_%t.step bash -c 'echo $SLURM_PROCID $SLURM_STEP_ID'\n"
        "sleep 0.4\n"
        "date +%s.%N\n"
        '[ "$SLURM_ARRAY_TASK_ID" != 3 ] || exit 3\n'
    )
    bad = run(["sbatch", "--partitionn=debug", str(script)], tmp_path, env)
    assert bad.returncode == 1 and "unrecognized option '--partitionn=debug'" in bad.stderr
    sub = run(["sbatch", str(script)], tmp_path, env)
    assert sub.returncode == 0, sub.stderr
    job = int(re.fullmatch(r"Submitted batch job (\d+)\n", sub.stdout)[1])
    held = run(["sbatch", "--parsable", "--array=0-1%1", "--wrap", "sleep 30"], tmp_path, env)
    (held_id,) = held.stdout.split()
    assert run(["sbatch", "--wait", "--wrap", "true"], tmp_path, env).returncode == 0
    cancel = run(["scancel", held_id], tmp_path, env)
    assert cancel.returncode == 0, cancel.stderr
    waited = run(["sbatch", "--wait", "--dependency=afterok:1", str(script)], tmp_path, env)
    assert waited.returncode == 1 and "does not imitate --dependency" in waited.stderr

    for _ in range(100):  # at most 10 s
        acct = run(["sacct", "-X", "-P", "-n", "-o", "JobID,State,ExitCode"], tmp_path, env)
        if "PENDING" not in acct.stdout and "RUNNING" not in acct.stdout:
            break
        subprocess.run(["sleep", "0.1"])
    rows = acct.stdout.splitlines()
    assert [f"{job}_{i}|COMPLETED|0:0" for i in range(3)] + [f"{job}_3|FAILED|3:0"] == rows[:4]
    assert all(r.startswith(f"{held_id}_") and "CANCELLED by" in r for r in rows[4:6]), rows

    spans = []
    for i in range(4):
        first, end = (tmp_path / "out" / f"{job}_{i}.out").read_text().split("\n")[:2]
        array_id, index, own_id, start = first.split()
        assert (int(array_id), int(index), int(own_id)) == (job, i, job + i)
        assert (tmp_path / "out" / f"{job}_{i}_0.step").read_text() == "0 0\n"
        spans.append((float(start), float(end)))
    overlap = max(sum(s <= t < e for s, e in spans) for t, _ in spans)
    assert overlap == 2  # two at once, never three
