"""Calibration targets: observed figures, the model statistics compared with them, the distance.

The targets live in a CSV file (``hdsim/data/calibration/targets.csv`` by default), one row per
observed figure, with its source and confidence like every data file of the project. A planner
who gets a new bulletin adds a row and re-runs ``hdsim-calibrate``. Columns:

============  ==============================================================================
id            unique name of the target, e.g. ``rate_2022``
group         the publication it comes from (``census_2020``, ``bulletin_2022`` ...); the
              back-test holds out whole groups
kind          ``point`` (fitted: distance grows with the standardised error), ``bound``
              (fitted softly: no distance inside ``[lo, hi]``, standardised distance outside)
              or ``check`` (reported, not fitted; e.g. the census state the model starts from)
statistic     what is computed from a run, see below
indicator     a county indicator of the model (``urbanization_rate``, ``births`` ...)
start         first date of the window (``pace``, ``change``, ``per_1000``), else empty
date          date of the figure or last date of the window (month ends, or the census day)
value         observed value (fractions for rates; ``per_1000`` in per mille)
sd            observation (or estimation) error sd plus the model's run-to-run noise at the
              calibration scale, in the unit of ``value``
lo, hi        bounds of a ``bound`` target (empty otherwise)
unit, source, confidence, note
              as in the county data files (confidence: official, quoted, derived, estimate)
discrepancy   optional (empty = 0): sd of the model discrepancy, the part of
              the gap between model and figure that no parameter should explain (a figure
              for another period or definition, the structure the model leaves out)
bias          optional (last column; empty = 0): expected offset of the published figure from
              the model's census-basis value, in the unit of ``value`` (an annual estimate
              between censuses drifts from the census basis: Hongtong's pre-census series
              said 45.7% for 2019 against 39.54% at the 2020 census)
============  ==============================================================================

**Error model.** A figure is ``observed = simulated + bias + e + delta`` with independent
``e ~ N(0, sd^2)`` (estimation error: rounding, sampling, a statistical office's estimate
between censuses) and ``delta ~ N(0, discrepancy^2)`` (model discrepancy). The tolerance a run
is judged by is therefore ``tolerance = sqrt(sd^2 + discrepancy^2)`` (:attr:`Target.sd`).
An annual rate that is itself an estimate (the 2022 rate between censuses) carries both terms
and may carry a bias (:func:`hdsim.calibration.observed.annual_estimate_error` states the
error model of a published rate); a census count only the first.

**Skipped rows.** A target whose indicator the model does not report (e.g. a t0 stock the
synthesis does not hold yet) is skipped with one line (:meth:`TargetSet.available`), so a
targets file can carry the row before the model has the statistic.

Statistics of a run's monthly county series ``x``:

- ``level``: ``x(date)``;
- ``pace``: annualised relative change ``(x(date) / x(start)) ** (1 / years) - 1``;
- ``change``: annual absolute change ``(x(date) - x(start)) / years``;
- ``per_1000``: a monthly flow summed over the months in ``(start, date]``, per 1000 mean
  residents and per year (crude birth and death rates).

The distance of a run to the targets is ``sqrt(sum(z_i ** 2))`` over the fitted targets, with
``z_i = (sim_i + bias_i - value_i) / sd_i`` for points and the standardised overshoot for bounds.
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hdsim.config.fields import ConfigError
from hdsim.data import CONFIDENCE_LEVELS, EMBEDDED_DIR

CALIBRATION_DIR: Path = Path(__file__).resolve().parents[1] / "data" / "calibration"
"""Folder of the packaged calibration files every county shares (the priors)."""
COUNTY_CALIBRATION = "calibration"
"""Sub-folder of a county data folder holding its own calibration (targets, posterior)."""
TARGETS_NAME = "targets.csv"
"""File name of a county's targets inside its calibration sub-folder."""


def county_calibration_dir(data_dir: str | Path | None) -> Path:
    """The calibration sub-folder of a county data folder (None: the embedded county's)."""
    folder = EMBEDDED_DIR if data_dir is None else Path(data_dir).expanduser().resolve()
    return folder / COUNTY_CALIBRATION


