"""Loading scenario files (``hdsim/conf/scenario/*.yaml``) into validated scenario configs.

Hydra composes the scenario chosen with ``scenario=NAME`` into the job config. The main job
compares several scenarios in one process, so it also loads the others directly from their
files, through the same structured schema.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from hdsim.config.fields import ConfigError
from hdsim.model.config import ScenarioConfig
from hdsim.paths import SCENARIO_DIR


def available_scenarios(directory: Path = SCENARIO_DIR) -> list[str]:
    """Names of the scenario files in ``directory``."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


def load_scenario(name: str, directory: Path = SCENARIO_DIR) -> ScenarioConfig:
    """Load and validate scenario ``name``.

    Raises:
        ConfigError: No such scenario, or a value of the wrong type.
    """
    path = directory / f"{name}.yaml"
    if not path.exists():
        raise ConfigError(
            f"scenario '{name}' not found in {directory}; available: "
            f"{', '.join(available_scenarios(directory))}"
        )
    try:
        merged = OmegaConf.merge(OmegaConf.structured(ScenarioConfig), OmegaConf.load(path))
        scenario = OmegaConf.to_object(merged)
    except Exception as exc:  # omegaconf raises several error classes
        first = str(exc).strip().splitlines()[0]
        raise ConfigError(f"{path.name}: {first}") from exc
    assert isinstance(scenario, ScenarioConfig)
    return scenario
