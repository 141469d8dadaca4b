"""The fault suite: every bad input or fault gives one line naming it, and leaves nothing stale.

Each table row is one distinct bad input or fault. Values, Hydra override errors, calibration
files, IO errors and damaged run folders are tested on the functions that handle them (in this
process: cheap); the command-line cases run the real ``hdsim`` in subprocesses at scale 0.02
with a one-year horizon, several at a time. Every case asserts the failure is reported on one
line that names the problem and that no output is left half-written or stale (exit status,
for the commands).

The process cases (Ctrl-C, kill -9, a second job into a held folder, changed data) send real
signals to real ``hdsim`` processes and kill whatever they started, by process id.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import TINY_JOB
from processes import alive, descendants

from hdsim.calibration.priors import PRIORS_FILE, load_priors
from hdsim.calibration.targets import TARGETS_FILE, CalibrationError, load_targets
from hdsim.config.fields import ConfigError
from hdsim.data import EMBEDDED_DIR
from hdsim.experiments.aggregate import main as aggregate_main
from hdsim.model.config import register_configs, to_config
from hdsim.paths import SCENARIO_DIR, require_config_dir
from hdsim.usage import OverrideError, check_overrides, describe_error
from hdsim.utils import io as hio

HDSIM = str(Path(sys.executable).with_name("hdsim"))
TINY = [*TINY_JOB, "calibration.use=point"]
"""A job of a few seconds: one replicate of the baseline, 2% of the households, 14 months."""


def one_line(text: str) -> str:
    """The only non-empty line of ``text`` (the test fails if there are more or none)."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{text}"
    return lines[0]


