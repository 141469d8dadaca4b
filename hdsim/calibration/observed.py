"""Targets of a county: its own ``calibration/targets.csv``, or targets derived from its figures.

``hdsim-calibrate data.dir=FOLDER`` fits the county of ``FOLDER`` to that county's figures. The
targets are, in order of precedence:

1. a file given with ``--targets``;
2. ``FOLDER/calibration/targets.csv``, the county's curated targets (the embedded county ships
   one, with its bulletins and vital rates);
3. otherwise targets derived here from ``FOLDER/observations.csv``, which every county folder
   made by ``hdsim-county init`` holds (the 2010 and 2020 census residents and urban
   population) and to which a user adds later bulletin figures as rows.

Derivation rules (t0 is the census day the run starts from, ``horizon.start``):

=====================================  ===================================================
observations                           target
=====================================  ===================================================
residents and urban share at t0        ``check`` rows (the synthesis reproduces them)
residents after t0 (a bulletin row)    ``point`` level; sd 0.5% (0.2% for an official
                                       count), discrepancy 0.3%
urbanization rate after t0 (or urban   ``point`` level; sd 0.2 points for an official count;
and residents on the same day)         an annual estimate by the error model of
                                       :func:`annual_estimate_error` (sd 0.4 points plus a
                                       drift growing with the years since the census);
                                       discrepancy 0.3 points
residents at the 2010 census           the decade's yearly pace of residents, compared
                                       with the model's pace from t0 to the end of the
                                       second calendar year after it: ``point`` (sd 0.2,
                                       discrepancy 0.5 points a year) when no later
                                       residents figure exists, else ``check`` (a later
                                       figure and the 2010s pace would contradict each other)
urban residents at the 2010 census     the decade's yearly change of the rate, the same way
                                       (sd 0.1, discrepancy 0.4 points a year)
births and deaths (``county.csv``)     the crude birth and death rates of the first year
                                       after the census day (``per_1000`` of ``births`` and
                                       ``deaths``), ``point`` targets by the first method
                                       of :data:`VITAL_METHODS` the folder has figures for
=====================================  ===================================================

**Births and deaths.** The census county tables give no births or deaths, so the vital
targets come from ``county.csv``, by the first of these the folder holds:

1. ``births_2020``/``deaths_2020``: the census's own count of the twelve months before the
   census day, divided by the residents half a year before it (interpolated between the two
   censuses), carried to the first simulated year by China's crude rate ratio 2021/2020;
2. ``births_2019``/``deaths_2019``: a pre-census bulletin's count, rebased on the
   census-consistent mid-2019 population (geometric interpolation between the censuses: the
   bulletins' own denominators, from the pre-census series, are too high) and carried by
   China's ratio 2021/2019;
3. ``birth_rate_2021_permille``/``death_rate_2021_permille``: the scaffold's estimate (the
   province's crude rate indirectly standardised to the county's age structure,
   :mod:`hdsim.county.vital`) or the user's figure for the first year.

Each target's note states the method, the arithmetic and its error terms: the estimation sd
of the method (relative, :data:`VITAL_METHODS`), the run-to-run noise of a crude rate at the
calibration scale (Poisson: ``sqrt(1000 r / (N s))`` per mille for rate ``r`` per mille, ``N``
residents and scale ``s``), and the discrepancy of carrying a county's rate by the nation's
change (methods 1 and 2; method 3's sd already holds the county's unknown level).

The discrepancy of a carried-forward decade figure is the model discrepancy of comparing a
2010s pace with the early 2020s (see :mod:`hdsim.calibration.targets` for the error model).
The derived targets are written to the job folder (``targets.csv``), so a user can review them
and copy them into ``FOLDER/calibration/targets.csv`` to edit.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hdsim.calibration.targets import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    TARGETS_NAME,
    CalibrationError,
    Target,
    TargetSet,
    _rows_checksum,
    county_calibration_dir,
    load_targets,
)
from hdsim.county.vital import RELATIVE_SD, national_rate, reference_scope
from hdsim.data import CountyData

LEVEL_SD = {"resident_population": 0.005, "urbanization_rate": 0.004}
"""Estimation-error sd of a later level: relative for residents, absolute for the rate."""
OFFICIAL_LEVEL_SD = {"resident_population": 0.002, "urbanization_rate": 0.002}
"""The same for an official count (a census, an official bulletin figure)."""
LEVEL_DISCREPANCY = {"resident_population": 0.003, "urbanization_rate": 0.003}
"""Model discrepancy sd of a later level (relative for residents, absolute for the rate)."""
DECADE_SD = {"pace": 0.002, "change": 0.001}
"""Error sd of the decade's yearly pace of residents and yearly change of the rate."""
DECADE_DISCREPANCY = {"pace": 0.005, "change": 0.004}
"""Discrepancy sd of carrying the 2010s' pace over to the early 2020s."""
ESTIMATE_DRIFT_SD = 0.0074
"""Yearly sd of the drift of a published annual rate from the census basis: Hongtong's
pre-census series said 45.7% for 2019, the census-basis rate of end 2019 is about 39.0%
(39.54% at 2020-11 less 0.67 points a year for 10 months); 6.7 points over 9 years since the
2010 census is 0.74 points a year (one county's revision: a scale, not a fit)."""
ESTIMATE_BIAS_PER_YEAR = 0.0
"""Expected yearly drift of a published annual rate after a census rebasing (the revision
above was upward, but bulletins after the 7th census are rebased on it: no sign assumed)."""
CALIBRATION_SCALE = 0.05
"""Default calibration scale (``hdsim-calibrate``'s), for the run-to-run noise of vital rates."""


