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

import logging
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
    from hdsim.calibration.effective import effective_config
    from hdsim.data import load_county_data
    from hdsim.ensemble import format_table, run_ensemble, summarise
    from hdsim.outlook import write_outlook
    from hdsim.run import run_and_write
    from hdsim.utils.io import atomic_write_text

    data = load_county_data(cfg.data.dir)
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
    summary.to_csv(out_dir / "summary.csv", index=False)
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
    from hdsim.utils.io import atomic_write_text

    if "baseline" not in set(ensemble["scenario"]) or ensemble["scenario"].nunique() < 2:
        return
    costs = cost_effectiveness(ensemble, target_year)
    atomic_write_text(out_dir / "cost_effectiveness.csv", costs.to_csv(index=False))
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

    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        cfg = apply_design(to_config(raw))  # a sweep job's design row (experiments)
        cfg = with_overrides(cfg, _overrides())  # behaviour keys you set win over the draw
        out_dir = Path(HydraConfig.get().runtime.output_dir)
        return execute(cfg, out_dir)
    except (ConfigError, UsageError) as exc:
        if _in_sweep():  # fail this job only: Hydra records it, the sweep monitor lists it
            raise
        _fail(str(exc))
    except Exception as exc:
        from hdsim.data import DataError

        if isinstance(exc, DataError) and not _in_sweep():
            _fail(str(exc))
        raise
    return None


def _in_sweep() -> bool:
    """Whether this job is one of a multirun (whose other jobs must still run)."""
    from hydra.types import RunMode

    try:
        return HydraConfig.get().mode == RunMode.MULTIRUN
    except ValueError:
        return False


def _preflight(argv: list[str]) -> None:
    """Compose and validate the config of a single (non-multirun) job before Hydra starts it.

    Hydra reports a bad override over several lines; this turns it into one.
    """
    if any(a in ("-m", "--multirun") for a in argv) or any(a.startswith("-") for a in argv):
        return
    from hydra import compose, initialize_config_dir

    overrides = [a for a in argv if not a.startswith("hydra.") and not a.startswith("hydra/")]
    try:
        with initialize_config_dir(config_dir=_CONFIG_PATH, version_base="1.3"):
            raw = compose(config_name="hdsim", overrides=overrides)
        to_config(raw)
    except ConfigError as exc:
        _fail(str(exc))
    except Exception as exc:  # hydra/omegaconf override and composition errors
        lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
        _fail("; ".join(lines[:2]) if lines else type(exc).__name__)


def main() -> None:
    """Console entry point of ``hdsim``."""
    register_configs()
    _preflight(sys.argv[1:])
    _app()


if __name__ == "__main__":
    main()
