"""Structured configuration: dataclasses that Hydra composes and that validate themselves."""

from hdsim.config.schema import (
    BehaviourConfig,
    ConfigError,
    HdsimConfig,
    PoliciesConfig,
    ScenarioConfig,
    register_configs,
    to_config,
)

__all__ = [
    "BehaviourConfig",
    "ConfigError",
    "HdsimConfig",
    "PoliciesConfig",
    "ScenarioConfig",
    "register_configs",
    "to_config",
]