@dataclass(frozen=True)
class VitalMethod:
    """One way of deriving a county's first-year birth or death rate from ``county.csv``.

    Attributes:
        name: Short name used in the notes.
        keys: ``county.csv`` key of the births and of the deaths figure (``{year}``: the year
            the window mostly falls in, for rates).
        kind: ``count`` (persons in a year, rebased and carried) or ``rate`` (per mille).
        year: Year of the counts (``count``) whose national ratio carries them.
        error: Relative estimation sd, by flow.
        discrepancy: Relative discrepancy sd, by flow.
        why: What the error terms stand for.
    """

    name: str
    keys: dict[str, str]
    kind: str
    year: int
    error: dict[str, float]
    discrepancy: dict[str, float]
    why: str


VITAL_METHODS: tuple[VitalMethod, ...] = (
    VitalMethod(
        "census count of the year before the census day",
        {"births": "births_2020", "deaths": "deaths_2020"},
        "count",
        2020,
        {"births": 0.03, "deaths": 0.03},
        {"births": 0.08, "deaths": 0.05},
        "error 3%: the census's under-count of births and deaths of the past year and the "
        "interpolated denominator; discrepancy 8% (births) / 5% (deaths): the county's change "
        "from one year to the next need not follow the nation's",
    ),
    VitalMethod(
        "pre-census bulletin count, rebased on the census-consistent population",
        {"births": "births_2019", "deaths": "deaths_2019"},
        "count",
        2019,
        {"births": 0.03, "deaths": 0.03},
        {"births": 0.165, "deaths": 0.115},
        "error 3%: the interpolated denominator; discrepancy 16.5% (births) / 11.5% (deaths): "
        "the county's fall over two years need not follow the nation's (as fitted for the "
        "embedded county: 1.2 and 0.8 per mille)",
    ),
    VitalMethod(
        "first-year rate of county.csv",
        {"births": "birth_rate_{year}_permille", "deaths": "death_rate_{year}_permille"},
        "rate",
        0,
        {"births": 0.15, "deaths": 0.10},
        {"births": 0.0, "deaths": 0.0},
        "error 15% (births) / 10% (deaths) for an estimate (the county's own level, which the "
        "age structure does not give: hdsim/county/vital.py), 2% for an official figure",
    ),
)
"""Methods for the vital-rate targets, in order of precedence (module docstring)."""


def targets_for(
    data: CountyData,
    start: str,
    targets_file: str | Path | None = None,
    scale: float = CALIBRATION_SCALE,
) -> tuple[TargetSet, str]:
    """The targets a calibration of ``data``'s county fits (see the module docstring).

    Args:
        data: The county data (its folder may hold ``calibration/targets.csv``).
        start: ``horizon.start`` (``YYYY-MM``), the census month the runs start from.
        targets_file: A targets file given by the user (wins over the folder's).
        scale: The calibration scale (run-to-run noise of the derived vital-rate targets).

    Returns:
        The targets, and where they come from (a file path, or ``derived from ...``).

    Raises:
        CalibrationError: A bad targets file, or observations that give no fitted target.
    """
    if targets_file is not None:
        return load_targets(targets_file), str(targets_file)
    own = county_calibration_dir(data.directory) / TARGETS_NAME
    if own.exists():
        return load_targets(own), str(own)
    derived = derive_targets(data, start, scale)
    return derived, f"derived from {data.directory / 'observations.csv'} and county.csv"


