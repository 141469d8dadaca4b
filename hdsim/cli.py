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

import contextlib
import logging
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hdsim.paths import require_config_dir

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import pandas as pd
    from omegaconf import DictConfig

    from hdsim.data import CountyData
    from hdsim.model.config import HdsimConfig

# Hydra, the config schema and the engine are imported where they are used, so that
# ``hdsim --help`` and the one-line errors answer without loading them (issue 16: <= 1 s).

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
    from hydra.core.hydra_config import HydraConfig

    try:
        return list(HydraConfig.get().overrides.task)
    except ValueError:
        return []


def _scenario_configs(cfg: HdsimConfig) -> list[HdsimConfig]:
    """Configs of the scenarios to compare (only the chosen one if the user picked it)."""
    from hdsim.ensemble import with_scenario
    from hdsim.model.scenarios import load_scenario

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
    from hdsim.ensemble import format_table, run_dir_for, run_ensemble, summarise
    from hdsim.outlook import write_outlook
    from hdsim.policies.catalogue import plan_notice
    from hdsim.run import run_and_write
    from hdsim.utils.io import atomic_write_csv, atomic_write_text

    data = load_county_data(cfg.data.dir)
    if notice := plan_notice(cfg.data.dir):  # a broken plan.yaml stops here, in one line
        print(notice, flush=True)
    announce_calibration(cfg)  # a broken, borrowed or stale posterior: said before any run
    if cfg.replicate is not None:
        run = effective_config(cfg, cfg.replicate)
        _check_resume(cfg, [(run, out_dir)], out_dir, data)
        county = run_and_write(run, cfg.replicate, out_dir, data)
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
    _check_resume(
        cfg,
        (
            (effective_config(c, r), run_dir_for(out_dir, c.scenario.name, r))
            for c in configs
            for r in range(cfg.replicates)
        ),
        out_dir,
        data,
    )  # a generator: the runs' effective configs are resolved only for output.resume=strict
    ensemble = run_ensemble(
        configs, cfg.replicates, out_dir, cfg.n_jobs, cfg.progress, keep_pool=cfg.output.report
    )  # its workers run the outlook (write_outlook)
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


def _check_resume(
    cfg: HdsimConfig, runs: Iterable[tuple[HdsimConfig, Path]], out_dir: Path, data: CountyData
) -> None:
    """With ``output.resume=strict``, refuse a folder holding runs made from other inputs.

    Raises:
        StaleRunsError: Some run folders hold a completion key that is not this job's.
    """
    from hdsim.config.frame import ResumeMode
    from hdsim.run import StaleRunsError, made_from_other_inputs

    if cfg.output.resume != ResumeMode.strict:
        return
    stale = [d for run, d in runs if made_from_other_inputs(d, run, data)]
    if stale:
        raise StaleRunsError(out_dir, stale)


def _write_cost_effectiveness(ensemble: pd.DataFrame, target_year: int, out_dir: Path) -> None:
    """With the baseline among the scenarios: gain per 亿元 (cost_effectiveness.csv and .md)."""
    from hdsim.policies.budget import cost_effectiveness, format_cost_table
    from hdsim.utils.io import atomic_write_csv, atomic_write_text

    names = ensemble["scenario"].unique().tolist()  # not set(column): 0.9 s on a job's rows
    if "baseline" not in names or len(names) < 2:
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


def _job(raw: DictConfig) -> float | None:
    """The task of one Hydra job: validate, resolve and run it (see :func:`execute`)."""
    import dataclasses

    from hydra.core.hydra_config import HydraConfig

    from hdsim.calibration.effective import with_overrides
    from hdsim.config.fields import ConfigError
    from hdsim.experiments.design import apply_design
    from hdsim.model.config import to_config
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
            _to_job_log(f"note: {note}")
        # the record names the folder the job wrote into, whichever way it was chosen
        cfg = dataclasses.replace(cfg, output=dataclasses.replace(cfg.output, dir=str(out_dir)))
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


