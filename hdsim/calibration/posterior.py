"""The stored posterior: writing it into the package, and drawing a replicate's behaviour from it.

Files (``hdsim/data/calibration/``, versioned with the code):

- ``posterior.csv``: the accepted ensemble of the last calibration, one row per particle:
  ``particle, weight, distance`` and one column per fitted parameter (dotted name);
- ``posterior.json``: how it was made: the command line, hdsim version, git commit, date,
  targets and priors (with checksums), scale, seeds, budget, tolerance schedule, and the point
  estimate written into ``hdsim/conf/behaviour/hongtong.yaml``.

Scenario runs use it through :func:`hdsim.calibration.effective.effective_config`, which every
driver calls before ``hdsim.run`` runs a replicate (:func:`calibrated_config` and
:func:`calibration_draw` give the draw alone): with ``calibration.use = posterior`` (the
default) replicate ``k`` draws one particle with probability proportional to its weight, from
the stream ``SeedSequence(seed, spawn_key=(k, POSTERIOR_STREAM_TAG))``. The draw depends on the
base seed and ``k`` only, so every scenario of replicate ``k`` runs with the same parameters
(common random numbers), and the spread over replicates contains the parameters' uncertainty as
well as the model's randomness. Parameters that an experiment design samples
(``experiment.design.parameters``) keep the design's value; a design row whose stream is its own
(``experiment.crn_across_samples = false``) also draws its own particle (spawn key ``(k,
POSTERIOR_STREAM_TAG, row)``) for the parameters it does not sample.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hdsim.calibration.priors import get_parameter, schema_bounds, with_parameters
from hdsim.calibration.targets import CALIBRATION_DIR, CalibrationError
from hdsim.config.behaviour import BehaviourConfig
from hdsim.config.frame import CalibrationUse
from hdsim.model.config import HdsimConfig
from hdsim.utils.io import atomic_write_text
from hdsim.utils.version import __version__

POSTERIOR_FILE: Path = CALIBRATION_DIR / "posterior.csv"
"""Packaged posterior ensemble."""
POSTERIOR_STREAM_TAG = 0x504F5354
"""Spawn-key word of the posterior draw; differs from the model's child streams ``(k, i)``."""
FIXED_COLUMNS: tuple[str, ...] = ("particle", "weight", "distance")


@dataclass(frozen=True)
class Posterior:
    """A weighted ensemble of fitted behavioural parameter sets.

    Attributes:
        path: File it was read from.
        names: Dotted parameter names.
        values: Particles (rows) × parameters, natural units.
        weights: Normalised weights.
        distances: Distance of each particle's simulation to the targets.
        checksum: SHA-256 of the file's bytes.
        meta: Contents of the sidecar JSON (empty if absent).
    """

    path: Path
    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    checksum: str
    meta: dict[str, Any]

    def particle(self, i: int) -> dict[str, float]:
        """Parameters of particle ``i``."""
        return {n: float(v) for n, v in zip(self.names, self.values[i], strict=True)}

    def median(self) -> dict[str, float]:
        """Weighted marginal medians (the point estimate)."""
        from hdsim.calibration.smc import weighted_quantile

        return {
            n: float(weighted_quantile(self.values[:, j], self.weights, 0.5))
            for j, n in enumerate(self.names)
        }

    def draw_index(self, base_seed: int, replicate: int, sample_id: int | None = None) -> int:
        """Particle drawn for ``replicate`` (of design row ``sample_id``, if given).

        Scenarios and lever values of a replicate draw the same particle (common random
        numbers); design rows that do not share their replicate's stream draw their own, so an
        uncertainty sample spreads over the posterior instead of fixing the parameters it does
        not sample at one particle per replicate.
        """
        key: tuple[int, ...] = (int(replicate), POSTERIOR_STREAM_TAG)
        if sample_id is not None:
            key += (int(sample_id),)
        ss = np.random.SeedSequence(entropy=int(base_seed), spawn_key=key)
        rng = np.random.default_rng(ss)
        return int(rng.choice(self.weights.size, p=self.weights))


def posterior_path(cfg: HdsimConfig) -> Path:
    """The posterior file a config points to."""
    return POSTERIOR_FILE if not cfg.calibration.file else Path(cfg.calibration.file).expanduser()


