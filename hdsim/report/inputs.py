"""Find and read what a report is built from: the outputs in a run, job or experiment folder.

A report never re-simulates: everything comes from files hdsim (or an experiment) wrote.

Folder kinds, recognised in this order:

- **run**: the folder itself holds ``county.parquet`` (``runs/<scenario>/rep_<k>`` or a sweep
  job's folder);
- **job**: the folder holds ``runs/`` (the main job: ``runs/<scenario>/rep_<k>``), usually with
  ``ensemble.parquet`` and ``summary.csv``;
- **experiment**: any other folder holding run folders below it (a Hydra multirun, an
  ``hdsim-target`` output), or ``aggregate/runs.parquet`` written by ``hdsim-aggregate``.

A run folder is *complete* when it holds ``_SUCCESS`` and ``county.parquet``; the others are
listed as missing or failed (with the first line of their ``_ERROR``, ``error.txt`` or
``_FAILED`` when present) and the report covers the rest. A folder with no hdsim output raises
:class:`ReportError` (one line).

Optional tables (CSV or Parquet, in the folder or its ``analysis/`` sub-folder) add panels; their
names and columns are in :data:`OPTIONAL_TABLES` and ``docs/reports.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from omegaconf import OmegaConf

from hdsim.data import CountyData, DataError, load_county_data
from hdsim.data.loader import HINDCAST_FILE

SERIES_FILES: tuple[str, ...] = ("ensemble.parquet", "aggregate/runs.parquet")
"""Tidy county series of many runs, tried in this order (main job; ``hdsim-aggregate``)."""

SERIES_COLUMNS: tuple[str, ...] = ("scenario", "replicate", "date", "indicator", "value")
"""Columns every county series must have."""

OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {
    "sensitivity_sobol": ("output", "parameter", "S1", "ST"),
    "sensitivity_morris": ("output", "parameter", "mu_star"),
    "sensitivity_rank": ("output", "parameter", "spearman_rho"),
    "prim_boxes": ("box", "parameter", "low", "high", "coverage", "density"),
    "target_seeking": ("lever", "level", "status", "value"),
    "fit": ("indicator", "date", "observed", "sim_mean"),
    "backtest": ("indicator", "date", "observed", "sim_mean"),
}
"""Optional tables (file stem -> required columns) that add panels when present; the names are
those ``hdsim-aggregate``, ``hdsim-target`` and ``hdsim-calibrate`` write."""

OPTIONAL_FOLDERS: tuple[str, ...] = (".", "aggregate", "analysis", "calibration")
"""Sub-folders of the reported folder searched for optional tables."""

ERROR_FILES: tuple[str, ...] = ("_ERROR", "error.txt", "_FAILED")
"""Files whose first line says why a run failed."""

_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's C loader when libyaml is there, else its pure-Python safe loader."""

SEARCH_DEPTH = 4
"""How deep to look for run folders in an experiment folder."""


class ReportError(Exception):
    """The folder cannot be reported on; the message is one line."""


@dataclass
class RunRecord:
    """One run folder (or one expected run that has no folder).

    Attributes:
        path: Folder of the run.
        ok: Whether it holds complete outputs.
        problem: Catalogue key of the problem (``""`` when ok).
        error: First line of its error file, when it failed with one.
        scenario: Scenario name, when known.
        replicate: Replicate number, when known.
    """

    path: Path
    ok: bool
    problem: str = ""
    error: str = ""
    scenario: str | None = None
    replicate: int | None = None


@dataclass
class Horizon:
    """The simulated period and the target, as the runs were configured."""

    start: str = "2020-11"
    end_year: int = 2025
    target_year: int = 2025
    plan_start_year: int = 2023
    target_rate: float = 0.55

    @property
    def target_end(self) -> pd.Timestamp:
        """Last day of the target year."""
        return pd.Timestamp(f"{self.target_year}-12-31")


