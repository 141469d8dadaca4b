"""The effective configuration of a run: the one function every driver resolves a run through.

A composed configuration says *how* to choose the fitted behaviour (``calibration.use``); the
effective configuration of (config, replicate) holds the values the run uses:

1. with ``calibration.use = posterior``, the particle that replicate draws from the stored
   posterior (:meth:`~hdsim.calibration.posterior.Posterior.draw_index`) replaces the fitted
   parameters of ``behaviour``, except those an experiment design sets;
2. the behaviour keys the user set explicitly (``calibration.overrides``, filled from the
   command line or the API's overrides) keep the user's value: an override wins over the draw,
   and the console says so in one line.

The result records what it used: ``calibration.particle`` (index of the drawn particle),
``calibration.checksum`` (of the posterior file), ``calibration.overrides`` and
``calibration.borrowed_from`` (the county whose posterior a county without its own borrowed,
said once per process in one line; ``calibration.strict`` refuses instead). It is what
``hdsim.run`` runs and writes as the run's ``config.yaml``, so that file, given back
(``hdsim --config-path <run folder> --config-name config``), draws the same particle and keeps
the same overrides, and with ``calibration.use=point`` runs the recorded values as they are:
either way the outputs are byte-identical. Resolving is idempotent.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from hdsim.calibration.posterior import (
    PosteriorSource,
    borrowed_notice,
    check_calibration,
    design_keys,
    read_posterior,
)
from hdsim.calibration.priors import get_parameter, with_parameters
from hdsim.config.frame import CalibrationUse
from hdsim.model.config import HdsimConfig
from hdsim.run import RunResult, run_replicate

if TYPE_CHECKING:
    from hdsim.data import CountyData

log = logging.getLogger("hdsim")

BEHAVIOUR_PREFIX = "behaviour."
"""Dotted prefix of the behavioural parameters in the root configuration."""

_ANNOUNCED: set[tuple[str, ...]] = set()
NOTED_ENV = "HDSIM_CALIBRATION_NOTED"
"""Set by :func:`announce_calibration` once a job has printed its posterior's notices."""


def override_keys(overrides: Iterable[str]) -> list[str]:
    """Behaviour keys set by command-line style overrides (``behaviour.location.x=1``).

    Args:
        overrides: Overrides as Hydra takes them (``key=value``, optionally ``+``/``++``); the
            others (group choices, non-behaviour keys, deletions) are ignored.

    Returns:
        The dotted keys (``behaviour.<group>.<name>``), sorted.
    """
    keys: set[str] = set()
    for item in overrides:
        if item.startswith("~") or "=" not in item:
            continue
        key = item.split("=", 1)[0].lstrip("+")
        if key.startswith(BEHAVIOUR_PREFIX) and key.count(".") >= 2:
            keys.add(key)
    return sorted(keys)


def with_overrides(cfg: HdsimConfig, overrides: Iterable[str]) -> HdsimConfig:
    """``cfg`` with the behaviour keys of ``overrides`` added to ``calibration.overrides``."""
    keys = sorted(set(cfg.calibration.overrides) | set(override_keys(overrides)))
    if keys == list(cfg.calibration.overrides):
        return cfg
    return dataclasses.replace(
        cfg, calibration=dataclasses.replace(cfg.calibration, overrides=keys)
    )


def is_resolved(cfg: HdsimConfig) -> bool:
    """Whether ``cfg`` is an effective configuration (point estimate, or a particle drawn)."""
    return cfg.calibration.use == CalibrationUse.point or cfg.calibration.particle is not None


def effective_config(
    cfg: HdsimConfig, replicate: int, overrides: Iterable[str] = ()
) -> HdsimConfig:
    """The effective configuration of replicate ``replicate`` of ``cfg`` (module docstring).

    Args:
        cfg: Validated configuration, effective or not (resolving twice changes nothing).
        replicate: Replicate number; with the base seed (and the design row, if it has its own
            stream) it selects the posterior particle.
        overrides: Further command-line style overrides whose behaviour keys the user set
            (added to ``calibration.overrides``).

    Returns:
        A new configuration whose behaviour holds the values the run uses and whose
        ``calibration`` records the particle, the posterior's checksum and the overrides.

    Raises:
        CalibrationError: The posterior file is missing or invalid, or ``calibration.strict``
            refuses a borrowed or stale posterior.
    """
    cfg = with_overrides(cfg, overrides)
    cal = cfg.calibration
    if cal.use == CalibrationUse.point:
        if cal.particle is None and cal.checksum is None and cal.borrowed_from is None:
            return cfg
        point = dataclasses.replace(cal, particle=None, checksum=None, borrowed_from=None)
        return dataclasses.replace(cfg, calibration=point)
    source = check_calibration(cfg)
    assert source is not None
    for line in notices(source):
        _say_once(line)
    post = read_posterior(source.path)
    exp = cfg.experiment
    index = post.draw_index(cfg.seed, replicate, None if exp.crn_across_samples else exp.sample_id)
    kept = design_keys(cfg)
    mine = {k.removeprefix(BEHAVIOUR_PREFIX) for k in cal.overrides}
    drawn = post.particle(index)
    values = {k: v for k, v in drawn.items() if k not in kept and k not in mine}
    won = sorted(mine & set(drawn))
    if won:
        _announce(cfg, index, won, drawn)
    recorded = dataclasses.replace(
        cal, particle=index, checksum=post.checksum[:16], borrowed_from=source.borrowed_from
    )
    return dataclasses.replace(
        cfg, behaviour=with_parameters(cfg.behaviour, values), calibration=recorded
    )


def notices(source: PosteriorSource | None) -> list[str]:
    """The lines a run prints about its posterior: borrowed from another county, or stale."""
    if source is None:
        return []
    lines = [f"hdsim: {source.stale}"] if source.stale else []
    if source.borrowed_from is not None:
        lines.append(f"hdsim: {borrowed_notice(source.borrowed_from)}")
    return lines


def announce_calibration(cfg: HdsimConfig) -> None:
    """Check the posterior before a job's first run and print its notices once for the job.

    The job's worker processes inherit :data:`NOTED_ENV`, so they do not repeat the line.

    Raises:
        CalibrationError: The posterior is broken, or strictness refuses it (one line).
    """
    for line in notices(check_calibration(cfg)):
        print(line, flush=True)
    os.environ[NOTED_ENV] = "1"


def _say_once(line: str) -> None:
    """Log ``line`` once per process, unless the job already printed it (:data:`NOTED_ENV`)."""
    if os.environ.get(NOTED_ENV) or (line,) in _ANNOUNCED:
        return
    _ANNOUNCED.add((line,))
    log.warning("%s", line)


def _announce(cfg: HdsimConfig, index: int, won: list[str], drawn: dict[str, float]) -> None:
    """Say once per process, in one line, which of the user's values replace the draw."""
    if tuple(won) in _ANNOUNCED:
        return
    _ANNOUNCED.add(tuple(won))
    parts = ", ".join(
        f"behaviour.{k}={get_parameter(cfg.behaviour, k):g} (draw {drawn[k]:.4g})" for k in won
    )
    log.warning("hdsim: your value wins over the posterior draw (particle %d): %s", index, parts)


def run_effective(cfg: HdsimConfig, replicate: int, data: CountyData | None = None) -> RunResult:
    """Resolve ``cfg`` for ``replicate`` and run it (what every driver's single run is).

    Args:
        cfg: Validated configuration.
        replicate: Replicate number.
        data: County data; loaded from ``cfg.data.dir`` when omitted.

    Returns:
        The run's county and township series.
    """
    return run_replicate(effective_config(cfg, replicate), replicate, data)
