"""Ctrl-C, resume and output folders of sweeps and target seeking (issue 11).

A terminal's Ctrl-C sends SIGINT to the whole process group: the job's main process and its
pool workers. These tests do the same (``os.killpg`` on a job started in its own session),
and check the promise of ``docs/reliability.md``: the job exits 130 within seconds with one
line saying how to resume, no worker survives it, and the same command resumes, reusing the
finished runs byte for byte (their files are not rewritten).

They also check the folder options: ``output.dir`` names a single job's folder and is what the
record says; ``output.resume=strict`` refuses a folder holding runs of other inputs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from processes import alive, descendants

BIN = Path(sys.executable).parent
HDSIM = str(BIN / "hdsim")
TARGET = str(BIN / "hdsim-target")
SMALL = [
    "households.scale=0.02",
    "horizon.end_year=2021",
    "horizon.target_year=2021",
    "output.report=false",
    "calibration.use=point",
]
"""Jobs of about two seconds each: 2% of the households, 14 months."""

SWEEP = ["-m", "scenario=baseline,hukou_reform", "replicate=0,1,2,3", *SMALL]
"""Eight jobs for the pool launcher (``hydra/launcher=hdsim_joblib``)."""


def _one_line(text: str) -> str:
    """The only non-empty line of ``text`` that is not a progress bar."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip() and "it/s]" not in ln]
    lines = [ln for ln in lines if not ln.lstrip().startswith(("runs:", "\r"))]
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{text}"
    return lines[0]