TARGETS_FILE: Path = county_calibration_dir(None) / TARGETS_NAME
"""Targets of the embedded county (its curated ``calibration/targets.csv``)."""

COLUMNS: tuple[str, ...] = (
    "id",
    "group",
    "kind",
    "statistic",
    "indicator",
    "start",
    "date",
    "value",
    "sd",
    "lo",
    "hi",
    "unit",
    "source",
    "confidence",
    "note",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("discrepancy", "bias")
"""Columns a targets file may leave out (older files, or figures measured without bias)."""
KINDS: tuple[str, ...] = ("point", "bound", "check")
STATISTICS: tuple[str, ...] = ("level", "pace", "change", "per_1000")
WINDOWED: tuple[str, ...] = ("pace", "change", "per_1000")
DAYS_PER_YEAR = 365.25


class CalibrationError(ConfigError):
    """A problem with a calibration file or request, described in one line.

    A :class:`~hdsim.model.config.ConfigError`, so the ``hdsim`` command reports it on one line
    and exits with status 2 like any other configuration problem.
    """


@dataclass(frozen=True)
class Target:
    """One observed figure and how a run is compared with it.

    Attributes:
        id: Unique name.
        group: Publication the figure comes from (the back-test holds out groups).
        kind: ``point``, ``bound`` or ``check``.
        statistic: ``level``, ``pace``, ``change`` or ``per_1000``.
        indicator: County indicator of the model.
        start: First date of the window (windowed statistics only).
        date: Date of the figure or last date of the window.
        value: Observed value (for bounds, the middle of ``[lo, hi]`` when empty).
        sd: Tolerance in the unit of ``value``: ``sqrt(error_sd² + discrepancy²)``.
        lo: Lower bound (``bound`` targets).
        hi: Upper bound (``bound`` targets).
        unit: Unit of ``value``.
        source: Where the figure comes from.
        confidence: official, quoted, derived or estimate.
        note: Free text (arithmetic, caveats).
        error_sd: The ``sd`` column: estimation error plus run-to-run noise.
        discrepancy: The ``discrepancy`` column: model discrepancy sd (0 when empty).
        bias: The ``bias`` column: expected offset of the published figure from the model's
            census-basis value (0 when empty).
    """

    id: str
    group: str
    kind: str
    statistic: str
    indicator: str
    start: pd.Timestamp | None
    date: pd.Timestamp
    value: float
    sd: float
    lo: float
    hi: float
    unit: str
    source: str
    confidence: str
    note: str
    error_sd: float = float("nan")
    discrepancy: float = 0.0
    bias: float = 0.0

    @property
    def fitted(self) -> bool:
        """Whether the target enters the distance."""
        return self.kind in ("point", "bound")


@dataclass(frozen=True)
class TargetSet:
    """The targets of one calibration, in file order.

    Attributes:
        targets: The targets.
        path: File they were read from (None when built in memory).
        checksum: SHA-256 of the file's bytes (or of the rows when built in memory).
    """

    targets: tuple[Target, ...]
    path: Path | None
    checksum: str

    def __len__(self) -> int:
        return len(self.targets)

    @property
    def ids(self) -> list[str]:
        """Target ids in order."""
        return [t.id for t in self.targets]

    @property
    def groups(self) -> list[str]:
        """Groups in order of first appearance."""
        return list(dict.fromkeys(t.group for t in self.targets))

    @property
    def fitted(self) -> TargetSet:
        """Only the targets that enter the distance."""
        return self.select(lambda t: t.fitted)

    @property
    def indicators(self) -> list[str]:
        """County indicators the statistics need (``resident_population`` for rates too)."""
        names = {t.indicator for t in self.targets}
        if any(t.statistic == "per_1000" for t in self.targets):
            names.add("resident_population")
        return sorted(names)

    @property
    def end_year(self) -> int:
        """Last year a run must simulate to compute every statistic."""
        return max(t.date.year for t in self.targets)

    def select(self, keep: object) -> TargetSet:
        """The targets for which ``keep(target)`` is true."""
        kept = tuple(t for t in self.targets if keep(t))  # type: ignore[operator]
        return TargetSet(kept, self.path, _rows_checksum(kept))

    def without_groups(self, groups: list[str]) -> TargetSet:
        """The targets outside ``groups`` (what a back-test fits)."""
        unknown = sorted(set(groups) - set(self.groups))
        if unknown:
            raise CalibrationError(
                f"hold-out group(s) {', '.join(unknown)} not in the targets; groups: "
                f"{', '.join(self.groups)}"
            )
        return self.select(lambda t: t.group not in groups)

    def with_rows(self, rows: list[Target]) -> TargetSet:
        """The targets plus ``rows`` (e.g. a later bulletin)."""
        merged = self.targets + tuple(rows)
        _check_unique(merged, self.path)
        return TargetSet(merged, self.path, _rows_checksum(merged))

    def latest_group(self) -> str:
        """Group of the most recent observed level (the default back-test hold-out).

        Windowed targets (a pace, a rate over a window) are dated by the end of the window the
        model is compared over, not by when the figure was observed, so they are considered
        only when the targets hold no ``level`` point.
        """
        points = [t for t in self.targets if t.kind == "point"]
        if not points:
            raise CalibrationError("the targets hold no point target to hold out")
        levels = [t for t in points if t.statistic == "level"] or points
        return max(levels, key=lambda t: t.date).group

    def available(self, reported: set[str]) -> tuple[TargetSet, list[str]]:
        """The targets whose indicators the model reports, and one line per skipped target.

        Args:
            reported: County indicators a run reports.

        Returns:
            The kept targets, and for each skipped one a line naming it and the indicator.
        """
        missing = [t for t in self.targets if t.indicator not in reported]
        lines = [
            f"target '{t.id}' skipped: the model does not report '{t.indicator}' yet"
            for t in missing
        ]
        return self.select(lambda t: t.indicator in reported), lines

    def table(self) -> pd.DataFrame:
        """The targets as a DataFrame (one row per target)."""
        return pd.DataFrame([t.__dict__ for t in self.targets])


# --------------------------------------------------------------------------------------------
# Reading and validating
# --------------------------------------------------------------------------------------------


def _rows_checksum(targets: tuple[Target, ...]) -> str:
    text = "\n".join(repr(sorted(t.__dict__.items())) for t in targets)
    return hashlib.sha256(text.encode()).hexdigest()


def _check_unique(targets: tuple[Target, ...], path: Path | None) -> None:
    seen: set[str] = set()
    for t in targets:
        if t.id in seen:
            where = path.name if path else "targets"
            raise CalibrationError(f"{where}: target id '{t.id}' appears twice; ids must differ")
        seen.add(t.id)


def read_csv_file(file: Path, kind: str) -> tuple[bytes, list[str]]:
    """The bytes and text lines of a UTF-8 CSV file, or a one-line error saying what is wrong.

    Args:
        file: The file.
        kind: What the file holds, for the message (``targets``, ``priors``).

    Returns:
        The raw bytes (for the checksum) and the decoded lines (a byte-order mark removed).

    Raises:
        CalibrationError: The file is missing, a folder, unreadable, binary, not UTF-8
            (e.g. saved as GBK by a spreadsheet) or empty.
    """
    if not file.exists():
        raise CalibrationError(f"{kind} file {file} not found")
    if file.is_dir():
        raise CalibrationError(f"{kind} file {file} is a folder; give the CSV file in it")
    try:
        payload = file.read_bytes()
    except OSError as exc:
        raise CalibrationError(f"{kind} file {file} cannot be read: {exc.strerror}") from None
    if b"\x00" in payload:
        raise CalibrationError(
            f"{file.name}: holds NUL bytes, so it is not a text CSV file (UTF-16 or binary?); "
            "save it as CSV UTF-8"
        )
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = payload[: exc.start].count(b"\n") + 1
        raise CalibrationError(
            f"{file.name}: line {line} is not UTF-8 (byte 0x{payload[exc.start]:02x}; a GBK "
            "file?); save it as CSV UTF-8, e.g. iconv -f GBK -t UTF-8"
        ) from None
    lines = text.splitlines()
    if not any(ln.strip() for ln in lines):
        raise CalibrationError(f"{file.name}: the file is empty; it needs a header row and rows")
    return payload, lines


def _float(raw: str, where: str, column: str, required: bool) -> float:
    text = (raw or "").strip()
    if not text:
        if required:
            raise CalibrationError(f"{where}, column '{column}': empty; give a number")
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        raise CalibrationError(f"{where}, column '{column}': '{text}' is not a number") from None
    if not math.isfinite(value):
        raise CalibrationError(
            f"{where}, column '{column}': '{text}' is not a finite number; give a real value "
            "(or leave it empty where the column allows)"
        )
    return value


def _date(raw: str, where: str, column: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(raw.strip())
    except (ValueError, TypeError):
        raise CalibrationError(
            f"{where}, column '{column}': '{raw}' is not a date; write YYYY-MM-DD"
        ) from None


def parse_target(row: dict[str, str], where: str) -> Target:
    """Build and validate one target from a CSV row.

    Args:
        row: Column name to text.
        where: ``file: row n`` prefix for error messages.

    Returns:
        The validated target.

    Raises:
        CalibrationError: One line naming the row, the column and the fix.
    """
    text = {c: (row.get(c) or "").strip() for c in COLUMNS + OPTIONAL_COLUMNS}
    if not text["id"]:
        raise CalibrationError(f"{where}, column 'id': empty; name the target")
    for column, allowed in (
        ("kind", KINDS),
        ("statistic", STATISTICS),
        ("confidence", CONFIDENCE_LEVELS),
    ):
        if text[column] not in allowed:
            raise CalibrationError(
                f"{where}, column '{column}': '{text[column]}' is not one of {', '.join(allowed)}"
            )
    if not text["indicator"]:
        raise CalibrationError(f"{where}, column 'indicator': empty; name a county indicator")
    if not text["source"]:
        raise CalibrationError(f"{where}, column 'source': empty; say where the figure comes from")
    date = _date(text["date"], where, "date")
    start = None
    if text["statistic"] in WINDOWED:
        if not text["start"]:
            raise CalibrationError(
                f"{where}, column 'start': a '{text['statistic']}' target needs the first date "
                "of its window"
            )
        start = _date(text["start"], where, "start")
        if start >= date:
            raise CalibrationError(f"{where}, column 'start': {start.date()} is not before date")
    kind = text["kind"]
    sd = _float(text["sd"], where, "sd", required=kind != "check")
    if kind != "check" and not sd > 0:
        raise CalibrationError(f"{where}, column 'sd': {sd} must be positive")
    lo = _float(text["lo"], where, "lo", required=kind == "bound")
    hi = _float(text["hi"], where, "hi", required=kind == "bound")
    if kind == "bound" and not lo < hi:
        raise CalibrationError(f"{where}, columns 'lo'/'hi': {lo} must be below {hi}")
    value = _float(text["value"], where, "value", required=kind != "bound")
    if np.isnan(value):
        value = 0.5 * (lo + hi)
    discrepancy = _float(text["discrepancy"], where, "discrepancy", required=False)
    discrepancy = 0.0 if np.isnan(discrepancy) else discrepancy
    if discrepancy < 0:
        raise CalibrationError(f"{where}, column 'discrepancy': {discrepancy} must not be negative")
    bias = _float(text["bias"], where, "bias", required=False)
    bias = 0.0 if np.isnan(bias) else bias
    error_sd = sd if not np.isnan(sd) else 1.0
    return Target(
        id=text["id"],
        group=text["group"] or text["id"],
        kind=kind,
        statistic=text["statistic"],
        indicator=text["indicator"],
        start=start,
        date=date,
        value=value,
        sd=math.hypot(error_sd, discrepancy),
        lo=lo,
        hi=hi,
        unit=text["unit"],
        source=text["source"],
        confidence=text["confidence"],
        note=text["note"],
        error_sd=error_sd,
        discrepancy=discrepancy,
        bias=bias,
    )


def load_targets(path: str | Path | None = None) -> TargetSet:
    """Read and validate a targets file.

    Args:
        path: CSV file; None reads the embedded county's targets (:data:`TARGETS_FILE`).

    Returns:
        The targets in file order.

    Raises:
        CalibrationError: The file is missing, unreadable or not UTF-8, lacks a column, or a
            row is wrong (one line).
    """
    file = TARGETS_FILE if path is None else Path(path).expanduser()
    payload, lines = read_csv_file(file, "targets")
    reader = csv.DictReader(lines)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CalibrationError(f"{file.name}: missing column(s) {', '.join(missing)}")
    targets = tuple(
        parse_target(row, f"{file.name}: row {i}") for i, row in enumerate(reader, start=2)
    )
    if not targets:
        raise CalibrationError(f"{file.name}: no target rows")
    _check_unique(targets, file)
    if not any(t.fitted for t in targets):
        raise CalibrationError(f"{file.name}: no 'point' or 'bound' target to fit")
    return TargetSet(targets, file, hashlib.sha256(payload).hexdigest())


# --------------------------------------------------------------------------------------------
# Statistics and distance
# --------------------------------------------------------------------------------------------


def wide_series(county: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    """One run's tidy county series as a date × indicator table of the needed indicators."""
    part = county[county["indicator"].isin(indicators)]
    wide = part.pivot_table(index="date", columns="indicator", values="value", aggfunc="first")
    missing = sorted(set(indicators) - set(wide.columns))
    if missing:
        raise CalibrationError(
            f"the model does not report indicator(s) {', '.join(missing)} named in the targets"
        )
    return wide.sort_index()


def _at(series: pd.Series, date: pd.Timestamp, target_id: str) -> float:
    if date not in series.index:
        first, last = series.index[0].date(), series.index[-1].date()
        raise CalibrationError(
            f"target '{target_id}': no model value on {date.date()}; runs report the census "
            f"day and month ends from {first} to {last}"
        )
    return float(series.loc[date])


def statistic(wide: pd.DataFrame, target: Target) -> float:
    """The model's value of ``target``'s statistic in one run (see the module docstring)."""
    x = wide[target.indicator]
    if target.statistic == "level":
        return _at(x, target.date, target.id)
    assert target.start is not None
    years = (target.date - target.start).days / DAYS_PER_YEAR
    if target.statistic == "per_1000":
        inside = (x.index > target.start) & (x.index <= target.date)
        if not inside.any():
            raise CalibrationError(f"target '{target.id}': no month inside its window")
        window = (wide.index >= target.start) & (wide.index <= target.date)
        residents = wide["resident_population"][window]
        return float(x[inside].sum() / residents.mean() * 1000.0 / years)
    a, b = _at(x, target.start, target.id), _at(x, target.date, target.id)
    if target.statistic == "pace":
        return float((b / a) ** (1.0 / years) - 1.0)
    return float((b - a) / years)


def statistics(county: pd.DataFrame, targets: TargetSet) -> np.ndarray:
    """The model's statistic for every target, in target order, from one run's county series."""
    wide = wide_series(county, targets.indicators)
    return np.array([statistic(wide, t) for t in targets.targets])


def standardised_errors(stats: np.ndarray, targets: TargetSet) -> np.ndarray:
    """Signed standardised errors ``z`` (runs × targets); 0 for ``check`` targets.

    Args:
        stats: Statistics of one run (vector) or many runs (rows), in target order.
        targets: The targets the statistics were computed for.
    """
    s = np.atleast_2d(np.asarray(stats, dtype=float))
    z = np.zeros_like(s)
    for j, t in enumerate(targets.targets):
        if t.kind == "point":
            z[:, j] = (s[:, j] + t.bias - t.value) / t.sd
        elif t.kind == "bound":
            pub = s[:, j] + t.bias
            z[:, j] = (np.maximum(pub - t.hi, 0.0) - np.maximum(t.lo - pub, 0.0)) / t.sd
    return z if np.ndim(stats) > 1 else z[0]


def distance(stats: np.ndarray, targets: TargetSet) -> np.ndarray | float:
    """Distance of runs to the targets: the Euclidean norm of the standardised errors."""
    z = standardised_errors(stats, targets)
    d = np.sqrt(np.sum(np.atleast_2d(z) ** 2, axis=1))
    return d if np.ndim(stats) > 1 else float(d[0])
