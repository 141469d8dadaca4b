"""Every option of every console script has help text (issue 11: help helps).

Each script's ``--help`` (and each sub-command's) is read as argparse prints it: an option with
no description has nothing after it on its line and no indented description below it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
COMMANDS = [
    ["hdsim-target"],
    ["hdsim-assumptions"],
    ["hdsim-aggregate"],
    ["hdsim-report"],
    ["hdsim-calibrate"],
    ["hdsim-county"],
    ["hdsim-county", "init"],
    ["hdsim-county", "compare"],
    ["hdsim-forecast"],
    ["hdsim-hindcast"],
]


def bare_options(page: str) -> list[str]:
    """Options of an argparse help page that carry no description."""
    lines = page.splitlines()
    bare = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not line.startswith("  ") or not stripped.startswith("-"):
            continue
        if "  " in stripped:  # the description follows on the same line
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        indent = len(line) - len(line.lstrip())
        if nxt.strip() and len(nxt) - len(nxt.lstrip()) > indent + 4:
            continue  # the description is on the next line
        bare.append(stripped)
    return bare


def test_bare_option_detection_finds_an_option_without_help() -> None:
    """The reader itself: a page with one described and one bare option."""
    page = "options:\n  -h, --help  show this help\n  --scale SCALE\n  --out OUT\n"
    assert bare_options(page) == ["--scale SCALE", "--out OUT"]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_option_of_the_console_script_has_help_text(command: list[str]) -> None:
    """``COMMAND --help`` exits 0 and describes every option it lists."""
    run = subprocess.run(
        [str(BIN / command[0]), *command[1:], "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "usage:" in run.stdout
    assert bare_options(run.stdout) == []


def test_every_console_script_of_the_package_is_checked() -> None:
    """The list above names every console script ``pyproject.toml`` declares (``hdsim``'s own
    page is Hydra's, checked by the fault suite's help-page test)."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    scripts = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert set(scripts) - {"hdsim"} == {c[0] for c in COMMANDS}