def compose(overrides: list[str]) -> Any:
    """Compose the job config as ``hdsim`` does (Hydra, the package's configs)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    register_configs()
    with initialize_config_dir(config_dir=str(require_config_dir()), version_base="1.3"):
        return hydra_compose(config_name="hdsim", overrides=overrides)


# --------------------------------------------------------------------------------------------
# Values: rejected with the key's name before anything runs
# --------------------------------------------------------------------------------------------

VALUE_CASES: list[tuple[str, list[str], str]] = [
    ("scale_nan", ["households.scale=nan"], "households.scale=nan is not a finite"),
    ("scale_inf", ["households.scale=inf"], "households.scale=inf is not a finite"),
    ("scale_negative", ["households.scale=-1"], "households.scale=-1.0 is out of range"),
    ("target_rate_nan", ["horizon.target_rate=nan"], "horizon.target_rate=nan"),
    ("target_rate_above_one", ["horizon.target_rate=1.5"], "horizon.target_rate=1.5"),
    (
        "lever_intensity_nan",
        ["scenario=hukou_reform", "scenario.policies.hukou_reform.intensity=nan"],
        "scenario.policies.hukou_reform.intensity=nan",
    ),
    (
        "lever_intensity_inf",
        ["scenario.policies.schools.intensity=inf"],
        "scenario.policies.schools.intensity=inf",
    ),
    (
        "lever_intensity_minus_inf",
        ["scenario.policies.tourism.intensity=-inf"],
        "scenario.policies.tourism.intensity=-inf",
    ),
    (
        "lever_cost_nan",
        ["scenario.policies.new_district.cost_yi=nan"],
        "scenario.policies.new_district.cost_yi=nan",
    ),
    ("budget_nan", ["scenario.policies.budget.yearly_yi=nan"], "budget.yearly_yi=nan"),
    (
        "efficiency_inf",
        ["scenario.policies.implementation_efficiency=inf"],
        "implementation_efficiency=inf",
    ),
    (
        "behaviour_nan",
        ["behaviour.location.consider_rate=nan"],
        "behaviour.location.consider_rate=nan",
    ),
    (
        "design_range_nan",
        ["+experiment.design.parameters.households.scale=[0.01,nan]"],
        "experiment.design.parameters.households.scale=",
    ),
    (
        "start_before_census",
        ["horizon.start=2019-01"],
        "only allowed start is horizon.start=2020-11",
    ),
    ("start_after_census", ["horizon.start=2021-01"], "horizon.start=2021-01 does not match"),
    ("start_not_a_month", ["horizon.start=2020-13"], "is not a month"),
    ("end_year_at_census", ["horizon.end_year=2020"], "horizon.end_year=2020 is out of range"),
    ("target_beyond_end", ["horizon.target_year=2040"], "horizon.target_year=2040"),
    ("compare_empty", ["compare=[]"], "compare=[] is empty"),
    ("compare_duplicate", ["compare=[baseline,baseline]"], "compare lists baseline twice"),
    ("compare_unknown", ["compare=[baseline,hukou_reformm]"], "did you mean 'hukou_reform'"),
    ("replicate_negative", ["replicate=-1"], "replicate=-1 is negative"),
    ("replicates_zero", ["replicates=0"], "replicates=0 is out of range"),
    ("n_jobs_too_many", ["n_jobs=1000"], "n_jobs=1000 is out of range"),
    (
        "lever_month_13",
        ["scenario.policies.hukou_reform.start=2023-13"],
        "scenario.policies.hukou_reform.start='2023-13' is not a month",
    ),
    (
        "explicit_lever_start_after_horizon",
        [
            "scenario=hukou_reform",
            "horizon.end_year=2024",
            "scenario.policies.hukou_reform.start=2030-01",
        ],
        "lies after the horizon",
    ),
    (
        "duplicate_upgrade_codes",
        ["scenario.policies.township_upgrade.codes=[a,a]"],
        "township_upgrade.codes lists a twice",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [pytest.param(o, n, id=i) for i, o, n in VALUE_CASES],
)
def test_bad_value_is_rejected_in_one_line_naming_the_key(overrides, needle):
    """A bad value never reaches a run: one ConfigError line names the key and the value."""
    raw = compose(overrides)
    with pytest.raises(ConfigError) as info:
        to_config(raw, explicit=overrides)
    assert needle in one_line(str(info.value))


def test_shortened_horizon_moves_the_default_target_year_and_says_so():
    """``horizon.end_year=2022`` alone is a natural command: the target year follows, a note
    says so (it used to stop with 'target year 2025 beyond the horizon')."""
    notes: list[str] = []
    cfg = to_config(compose(["horizon.end_year=2022"]), notes, ["horizon.end_year=2022"])
    assert cfg.horizon.target_year == 2022
    assert any("horizon.target_year follows horizon.end_year: 2022" in n for n in notes)
    assert all("\n" not in n for n in notes)


def test_explicit_target_year_is_never_moved():
    """A target year the user chose is kept and rejected, not silently changed."""
    overrides = ["horizon.end_year=2022", "horizon.target_year=2025"]
    with pytest.raises(ConfigError, match=r"horizon\.target_year=2025"):
        to_config(compose(overrides), explicit=overrides)


def test_lever_that_starts_after_the_horizon_is_reported():
    """A lever that is on but starts after the horizon ends is a note, not a silent no-op."""
    notes: list[str] = []
    to_config(compose(["scenario=hukou_reform", "horizon.end_year=2022"]), notes)
    assert any("scenario.policies.hukou_reform.start" in n and "never acts" in n for n in notes)


# --------------------------------------------------------------------------------------------
# Hydra's own errors: one line with the reason and the allowed values
# --------------------------------------------------------------------------------------------

ALL_SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))

HYDRA_CASES: list[tuple[str, list[str], list[str]]] = [
    ("float_abc", ["households.scale=abc"], ["households.scale=abc", "not a number", "0.001"]),
    ("float_empty", ["households.scale="], ["households.scale", "not a number"]),
    ("int_text", ["horizon.end_year=soon"], ["horizon.end_year=soon", "not a whole number"]),
    ("int_float", ["replicates=2.5"], ["replicates=2.5", "not a whole number"]),
    ("bool_maybe", ["progress=maybe"], ["progress=maybe", "not true or false"]),
    ("enum_both", ["calibration.use=both"], ["calibration.use=both", "posterior, point"]),
    ("list_as_text", ["compare=baseline"], ["compare=baseline", "not a list"]),
    ("unknown_key", ["households.sclae=0.05"], ["households.sclae", "households.scale"]),
    (
        "unknown_lever_field",
        ["scenario.policies.hukou_reform.intensty=1"],
        ["intensty", "scenario.policies.hukou_reform.intensity"],
    ),
    ("unknown_section", ["horizn.end_year=2030"], ["horizn.end_year", "horizon.end_year"]),
    ("unknown_scenario", ["scenario=nope"], ["unknown scenario 'nope'", *ALL_SCENARIOS]),
    ("misspelt_scenario", ["scenario=basline"], ["did you mean 'baseline'"]),
    ("unknown_experiment", ["+experiment=nope"], ["unknown experiment 'nope'", "lever_grid"]),
    ("unknown_behaviour", ["behaviour=nowhere"], ["unknown behaviour 'nowhere'", "hongtong"]),
    ("unparsable", ["households.scale=[1"], ["households.scale=[1", "KEY=VALUE"]),
]


@pytest.mark.parametrize(
    ("overrides", "needles"),
    [pytest.param(o, n, id=i) for i, o, n in HYDRA_CASES],
)
def test_hydra_error_becomes_one_line_with_reason_and_allowed_values(overrides, needles):
    """Hydra's composition errors keep their reason (and the option list) in one line."""
    with pytest.raises(Exception) as info:
        compose(overrides)
    line = one_line(describe_error(info.value, overrides))
    for needle in needles:
        assert needle in line, line
    assert "schema" not in line  # ConfigStore entries are no user's choice