def _census_day(start: str) -> pd.Timestamp:
    return pd.Timestamp(f"{start}-01")


def _obs(data: CountyData, indicator: str) -> pd.DataFrame:
    frame = data.observations
    return frame[frame["indicator"] == indicator].sort_values("date")


def _value_on(frame: pd.DataFrame, date: pd.Timestamp) -> pd.Series | None:
    hit = frame[frame["date"] == date]
    return None if hit.empty else hit.iloc[0]


def _target(**fields: object) -> Target:
    base: dict[str, object] = {
        "start": None,
        "lo": float("nan"),
        "hi": float("nan"),
        "discrepancy": 0.0,
        "note": "",
    }
    base.update(fields)
    base["error_sd"] = float(base["sd"])  # type: ignore[arg-type]
    base["sd"] = float((float(base["sd"]) ** 2 + float(base["discrepancy"]) ** 2) ** 0.5)  # type: ignore[arg-type]
    return Target(**base)  # type: ignore[arg-type]


def annual_estimate_error(years_since_census: float) -> tuple[float, float]:
    """The error model of a published annual urbanization rate against the census basis.

    A bulletin's rate between censuses is an estimate (sample surveys carried from the last
    census), not a count of the model's census-basis state: ``published = census_basis +
    bias + e`` with ``bias = ESTIMATE_BIAS_PER_YEAR * years`` and
    ``e ~ N(0, LEVEL_SD^2 + (ESTIMATE_DRIFT_SD * years)^2)``: rounding and sampling plus a
    drift that grows with the years since the census the estimate is carried from.

    Args:
        years_since_census: Years between the census the estimate is based on and its date.

    Returns:
        ``(bias, sd)`` as fractions.
    """
    years = max(0.0, float(years_since_census))
    sd = math.hypot(LEVEL_SD["urbanization_rate"], ESTIMATE_DRIFT_SD * years)
    return ESTIMATE_BIAS_PER_YEAR * years, sd


def _rate_rows(data: CountyData) -> pd.DataFrame:
    """Urbanization rates by date: the rate rows, else urban / residents on the same day."""
    rates = _obs(data, "urbanization_rate")[["date", "value", "source", "confidence"]]
    urban = _obs(data, "urban_population")
    residents = _obs(data, "resident_population")
    merged = urban.merge(residents, on="date", suffixes=("_u", "_r"))
    derived = pd.DataFrame(
        {
            "date": merged["date"],
            "value": merged["value_u"] / merged["value_r"],
            "source": merged["source_u"],
            "confidence": "derived",
        }
    )
    derived = derived[~derived["date"].isin(rates["date"])]
    return pd.concat([rates, derived], ignore_index=True).sort_values("date")