def read_posterior(path: str | Path | None = None) -> Posterior:
    """Read and validate a posterior file (cached while the file is unchanged).

    Raises:
        CalibrationError: Missing file, unknown parameter, value out of range, bad weights.
    """
    file = POSTERIOR_FILE if path is None else Path(path).expanduser()
    if not file.exists():
        raise CalibrationError(
            f"posterior file {file} not found; run hdsim-calibrate or set calibration.use=point"
        )
    stat = file.stat()
    return _read_cached(str(file.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_cached(path: str, _mtime: int, _size: int) -> Posterior:
    file = Path(path)
    payload = file.read_bytes()
    try:
        frame = pd.read_csv(file)
    except Exception as exc:  # pandas raises several parser errors
        raise CalibrationError(f"{file.name}: cannot be read as CSV ({exc})") from exc
    missing = [c for c in FIXED_COLUMNS if c not in frame.columns]
    if missing:
        raise CalibrationError(f"{file.name}: missing column(s) {', '.join(missing)}")
    names = tuple(c for c in frame.columns if c not in FIXED_COLUMNS)
    if not names or frame.empty:
        raise CalibrationError(f"{file.name}: no parameters or no particles")
    for name in names:
        lo, hi = schema_bounds(name)
        col = pd.to_numeric(frame[name], errors="coerce")
        if col.isna().any():
            raise CalibrationError(f"{file.name}: column '{name}' holds a non-number")
        if (lo is not None and col.min() < lo) or (hi is not None and col.max() > hi):
            raise CalibrationError(f"{file.name}: column '{name}' leaves [{lo}, {hi}]")
    weights = pd.to_numeric(frame["weight"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(weights).any() or (weights < 0).any() or weights.sum() <= 0:
        raise CalibrationError(f"{file.name}: weights must be non-negative numbers, not all 0")
    sidecar = file.with_suffix(".json")
    meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
    return Posterior(
        path=file,
        names=names,
        values=frame[list(names)].to_numpy(dtype=float),
        weights=weights / weights.sum(),
        distances=pd.to_numeric(frame["distance"], errors="coerce").to_numpy(dtype=float),
        checksum=hashlib.sha256(payload).hexdigest(),
        meta=meta,
    )


def design_keys(cfg: HdsimConfig) -> set[str]:
    """Dotted behavioural parameters an experiment design sets (they keep its values)."""
    experiment = getattr(cfg, "experiment", None)
    design = getattr(experiment, "design", None)
    keys = getattr(design, "parameters", None) or {}
    return {k.removeprefix("behaviour.") for k in keys if str(k).startswith("behaviour.")}


def calibration_draw(cfg: HdsimConfig, replicate: int) -> dict[str, Any]:
    """Which fitted parameters replicate ``replicate`` of ``cfg`` runs with.

    Returns:
        ``{"use": "point"}``, or for the posterior: the file, its checksum, the particle drawn,
        the values applied and the parameters kept from an experiment design.
    """
    if cfg.calibration.use == CalibrationUse.point:
        return {"use": "point"}
    post = read_posterior(posterior_path(cfg))
    exp = cfg.experiment
    index = post.draw_index(
        cfg.seed, replicate, None if exp.crn_across_samples else exp.sample_id
    )
    kept = sorted(design_keys(cfg) & set(post.names))
    values = {k: v for k, v in post.particle(index).items() if k not in kept}
    return {
        "use": "posterior",
        "file": str(post.path),
        "checksum": post.checksum[:16],
        "particle": index,
        "values": values,
        "kept_from_design": kept,
    }


def calibrated_config(cfg: HdsimConfig, replicate: int) -> HdsimConfig:
    """``cfg`` with the fitted behaviour of replicate ``replicate`` (see the module docstring)."""
    draw = calibration_draw(cfg, replicate)
    if draw["use"] == "point":
        return cfg
    return dataclasses.replace(cfg, behaviour=with_parameters(cfg.behaviour, draw["values"]))


def posterior_checksum(cfg: HdsimConfig) -> str | None:
    """Checksum of the posterior a config draws from (None for the point estimate)."""
    if cfg.calibration.use == CalibrationUse.point:
        return None
    return read_posterior(posterior_path(cfg)).checksum[:16]


# --------------------------------------------------------------------------------------------
# Writing a calibration into the package
# --------------------------------------------------------------------------------------------


def posterior_frame(
    names: tuple[str, ...], values: np.ndarray, weights: np.ndarray, distances: np.ndarray
) -> pd.DataFrame:
    """The posterior table written to ``posterior.csv``."""
    frame = pd.DataFrame(values, columns=list(names))
    frame.insert(0, "distance", np.round(distances, 6))
    frame.insert(0, "weight", weights / weights.sum())
    frame.insert(0, "particle", np.arange(len(frame)))
    return frame


def git_commit() -> str | None:
    """Commit of the source tree (with ``+dirty`` when it has changes), if git is there."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def metadata(extra: dict[str, Any]) -> dict[str, Any]:
    """Provenance of a calibration: command, versions, commit and date, plus ``extra``."""
    return {
        "command": " ".join(["hdsim-calibrate", *sys.argv[1:]]),
        "hdsim_version": __version__,
        "git_commit": git_commit(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **extra,
    }


def write_posterior(frame: pd.DataFrame, meta: dict[str, Any], directory: Path) -> Path:
    """Write ``posterior.csv`` and ``posterior.json`` atomically into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "posterior.csv"
    atomic_write_text(path, frame.to_csv(index=False, float_format="%.6g"))
    text = json.dumps(meta, indent=2, ensure_ascii=False, default=str)
    atomic_write_text(path.with_suffix(".json"), text + "\n")
    return path


_LINE = re.compile(r"^(?P<indent>\s+)(?P<key>\w+):(?P<gap>\s*)(?P<value>[^#\s]+)(?P<rest>.*)$")
_GROUP = re.compile(r"^(?P<group>\w+):\s*(#.*)?$")
_STATUS = re.compile(r"\s*\([^()]*\)\.?\s*$")


def format_value(value: float) -> str:
    """A fitted value with four significant digits, as YAML."""
    return f"{float(value):.4g}"


def update_behaviour_yaml(path: Path, point: dict[str, float], status: str) -> str:
    """Write point estimates into a behaviour YAML file, keeping its layout and comments.

    Each fitted line ``  name: value    # Help text (old status).`` becomes
    ``  name: <point>    # Help text (<status>).``.

    Args:
        path: ``hdsim/conf/behaviour/hongtong.yaml`` or a copy.
        point: Dotted parameter → value.
        status: Text put in the status parentheses.

    Returns:
        The new text (also written to ``path`` atomically).

    Raises:
        CalibrationError: A parameter has no line in the file.
    """
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    todo = dict(point)
    group = ""
    for i, line in enumerate(lines):
        g = _GROUP.match(line)
        if g:
            group = g.group("group")
            continue
        m = _LINE.match(line.rstrip("\n"))
        if not m:
            continue
        name = f"{group}.{m.group('key')}"
        if name not in todo:
            continue
        rest = m.group("rest")
        if "#" in rest:
            before, _, comment = rest.partition("#")
            comment = _STATUS.sub("", comment.strip())
            rest = f"{before}# {comment} ({status})."
        else:
            rest = f"    # ({status})."
        value = format_value(todo.pop(name))
        lines[i] = f"{m.group('indent')}{m.group('key')}:{m.group('gap')}{value}{rest}\n"
    if todo:
        raise CalibrationError(
            f"{path.name}: no line for {', '.join(sorted(todo))}; add it under its group"
        )
    text = "".join(lines)
    atomic_write_text(path, text)
    return text


def point_behaviour(behaviour: BehaviourConfig, point: dict[str, float]) -> BehaviourConfig:
    """``behaviour`` with the point estimate written in (rounded as in the YAML file)."""
    return with_parameters(behaviour, {k: float(format_value(v)) for k, v in point.items()})


def current_values(behaviour: BehaviourConfig, names: tuple[str, ...]) -> dict[str, float]:
    """The values ``behaviour`` holds for ``names``."""
    return {n: get_parameter(behaviour, n) for n in names}
