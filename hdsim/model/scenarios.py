"""Loading scenarios (``hdsim/conf/scenario/*.yaml``) into validated scenario configs.

Hydra composes the scenario chosen with ``scenario=NAME`` into the job config. The main job
compares several scenarios in one process, so :func:`load_scenario` composes the others the
same way, through Hydra's compose API: a scenario file may start from another one with a
group-relative default and give only its differences, e.g.::

    defaults:
      - seven_actions
      - _self_
    name: county_city_first
    policies:
      spatial_layout:
        intensity: 0.0

The composed node is typed by :class:`~hdsim.model.config.ScenarioConfig` and validated by the
same checks as a whole job (ranges, months, the budget).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from hdsim.config.fields import ConfigError
from hdsim.model.config import ScenarioConfig, check_scenario
from hdsim.paths import SCENARIO_DIR

__all__ = ["available_scenarios", "load_scenario"]


@cache
def _schema() -> DictConfig:
    """The structured scenario schema (built once: building it costs more than composing)."""
    from hdsim.config.schema_cache import structured

    (schema,) = structured(ScenarioConfig)
    return schema


def available_scenarios(directory: Path = SCENARIO_DIR) -> list[str]:
    """Names of the scenario files in ``directory``."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


@contextmanager
def _hydra_on(config_dir: Path) -> Iterator[None]:
    """Initialize Hydra on ``config_dir``, setting aside (and restoring) a running app's Hydra."""
    running = GlobalHydra.instance()
    saved = running.hydra if running.is_initialized() else None
    if saved is not None:
        running.clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir.resolve()), version_base="1.3"):
            yield
    finally:
        if saved is not None:
            GlobalHydra.instance().clear()
            GlobalHydra.instance().initialize(saved)


def load_scenario(name: str, directory: Path = SCENARIO_DIR) -> ScenarioConfig:
    """Compose and validate scenario ``name`` of the scenario folder ``directory``.

    Raises:
        ConfigError: No such scenario, a value of the wrong type or out of range, or a
            scenario over its budget.
    """
    path = directory / f"{name}.yaml"
    if not path.exists():
        raise ConfigError(
            f"scenario '{name}' not found in {directory}; available: "
            f"{', '.join(available_scenarios(directory))}"
        )
    try:
        with _hydra_on(directory.parent):
            composed = compose(config_name=f"{directory.name}/{name}")
        node = composed[directory.name]
        merged = OmegaConf.merge(_schema(), node)
        scenario = OmegaConf.to_object(merged)
    except Exception as exc:  # Hydra and omegaconf raise several error classes
        first = str(exc).strip().splitlines()[0]
        raise ConfigError(f"{path.name}: {first}") from exc
    assert isinstance(scenario, ScenarioConfig)
    check_scenario(scenario)
    return scenario