@dataclass
class ScenarioInfo:
    """What the report needs to know about one scenario's configuration.

    Attributes:
        name: Scenario name.
        label_zh: Chinese label from the scenario file.
        question: The question the scenario answers.
        levers: Active policy levers and their settings.
    """

    name: str
    label_zh: str = ""
    question: str = ""
    levers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ReportInputs:
    """Everything a report is built from.

    Attributes:
        root: The folder reported on.
        kind: ``"run"``, ``"job"`` or ``"experiment"``.
        county: Tidy county series of the completed runs.
        township: Tidy township series of the completed runs, or None.
        rate_change: The runs' split of the urban count's change into its statistical and
            behavioural parts (``rate_change.parquet``), or None when no run has one.
        validation: The county folder's hindcast scores (``calibration/hindcast.csv``, written
            by ``hdsim-hindcast --install``: the 2020 census held out), or None.
        summary: One row per scenario (``summary.csv`` or recomputed from ``county``).
        scenarios: Scenario names in report order.
        info: Configuration facts per scenario.
        horizon: Simulated period and target.
        runs: Every run folder found or expected, with its state.
        provenance: ``provenance.json`` of the completed runs.
        config: Plain configuration of the first completed run (or of the job).
        overrides: Command-line overrides of the job (``.hydra/overrides.yaml``).
        optional: Optional tables found, by name.
        optional_files: File each optional table was read from.
        data: The county data the runs used (or the embedded data when that folder is gone).
        data_note: Empty, or catalogue key of a warning about the data.
        run_configs: ``config.yaml`` of every completed run that has one, by run folder (read
            once here; the parameter table reads the runs' behaviour from it).
        derived: Frames derived from these inputs, computed once per build and shared by the
            sections and the workbook (:meth:`hdsim.report.sections.Context.memo`).
    """

    root: Path
    kind: str
    county: pd.DataFrame
    township: pd.DataFrame | None
    summary: pd.DataFrame
    scenarios: list[str]
    info: dict[str, ScenarioInfo]
    horizon: Horizon
    runs: list[RunRecord]
    provenance: list[dict[str, Any]]
    config: dict[str, Any]
    overrides: list[str]
    optional: dict[str, pd.DataFrame]
    optional_files: dict[str, Path]
    data: CountyData
    data_note: str = ""
    run_configs: dict[Path, dict[str, Any]] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict)
    rate_change: pd.DataFrame | None = None
    validation: pd.DataFrame | None = None

    @property
    def failed(self) -> list[RunRecord]:
        """Runs that are missing or failed."""
        return [r for r in self.runs if not r.ok]


def county_name(data: CountyData, lang: str) -> str:
    """The county's display name in ``lang`` (``zh`` or ``en``), from its ``identity.csv``.

    A folder without a name row falls back to the folder's name, capitalised.
    """
    try:
        return data.name(f"name_{lang}")
    except KeyError:
        return Path(data.directory).name.replace("_", " ").title()


# --------------------------------------------------------------------------------------------
# Finding runs
# --------------------------------------------------------------------------------------------


def _is_run_dir(path: Path) -> bool:
    names = ("county.parquet", "_SUCCESS", "provenance.json", *ERROR_FILES)
    return any((path / n).exists() for n in names)


def _error_line(path: Path) -> str:
    for name in ERROR_FILES:
        file = path / name
        if file.is_file():
            lines = file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            return lines[0][:300] if lines else ""
    return ""


def _record(path: Path, scenario: str | None = None, replicate: int | None = None) -> RunRecord:
    has_success = (path / "_SUCCESS").is_file()
    has_series = (path / "county.parquet").is_file()
    error = _error_line(path)
    if has_success and has_series:
        return RunRecord(path, True, scenario=scenario, replicate=replicate)
    problem = (
        "problem_error" if error else ("problem_no_series" if has_success else "problem_no_success")
    )
    return RunRecord(path, False, problem, error, scenario, replicate)


def _replicate_of(path: Path) -> int | None:
    digits = "".join(ch for ch in path.name if ch.isdigit())
    return int(digits) if path.name.startswith("rep_") and digits else None


def _job_runs(root: Path, job_config: dict[str, Any], overrides: list[str]) -> list[RunRecord]:
    records = []
    for scenario_dir in sorted(p for p in (root / "runs").iterdir() if p.is_dir()):
        for run_dir in sorted(p for p in scenario_dir.iterdir() if p.is_dir()):
            records.append(_record(run_dir, scenario_dir.name, _replicate_of(run_dir)))
    if job_config:
        narrowed = any(o.lstrip("+~").startswith("scenario") for o in overrides)
        scenario = job_config.get("scenario") or {}
        names = [scenario.get("name", "baseline")] if narrowed else job_config.get("compare", [])
        seen = {r.path.resolve() for r in records}
        for name in names or []:
            for k in range(int(job_config.get("replicates") or 0)):
                path = root / "runs" / str(name) / f"rep_{k:03d}"
                if path.resolve() not in seen:
                    records.append(RunRecord(path, False, "problem_absent", "", str(name), k))
    return records


