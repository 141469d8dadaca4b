"""Prior distributions of the fitted behavioural parameters, and writing values into a config.

The free parameters and their priors live in ``hdsim/data/calibration/priors.csv``:

===============  ===========================================================================
parameter        dotted path below ``behaviour`` (``location.consider_rate``)
distribution     ``uniform`` on ``[lo, hi]`` or ``loguniform`` (uniform in ``log``)
lo, hi           support of the prior; must lie inside the schema's range of the parameter
source, note     why this range (literature, judgement, what the hand calibration used)
===============  ===========================================================================

The samplers work in *internal* coordinates, where every prior is uniform on a box: the value
itself for ``uniform`` priors and its logarithm for ``loguniform`` ones. The prior density is
then constant inside the box, which keeps the importance weights of ABC-SMC simple.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hdsim.calibration.targets import CALIBRATION_DIR, CalibrationError, read_csv_file
from hdsim.config.behaviour import BehaviourConfig

PRIORS_FILE: Path = CALIBRATION_DIR / "priors.csv"
"""Default priors file."""
DISTRIBUTIONS: tuple[str, ...] = ("uniform", "loguniform")
COLUMNS: tuple[str, ...] = ("parameter", "distribution", "lo", "hi", "source", "note")


@dataclass(frozen=True)
class Prior:
    """Independent uniform (or log-uniform) priors over named behavioural parameters.

    Attributes:
        names: Dotted parameter paths below ``behaviour``.
        lo: Lower bounds (natural units).
        hi: Upper bounds (natural units).
        log: Whether each prior is log-uniform.
        sources: Why each range was chosen.
    """

    names: tuple[str, ...]
    lo: np.ndarray
    hi: np.ndarray
    log: np.ndarray
    sources: tuple[str, ...] = ()

    @property
    def dim(self) -> int:
        """Number of parameters."""
        return len(self.names)

    @property
    def box(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the prior box in internal coordinates."""
        return self.to_internal(self.lo), self.to_internal(self.hi)

    def to_internal(self, x: np.ndarray) -> np.ndarray:
        """Natural values → internal coordinates (log for log-uniform priors)."""
        x = np.asarray(x, dtype=float)
        return np.where(self.log, np.log(np.where(self.log, x, 1.0)), x)

    def to_natural(self, u: np.ndarray) -> np.ndarray:
        """Internal coordinates → natural values."""
        u = np.asarray(u, dtype=float)
        return np.where(self.log, np.exp(np.where(self.log, u, 0.0)), u)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws from the prior, in internal coordinates (n × dim)."""
        a, b = self.box
        return a + (b - a) * rng.random((n, self.dim))

    def inside(self, u: np.ndarray) -> np.ndarray:
        """Whether internal points lie in the prior's support."""
        a, b = self.box
        u = np.atleast_2d(u)
        return np.all((u >= a) & (u <= b), axis=1)

    def width(self) -> np.ndarray:
        """Standard deviation of each prior in natural units (for identifiability)."""
        a, b = self.box
        u = np.linspace(0.0005, 0.9995, 2000)[:, None] * (b - a) + a
        return self.to_natural(u).std(axis=0)

    def quantiles(self, q: float) -> np.ndarray:
        """Quantile ``q`` of each prior in natural units."""
        a, b = self.box
        return self.to_natural(a + q * (b - a))

    def as_dict(self, x: np.ndarray) -> dict[str, float]:
        """A natural parameter vector as ``{name: value}``."""
        return {n: float(v) for n, v in zip(self.names, np.asarray(x, dtype=float), strict=True)}

    def table(self) -> list[dict[str, Any]]:
        """The priors as rows (for reports and the posterior's metadata)."""
        return [
            {
                "parameter": n,
                "distribution": "loguniform" if lg else "uniform",
                "lo": float(a),
                "hi": float(b),
                "source": s,
            }
            for n, a, b, lg, s in zip(
                self.names,
                self.lo,
                self.hi,
                self.log,
                self.sources or ("",) * self.dim,
                strict=True,
            )
        ]


def get_parameter(behaviour: BehaviourConfig, name: str) -> float:
    """Value of the dotted parameter ``name`` (``location.consider_rate``) of ``behaviour``."""
    group, _, field = name.partition(".")
    return float(getattr(getattr(behaviour, group), field))