@pytest.mark.parametrize(
    ("override", "hint"),
    [
        ("+households.sclae=0.05", "households.scale"),  # Hydra accepts it, then ignores it
        ("++horizon.end_yaer=2030", "horizon.end_year"),
        ("~outptu.report", "output"),
        ("+scenario.policies.hukou_reform.intensty=1", "intensity"),
    ],
)
def test_unknown_key_with_plus_is_rejected_with_did_you_mean(override, hint):
    """``+key=`` of a key the schema lacks is rejected, not added and ignored (rc 0)."""
    with pytest.raises(OverrideError) as info:
        check_overrides([override])
    line = one_line(str(info.value))
    assert "unknown key" in line and hint in line


def test_known_overrides_pass_the_key_check():
    """Schema keys, groups, Hydra keys and design parameters are all accepted."""
    check_overrides(
        [
            "households.scale=0.1",
            "+experiment=lever_grid",
            "scenario=baseline",
            "hydra/launcher=hdsim_joblib",
            "hydra.run.dir=x",
            "+experiment.design.parameters.behaviour.location.consider_rate=[0.1,0.2]",
        ]
    )


def test_help_page_lists_every_scenario_with_its_chinese_label():
    """``hdsim --help`` shows the scenario library with its labels (no schema entries)."""
    from omegaconf import OmegaConf

    help_cfg = OmegaConf.load(require_config_dir() / "hydra" / "help" / "hdsim.yaml")
    page = str(OmegaConf.to_container(help_cfg, resolve=False)["template"])
    for path in SCENARIO_DIR.glob("*.yaml"):
        label = OmegaConf.load(path).get("label_zh")
        assert f"{path.stem}" in page and str(label) in page, path.stem
    assert "scenario_schema" not in page


# --------------------------------------------------------------------------------------------
# Calibration files of any kind and encoding
# --------------------------------------------------------------------------------------------


def _edit_targets(edit: Callable[[list[str]], list[str]]) -> str:
    return "\n".join(edit(TARGETS_FILE.read_text(encoding="utf-8-sig").splitlines())) + "\n"


def _set_cell(lines: list[str], row_id: str, column: str, value: str) -> list[str]:
    import csv
    import io

    rows = list(csv.reader(lines))
    col = rows[0].index(column)
    for row in rows:
        if row and row[0] == row_id:
            row[col] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().splitlines()


def _first_point_id() -> str:
    return next(t.id for t in load_targets().targets if t.kind == "point")


def _first_bound_id() -> str | None:
    return next((t.id for t in load_targets().targets if t.kind == "bound"), None)


TARGET_TEXT = TARGETS_FILE.read_text(encoding="utf-8-sig")
POINT = _first_point_id()
TARGET_CASES: list[tuple[str, Callable[[], bytes | None], str]] = [
    ("gbk", lambda: TARGET_TEXT.encode("gbk"), "is not UTF-8"),
    ("utf16", lambda: TARGET_TEXT.encode("utf-16"), "NUL bytes"),
    ("binary", lambda: bytes(range(256)) * 4, "NUL bytes"),
    ("empty", lambda: b"", "the file is empty"),
    ("blank_lines", lambda: b"\n\n\n", "the file is empty"),
    ("header_only", lambda: TARGET_TEXT.splitlines()[0].encode() + b"\n", "no target rows"),
    (
        "missing_column",
        lambda: TARGET_TEXT.replace("statistic,", "stat,", 1).encode(),
        "missing column(s) statistic",
    ),
    (
        "nan_value",
        lambda: _edit_targets(lambda ls: _set_cell(ls, POINT, "value", "nan")).encode(),
        "'nan' is not a finite number",
    ),
    (
        "inf_sd",
        lambda: _edit_targets(lambda ls: _set_cell(ls, POINT, "sd", "inf")).encode(),
        "column 'sd': 'inf' is not a finite",
    ),
    (
        "text_value",
        lambda: _edit_targets(lambda ls: _set_cell(ls, POINT, "value", "about 0.4")).encode(),
        "'about 0.4' is not a number",
    ),
    (
        "bad_date",
        lambda: _edit_targets(lambda ls: _set_cell(ls, POINT, "date", "someday")).encode(),
        "is not a date",
    ),
    (
        "duplicate_id",
        lambda: (TARGET_TEXT + TARGET_TEXT.splitlines()[-1] + "\n").encode(),
        "appears twice",
    ),
    ("folder", lambda: None, "is a folder"),
]