def _to_job_log(message: str) -> None:
    """Write ``message`` into the job's log file (``<folder>/cli.log``) only, not the console."""
    record = log.makeRecord(log.name, logging.INFO, __file__, 0, message, (), None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


def _app() -> None:
    """Run Hydra's application (one job, or a sweep of jobs) with :func:`_job` as its task."""
    import hydra

    hydra.main(version_base="1.3", config_path=_CONFIG_PATH, config_name="hdsim")(_job)()


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
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    try:
        return HydraConfig.get().mode == RunMode.MULTIRUN
    except ValueError:
        return False


def _debug() -> bool:
    """Whether tracebacks are wanted (``--debug`` or ``HYDRA_FULL_ERROR=1``)."""
    return os.environ.get("HYDRA_FULL_ERROR") == "1"


def _run_dir(argv: list[str]) -> Path | None:
    """The output folder the user named (``hydra.run.dir=`` or ``output.dir=``; None: dated)."""
    for arg in argv:
        key, _, value = arg.lstrip("+").partition("=")
        if key in ("hydra.run.dir", "output.dir"):
            return Path(value)
    return None


def _check_output_folder(folder: Path) -> None:
    """Refuse an output folder that cannot be one, or that another job holds, in one line."""
    from hdsim.run import FolderLockedError, lock_holder
    from hdsim.utils.io import check_folder

    check_folder(folder)
    holder = lock_holder(folder)
    if holder is not None:
        raise FolderLockedError(folder, holder)


def _check_sweep_folder(overrides: list[str]) -> None:
    """Refuse a sweep folder (``hydra.sweep.dir=``, else ``multirun/`` here) that cannot be one."""
    from hdsim.utils.io import check_folder

    for arg in overrides:
        key, _, value = arg.lstrip("+").partition("=")
        if key == "hydra.sweep.dir":
            check_folder(Path(value))
            return
    check_folder(Path.cwd() / "multirun")


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
    """Check the overrides' keys before Hydra starts: an unknown key is one line, exit 2.

    A single job's configuration is then checked where Hydra composes it
    (:func:`_composed_once`).
    """
    from hdsim.usage import OverrideError, check_overrides

    try:
        check_overrides(split_argv(argv)[1])
    except OverrideError as exc:
        _fail(str(exc))
    if MULTIRUN_FLAGS & set(split_argv(argv)[0]):  # the sweep's folder, before Hydra makes it
        try:
            _check_sweep_folder(split_argv(argv)[1])
        except OSError as exc:
            _fail(str(exc))


def _check_job(composed: DictConfig, overrides: list[str]) -> HdsimConfig:
    """Validate a single job's composition (Hydra's node included) as its task will.

    A value out of range is one line and exit 2, and so is an output folder that cannot be
    one or that another job holds, before Hydra creates the folder.

    Returns:
        The validated configuration (the task validates its own copy again; that is cheap).
    """
    import copy

    from omegaconf import open_dict

    from hdsim.config.fields import ConfigError
    from hdsim.model.config import to_config

    task = copy.deepcopy(composed)  # ~10 ms; Hydra goes on with the composition untouched
    with open_dict(task):
        del task["hydra"]
    try:
        checked = to_config(task, notes=[], explicit=_config_overrides(overrides))
    except ConfigError as exc:
        if _debug():
            raise
        _fail(str(exc))
    folder = _run_dir(overrides)
    if folder is not None:
        try:
            _check_output_folder(folder)
        except OSError as exc:
            _fail(str(exc))
    return checked


def _config_overrides(overrides: list[str]) -> list[str]:
    """The overrides of the job's configuration (Hydra's own, ``hydra.*``, left out)."""
    return [a for a in overrides if not a.startswith(("hydra.", "hydra/"))]


def composes_once(argv: list[str]) -> bool:
    """Whether Hydra composes this command's job once (:func:`_composed_once`).

    A single job (no Hydra flag: no sweep, ``--cfg``, ``--info``...) whose run mode no override
    sets. No file of ``hdsim/conf`` sets ``hydra.mode`` (``tests/test_startup.py``).
    """
    flags, overrides = split_argv(argv)
    keys = {o.lstrip("+~").partition("=")[0] for o in overrides}
    return not flags and "hydra.mode" not in keys


@contextlib.contextmanager
def _composed_once(argv: list[str]) -> Iterator[None]:
    """While Hydra runs a single job: compose its configuration once, and check it there.

    Hydra 1.3 composes a single job twice: ``Hydra.get_mode`` composes it to read
    ``hydra.mode``, then ``Hydra.run`` composes it again to run it; the command composed it a
    third time before, to check it (about 0.1 s each). Here the probe is skipped (its answer is
    None, as the composition's would be when nothing sets ``hydra.mode``: see
    :func:`composes_once`; Hydra then adds ``hydra.mode=RUN`` to the overrides as before), and
    the run's composition is checked as soon as it is made, before Hydra creates the job's
    folder: a composition error (:func:`hdsim.usage.describe_error`) or a value out of range is
    one line and exit 2, and the main job's workers start right after (:func:`_start_workers`).
    Compositions the job itself makes later (other scenarios) are Hydra's own.
    """
    if not composes_once(argv):
        yield
        return
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.hydra import Hydra

    from hdsim.usage import describe_error

    overrides = split_argv(argv)[1]
    load = ConfigLoaderImpl.load_configuration
    get_mode = Hydra.get_mode

    def no_probe(self: Hydra, config_name: str | None, overrides: list[str]) -> None:
        return None

    def checked_load(self: ConfigLoaderImpl, *args: Any, **kwargs: Any) -> DictConfig:
        ConfigLoaderImpl.load_configuration = load  # type: ignore[method-assign]
        try:
            composed = load(self, *args, **kwargs)
        except Exception as exc:  # hydra/omegaconf override and composition errors
            if _debug():
                raise
            _fail(describe_error(exc, _config_overrides(overrides)))
        checked = _check_job(composed, overrides)
        _start_workers(checked, [a for a in overrides if not a.startswith("hydra")])
        return composed

    Hydra.get_mode = no_probe  # type: ignore[method-assign]
    ConfigLoaderImpl.load_configuration = checked_load  # type: ignore[method-assign]
    try:
        yield
    finally:
        Hydra.get_mode = get_mode  # type: ignore[method-assign]
        ConfigLoaderImpl.load_configuration = load  # type: ignore[method-assign]


def _start_workers(cfg: HdsimConfig, overrides: list[str]) -> None:
    """Start the main job's workers now, while Hydra sets the job up.

    Only for the main job (no ``replicate``): its runs are the scenarios of
    :func:`_scenario_configs` (one when a ``scenario`` override narrows it) times
    ``replicates``; ``hdsim.ensemble.run_ensemble`` takes the started pool.
    """
    if cfg.replicate is not None:
        return
    from hdsim.ensemble import start_pool

    one = any(o.lstrip("+~").startswith("scenario") for o in overrides)
    runs = (1 if one else len(cfg.compare)) * int(cfg.replicates)
    start_pool(cfg.n_jobs, runs, cfg.data.dir)


DEFERRED_MODULES: tuple[str, ...] = (
    "mesa.discrete_space",
    "mesa.experimental.continuous_space",
    "mesa.space",
    "pandas",
)
"""Modules the command's process loads on first use only (:mod:`hdsim.utils.deferred`).

Mesa's spaces (cell spaces, the continuous space, the legacy grids) bring SciPy and NetworkX,
about 0.3 s of every process that builds a model, and hdsim has no space (only ``mesa`` and
``mesa.experimental`` import them, to re-export them). pandas, about 0.2 s, comes with the
config schema (the lever registry imports every policy module and what they use), but
composing and checking a configuration uses none of it: ``--cfg job`` and the one-line errors
never load it, a job loads it when it first reads data."""


HELP_FLAGS: frozenset[str] = frozenset({"-h", "--help"})
"""Hydra's flags for the application's help page."""

MULTIRUN_FLAGS: frozenset[str] = frozenset({"-m", "--multirun"})
"""Hydra's flags that turn the command into a sweep."""


def help_page() -> str:
    """The text of ``hdsim --help``: Hydra's app help template, rendered without Hydra.

    The page (``hdsim/conf/hydra/help/hdsim.yaml``) uses no interpolation but its own header
    and footer, so reading the YAML is enough; importing Hydra and the config schema to print
    it took about 1.5 s.
    """
    import yaml

    page = yaml.safe_load((Path(_CONFIG_PATH) / "hydra" / "help" / "hdsim.yaml").read_text("utf-8"))
    text = str(page["template"])
    for part in ("header", "footer"):
        key = "${hydra.help." + part + "}"
        text = text.replace(key, str(page.get(part, "")))
    return text


def _output_dir_override(argv: list[str]) -> list[str]:
    """Check ``output.dir=``: a single job's folder; a sweep names its own with hydra.sweep.dir.

    ``hydra.run.dir`` follows ``output.dir`` (``hdsim/conf/hdsim.yaml``), so either names the
    folder of a single job; giving both with different values is refused.
    """
    flags, overrides = split_argv(argv)
    chosen = {}
    for arg in overrides:
        key, _, value = arg.lstrip("+").partition("=")
        if key in ("output.dir", "hydra.run.dir"):
            chosen[key] = value
    if "output.dir" in chosen and MULTIRUN_FLAGS & set(flags):
        _fail(
            "output.dir names the folder of a single job; for a sweep (-m) write "
            f"hydra.sweep.dir={chosen['output.dir']}"
        )
    if len(set(chosen.values())) > 1:
        _fail(
            f"output.dir={chosen['output.dir']} and hydra.run.dir={chosen['hydra.run.dir']} "
            "name two folders; give one of them"
        )
    return argv


def main() -> None:
    """Console entry point of ``hdsim`` (``--debug``: tracebacks instead of one line)."""
    argv = sys.argv[1:]
    if "--debug" in argv:
        sys.argv.remove("--debug")
        argv = sys.argv[1:]
        os.environ["HYDRA_FULL_ERROR"] = "1"
    flags, overrides = split_argv(argv)
    # Hydra's parser takes its flags only before the overrides (``hdsim a=1 -m b=2`` stops with
    # "unrecognized arguments"); put them first, so a flag may stand anywhere on the line.
    argv = [*flags, *overrides]
    sys.argv[1:] = argv
    if HELP_FLAGS & set(flags) and "--hydra-help" not in flags:
        print(help_page())
        return
    _output_dir_override(argv)
    from hdsim.utils.deferred import defer

    defer(DEFERRED_MODULES)
    from hdsim.model.config import register_configs

    register_configs()
    _preflight(argv)
    try:
        with _composed_once(argv):
            _app()
    except KeyboardInterrupt as exc:  # a sweep's launcher stopped its workers; exit 130
        if _debug():
            raise
        if not MULTIRUN_FLAGS & set(split_argv(argv)[0]):
            # a single job interrupted before its task caught it (while Hydra composed it;
            # its workers may already be starting): no run has started, nothing is kept
            command = shlex.join(["hdsim", *argv])
            print(
                f"hdsim: interrupted before the first run (nothing kept); resume with: {command}",
                file=sys.stderr,
                flush=True,
            )
            sys.exit(130)
        sweep = getattr(exc, "folder", None) or _named_sweep_dir(argv)
        where = f" kept in {sweep}" if sweep else ""
        again = [a for a in argv if not a.startswith("hydra.sweep.dir=")]
        hint = shlex.join(["hdsim", *again, f"hydra.sweep.dir={sweep}"]) if sweep else ""
        print(
            f"hdsim: interrupted; finished jobs{where}"
            + (f"; resume with: {hint}" if hint else "; rerun into the same hydra.sweep.dir"),
            file=sys.stderr,
            flush=True,
        )
        sys.exit(130)


def _named_sweep_dir(argv: list[str]) -> str | None:
    """The sweep folder named on the command line (``hydra.sweep.dir=``), if any."""
    for arg in argv:
        if arg.startswith("hydra.sweep.dir="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":
    main()