def _experiment_runs(root: Path) -> list[RunRecord]:
    found: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        for child in sorted(p for p in folder.iterdir() if p.is_dir()):
            if child.name.startswith(".") or child.name in ("report", *OPTIONAL_FOLDERS):
                continue
            if _is_run_dir(child) or (child / ".hydra").is_dir():
                found.append(child)
            elif depth < SEARCH_DEPTH:
                walk(child, depth + 1)

    walk(root, 1)
    return [_record(p) for p in found]


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        loaded = OmegaConf.to_container(OmegaConf.load(path), resolve=False)
    except Exception:  # a hand-broken file: reported without its configuration
        return {}
    return {str(k): v for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def _read_run_config(path: Path) -> dict[str, Any]:
    """A run's ``config.yaml``, which hdsim writes with PyYAML: read back with its C loader.

    About 20 times faster than OmegaConf's loader, which matters with a hundred runs; the
    values are the same, since PyYAML reads back exactly what it wrote.
    """
    if not path.is_file():
        return {}
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError):  # a hand-broken file: reported without it
        return {}
    return {str(k): v for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def _read_overrides(root: Path) -> list[str]:
    path = root / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return []
    loaded = OmegaConf.to_container(OmegaConf.load(path))
    return [str(o) for o in loaded] if isinstance(loaded, list) else []


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)


