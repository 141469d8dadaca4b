"""The ``hdsim`` command (Hydra application).

``hdsim`` alone is the main job: it compares the scenarios listed in ``compare`` (the five of
the plan), ``replicates`` replicates each, and prints and writes the planner's table.
``hdsim scenario=hukou_reform`` (or any ``scenario.*`` override) narrows the job to that one
scenario. ``replicate=K`` runs a single replicate, which is what sweeps (``hdsim -m ...`` and the
experiments in ``hdsim/conf/experiment/``) do per job.

Errors in the configuration or the data end the command with one line on stderr and exit
status 2, before anything runs.
"""

from __future__ import annotations

import errno
import logging
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from hdsim.config.fields import ConfigError
from hdsim.model.config import HdsimConfig, register_configs, to_config
from hdsim.model.scenarios import load_scenario
from hdsim.paths import require_config_dir

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("hdsim")

SUCCESS_NAME = "_SUCCESS"
"""Completion marker of a run folder (``hdsim.run.SUCCESS``; here to keep imports light)."""

try:
    _CONFIG_PATH = str(require_config_dir())
except FileNotFoundError as _missing:  # pragma: no cover - broken installs only
    print(f"hdsim: {_missing}", file=sys.stderr)
    sys.exit(2)


class UsageError(Exception):
    """A problem the user can fix; reported as one line."""


def _fail(message: str) -> None:
    print(f"hdsim: error: {message}", file=sys.stderr)
    sys.exit(2)


def _overrides() -> list[str]:
    try:
        return list(HydraConfig.get().overrides.task)
    except ValueError:
        return []


def _scenario_configs(cfg: HdsimConfig) -> list[HdsimConfig]:
    """Configs of the scenarios to compare (only the chosen one if the user picked it)."""
    from hdsim.ensemble import with_scenario

    if any(o.lstrip("+~").startswith("scenario") for o in _overrides()):
        return [cfg]
    out = []
    for name in cfg.compare:
        scenario = cfg.scenario if name == cfg.scenario.name else load_scenario(name)
        out.append(with_scenario(cfg, scenario))
    return out


def execute(cfg: HdsimConfig, out_dir: Path) -> float | None:
    """Run what ``cfg`` asks for and write the outputs under ``out_dir``.

    Returns:
        For a single replicate, its resident urbanization rate at the end of the target year
        (the value Hydra sweepers optimise); otherwise None.
    """
    from hdsim.calibration.effective import announce_calibration, effective_config
    from hdsim.data import load_county_data
    from hdsim.ensemble import format_table, run_ensemble, summarise
    from hdsim.outlook import write_outlook
    from hdsim.run import run_and_write
    from hdsim.utils.io import atomic_write_csv, atomic_write_text

    data = load_county_data(cfg.data.dir)
    announce_calibration(cfg)  # a broken, borrowed or stale posterior: said before any run
    if cfg.replicate is not None:
        county = run_and_write(effective_config(cfg, cfg.replicate), cfg.replicate, out_dir, data)
        end = county[
            (county["indicator"] == "urbanization_rate")
            & (county["date"] == f"{cfg.horizon.target_year}-12-31")
        ]
        value = float(end["value"].iloc[0])
        log.info(
            "%s replicate %d: %.2f%% at end %d",
            cfg.scenario.name,
            cfg.replicate,
            100 * value,
            cfg.horizon.target_year,
        )
        return value
    configs = _scenario_configs(cfg)
    names = ", ".join(c.scenario.name for c in configs)
    print(
        f"hdsim: {len(configs)} scenario(s) ({names}) x {cfg.replicates} replicates "
        f"at scale {cfg.households.scale} -> {out_dir}",
        flush=True,
    )
    ensemble = run_ensemble(configs, cfg.replicates, out_dir, cfg.n_jobs, cfg.progress)
    h = cfg.horizon
    summary = summarise(ensemble, h.target_year, h.target_rate, h.end_year)
    table = format_table(summary, h.target_year, h.target_rate)
    atomic_write_csv(out_dir / "summary.csv", summary, bom=True)
    atomic_write_text(out_dir / "summary.md", table)
    print(table, flush=True)
    _write_cost_effectiveness(ensemble, h.target_year, out_dir)
    write_outlook(configs, cfg, out_dir)
    print(f"hdsim: outputs in {out_dir}", flush=True)
    if cfg.output.report:
        _build_report(out_dir)
    return None


