"""The configuration of a job: the frame, the behaviour and the scenario's levers in one schema.

Hydra composes the YAML files of ``hdsim/conf/`` (primary config, scenarios, experiments) on top of
:class:`HdsimConfig`, so a wrong type is rejected when an override is merged; :func:`to_config`
turns the composed ``DictConfig`` into a validated :class:`HdsimConfig` or raises
:class:`~hdsim.config.fields.ConfigError` with one line naming the key, the bad value and the
allowed range. The schema is assembled here, above the policies, because a scenario holds the
levers the policy modules declare: ``PoliciesConfig`` is built from
:mod:`hdsim.policies.registry`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, ListConfig, OmegaConf

from hdsim.config.behaviour import BehaviourConfig
from hdsim.config.fields import ConfigError, bounded
from hdsim.config.frame import (
    CalibrationConfig,
    CalibrationUse,
    DataConfig,
    ExperimentConfig,
    HorizonConfig,
    HouseholdsConfig,
    OutputConfig,
)
from hdsim.config.policies import PoliciesBase
from hdsim.config.validation import check_tree, validate
from hdsim.policies.budget import check_budget
from hdsim.policies.registry import lever_specs


def policies_schema() -> type[PoliciesBase]:
    """Build ``scenario.policies`` from the lever registry: one field per registered lever.

    The fields follow the registry's order (the plan's actions); each holds the lever's config
    dataclass with its defaults.
    """
    fields = [
        (name, spec.config, field(default_factory=spec.config))
        for name, spec in lever_specs().items()
    ]
    return dataclasses.make_dataclass(
        "PoliciesConfig", fields, bases=(PoliciesBase,), module=__name__
    )


if TYPE_CHECKING:
    PoliciesConfig = PoliciesBase
else:
    PoliciesConfig = policies_schema()
    PoliciesConfig.__doc__ = (
        "The policy levers of a scenario (one field per lever of hdsim.policies.registry), "
        "the budget and the implementation efficiency."
    )


@dataclass
class ScenarioConfig:
    """A named set of policy levers and the question it answers."""

    name: str = "baseline"
    label_zh: str = "基准情景"
    label_en: str = "Baseline"
    question: str = "Where does the trend lead without new policy?"
    policies: PoliciesConfig = field(default_factory=PoliciesConfig)


@dataclass
class HdsimConfig:
    """The complete configuration of an hdsim job."""

    seed: int = bounded(20201101, 0, 2**63 - 1, "Base seed of the experiment.")
    replicates: int = bounded(20, 1, 10000, "Replicates (seeds) per scenario.")
    replicate: int | None = field(
        default=None,
        metadata={"help": "Run only this replicate (used by sweeps); empty runs all replicates."},
    )
    n_jobs: int = bounded(1, -1, 256, "Processes for the replicates of the main job (-1 = cores).")
    progress: bool = field(default=True, metadata={"help": "Show a progress bar."})
    compare: list[str] = field(
        default_factory=lambda: [
            "baseline",
            "hukou_reform",
            "public_services",
            "industrial_cluster",
            "seven_actions",
        ],
        metadata={"help": "Scenarios the main job compares; `scenario=X` narrows it to X."},
    )
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    horizon: HorizonConfig = field(default_factory=HorizonConfig)
    households: HouseholdsConfig = field(default_factory=HouseholdsConfig)
    data: DataConfig = field(default_factory=DataConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _check(obj: HdsimConfig, explicit: Collection[str] = ()) -> list[str]:
    """Validate a config tree (:func:`hdsim.config.validation.validate`), then its budget.

    Returns:
        The validation's notes (adjustments and inert settings), for the CLI to print.
    """
    notes = validate(obj, explicit)
    check_budget(obj.scenario.policies)  # the one budget check of a configuration
    return notes


def check_scenario(scenario: ScenarioConfig) -> None:
    """Validate a scenario alone, with the checks of a whole job (ranges, months, budget).

    Raises:
        ConfigError: One line naming the key, the bad value and the allowed range.
    """
    check_tree(scenario, "scenario")
    check_budget(scenario.policies)


def to_config(
    cfg: DictConfig | ListConfig | HdsimConfig,
    notes: list[str] | None = None,
    explicit: Collection[str] = (),
) -> HdsimConfig:
    """Turn a composed config into a validated :class:`HdsimConfig`.

    Args:
        cfg: A ``DictConfig`` composed by Hydra (or an ``HdsimConfig`` already built).
        notes: If given, receives one line per adjustment the validation made (for the CLI
            to print); they are also logged to ``hdsim.config`` at INFO.
        explicit: The user's overrides (Hydra's task overrides): values set there are
            rejected rather than adjusted.

    Returns:
        The validated dataclass tree.

    Raises:
        ConfigError: A value has the wrong type or lies outside its range.
    """
    if isinstance(cfg, HdsimConfig):
        obj = cfg
    else:
        try:
            typed: Any = cfg
            if OmegaConf.get_type(cfg) is not HdsimConfig:  # untyped: type it by the schema
                typed = OmegaConf.merge(OmegaConf.structured(HdsimConfig), cfg)
            built = OmegaConf.to_object(typed)  # Hydra's composition is typed already: 20x faster
        except Exception as exc:  # omegaconf raises several error classes
            raise ConfigError(_one_line(exc)) from exc
        if not isinstance(built, HdsimConfig):
            kind = type(built).__name__
            raise ConfigError(f"the configuration is a {kind}, not a mapping of hdsim's keys")
        obj = built
    found = _check(obj, explicit)
    if notes is not None:
        notes.extend(found)
    return obj


def require_effective(cfg: HdsimConfig) -> None:
    """Refuse a configuration whose posterior draw was not resolved.

    Raises:
        ConfigError: ``calibration.use`` is posterior and no particle is recorded.
    """
    if cfg.calibration.use == CalibrationUse.posterior and cfg.calibration.particle is None:
        raise ConfigError(
            "calibration: the posterior draw is not resolved; run through "
            "hdsim.calibration.effective.effective_config(cfg, replicate) or hdsim.run_replicate"
        )


def _one_line(exc: Exception) -> str:
    """Condense an OmegaConf error into one line naming the key."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    key = getattr(exc, "full_key", None)
    return f"{key}: {first}" if key else first


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore so YAML files are validated against it.

    The schemas come from :func:`hdsim.config.schema_cache.structured`: built once per version
    of the code rather than in every process.
    """
    from hdsim.config.schema_cache import structured

    job, scenario = structured(HdsimConfig, ScenarioConfig)
    cs = ConfigStore.instance()
    cs.store(name="hdsim_schema", node=job)
    cs.store(group="scenario", name="scenario_schema", node=scenario)
