"""Sampled designs over uncertainties and levers, and how a sweep job picks its row.

An experiment that samples parameters declares them in its config::

    experiment:
      design:
        method: lhs            # lhs | sobol | morris
        samples: 64            # rows (lhs), N (sobol: N*(D+2) rows), trajectories (morris)
        seed: 7                # seed of the sampler, not of the runs
        parameters:
          behaviour.location.asc_county_city: [2.6, 3.6]
          scenario.policies.hukou_reform.intensity: [0.0, 2.0]

and sweeps ``experiment.sample_id=range(0, ROWS)``. The design is a pure function of this
block (SALib's samplers with a fixed seed), so every job, in any process and under any launcher,
recomputes the same matrix and takes row ``sample_id``: no design file has to travel with the
jobs. :func:`apply_design` writes the row's values into the job's config before it runs, and the
run's ``config.yaml`` records them. ``hdsim-aggregate`` writes the matrix as ``design.csv``.

A range written ``declared`` instead of ``[low, high]`` is the parameter's uncertainty range
declared with the parameter (:func:`hdsim.config.behaviour.uncertainty_ranges`), so that the
experiments share one set of ranges::

        parameters:
          behaviour.location.consider_rate: declared

Keys under ``scenario.policies`` are *levers*, keys under ``behaviour`` are *uncertainties*,
anything else is a *setting*. Integer fields are rounded. Ranges must lie inside the bounds the
schema declares for the field.

A key ``package.actionN`` (N = 1..7) or ``package.all`` is a lever too: one factor that
multiplies the intensity of every lever of action N (or of all levers) that the scenario
switches on, so a design can vary "action 4 as a whole" on top of ``seven_actions`` without
sampling 29 levers or switching on a second copy of a lever. A lever the design also sets by
its own key keeps that value. Factors lie in [0, 2] (the levers' intensity range).

**Where behaviour comes from.** A design that samples only levers (and settings) leaves the
fitted behaviour to the calibrated posterior: with ``calibration.use=posterior`` (the default)
each row draws one particle (:mod:`hdsim.calibration.effective`; one per replicate shared by the
rows under ``experiment.crn_across_samples``), so its runs are consistent with the
observations and the share of them reaching the target is a probability of the county
(:func:`probability_basis` says so in words). A design that samples ``behaviour.*`` keys over
ranges is a **prior exploration** (:func:`is_prior_exploration`): its ranges ignore what the
2020–22 data rule out, so hdsim shows where such runs end up but prints no probability from
them (``hdsim/conf/experiment/prior_exploration.yaml``).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from hdsim.config.fields import ConfigError
from hdsim.config.frame import DesignConfig
from hdsim.model.config import HdsimConfig, to_config

METHODS = ("none", "lhs", "sobol", "morris")
PACKAGE = "package."
PACKAGE_BOUNDS = (0.0, 2.0)
DECLARED = "declared"
"""A design range that refers to the uncertainty range declared with the parameter."""

POSTERIOR_WINDOW = "2020–22"
"""Observations the stored posterior is fitted to, as the probability sentences name them
(the 2020 census start and the 2021–22 bulletins; ``hdsim/data/calibration/posterior.json``)."""

SOURCES = ("posterior", "point", "prior")
"""Where a run's behaviour comes from: posterior draws, the point estimate, prior ranges."""


@dataclass(frozen=True)
class Parameter:
    """One sampled parameter.

    Attributes:
        key: Dotted config key, e.g. ``behaviour.location.asc_county_city``.
        low: Lower end of the sampled range.
        high: Upper end of the sampled range.
        kind: ``lever``, ``uncertainty`` or ``setting``.
        integer: Whether the field holds an integer (sampled values are rounded).
    """

    key: str
    low: float
    high: float
    kind: str
    integer: bool


def parameter_kind(key: str) -> str:
    """Whether a config key is a lever, an uncertainty or a setting."""
    if key.startswith(("scenario.policies.", PACKAGE)):
        return "lever"
    if key.startswith("behaviour."):
        return "uncertainty"
    return "setting"


def is_prior_exploration(spec: DesignConfig) -> bool:
    """Whether a design samples behaviour over ranges (a prior exploration, no probability)."""
    return spec.method != "none" and any(
        parameter_kind(str(k)) == "uncertainty" for k in spec.parameters
    )


def behaviour_source(cfg: HdsimConfig) -> str:
    """Where the behaviour of ``cfg``'s runs comes from: ``posterior``, ``point`` or ``prior``.

    ``prior`` when its design samples behaviour (:func:`is_prior_exploration`), else ``point``
    with ``calibration.use=point``, else ``posterior``.
    """
    from hdsim.config.frame import CalibrationUse

    if is_prior_exploration(cfg.experiment.design):
        return "prior"
    return "point" if cfg.calibration.use == CalibrationUse.point else "posterior"