def _write_cost_effectiveness(ensemble: pd.DataFrame, target_year: int, out_dir: Path) -> None:
    """With the baseline among the scenarios: gain per 亿元 (cost_effectiveness.csv and .md)."""
    from hdsim.policies.budget import cost_effectiveness, format_cost_table
    from hdsim.utils.io import atomic_write_csv, atomic_write_text

    if "baseline" not in set(ensemble["scenario"]) or ensemble["scenario"].nunique() < 2:
        return
    costs = cost_effectiveness(ensemble, target_year)
    atomic_write_csv(out_dir / "cost_effectiveness.csv", costs, bom=True)
    table = format_cost_table(costs, target_year)
    atomic_write_text(out_dir / "cost_effectiveness.md", table)
    print(table, flush=True)


def _build_report(out_dir: Path) -> None:
    """Build the job's report (Chinese; HTML, Markdown, PDF) and print where it is.

    The run outputs are already written: a report failure prints one line and the command still
    succeeds, since ``hdsim-report <out_dir>`` can build the report again later.
    """
    try:
        from hdsim.report import build_report

        result = build_report(out_dir)
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [""])[0]
        print(
            f"hdsim: report not built ({type(exc).__name__}: {reason}); "
            f"retry with: hdsim-report {out_dir}",
            file=sys.stderr,
            flush=True,
        )
        return
    print(f"hdsim: report in {result.main_file}", flush=True)


@hydra.main(version_base="1.3", config_path=_CONFIG_PATH, config_name="hdsim")
def _app(raw: DictConfig) -> float | None:
    from hdsim.calibration.effective import with_overrides
    from hdsim.experiments.design import apply_design
    from hdsim.run import hold_folder

    logging.getLogger("MESA").setLevel(logging.WARNING)
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        notes: list[str] = []
        quiet = logging.getLogger("hdsim.config")
        level = quiet.level
        quiet.setLevel(logging.WARNING)  # the notes are printed below, once
        try:
            cfg = to_config(raw, notes=notes, explicit=_overrides())
        finally:
            quiet.setLevel(level)
        for note in notes:
            print(f"hdsim: note: {note}", flush=True)
        cfg = apply_design(cfg)  # a sweep job's design row (experiments)
        cfg = with_overrides(cfg, _overrides())  # behaviour keys you set win over the draw
        with hold_folder(out_dir):
            return execute(cfg, out_dir)
    except KeyboardInterrupt:
        if _debug():
            raise
        _interrupted(out_dir)
    except (ConfigError, UsageError, OSError) as exc:
        if _in_sweep() or _debug():  # fail this job only: Hydra records it, the monitor lists it
            raise
        _fail(str(exc))
    except Exception as exc:
        from hdsim.data import DataError

        if isinstance(exc, DataError) and not _in_sweep() and not _debug():
            _fail(str(exc))
        raise
    return None


def _interrupted(out_dir: Path) -> None:
    """Ctrl-C: one line saying what is kept and how to resume; exit status 130."""
    done = sum(1 for _ in (out_dir / "runs").glob(f"*/*/{SUCCESS_NAME}"))
    again = [a for a in sys.argv[1:] if not a.startswith("hydra.run.dir=")]
    command = shlex.join(["hdsim", *again, f"hydra.run.dir={out_dir}"])
    print(
        f"hdsim: interrupted; {done} finished run(s) kept in {out_dir}; resume with: {command}",
        file=sys.stderr,
        flush=True,
    )
    sys.exit(130)