def _default_sigint() -> None:
    """Ctrl-C acts in the job even when the suite runs with SIGINT ignored (``nohup ... &``)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    """Start a command in its own session (its own process group, as a terminal job is)."""
    return subprocess.Popen(
        args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_default_sigint,
        env={**os.environ, "HYDRA_FULL_ERROR": "0"},
    )


def _wait_for(folder: Path, pattern: str, proc: subprocess.Popen[str], seconds: float) -> None:
    """Wait until ``folder`` holds a file matching ``pattern`` (or the job ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if any(folder.glob(pattern)):
            return
        time.sleep(0.1)


def _ctrl_c(proc: subprocess.Popen[str]) -> tuple[str, float, list[int]]:
    """Send SIGINT to the job's process group; its stderr, seconds to exit, survivors."""
    below = descendants(proc.pid)
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    elapsed = time.monotonic() - t0
    return err, elapsed, _survivors(below)


def _survivors(below: list[int]) -> list[int]:
    """Processes of ``below`` still alive 10 s later (then killed: the suite leaves none)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(p) for p in below):
        time.sleep(0.2)
    survivors = [p for p in below if alive(p)]
    for pid in survivors:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return survivors


def _pool_sweep(sweep: Path) -> list[str]:
    """The command of :data:`SWEEP` on hdsim's pool launcher with two workers, into ``sweep``."""
    return [
        HDSIM,
        *SWEEP,
        "hydra/launcher=hdsim_joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep}",
    ]


def _stamps(folder: Path) -> dict[Path, int]:
    """Modification times of the finished runs' series under ``folder``."""
    return {
        p.parent / "county.parquet": (p.parent / "county.parquet").stat().st_mtime_ns
        for p in folder.rglob("_SUCCESS")
    }


def test_ctrl_c_stops_a_pool_sweep_in_seconds_and_the_same_command_resumes(tmp_path):
    """SIGINT to a sweep's process group: exit 130 in < 10 s, one line, no worker left;
    rerunning the printed command finishes the sweep and leaves the finished jobs untouched."""
    sweep = tmp_path / "sweep"
    args = _pool_sweep(sweep)
    proc = _start(args, tmp_path)
    _wait_for(sweep, "*/_SUCCESS", proc, 240)
    err, elapsed, survivors = _ctrl_c(proc)
    assert proc.returncode == 130, err
    assert elapsed < 10
    line = _one_line(err)
    assert "interrupted" in line and f"hydra.sweep.dir={sweep}" in line
    assert survivors == []
    finished = _stamps(sweep)
    assert 0 < len(finished) < 8, "the interrupt came after the first job and before the last"
    again = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert len(list(sweep.glob("*/_SUCCESS"))) == 8
    assert {p: _stamps(sweep)[p] for p in finished} == finished


def test_kill_9_of_a_pool_sweep_leaves_no_worker_and_nothing_more_is_written(tmp_path):
    """kill -9 of a sweep's main process: its workers exit within 10 s on their own, and
    the sweep folder receives no file after that."""
    sweep = tmp_path / "sweep"
    args = _pool_sweep(sweep)
    proc = _start(args, tmp_path)
    _wait_for(sweep, "*/_SUCCESS", proc, 240)
    below = descendants(proc.pid)
    proc.kill()
    proc.wait()
    assert below and _survivors(below) == []
    written = sorted(str(p) for p in sweep.rglob("*"))
    time.sleep(3)
    assert sorted(str(p) for p in sweep.rglob("*")) == written


def test_ctrl_c_stops_target_seeking_and_the_printed_command_resumes(tmp_path):
    """SIGINT to ``hdsim-target``: exit 130 in < 10 s with one line naming the command that
    resumes; that command reuses the finished runs and completes the search."""
    out = tmp_path / "target"
    args = [
        TARGET,
        "--lever",
        "scenario.policies.hukou_reform.intensity",
        "--replicates",
        "4",
        "--jobs",
        "2",
        "--tolerance",
        "0.5",
        "--out",
        str(out),
        "scenario=hukou_reform",
        "horizon.target_rate=0.41",
        *SMALL,
    ]
    proc = _start(args, tmp_path)
    _wait_for(out, "candidates/*/rep_*/_SUCCESS", proc, 240)
    err, elapsed, survivors = _ctrl_c(proc)
    assert proc.returncode == 130, err
    assert elapsed < 10
    line = _one_line(err)
    assert "resume with: hdsim-target" in line and f"--out {out}" in line
    assert survivors == []
    finished = _stamps(out)
    assert finished
    again = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert (out / "target_seeking.csv").is_file()
    assert {p: _stamps(out)[p] for p in finished} == finished


def test_output_dir_names_the_folder_and_the_record_says_where_the_job_wrote(tmp_path):
    """``output.dir=DIR`` writes the job into DIR; ``config.yaml`` records the folder written,
    also when it was chosen with ``hydra.run.dir``."""
    first = tmp_path / "first"
    run = subprocess.run(
        [HDSIM, *SMALL, "replicate=0", f"output.dir={first}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert (first / "_SUCCESS").is_file()
    assert yaml.safe_load((first / "config.yaml").read_text())["output"]["dir"] == str(first)
    second = tmp_path / "second"
    run = subprocess.run(
        [HDSIM, *SMALL, "replicate=0", f"hydra.run.dir={second}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert yaml.safe_load((second / "config.yaml").read_text())["output"]["dir"] == str(second)


def test_output_dir_in_a_sweep_or_beside_another_folder_is_refused_in_one_line(tmp_path):
    """``output.dir`` with ``-m`` (a sweep has hydra.sweep.dir), or with a different
    ``hydra.run.dir``, is refused before anything runs: exit 2, one line, no folder made."""
    cases = [
        (["-m", "replicate=0,1", f"output.dir={tmp_path / 'a'}"], "hydra.sweep.dir="),
        ([f"output.dir={tmp_path / 'a'}", f"hydra.run.dir={tmp_path / 'b'}"], "two folders"),
    ]
    for extra, needle in cases:
        run = subprocess.run(
            [HDSIM, *SMALL, *extra], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 2
        assert needle in _one_line(run.stderr)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_strict_resume_refuses_a_folder_of_other_inputs_and_auto_recomputes(tmp_path):
    """A folder holding a run of another seed: ``output.resume=strict`` exits 2 in one line
    and leaves the old run as it was; the default (auto) recomputes it."""
    folder = tmp_path / "job"
    base = [HDSIM, *SMALL, "replicate=0", f"output.dir={folder}"]
    assert subprocess.run([*base, "seed=1"], capture_output=True, timeout=300).returncode == 0
    before = (folder / "county.parquet").read_bytes()
    strict = subprocess.run(
        [*base, "seed=2", "output.resume=strict"], capture_output=True, text=True, timeout=300
    )
    assert strict.returncode == 2
    assert "other inputs" in _one_line(strict.stderr)
    assert (folder / "county.parquet").read_bytes() == before
    auto = subprocess.run([*base, "seed=2"], capture_output=True, text=True, timeout=300)
    assert auto.returncode == 0, auto.stderr
    assert (folder / "county.parquet").read_bytes() != before


def test_validation_notes_are_written_to_the_job_log(tmp_path):
    """A note (the target year following a shortened horizon) reaches the job's log file."""
    folder = tmp_path / "job"
    args = [a for a in SMALL if not a.startswith("horizon.target_year")]
    run = subprocess.run(
        [HDSIM, *args, "replicate=0", f"output.dir={folder}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("horizon.target_year follows") == 1  # printed once, not twice
    log = "".join(p.read_text() for p in folder.glob("*.log"))
    assert "note: horizon.target_year follows horizon.end_year" in log


def test_help_page_answers_without_importing_hydra_pandas_or_mesa():
    """``hdsim --help`` prints the app help page without loading the engine (start-up)."""
    code = (
        "import sys; sys.argv = ['hdsim', '--help']\n"
        "from hdsim.cli import main\n"
        "main()\n"
        "heavy = sorted(m for m in ('hydra', 'pandas', 'mesa', 'omegaconf') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "Scenario library" in run.stdout and "Usage: hdsim" in run.stdout
    assert "HEAVY []" in run.stdout


def test_help_page_is_the_hydra_template_rendered():
    """The fast page is Hydra's app help template with its header and footer filled in."""
    from omegaconf import OmegaConf

    from hdsim.cli import help_page
    from hdsim.paths import require_config_dir

    loaded = OmegaConf.load(require_config_dir() / "hydra" / "help" / "hdsim.yaml")
    page = OmegaConf.to_container(loaded, resolve=False)
    assert isinstance(page, dict)
    expected = (
        str(page["template"])
        .replace("${hydra.help.header}", str(page["header"]))
        .replace("${hydra.help.footer}", str(page["footer"]))
    )
    assert help_page() == expected
    assert "${" not in help_page()