@pytest.mark.parametrize(("make", "needle"), [pytest.param(m, n, id=i) for i, m, n in TARGET_CASES])
def test_bad_targets_file_gives_one_line(tmp_path, make, needle):
    """A damaged targets file fails at start-up on one line (not after 60 simulations)."""
    payload = make()
    path = tmp_path / "targets.csv"
    if payload is None:
        path.mkdir()
    else:
        path.write_bytes(payload)
    with pytest.raises(CalibrationError) as info:
        load_targets(path)
    assert needle in one_line(str(info.value))


PRIOR_TEXT = PRIORS_FILE.read_text(encoding="utf-8-sig")
PRIOR_ROW = PRIOR_TEXT.splitlines()[1]


def _prior_row(**cells: str) -> bytes:
    import csv
    import io

    rows = list(csv.reader(PRIOR_TEXT.splitlines()))
    for key, value in cells.items():
        rows[1][rows[0].index(key)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


PRIOR_CASES: list[tuple[str, Callable[[], bytes | None], str]] = [
    ("gbk", lambda: (PRIOR_TEXT + "# 洪\n").encode("gbk"), "is not UTF-8"),
    ("utf16", lambda: PRIOR_TEXT.encode("utf-16"), "NUL bytes"),
    ("empty", lambda: b"", "the file is empty"),
    ("nan_lo", lambda: _prior_row(lo="nan"), "must be finite numbers"),
    ("inf_hi", lambda: _prior_row(hi="inf"), "must be finite numbers"),
    ("text_lo", lambda: _prior_row(lo="low"), "lo and hi must be numbers"),
    ("lo_above_hi", lambda: _prior_row(lo="0.9", hi="0.1"), "must be below hi"),
    ("unknown_parameter", lambda: _prior_row(parameter="location.nothing"), "has no number"),
    ("empty_parameter", lambda: _prior_row(parameter=""), "column 'parameter': empty"),
    ("bad_distribution", lambda: _prior_row(distribution="normal"), "is not one of uniform"),
    ("duplicate", lambda: (PRIOR_TEXT + PRIOR_ROW + "\n").encode(), "appears twice"),
    ("folder", lambda: None, "is a folder"),
]


@pytest.mark.parametrize(("make", "needle"), [pytest.param(m, n, id=i) for i, m, n in PRIOR_CASES])
def test_bad_priors_file_gives_one_line(tmp_path, make, needle):
    """A damaged priors file fails at start-up on one line naming the row or the encoding."""
    payload = make()
    path = tmp_path / "priors.csv"
    if payload is None:
        path.mkdir()
    else:
        path.write_bytes(payload)
    with pytest.raises(CalibrationError) as info:
        load_priors(path)
    assert needle in one_line(str(info.value))


# --------------------------------------------------------------------------------------------
# IO errors: one line, the old file intact, no temporary file left
# --------------------------------------------------------------------------------------------


def _raise(code: int) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))

    return fail


IO_CASES: list[tuple[str, int, str, str]] = [
    ("disk_full_on_write", errno.ENOSPC, "fsync", "No space left on device"),
    ("quota_on_write", errno.EDQUOT, "fsync", "quota"),
    ("read_only_disk", errno.EROFS, "mkstemp", "read-only"),
    ("permission_denied", errno.EACCES, "mkstemp", "you may not write there"),
    ("disk_full_on_rename", errno.ENOSPC, "replace", "No space left on device"),
    ("read_only_on_chmod", errno.EROFS, "chmod", "read-only"),
]


@pytest.mark.parametrize(
    ("code", "where", "needle"), [pytest.param(c, w, n, id=i) for i, c, w, n in IO_CASES]
)
def test_io_error_is_one_line_and_keeps_the_old_file(tmp_path, monkeypatch, code, where, needle):
    """A failing write raises OutputError (one line), keeps the old content, leaves no tmp."""
    path = tmp_path / "summary.csv"
    path.write_text("old,content\n", encoding="utf-8")
    target = tempfile if where == "mkstemp" else os
    monkeypatch.setattr(target, where, _raise(code))
    with pytest.raises(hio.OutputError) as info:
        hio.atomic_write_text(path, "new,half\n")
    monkeypatch.undo()
    line = one_line(str(info.value))
    assert str(path) in line and needle in line
    assert path.read_text(encoding="utf-8") == "old,content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.csv"]
    assert isinstance(info.value, OSError)


