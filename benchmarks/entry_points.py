"""The one place where the benchmarks name hdsim: commands and the few public Python entry points.

The engine and the run path are being restructured; when a name moves (for example
``hdsim.model.model.CountyModel``), change it here and every benchmark follows. Imports of hdsim
are inside functions so that a benchmark process which only times commands never pays for them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

BIN = Path(sys.executable).parent
HDSIM = str(BIN / "hdsim")
HDSIM_REPORT = str(BIN / "hdsim-report")


def model_class() -> Any:
    """The county model class (``CountyModel``); importing it imports Mesa."""
    from hdsim.model.model import CountyModel

    return CountyModel


def default_config(scale: float, scenario: str | None = None) -> Any:
    """The default config (baseline, or ``scenario``) at ``scale`` households per real household.

    Its behaviour is the point calibration (the config's own values), so the model can be
    built directly; the posterior draw is a driver's step, not the model's.
    """
    from hdsim.config.frame import CalibrationUse
    from hdsim.model.config import HdsimConfig, to_config

    if scenario is None:
        cfg = HdsimConfig()
    else:
        from hdsim.model.scenarios import load_scenario

        cfg = HdsimConfig(scenario=load_scenario(scenario))
    cfg.households.scale = scale
    cfg.calibration.use = CalibrationUse.point
    return cfg if scenario is None else to_config(cfg)


def build_model(
    scale: float,
    replicate: int = 0,
    path: str = "vectorized",
    data: Any = None,
    scenario: str | None = None,
) -> Any:
    """Build the county model at ``scale`` (default config, baseline scenario) and return it.

    Args:
        scale: Simulated households per real household.
        replicate: Replicate number (seed stream ``replicate_seed(1, replicate)``).
        path: ``"vectorized"`` or ``"agents"`` (the agent-by-agent reference path).
        data: County data from :func:`load_data`; loaded here when None.
        scenario: A scenario name (``seven_actions``); None for the default config's.

    Returns:
        The ``CountyModel`` at t0, ready to ``step()``.
    """
    county = data if data is not None else load_data()
    return model_class()(
        default_config(scale, scenario),
        data=county,
        seed_sequence=seed(replicate),
        household_path=path,
    )


def load_data() -> Any:
    """The embedded county data (what a run without ``data.dir`` uses)."""
    from hdsim.data import load_county_data

    return load_county_data()


def seed(replicate: int) -> np.random.SeedSequence:
    """Seed sequence of ``replicate`` with base seed 1 (the benchmarks' fixed seed)."""
    from hdsim.run import replicate_seed

    return replicate_seed(1, replicate)


def outlook(scale: float, replicates: int, jobs: int, folder: Path) -> dict[str, float]:
    """Run the main job's 2035 outlook alone (``hdsim.outlook.write_outlook``), no report.

    The configs are the main job's (its five scenarios at ``scale``, ``replicates``
    replicates), composed as the command composes them; the outlook runs them at its own
    scale and replicates (``outlook_configs``, ``outlook_replicates``) into ``folder/outlook``.

    Returns:
        ``seconds`` (wall) and ``runs`` of the outlook.
    """
    import time

    from hdsim.composition import compose
    from hdsim.ensemble import with_scenario
    from hdsim.model.scenarios import load_scenario
    from hdsim.outlook import outlook_replicates, write_outlook

    cfg = compose(None, [f"households.scale={scale}", f"replicates={replicates}",
                         f"n_jobs={jobs}", "progress=false"])  # fmt: skip
    configs = [
        cfg if name == cfg.scenario.name else with_scenario(cfg, load_scenario(name))
        for name in cfg.compare
    ]
    start = time.perf_counter()
    write_outlook(configs, cfg, folder)  # cfg.output.report is true by default: it runs
    return {
        "seconds": time.perf_counter() - start,
        "runs": len(configs) * outlook_replicates(replicates),
    }


def quiet_mesa() -> None:
    """Silence Mesa's info logging in a benchmark process."""
    import logging

    logging.getLogger("MESA").setLevel(logging.WARNING)
