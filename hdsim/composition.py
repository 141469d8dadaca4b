"""Composition: the validated configuration of a scenario, as the ``hdsim`` command makes it.

One home for turning a scenario name and Hydra overrides into an :class:`HdsimConfig`: the
notebook API (:func:`hdsim.api.compose`) and the drivers that start runs of their own (the
dated forecast) call it, so they give the numbers the command gives. Hydra's own errors are
rewritten into one :class:`~hdsim.config.fields.ConfigError` line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from hdsim.paths import require_config_dir

if TYPE_CHECKING:
    from hdsim.model.config import HdsimConfig

__all__ = ["compose"]


def compose(
    scenario: str | None = None,
    overrides: Iterable[str] = (),
    *,
    config_dir: str | Path | None = None,
    config_name: str = "hdsim",
) -> HdsimConfig:
    """Compose and validate a configuration as the ``hdsim`` command does.

    Args:
        scenario: Scenario name (``hdsim/conf/scenario/<name>.yaml``); None keeps the
            configuration's own.
        overrides: Hydra overrides, as on the command line (``"households.scale=0.02"``).
            Behaviour keys among them are recorded in ``calibration.overrides``: they win over
            the posterior draw.
        config_dir: Folder of the primary config; the package's ``hdsim/conf`` by default, or a
            run folder (with ``config_name="config"``) to replay a run.
        config_name: Primary config file without ``.yaml``.

    Returns:
        The validated configuration (not yet effective: see :func:`effective_config`).

    Raises:
        ConfigError: A bad override, an unknown scenario, or a value out of range (one line).
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from hdsim.calibration.effective import with_overrides
    from hdsim.config.fields import ConfigError
    from hdsim.config.validation import unknown_choice
    from hdsim.experiments.design import apply_design
    from hdsim.model.config import register_configs, to_config

    items = list(overrides)
    if scenario is not None:
        items = [f"scenario={scenario}", *items]
    directory = Path(config_dir).expanduser().resolve() if config_dir else require_config_dir()
    register_configs()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(directory), version_base="1.3"):
            raw = hydra_compose(config_name=config_name, overrides=items)
    except Exception as exc:  # hydra/omegaconf override and composition errors
        missing = re.search(r"Could not find '([^'/]+)/([^']+)'", str(exc))
        if missing:  # an unknown option of a config group: the closest one and all of them
            group, name = missing.groups()
            available = sorted(p.stem for p in (directory / group).glob("*.yaml"))
            raise ConfigError(unknown_choice(group, name, available)) from exc
        lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
        raise ConfigError("; ".join(lines[:2]) if lines else type(exc).__name__) from exc
    return with_overrides(apply_design(to_config(raw)), items)