def _in_sweep() -> bool:
    """Whether this job is one of a multirun (whose other jobs must still run)."""
    from hydra.types import RunMode

    try:
        return HydraConfig.get().mode == RunMode.MULTIRUN
    except ValueError:
        return False


def _debug() -> bool:
    """Whether tracebacks are wanted (``--debug`` or ``HYDRA_FULL_ERROR=1``)."""
    return os.environ.get("HYDRA_FULL_ERROR") == "1"


def _run_dir(argv: list[str]) -> Path | None:
    """The output folder the user named with ``hydra.run.dir=...`` (None: Hydra's dated one)."""
    for arg in argv:
        if arg.startswith("hydra.run.dir="):
            return Path(arg.split("=", 1)[1])
    return None


def _check_output_folder(folder: Path) -> None:
    """Refuse an output folder that cannot be one, or that another job holds, in one line."""
    from hdsim.run import FolderLockedError, lock_holder
    from hdsim.utils.io import OutputError

    for part in (folder, *folder.parents):
        if part.exists():
            if not part.is_dir():
                reason = OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
                raise OutputError(folder, reason)
            break
    holder = lock_holder(folder)
    if holder is not None:
        raise FolderLockedError(folder, holder)


VALUE_FLAGS: frozenset[str] = frozenset(
    {
        "-cp",
        "--config-path",
        "-cn",
        "--config-name",
        "-cd",
        "--config-dir",
        "-c",
        "--cfg",
        "-p",
        "--package",
        "--experimental-rerun",
    }
)
"""Hydra's command-line flags that take the next argument as their value."""

INFO_TOPICS: frozenset[str] = frozenset(
    {"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"}
)
"""The optional value of Hydra's ``--info`` flag."""


def split_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    """Hydra's flags (with their values) and the overrides of a command line."""
    flags: list[str] = []
    overrides: list[str] = []
    args = iter(argv)
    for arg in args:
        if not arg.startswith("-"):
            overrides.append(arg)
            continue
        flags.append(arg)
        if arg in VALUE_FLAGS:
            flags.append(next(args, ""))
        elif arg in ("-i", "--info"):
            topic = next(args, None)
            if topic is not None:
                (flags if topic in INFO_TOPICS else overrides).append(topic)
    return flags, overrides


def _preflight(argv: list[str]) -> None:
    """Check the overrides and, for a single job, compose and validate its config first.

    Hydra reports a bad override over several lines and drops its reason; this turns it into
    one line (``hdsim.usage.describe_error``) with exit status 2. The validation notes (e.g. a
    target year that follows a shortened horizon) are printed by the job itself.
    """
    from hdsim.usage import OverrideError, check_overrides, describe_error

    flags, overrides = split_argv(argv)
    try:
        check_overrides(overrides)
    except OverrideError as exc:
        _fail(str(exc))
    if flags:  # multirun (each job is checked by Hydra and the job), --help, --cfg, ...
        return
    from hydra import compose, initialize_config_dir

    config = [a for a in overrides if not a.startswith(("hydra.", "hydra/"))]
    try:
        with initialize_config_dir(config_dir=_CONFIG_PATH, version_base="1.3"):
            raw = compose(config_name="hdsim", overrides=config)
        to_config(raw, notes=[], explicit=config)
    except ConfigError as exc:
        if _debug():
            raise
        _fail(str(exc))
    except Exception as exc:  # hydra/omegaconf override and composition errors
        if _debug():
            raise
        _fail(describe_error(exc, config))
    folder = _run_dir(overrides)
    if folder is not None:
        try:
            _check_output_folder(folder)
        except OSError as exc:
            _fail(str(exc))


def main() -> None:
    """Console entry point of ``hdsim`` (``--debug``: tracebacks instead of one line)."""
    if "--debug" in sys.argv[1:]:
        sys.argv.remove("--debug")
        os.environ["HYDRA_FULL_ERROR"] = "1"
    register_configs()
    _preflight(sys.argv[1:])
    _app()


if __name__ == "__main__":
    main()