def probability_basis(n: int, source: str) -> str:
    """The sentence that says what a probability from ``n`` runs is a probability of.

    Args:
        n: Runs the probability is counted over.
        source: :func:`behaviour_source` of the runs.

    Raises:
        ValueError: Unknown source.
    """
    if source == "posterior":
        return (
            f"from {n} runs drawing behaviour from the posterior fitted to {POSTERIOR_WINDOW}"
        )
    if source == "point":
        return (
            f"from {n} runs at the point estimate of behaviour: the model's randomness only, "
            "not what the data leave open"
        )
    if source == "prior":
        return (
            f"prior exploration ({n} runs with behaviour sampled over prior ranges that the "
            f"{POSTERIOR_WINDOW} data partly rule out): no probability of the county"
        )
    raise ValueError(f"unknown behaviour source {source!r}: use one of {', '.join(SOURCES)}")


def schema_field(key: str) -> dataclasses.Field[Any]:
    """The dataclass field of ``HdsimConfig`` that a dotted key names.

    Raises:
        ConfigError: The key names no numeric field.
    """
    node: Any = HdsimConfig
    found: dataclasses.Field[Any] | None = None
    for part in key.split("."):
        if not (isinstance(node, type) and dataclasses.is_dataclass(node)):
            found = None
            break
        fields = {f.name: f for f in dataclasses.fields(node)}
        if part not in fields:
            found = None
            break
        found = fields[part]
        default = (
            found.default_factory()
            if found.default_factory is not dataclasses.MISSING
            else found.default
        )
        node = type(default) if dataclasses.is_dataclass(default) else None
    if found is None or node is not None or "bounds" not in found.metadata:
        raise ConfigError(
            f"experiment.design.parameters: '{key}' is not a numeric parameter of the config "
            "(write the full dotted key, e.g. behaviour.location.asc_county_city)"
        )
    return found


def declared_range(key: str, f: dataclasses.Field[Any] | None) -> tuple[float, float]:
    """The uncertainty range declared with parameter ``key`` (``declared`` in a design).

    Raises:
        ConfigError: The parameter declares no uncertainty range.
    """
    info = None if f is None else f.metadata.get("parameter")
    if info is None or info.uncertainty is None:
        raise ConfigError(
            f"experiment.design.parameters.{key}=declared: the parameter declares no uncertainty "
            "range; write the range as [low, high]"
        )
    low, high = info.uncertainty
    return float(low), float(high)


def design_parameters(spec: DesignConfig) -> list[Parameter]:
    """The validated parameters of a design, in declaration order.

    Raises:
        ConfigError: Unknown key, malformed range, or a range outside the field's bounds.
    """
    out = []
    for key, written in spec.parameters.items():
        f = None if key.startswith(PACKAGE) else schema_field(key)
        if f is None:
            package_actions(key)  # checks the name
        bounds = declared_range(key, f) if written == DECLARED else written
        try:
            low, high = (float(v) for v in bounds)
        except (TypeError, ValueError):
            raise ConfigError(
                f"experiment.design.parameters.{key}={bounds!r}: write the range as [low, high]"
            ) from None
        if not low < high:
            raise ConfigError(
                f"experiment.design.parameters.{key}: low {low} must be below high {high}"
            )
        lo, hi = PACKAGE_BOUNDS if f is None else f.metadata["bounds"]
        if (lo is not None and low < lo) or (hi is not None and high > hi):
            raise ConfigError(
                f"experiment.design.parameters.{key}=[{low}, {high}] leaves the field's "
                f"range [{lo}, {hi}]"
            )
        integer = f is not None and f.type in (int, "int")
        out.append(Parameter(key, low, high, parameter_kind(key), integer))
    return out


def salib_problem(params: list[Parameter]) -> dict[str, Any]:
    """The SALib problem dictionary of a design."""
    return {
        "num_vars": len(params),
        "names": [p.key for p in params],
        "bounds": [[p.low, p.high] for p in params],
    }


def _check_spec(spec: DesignConfig) -> list[Parameter]:
    if spec.method not in METHODS:
        raise ConfigError(
            f"experiment.design.method={spec.method!r}: choose one of {', '.join(METHODS)}"
        )
    params = design_parameters(spec)
    if spec.method != "none":
        if not params:
            raise ConfigError("experiment.design.parameters is empty: declare what to sample")
        if spec.samples < 1:
            raise ConfigError("experiment.design.samples must be at least 1")
    return params


def design_size(spec: DesignConfig) -> int:
    """Number of rows of the design (jobs per replicate)."""
    params = _check_spec(spec)
    d = len(params)
    return {
        "none": 0,
        "lhs": spec.samples,
        "sobol": spec.samples * (d + 2),
        "morris": spec.samples * (d + 1),
    }[spec.method]


def _spec_key(spec: DesignConfig) -> str:
    return json.dumps(dataclasses.asdict(spec), default=str)  # keeps parameter order