def schema_bounds(name: str) -> tuple[float | None, float | None]:
    """The schema's allowed range of a dotted behavioural parameter.

    Raises:
        CalibrationError: No such parameter, or it is not a number.
    """
    group, _, field = name.partition(".")
    groups = {f.name: f for f in dataclasses.fields(BehaviourConfig)}
    if group not in groups or not field:
        raise CalibrationError(
            f"parameter '{name}': write it as <group>.<name> with group one of {', '.join(groups)}"
        )
    factory = groups[group].default_factory
    assert callable(factory)  # every behaviour group is a dataclass field with a factory
    sub = factory()
    fields = {f.name: f for f in dataclasses.fields(sub)}
    if field not in fields or "bounds" not in fields[field].metadata:
        raise CalibrationError(f"parameter '{name}': behaviour.{group} has no number '{field}'")
    if not isinstance(getattr(sub, field), float):
        raise CalibrationError(f"parameter '{name}' is not a real number and cannot be fitted")
    return fields[field].metadata["bounds"]


def with_parameters(behaviour: BehaviourConfig, values: dict[str, float]) -> BehaviourConfig:
    """A copy of ``behaviour`` with the dotted parameters in ``values`` replaced.

    Raises:
        CalibrationError: A value lies outside the schema's range of its parameter.
    """
    groups: dict[str, dict[str, float]] = {}
    for name, value in values.items():
        lo, hi = schema_bounds(name)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise CalibrationError(f"behaviour.{name}={value} lies outside [{lo}, {hi}]")
        group, _, field = name.partition(".")
        groups.setdefault(group, {})[field] = float(value)
    changes = {
        group: dataclasses.replace(getattr(behaviour, group), **fields)
        for group, fields in groups.items()
    }
    return dataclasses.replace(behaviour, **changes)


def load_priors(path: str | Path | None = None) -> Prior:
    """Read and validate a priors file.

    Args:
        path: CSV file; None reads the packaged priors.

    Returns:
        The prior over the listed parameters, in file order.

    Raises:
        CalibrationError: One line naming the row and the problem.
    """
    file = PRIORS_FILE if path is None else Path(path).expanduser()
    _, lines = read_csv_file(file, "priors")
    reader = csv.DictReader(lines)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CalibrationError(f"{file.name}: missing column(s) {', '.join(missing)}")
    names: list[str] = []
    lo: list[float] = []
    hi: list[float] = []
    log: list[bool] = []
    sources: list[str] = []
    for i, row in enumerate(reader, start=2):
        where = f"{file.name}: row {i}"
        name = (row["parameter"] or "").strip()
        if not name:
            raise CalibrationError(f"{where}, column 'parameter': empty; name a behaviour field")
        try:
            a_lo, a_hi = schema_bounds(name)
        except CalibrationError as exc:
            raise CalibrationError(f"{where}: {exc}") from None
        dist = (row["distribution"] or "").strip()
        if dist not in DISTRIBUTIONS:
            raise CalibrationError(
                f"{where}, column 'distribution': '{dist}' is not one of {', '.join(DISTRIBUTIONS)}"
            )
        try:
            a, b = float(row["lo"]), float(row["hi"])
        except (TypeError, ValueError):
            raise CalibrationError(f"{where}: lo and hi must be numbers") from None
        if not (math.isfinite(a) and math.isfinite(b)):
            raise CalibrationError(f"{where}: lo={a} and hi={b} must be finite numbers")
        if not a < b:
            raise CalibrationError(f"{where}: lo={a} must be below hi={b}")
        if (a_lo is not None and a < a_lo) or (a_hi is not None and b > a_hi):
            raise CalibrationError(
                f"{where}: [{a}, {b}] leaves the schema range [{a_lo}, {a_hi}] of {name}"
            )
        if dist == "loguniform" and a <= 0:
            raise CalibrationError(f"{where}: a log-uniform prior needs lo > 0")
        if name in names:
            raise CalibrationError(f"{where}: parameter '{name}' appears twice")
        names.append(name)
        lo.append(a)
        hi.append(b)
        log.append(dist == "loguniform")
        sources.append((row["source"] or "").strip())
    if not names:
        raise CalibrationError(f"{file.name}: no parameter rows")
    return Prior(tuple(names), np.array(lo), np.array(hi), np.array(log), tuple(sources))