def _read_series(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        raise ReportError(f"{path}: cannot be read as Parquet ({type(exc).__name__})") from exc
    missing = [c for c in SERIES_COLUMNS if c not in frame.columns]
    if missing:
        raise ReportError(f"{path}: missing columns {', '.join(missing)}")
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def active_levers(policies: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The levers of a scenario's ``policies`` that are switched on.

    A lever is a mapping with an ``intensity``; it is on when the intensity is positive and, for
    levers that list townships (``codes``), when the list is not empty. Other entries (the
    budget, scalar settings) are not levers.
    """
    active = {}
    for name, settings in (policies or {}).items():
        if not isinstance(settings, dict) or "intensity" not in settings:
            continue
        on = float(settings.get("intensity") or 0) > 0
        if "codes" in settings:
            on = on and bool(settings.get("codes"))
        if on:
            active[name] = settings
    return active


def _horizon(config: dict[str, Any]) -> Horizon:
    raw = config.get("horizon") or {}
    default = Horizon()
    return Horizon(
        start=str(raw.get("start", default.start)),
        end_year=int(raw.get("end_year", default.end_year)),
        target_year=int(raw.get("target_year", default.target_year)),
        plan_start_year=int(raw.get("plan_start_year", default.plan_start_year)),
        target_rate=float(raw.get("target_rate", default.target_rate)),
    )


def _load_data(provenance: list[dict[str, Any]], config: dict[str, Any]) -> tuple[CountyData, str]:
    recorded_dir = next((p.get("data_dir") for p in provenance if p.get("data_dir")), None)
    recorded_sum = next(
        (p.get("data_checksum") for p in provenance if p.get("data_checksum")), None
    )
    wanted = recorded_dir or (config.get("data") or {}).get("dir")
    data = None
    if wanted and Path(wanted).is_dir():
        try:
            data = load_county_data(wanted)
        except DataError:
            data = None
    if data is None:
        data = load_county_data()
    note = ""
    if recorded_sum and recorded_sum != data.checksum:
        note = "assumptions_checksum_differs"
    return data, note


def _validation(data: CountyData) -> pd.DataFrame | None:
    """The county folder's hindcast scores, or None when it has none.

    Raises:
        ReportError: The file exists but cannot be read or lacks a column the summary needs.
    """
    path = Path(data.directory) / HINDCAST_FILE
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path)
    except Exception as exc:
        raise ReportError(f"{path}: cannot be read ({type(exc).__name__})") from exc
    needed = {"figure", "method", "observed_2020", "estimate", "p05", "p95", "covered", "commit"}
    if not needed <= set(frame.columns):
        missing = ", ".join(sorted(needed - set(frame.columns)))
        raise ReportError(f"{path}: lacks the column(s) {missing}; rerun hdsim-hindcast --install")
    return frame


def _find_optional(root: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Path]]:
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, Path] = {}
    for name in OPTIONAL_TABLES:
        for folder in (root / sub for sub in OPTIONAL_FOLDERS):
            for suffix in (".parquet", ".csv"):
                path = folder / f"{name}{suffix}"
                if path.is_file() and name not in tables:
                    try:
                        tables[name] = _read_table(path)
                        files[name] = path
                    except Exception as exc:
                        raise ReportError(f"{path}: cannot be read ({type(exc).__name__})") from exc
    return tables, files


def _summary(root: Path, county: pd.DataFrame, horizon: Horizon, kind: str) -> pd.DataFrame:
    from hdsim.ensemble import summarise

    path = root / "summary.csv"
    if kind == "job" and path.is_file():
        summary = pd.read_csv(path, dtype={"scenario": str, "year_mean_crosses": str})
        if not summary.empty:
            return summary
    return summarise(county, horizon.target_year, horizon.target_rate, horizon.end_year)


def _read_townships(paths: list[Path], name: str = "township.parquet") -> pd.DataFrame | None:
    """The township series (or another per-run table ``name``) of all runs, in run order.

    None without any file.

    One Arrow dataset over the files reads them on Arrow's threads: 1.5 s instead of 2.2 s
    for the main job's 100 files (1.1 million rows) at load 11, the same frame.
    """
    if not paths:
        return None
    import pyarrow.dataset as ds

    try:
        table = ds.dataset([str(p) for p in paths], format="parquet").to_table()
    except Exception as exc:
        raise ReportError(
            f"{paths[0].parent.parent}: a {name} cannot be read ({type(exc).__name__})"
        ) from exc
    return table.to_pandas()


def load_inputs(folder: str | Path, progress: Callable[[str], None] | None = None) -> ReportInputs:
    """Read a run, job or experiment folder.

    Args:
        folder: The folder to report on.
        progress: Told what is read, once the folder is known to hold outputs (a folder
            without any fails before).

    Returns:
        The report's inputs.

    Raises:
        ReportError: The folder does not exist, holds no hdsim output, or a file in it is
            unreadable (one line).
    """
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise ReportError(f"{folder}: no such folder")
    overrides = _read_overrides(root)
    job_config = _read_yaml(root / ".hydra" / "config.yaml")
    series_file = next((root / n for n in SERIES_FILES if (root / n).is_file()), None)
    if (root / "county.parquet").is_file() or (root / "_SUCCESS").is_file():
        kind, runs = "run", [_record(root)]
    elif (root / "runs").is_dir():
        kind, runs = "job", _job_runs(root, job_config, overrides)
    else:
        kind, runs = "experiment", _experiment_runs(root)
    complete = [r for r in runs if r.ok]
    if series_file is None and not complete:
        if runs:
            raise ReportError(
                f"{folder}: none of its {len(runs)} run(s) completed (no _SUCCESS with "
                "county.parquet), nothing to report"
            )
        raise ReportError(
            f"{folder}: holds no hdsim output (no county.parquet, runs/, ensemble.parquet "
            "or aggregate/runs.parquet)"
        )
    if progress is not None:
        progress(f"reading the outputs of {root.name} ({len(runs)} runs)")
    if series_file is not None:
        county = _read_series(series_file)
    else:
        county = pd.concat(
            [_read_series(r.path / "county.parquet") for r in complete], ignore_index=True
        )
    if county.empty:
        raise ReportError(f"{folder}: its county series is empty, nothing to report")
    township = _read_townships(
        [r.path / "township.parquet" for r in complete if (r.path / "township.parquet").is_file()]
    )
    if township is not None:
        township["date"] = pd.to_datetime(township["date"])
    rate_change = _read_townships(
        [r.path / "rate_change.parquet" for r in complete
         if (r.path / "rate_change.parquet").is_file()],
        "rate_change.parquet",
    )  # fmt: skip
    provenance = []
    configs: dict[str, dict[str, Any]] = {}
    run_configs: dict[Path, dict[str, Any]] = {}
    for r in complete:
        prov_path = r.path / "provenance.json"
        if prov_path.is_file():
            provenance.append(json.loads(prov_path.read_text(encoding="utf-8")))
        cfg = _read_run_config(r.path / "config.yaml")
        if cfg:
            run_configs[r.path] = cfg
        name = (cfg.get("scenario") or {}).get("name") or r.scenario
        if name and name not in configs:
            configs[str(name)] = cfg
    first = next(iter(configs.values()), None) or job_config
    horizon = _horizon(first)
    scenarios = [str(s) for s in pd.unique(county["scenario"])]
    info = {}
    for name in scenarios:
        scen = (configs.get(name) or {}).get("scenario") or {}
        info[name] = ScenarioInfo(
            name=name,
            label_zh=str(scen.get("label_zh", "")),
            question=str(scen.get("question", "")),
            levers=active_levers(scen.get("policies") or {}),
        )
    data, note = _load_data(provenance, first)
    optional, optional_files = _find_optional(root)
    return ReportInputs(
        root=root,
        kind=kind,
        county=county,
        township=township,
        summary=_summary(root, county, horizon, kind),
        scenarios=scenarios,
        info=info,
        horizon=horizon,
        runs=runs,
        provenance=provenance,
        config=first,
        overrides=overrides,
        optional=optional,
        optional_files=optional_files,
        data=data,
        data_note=note,
        run_configs=run_configs,
        rate_change=rate_change,
        validation=_validation(data),
    )


__all__ = [
    "OPTIONAL_TABLES",
    "Horizon",
    "ReportError",
    "ReportInputs",
    "RunRecord",
    "ScenarioInfo",
    "active_levers",
    "load_inputs",
]