def derive_targets(data: CountyData, start: str, scale: float = CALIBRATION_SCALE) -> TargetSet:
    """Targets derived from a county's observations and county keys (module docstring).

    Args:
        data: The county data.
        start: ``horizon.start`` (``YYYY-MM``), the census month the runs start from.
        scale: The calibration scale (the run-to-run noise of the vital-rate targets).

    Raises:
        CalibrationError: The observations give no figure a calibration can fit.
    """
    t0 = _census_day(start)
    window_end = pd.Timestamp(f"{t0.year + 2}-12-31")
    residents = _obs(data, "resident_population")
    rates = _rate_rows(data)
    rows: list[Target] = []
    now = _value_on(residents, t0)
    if now is not None:
        rows.append(
            _target(
                id=f"population_{t0.year}", group=f"census_{t0.year}", kind="check",
                statistic="level", indicator="resident_population", date=t0,
                value=float(now["value"]), sd=max(1.0, 0.002 * float(now["value"])),
                unit="persons", source=str(now["source"]), confidence=str(now["confidence"]),
                note="t0 state, reproduced by the synthesis: reported as a check",
            )
        )  # fmt: skip
    rate_now = _value_on(rates, t0)
    if rate_now is not None:
        rows.append(
            _target(
                id=f"rate_{t0.year}", group=f"census_{t0.year}", kind="check", statistic="level",
                indicator="urbanization_rate", date=t0, value=float(rate_now["value"]), sd=0.002,
                unit="fraction", source=str(rate_now["source"]),
                confidence=str(rate_now["confidence"]),
                note="t0 state, reproduced by the synthesis: reported as a check",
            )
        )  # fmt: skip
    later_pop = residents[residents["date"] > t0]
    later_rate = rates[rates["date"] > t0]
    for r in later_pop.itertuples(index=False):
        official = r.confidence == "official"
        rel = (OFFICIAL_LEVEL_SD if official else LEVEL_SD)["resident_population"]
        rows.append(
            _target(
                id=f"population_{r.date.year}", group=f"observed_{r.date.year}", kind="point",
                statistic="level", indicator="resident_population", date=r.date,
                value=float(r.value), sd=rel * float(r.value),
                discrepancy=LEVEL_DISCREPANCY["resident_population"] * float(r.value),
                unit="persons", source=str(r.source), confidence=str(r.confidence),
                note=f"derived by hdsim: sd {100 * rel:.1f}% (estimation), discrepancy 0.3%",
            )
        )  # fmt: skip
    for r in later_rate.itertuples(index=False):
        official = r.confidence == "official"
        bias, sd = 0.0, OFFICIAL_LEVEL_SD["urbanization_rate"]
        how = "an official count"
        if not official:
            bias, sd = annual_estimate_error((r.date - t0).days / 365.25)
            how = "an annual estimate (annual_estimate_error)"
        rows.append(
            _target(
                id=f"rate_{r.date.year}", group=f"observed_{r.date.year}", kind="point",
                statistic="level", indicator="urbanization_rate", date=r.date,
                value=float(r.value), sd=sd, discrepancy=LEVEL_DISCREPANCY["urbanization_rate"],
                bias=bias, unit="fraction", source=str(r.source),
                confidence=str(r.confidence),
                note=f"derived by hdsim: {how}, sd {100 * sd:.2f} points, bias "
                f"{100 * bias:.2f} points, discrepancy 0.3 points",
            )
        )  # fmt: skip
    earlier = residents[residents["date"] < t0]
    if now is not None and not earlier.empty:
        then = earlier.iloc[-1]
        years = (t0 - then["date"]).days / 365.25
        pace = (float(now["value"]) / float(then["value"])) ** (1.0 / years) - 1.0
        fitted = later_pop.empty
        rows.append(
            _target(
                id=f"decade_pace_{then['date'].year}_{t0.year}",
                group=f"census_{then['date'].year}_{t0.year}",
                kind="point" if fitted else "check", statistic="pace",
                indicator="resident_population", start=t0, date=window_end, value=pace,
                sd=DECADE_SD["pace"], discrepancy=DECADE_DISCREPANCY["pace"], unit="per year",
                source=f"{then['source']}; {now['source']}", confidence="derived",
                note=(
                    f"({now['value']:.0f}/{then['value']:.0f})^(1/{years:.2f})-1 = "
                    f"{100 * pace:.2f}%/yr, the decade's pace carried forward to "
                    f"{t0.date()}..{window_end.date()}"
                    + ("" if fitted else "; a later residents figure is fitted instead")
                ),
            )
        )  # fmt: skip
    rate_then = rates[rates["date"] < t0]
    if rate_now is not None and not rate_then.empty:
        then = rate_then.iloc[-1]
        years = (t0 - then["date"]).days / 365.25
        change = (float(rate_now["value"]) - float(then["value"])) / years
        fitted = later_rate.empty
        rows.append(
            _target(
                id=f"decade_rate_change_{then['date'].year}_{t0.year}",
                group=f"census_{then['date'].year}_{t0.year}",
                kind="point" if fitted else "check", statistic="change",
                indicator="urbanization_rate", start=t0, date=window_end, value=change,
                sd=DECADE_SD["change"], discrepancy=DECADE_DISCREPANCY["change"],
                unit="per year", source=f"{then['source']}; {rate_now['source']}",
                confidence="derived",
                note=(
                    f"({rate_now['value']:.4f}-{then['value']:.4f})/{years:.2f} = "
                    f"{100 * change:+.2f} points/yr, carried forward"
                    + ("" if fitted else "; a later rate is fitted instead")
                ),
            )
        )  # fmt: skip
    rows += vital_targets(data, t0, now, earlier.iloc[-1] if not earlier.empty else None, scale)
    if not any(t.fitted for t in rows):
        raise CalibrationError(
            f"{data.directory / 'observations.csv'}: no figure to fit (needs the 2010 census "
            "residents or a residents/rate row after the census); add a row, or give "
            f"{county_calibration_dir(data.directory) / TARGETS_NAME}"
        )
    kept = tuple(rows)
    return TargetSet(kept, None, _rows_checksum(kept))


