"""The one Ctrl-C line of the drivers (``hdsim-target``, ``hdsim-assumptions``).

Both drivers end an interrupted search with the same helper
(``hdsim.experiments.target.interrupted``): one line on stderr that counts the finished runs
kept under the output folder and names the command that resumes, and exit status 130.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from hdsim.experiments.target import interrupted


def _finish(folder: Path, *runs: str) -> None:
    for run in runs:
        (folder / run).mkdir(parents=True)
        (folder / run / "_SUCCESS").write_text("key")


@pytest.mark.parametrize(
    ("program", "glob", "finished", "unfinished"),
    [
        ("hdsim-target", "candidates/*/rep_*/_SUCCESS", ["candidates/0.5/rep_000",
         "candidates/1/rep_001"], "candidates/1/rep_002"),
        ("hdsim-assumptions", "runs/*/rep_*/_SUCCESS", ["runs/a/rep_000", "runs/b/rep_000"],
         "runs/b/rep_001"),
    ],
)  # fmt: skip
def test_interrupt_line_counts_only_finished_runs_and_resumes_into_the_same_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], program: str, glob: str,
    finished: list[str], unfinished: str,
) -> None:  # fmt: skip
    """Exit 130; one line: the runs with a ``_SUCCESS`` key (not a started one), the folder,
    and the same command with ``--out`` added, which a shell parses back to the same args."""
    out = tmp_path / "out dir"
    _finish(out, *finished)
    (out / unfinished).mkdir(parents=True)
    argv = ["--jobs", "2", "scenario=hukou_reform"]
    with pytest.raises(SystemExit) as stop:
        interrupted(program, out, glob, argv)
    assert stop.value.code == 130
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"{program}: interrupted; 2 finished run(s) kept in {out}; ")
    command = line.split("resume with: ", 1)[1]
    assert shlex.split(command) == [program, *argv, "--out", str(out)]


def test_interrupt_line_keeps_an_out_option_the_user_gave(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command that named ``--out`` is repeated as it was (no second ``--out``)."""
    argv = ["--out", str(tmp_path), "--replicates", "4"]
    with pytest.raises(SystemExit):
        interrupted("hdsim-target", tmp_path, "candidates/*/rep_*/_SUCCESS", argv)
    line = capsys.readouterr().err.strip()
    assert "0 finished run(s)" in line
    assert shlex.split(line.split("resume with: ", 1)[1]) == ["hdsim-target", *argv]