@lru_cache(maxsize=8)
def _matrix(key: str) -> np.ndarray:
    raw = json.loads(key)
    spec = DesignConfig(**raw)
    params = _check_spec(spec)
    problem = salib_problem(params)
    if spec.method == "lhs":
        from SALib.sample import latin

        x = latin.sample(problem, spec.samples, seed=spec.seed)
    elif spec.method == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem, spec.samples, calc_second_order=False, seed=spec.seed)
    elif spec.method == "morris":
        from SALib.sample import morris

        x = morris.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.seed)
    else:
        return np.empty((0, len(params)))
    x = np.asarray(x, dtype=float)
    for j, p in enumerate(params):
        if p.integer:
            x[:, j] = np.round(x[:, j])
    x.setflags(write=False)
    return x


def design_matrix(spec: DesignConfig) -> np.ndarray:
    """The design matrix (rows = samples, columns = parameters in declaration order)."""
    return _matrix(_spec_key(spec))


def design_frame(spec: DesignConfig) -> pd.DataFrame:
    """The design as a table: ``sample_id`` then one column per parameter key."""
    params = design_parameters(spec)
    x = design_matrix(spec)
    frame = pd.DataFrame(x, columns=[p.key for p in params])
    frame.insert(0, "sample_id", np.arange(len(frame)))
    return frame


def design_row(spec: DesignConfig, sample_id: int) -> dict[str, float | int]:
    """Parameter values of design row ``sample_id``.

    Raises:
        ConfigError: The row does not exist.
    """
    params = _check_spec(spec)
    if spec.method == "none":
        raise ConfigError(
            f"experiment.sample_id={sample_id} is set but experiment.design.method is none: "
            "declare a design or drop sample_id"
        )
    x = design_matrix(spec)
    if not 0 <= sample_id < len(x):
        raise ConfigError(
            f"experiment.sample_id={sample_id} is outside the design: the {spec.method} design "
            f"has {len(x)} rows, sweep experiment.sample_id=range(0,{len(x)})"
        )
    return {
        p.key: int(v) if p.integer else float(v) for p, v in zip(params, x[sample_id], strict=True)
    }


def apply_design(cfg: HdsimConfig) -> HdsimConfig:
    """The job's config with its design row written in (unchanged if it has no ``sample_id``).

    Raises:
        ConfigError: Bad design, row out of range, or a value the schema rejects.
    """
    spec = cfg.experiment.design
    if cfg.experiment.sample_id is None:
        _check_spec(spec)
        return cfg
    row = design_row(spec, int(cfg.experiment.sample_id))
    return to_config(with_values(cfg, row))


def with_values(cfg: HdsimConfig, values: dict[str, float | int]) -> HdsimConfig:
    """A copy of ``cfg`` with dotted keys set and ``package.*`` factors applied.

    Works on the dataclass tree (no OmegaConf round trip, which costs ~0.3 s per call with
    hdsim's schema); :func:`to_config` then checks the ranges.
    """
    plain = {k: v for k, v in values.items() if not k.startswith(PACKAGE)}
    for key, factor in values.items():
        if key.startswith(PACKAGE):
            for lever, base in package_members(cfg, key).items():
                plain.setdefault(lever, base * float(factor))  # an explicit key wins
    new = copy.deepcopy(cfg)
    for key, value in plain.items():
        *path, leaf = key.split(".")
        node: Any = new
        for part in path:
            node = getattr(node, part)
        setattr(node, leaf, value)
    return new


def package_levers(cfg: HdsimConfig) -> dict[str, float]:
    """Intensity keys of the levers the scenario switches on, with their intensities."""
    out = {}
    for name, lever in vars(cfg.scenario.policies).items():
        intensity = getattr(lever, "intensity", None)
        if intensity is not None and intensity > 0:
            out[f"scenario.policies.{name}.intensity"] = float(intensity)
    return out


def package_actions(key: str) -> tuple[int, ...]:
    """The plan's actions (1-7) that a ``package.*`` key scales.

    Raises:
        ConfigError: The key names no package.
    """
    name = key.removeprefix(PACKAGE)
    if name == "all":
        return tuple(range(1, 8))
    number = name.removeprefix("action")
    if name.startswith("action") and number.isdigit() and 1 <= int(number) <= 7:
        return (int(number),)
    raise ConfigError(
        f"experiment.design.parameters: '{key}' is no package: use package.action1 .. "
        "package.action7 or package.all"
    )


def package_intensity_keys(keys: list[str]) -> set[str]:
    """Intensity keys of every lever that the ``package.*`` keys among ``keys`` scale."""
    from hdsim.policies.catalogue import lever_actions

    actions = {a for k in keys if k.startswith(PACKAGE) for a in package_actions(k)}
    return {
        f"scenario.policies.{lever}.intensity"
        for lever, action in lever_actions().items()
        if action in actions
    }


def package_members(cfg: HdsimConfig, key: str) -> dict[str, float]:
    """Intensity keys and intensities of the switched-on levers that package ``key`` scales."""
    members = package_intensity_keys([key])
    return {k: v for k, v in package_levers(cfg).items() if k in members}