def _interpolate(now: pd.Series, then: pd.Series | None, when: pd.Timestamp) -> float:
    """Residents on ``when``, interpolated geometrically between two censuses (or ``now``)."""
    if then is None:
        return float(now["value"])
    span = (now["date"] - then["date"]).days
    share = (when - then["date"]).days / span
    return float(then["value"]) * (float(now["value"]) / float(then["value"])) ** share


def vital_targets(
    data: CountyData,
    t0: pd.Timestamp,
    now: pd.Series | None,
    then: pd.Series | None,
    scale: float = CALIBRATION_SCALE,
) -> list[Target]:
    """The crude birth and death rates of the first year after the census, as point targets.

    Args:
        data: The county data (``county.csv`` keys of :data:`VITAL_METHODS`).
        t0: The census day.
        now: The residents observation on the census day (``None``: no vital targets).
        then: The previous census's residents observation, if any.
        scale: The calibration scale.

    Returns:
        Up to two targets (births, deaths), each by the first method the folder has figures for.
    """
    if now is None:
        return []
    end = t0 + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    residents = float(now["value"])
    year = end.year
    out: list[Target] = []
    for flow in ("births", "deaths"):
        for method in VITAL_METHODS:
            key = method.keys[flow].format(year=year)
            if key not in data.county.index:
                continue
            row = data.county.loc[key]
            figure = float(row["value"])
            official = str(row["confidence"]) == "official"
            if method.kind == "count":
                when = (
                    pd.Timestamp(f"{method.year}-07-01")
                    if method.year < t0.year
                    else (t0 - pd.DateOffset(months=6))
                )
                base = _interpolate(now, then, when)
                carry = national_rate(flow, year) / national_rate(flow, method.year)
                value = 1000 * figure / base * carry
                arithmetic = (
                    f"{figure:.0f} / {base:,.0f} residents on {when.date()} (geometric "
                    f"interpolation between the censuses) = {1000 * figure / base:.2f} per mille, "
                    f"x China's crude {flow[:-1]} rate {year}/{method.year} "
                    f"{national_rate(flow, year):g}/{national_rate(flow, method.year):g} = "
                    f"{value:.2f}"
                )
                error = method.error[flow]
            else:
                value = figure
                arithmetic = f"{key} = {figure:g} ({row['note'] or row['confidence']})"
                scope = reference_scope(data.name("code")) if not official else "official"
                error = 0.02 if official else RELATIVE_SD[scope][flow]
            noise = math.sqrt(value / (residents * scale) * 1000)
            est = error * value
            discrepancy = method.discrepancy[flow] * value
            out.append(
                _target(
                    id=f"{'birth' if flow == 'births' else 'death'}_rate_{year}",
                    group=f"vital_{year}", kind="point", statistic="per_1000", indicator=flow,
                    start=t0, date=end, value=round(value, 4),
                    sd=math.hypot(est, noise), discrepancy=discrepancy, unit="per mille",
                    source=str(row["source"]), confidence="derived" if official else "estimate",
                    note=(
                        f"derived by hdsim ({method.name}): {arithmetic}, compared with the "
                        f"model's {flow} over {t0.date()}..{end.date()} per 1000 mean residents. "
                        f"Error model: sd {math.hypot(est, noise):.2f} = estimation "
                        f"{est:.2f} ({100 * error:.0f}%) and run-to-run noise {noise:.2f} at scale "
                        f"{scale:g} (sqrt(1000 x {value:.2f} / {residents * scale:,.0f})); "
                        f"discrepancy {discrepancy:.2f}. {method.why}"
                    ),
                )
            )  # fmt: skip
            break
    return out


def targets_csv(targets: TargetSet) -> str:
    """A target set as the text of a targets file (it loads back to the same targets)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS + OPTIONAL_COLUMNS))
    writer.writeheader()
    for t in targets.targets:

        def num(x: float) -> str:
            return "" if pd.isna(x) else f"{x:.10g}"

        writer.writerow(
            {
                "id": t.id,
                "group": t.group,
                "kind": t.kind,
                "statistic": t.statistic,
                "indicator": t.indicator,
                "start": "" if t.start is None else t.start.date().isoformat(),
                "date": t.date.date().isoformat(),
                "value": "" if t.kind == "bound" else num(t.value),
                "sd": num(t.error_sd),
                "lo": num(t.lo),
                "hi": num(t.hi),
                "unit": t.unit,
                "source": t.source,
                "confidence": t.confidence,
                "note": t.note,
                "discrepancy": num(t.discrepancy) if t.discrepancy else "",
                "bias": num(t.bias) if t.bias else "",
            }
        )
    return buffer.getvalue()