def test_parquet_write_failing_midway_leaves_the_old_file(tmp_path, monkeypatch):
    """A Parquet writer dying half-way (disk full) leaves the previous file whole."""
    path = tmp_path / "runs.parquet"
    old = pd.DataFrame({"a": [1, 2]})
    hio.atomic_write_parquet(path, old)

    def half(self: Any, tmp: str, **kwargs: Any) -> None:
        Path(tmp).write_bytes(b"PAR1half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half)
    with pytest.raises(hio.OutputError, match="No space left"):
        hio.atomic_write_parquet(path, pd.DataFrame({"a": [3]}))
    monkeypatch.undo()
    assert pd.read_parquet(path).equals(old)
    assert [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]


def test_folder_in_the_path_that_is_a_file_is_one_line(tmp_path):
    """An output folder that is really a file gives one line, and the file is untouched."""
    blocker = tmp_path / "out"
    blocker.write_text("a file", encoding="utf-8")
    with pytest.raises(hio.OutputError, match="is a file, not a folder"):
        hio.atomic_write_text(blocker / "summary.md", "x")
    assert blocker.read_text(encoding="utf-8") == "a file"


def test_destination_that_is_a_folder_is_one_line(tmp_path):
    """Writing over a folder gives one line and leaves the folder and no temporary file."""
    (tmp_path / "summary.csv").mkdir()
    with pytest.raises(hio.OutputError, match="the destination is a folder"):
        hio.atomic_write_text(tmp_path / "summary.csv", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["summary.csv"]


def test_new_files_get_the_umask_not_0600(tmp_path):
    """Outputs are created with the user's umask (mkstemp alone would give 0600)."""
    old = os.umask(0o022)
    try:
        hio.atomic_write_text(tmp_path / "a.csv", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------------------------
# The real command: runs at scale 0.02, several at a time
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one ``hdsim`` command did."""

    returncode: int
    stdout: str
    stderr: str
    out: Path


def run_hdsim(args: list[str], cwd: Path, timeout: float = 300) -> Outcome:
    """Run ``hdsim ARGS hydra.run.dir=cwd/out`` and collect its outcome."""
    out = cwd / "out"
    proc = subprocess.run(
        [HDSIM, *args, f"hydra.run.dir={out}"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "HYDRA_FULL_ERROR": "0"},
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr, out)


def results_written(out: Path) -> list[Path]:
    """Result files under an output folder (Hydra's own .hydra/ and logs not counted)."""
    if not out.exists():
        return []
    suffixes = {".parquet", ".csv", ".md", ".json", ".html", ".pdf"}
    return [p for p in out.rglob("*") if p.suffix in suffixes and ".hydra" not in p.parts]


def _gbk_data(root: Path) -> list[str]:
    d = root / "county"
    shutil.copytree(EMBEDDED_DIR, d)
    text = (d / "townships.csv").read_text(encoding="utf-8")
    (d / "townships.csv").write_bytes(text.encode("gbk"))
    return [f"data.dir={d}"]


def _truncated_data(root: Path) -> list[str]:
    d = root / "county"
    shutil.copytree(EMBEDDED_DIR, d)
    payload = (d / "townships.csv").read_bytes()
    (d / "townships.csv").write_bytes(payload[: len(payload) // 3])
    return [f"data.dir={d}"]


def _missing_file_data(root: Path) -> list[str]:
    d = root / "county"
    shutil.copytree(EMBEDDED_DIR, d)
    (d / "firms.csv").unlink()
    return [f"data.dir={d}"]


def _out_is_a_file(root: Path) -> list[str]:
    (root / "out").write_text("not a folder", encoding="utf-8")
    return []


def _gbk_posterior(root: Path) -> list[str]:
    p = root / "posterior.csv"
    p.write_bytes("参数,值\n".encode("gbk"))
    return ["calibration.use=posterior", f"calibration.file={p}"]


@dataclass
class CliCase:
    """One command-line case: arguments (or a setup making them), expected status and line."""

    id: str
    args: list[str]
    needle: str
    status: int = 2
    setup: Callable[[Path], list[str]] | None = None
    marks: Any = ()


CLI_CASES: list[CliCase] = [
    CliCase("scale_nan", ["households.scale=nan"], "households.scale=nan is not a finite"),
    CliCase(
        "lever_nan_no_longer_baseline",
        ["scenario=hukou_reform", "scenario.policies.hukou_reform.intensity=nan"],
        "hukou_reform.intensity=nan",
    ),
    CliCase("target_rate_nan", ["horizon.target_rate=nan"], "horizon.target_rate=nan"),
    CliCase("start_2019", ["horizon.start=2019-01"], "horizon.start=2020-11"),
    CliCase("compare_empty", ["compare=[]"], "compare=[] is empty"),
    CliCase("compare_twice", ["compare=[baseline,baseline]"], "compare lists baseline twice"),
    CliCase("replicate_minus_one", ["replicate=-1"], "replicate=-1 is negative"),
    CliCase("end_before_target", ["horizon.target_year=2040"], "horizon.target_year=2040"),
    CliCase("data_dir_missing", ["data.dir=/nonexistent/county"], "/nonexistent/county"),
    CliCase("data_truncated", [], "townships.csv", setup=_truncated_data),
    CliCase("data_file_missing", [], "firms.csv", setup=_missing_file_data),
    CliCase(
        "data_gbk",
        [],
        "townships.csv",
        setup=_gbk_data,
    ),
    CliCase(
        "scale_abc_reason",
        ["households.scale=abc"],  # after TINY's households.scale=0.02: the bad one is named
        "households.scale=abc: not a number",
    ),
    CliCase(
        "unknown_scenario_full_list",
        ["scenario=nope"],
        "villages_first",
    ),
    CliCase(
        "plus_unknown_key",
        ["+households.sclae=0.05"],
        "did you mean 'households.scale'",
    ),
    CliCase(
        "out_dir_is_a_file",
        [],
        "is a file, not a folder",
        setup=_out_is_a_file,
    ),
    CliCase(
        "posterior_gbk",
        [],
        "posterior.csv",
        setup=_gbk_posterior,
    ),
]


@pytest.fixture(scope="module")
def cli_outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """Every command-line case run once, three at a time (they are independent processes)."""

    def run(case: CliCase) -> tuple[str, Outcome]:
        root = tmp_path_factory.mktemp(case.id)
        extra = case.setup(root) if case.setup else []
        return case.id, run_hdsim([*TINY, *case.args, *extra], root)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(run, CLI_CASES))


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CLI_CASES])
def test_hdsim_command_fails_in_one_line_and_writes_no_result(cli_outcomes, case):
    """The real command: exit status 2, one stderr line naming the problem, no result file."""
    outcome = cli_outcomes[case.id]
    assert outcome.returncode == case.status, outcome.stderr
    assert case.needle in one_line(outcome.stderr)
    assert results_written(outcome.out) == []


def test_shortened_horizon_runs_and_prints_the_note(tmp_path):
    """``hdsim horizon.end_year=2022`` (target year left at its default) runs, with the note."""
    args = [a for a in TINY if not a.startswith("horizon.")] + ["horizon.end_year=2022"]
    outcome = run_hdsim(args, tmp_path)
    assert outcome.returncode == 0, outcome.stderr
    assert "horizon.target_year follows horizon.end_year: 2022" in outcome.stdout
    assert pd.read_csv(outcome.out / "summary.csv")["scenario"].tolist() == ["baseline"]


def test_a_flag_after_the_overrides_is_still_hydra_s_flag(tmp_path):
    """``hdsim KEY=VALUE --cfg job`` works as ``hdsim --cfg job KEY=VALUE`` (Hydra's own parser
    stops at a flag after an override with "unrecognized arguments")."""
    proc = subprocess.run(
        [HDSIM, "households.scale=0.03", "--cfg", "job", "seed=5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "seed: 5" in proc.stdout and "scale: 0.03" in proc.stdout


def test_ensembles_inside_joblib_launcher_jobs_run_and_match_a_plain_job(tmp_path):
    """``hdsim -m scenario=a,b hydra/launcher=joblib`` with each job an ensemble on 2 processes:
    the nested pool works (it failed with "cannot find context for 'loky'"), and a sweep job's
    outputs are byte-identical to the same job run on its own with one process."""
    small = [a for a in TINY if not a.startswith(("replicates", "compare", "n_jobs"))]
    sweep = subprocess.run(
        [HDSIM, "-m", "scenario=baseline,hukou_reform", "seed=1", "hydra/launcher=joblib",
         *small, "replicates=2", "n_jobs=2", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert sweep.returncode == 0, sweep.stderr[-3000:]
    assert "cannot find context" not in sweep.stderr
    plain = run_hdsim(["scenario=baseline", "seed=1", *small, "replicates=2", "n_jobs=1"],
                      tmp_path)
    assert plain.returncode == 0, plain.stderr
    for name in ("ensemble.parquet", "summary.csv", "runs/baseline/rep_001/county.parquet"):
        assert (tmp_path / "sweep" / "0" / name).read_bytes() == (plain.out / name).read_bytes()
    assert (tmp_path / "sweep" / "1" / "summary.csv").exists()


# --------------------------------------------------------------------------------------------
# Damaged run folders meet hdsim-aggregate
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def job_folder(tmp_path_factory) -> Path:
    """A real main job of two replicates (two run folders), computed once."""
    root = tmp_path_factory.mktemp("job")
    args = [a for a in TINY if not a.startswith("replicates")] + ["replicates=2"]
    outcome = run_hdsim(args, root)
    assert outcome.returncode == 0, outcome.stderr
    return outcome.out


def _rep(job: Path, k: int) -> Path:
    return job / "runs" / "baseline" / f"rep_{k:03d}"


def _truncate(path: Path) -> None:
    payload = path.read_bytes()
    path.write_bytes(payload[: len(payload) // 2])


AGGREGATE_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("truncated_parquet", lambda j: _truncate(_rep(j, 1) / "county.parquet"), "truncated"),
    ("empty_parquet", lambda j: (_rep(j, 1) / "county.parquet").write_bytes(b""), "truncated"),
    (
        "garbage_parquet",
        lambda j: (_rep(j, 1) / "county.parquet").write_bytes(b"not parquet at all" * 100),
        "not Parquet",
    ),
    (
        "bad_yaml_config",
        lambda j: (_rep(j, 1) / "config.yaml").write_text("a: [unclosed\n", encoding="utf-8"),
        "config.yaml cannot be read",
    ),
    (
        "gbk_config",
        lambda j: (_rep(j, 1) / "config.yaml").write_bytes("名: 洪\n".encode("gbk")),
        "config.yaml cannot be read",
    ),
]


@pytest.mark.parametrize(
    ("damage", "needle"), [pytest.param(d, n, id=i) for i, d, n in AGGREGATE_CASES]
)
def test_aggregate_reports_a_damaged_run_and_aggregates_the_rest(
    job_folder, tmp_path, capsys, damage, needle
):
    """One damaged run is listed as corrupt (exit 1); the other run is still aggregated."""
    job = tmp_path / "job"
    shutil.copytree(job_folder, job)
    damage(job)
    with pytest.raises(SystemExit) as info:
        aggregate_main([str(job)])
    assert info.value.code == 1
    failures = pd.read_csv(job / "aggregate" / "failures.csv")
    assert failures["status"].tolist() == ["corrupt"]
    assert needle in failures["error"].iloc[0] and "\n" not in failures["error"].iloc[0]
    runs = pd.read_parquet(job / "aggregate" / "runs.parquet")
    assert sorted(runs["replicate"].unique()) == [0]
    assert "1 corrupt" in capsys.readouterr().out


def test_aggregate_reads_an_empty_error_record(job_folder, tmp_path):
    """A failed run whose _ERROR is empty is listed as failed, without a traceback."""
    job = tmp_path / "job"
    shutil.copytree(job_folder, job)
    (_rep(job, 1) / "_SUCCESS").unlink()
    (_rep(job, 1) / "_ERROR").write_text("", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        aggregate_main([str(job)])
    assert info.value.code == 1
    failures = pd.read_csv(job / "aggregate" / "failures.csv")
    assert failures["status"].tolist() == ["failed"]


def test_aggregate_ignores_an_unreadable_provenance(job_folder, tmp_path):
    """Garbage in provenance.json costs only its bookkeeping columns: exit 0, both runs in."""
    job = tmp_path / "job"
    shutil.copytree(job_folder, job)
    (_rep(job, 0) / "provenance.json").write_bytes(b"\xff\xfe{not json")
    aggregate_main([str(job)])
    assert len(pd.read_csv(job / "aggregate" / "run_index.csv")) == 2


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        pytest.param(["{job}", "--out", "{file}"], "is a file, not a folder", id="out_is_a_file"),
        pytest.param(["{job}", "--prim-threshold", "nan"], "--prim-threshold nan", id="prim_nan"),
        pytest.param(["{job}", "--prim-threshold", "2"], "must be a rate", id="prim_above_one"),
        pytest.param(["{missing}"], "is not a folder", id="folder_missing"),
        pytest.param(["{empty}"], "no run folders", id="folder_empty"),
    ],
)
def test_aggregate_bad_input_is_one_line_exit_2(job_folder, tmp_path, capsys, argv, needle):
    """Bad arguments or unwritable outputs of hdsim-aggregate: one line, exit status 2."""
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    names = {
        "job": str(job_folder),
        "file": str(tmp_path / "file"),
        "missing": str(tmp_path / "missing"),
        "empty": str(tmp_path / "empty"),
    }
    with pytest.raises(SystemExit) as info:
        aggregate_main([a.format(**names) for a in argv])
    assert info.value.code == 2
    assert needle in one_line(capsys.readouterr().err)


# --------------------------------------------------------------------------------------------
# Interrupts, kill -9, concurrent writers, changed data (the run path must be wired)
# --------------------------------------------------------------------------------------------








def _kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


SLOW_JOB = [a for a in TINY if not a.startswith(("replicates", "n_jobs", "horizon."))] + [
    "replicates=4",
    "n_jobs=2",
    "horizon.end_year=2022",
]
"""A job long enough to be interrupted: four replicates in two worker processes."""


def _start(root: Path, args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [HDSIM, *args, f"hydra.run.dir={root / 'out'}"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    """Ctrl-C acts in the job even when the suite runs with SIGINT ignored (``nohup ... &``)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_workers(proc: subprocess.Popen[str], seconds: float = 60) -> list[int]:
    """The job's descendant processes once it runs two workers (or whatever there is)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        below = descendants(proc.pid)
        if len(below) >= 3:  # fork server (or pool manager) and two workers
            return below
        time.sleep(0.2)
    return descendants(proc.pid)


def test_ctrl_c_stops_within_seconds_with_one_line_and_exit_130(tmp_path):
    """SIGINT to the main job: exit 130 within 10 s, one line naming how to resume."""
    proc = _start(tmp_path, SLOW_JOB)
    workers = _wait_for_workers(proc)
    try:
        proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=60)
        elapsed = time.monotonic() - t0
    finally:
        _kill([proc.pid, *workers, *descendants(proc.pid)])
    assert proc.returncode == 130
    assert elapsed < 10
    assert "resume" in one_line(err)


def test_kill_9_of_the_main_job_leaves_no_orphan_worker(tmp_path):
    """kill -9 of the main job: its workers exit on their own within 10 s."""
    proc = _start(tmp_path, SLOW_JOB)
    workers = _wait_for_workers(proc)
    assert workers, "the job started no worker"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.2)
    orphans = [w for w in workers if alive(w)]
    _kill(orphans)  # the suite leaves no process behind, whatever the outcome
    assert orphans == []


def test_second_job_into_the_same_folder_is_refused_naming_the_holder(tmp_path):
    """Two jobs with different seeds into one folder: the second exits 2 naming the PID."""
    first = _start(tmp_path, [*SLOW_JOB, "seed=1"])
    try:
        _wait_for_workers(first)
        second = run_hdsim([*TINY, "seed=2"], tmp_path, timeout=120)
    finally:
        kids = descendants(first.pid)
        first.kill()
        first.wait()
        _kill(kids)
    assert second.returncode == 2
    assert str(first.pid) in one_line(second.stderr)


def test_rerun_after_a_data_change_recomputes_instead_of_reusing(tmp_path):
    """Edit a data file and rerun into the same folder: the runs are recomputed, not reused."""
    data = tmp_path / "county"
    shutil.copytree(EMBEDDED_DIR, data)
    args = [*TINY, f"data.dir={data}"]
    assert run_hdsim(args, tmp_path).returncode == 0
    marker = tmp_path / "out" / "runs" / "baseline" / "rep_000" / "_SUCCESS"
    before = marker.stat().st_mtime_ns
    path = data / "county.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("5200,yuan per m2", "5400,yuan per m2"), encoding="utf-8")
    again = run_hdsim(args, tmp_path)
    assert again.returncode == 0, again.stderr
    assert marker.stat().st_mtime_ns != before


def _summary_folder(root: Path) -> None:
    (root / "out" / "summary.csv").mkdir(parents=True)


def test_unwritable_summary_is_one_line_and_nothing_half_written(tmp_path):
    """summary.csv that cannot be written (a folder there): one line, exit 2, no temp file."""
    _summary_folder(tmp_path)
    outcome = run_hdsim(TINY, tmp_path)
    assert outcome.returncode == 2
    assert "summary.csv" in one_line(outcome.stderr)
    assert not list((tmp_path / "out").glob(".summary.csv.*"))



def test_run_folder_that_is_a_file_in_a_worker_is_one_line(tmp_path):
    """A worker process meeting an IO error: one line naming the folder, exit 2, no summary."""
    runs = tmp_path / "out" / "runs" / "baseline"
    runs.mkdir(parents=True)
    (runs / "rep_001").write_text("not a folder", encoding="utf-8")
    outcome = run_hdsim([*TINY, "replicates=2", "n_jobs=2"], tmp_path)
    assert outcome.returncode == 2
    assert "rep_001" in one_line(outcome.stderr)
    assert not (outcome.out / "summary.csv").exists()

# --------------------------------------------------------------------------------------------
# Console scripts: the documented calls parse as written, and every option has help
# --------------------------------------------------------------------------------------------


def test_target_levels_do_not_swallow_the_overrides_after_them():
    """The README's ``hdsim-target --lever ... --levels 0.5 0.8 scenario=hukou_reform``."""
    from hdsim.experiments.target import parse_args

    lever = "scenario.policies.hukou_reform.intensity"
    args = parse_args(["--lever", lever, "--levels", "0.5", "0.8", "scenario=hukou_reform"])
    assert args.levels == [0.5, 0.8]
    assert args.overrides == ["scenario=hukou_reform"]
    assert args.lever == lever


def test_target_option_value_with_equals_sign_is_not_an_override():
    """``--out a=b`` keeps ``a=b`` as the folder; overrides before the options still count."""
    from hdsim.experiments.target import parse_args

    args = parse_args(["seed=3", "--package", "--out", "x=y", "--levels", "0.9", "replicates=2"])
    assert str(args.out) == "x=y"
    assert args.overrides == ["seed=3", "replicates=2"]
    assert args.levels == [0.9]


def test_every_target_option_has_help_text():
    """``hdsim-target --help`` explains each option (no bare option names)."""
    from hdsim.experiments.target import build_parser

    bare = [a.dest for a in build_parser()._actions if not a.help]
    assert bare == []
