"""Validation of a job's configuration before anything runs: every value, every list, the dates.

:func:`validate` walks the dataclass tree that :func:`hdsim.model.config.to_config` builds and
raises a one-line :class:`~hdsim.config.fields.ConfigError` on the first value a run could not
use, naming the dotted key, the bad value and what is allowed:

- numbers must be finite (``nan`` and ``inf`` pass every range check, since ``nan < lo`` is
  false, so they are rejected first, for every float field, levers and behaviour included);
- declared ranges (:func:`~hdsim.config.fields.bounded`) and months
  (:func:`~hdsim.config.fields.month`) hold;
- lists hold no duplicate, and the lists a job needs (:data:`NON_EMPTY_LISTS`) are not empty;
  the scenarios of ``compare`` exist in the library;
- ``replicate`` is not negative;
- the horizon starts at the census month of the county data (the population is synthesised
  from that census, so any other start would relabel it), ends after it, and holds the target
  year;
- the policy set is within its budget.

Some values are adjusted rather than rejected, and each adjustment is reported as one line (a
*note*) that the caller prints: a target rate or year the user did not set follows the plan in
the county folder (``county.csv``: ``target_urbanization_rate`` and its year; the defaults in
``hdsim.yaml`` are only a fallback), and the end year moves out to it; a horizon shortened
below the target year moves the target year with it; a lever that is on but starts after the
horizon ends is reported, since it cannot act. Notes are returned by :func:`validate`; callers
that do not print them get them in the ``hdsim.config`` log at level INFO (which Hydra's job
logging prints).
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
from collections.abc import Collection, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from hdsim.config.fields import MONTH_PATTERN, ConfigError
from hdsim.config.frame import HorizonConfig
from hdsim.config.policies import Lever, PoliciesBase
from hdsim.paths import SCENARIO_DIR

log = logging.getLogger("hdsim.config")

NON_EMPTY_LISTS: frozenset[str] = frozenset({"compare"})
"""Dotted keys of lists that must name at least one item."""

CENSUS_INDICATOR = "resident_population"
"""Observation (``observations.csv``) whose date in the census year is the census day."""

CENSUS_FIGURE = "family_households_2020"
TARGET_RATE = "target_urbanization_rate"
"""County-folder key (``county.csv``) of the plan's target rate; its year is the target year."""
TARGET_YEAR = "target_year"
"""County-folder key of the year by which the plan's rate is to be reached (optional)."""
"""County figure (``county.csv``) the synthetic population is sized by; its ``year`` column
is the census year of the data (see :mod:`hdsim.population.synthesis`)."""

def validate(cfg: Any, explicit: Collection[str] = ()) -> list[str]:
    """Check a whole job configuration; adjust what follows other values and say so.

    Args:
        cfg: The :class:`~hdsim.model.config.HdsimConfig` to check (changed in place by the
            adjustments listed in the module docstring).
        explicit: Dotted keys the user set on the command line (Hydra's task overrides, with
            or without ``+``/``++``); a value the user chose is never adjusted, it is rejected.

    Returns:
        The notes: one line per adjustment or inert setting, for the caller to print.

    Raises:
        ConfigError: One line naming the key, the value and what is allowed.
    """
    chosen = {override_key(k) for k in explicit}
    check_tree(cfg, "")
    notes = adopt_plan_target(cfg.horizon, cfg.data.dir, chosen)
    notes += check_horizon(cfg.horizon, chosen)
    check_replicate(cfg.replicate)
    check_compare(cfg.compare)
    check_start_against_data(cfg.horizon.start, cfg.data.dir)
    notes += lever_notes(cfg.scenario.policies, cfg.horizon.end_year, chosen)
    for note in notes:
        log.info(note)
    return notes


def override_key(override: str) -> str:
    """The dotted key of a command-line override (``+a.b=1`` -> ``a.b``; ``a.b`` stays)."""
    return override.split("=", 1)[0].lstrip("+~")


# --------------------------------------------------------------------------------------------
# Fields: finite numbers, ranges, months, lists
# --------------------------------------------------------------------------------------------


def check_tree(obj: Any, path: str) -> None:
    """Check every field of a dataclass tree: finite, in range, months, lists.

    Args:
        obj: A config dataclass.
        path: Dotted key of ``obj`` ("" for the root).

    Raises:
        ConfigError: On the first bad field.
    """
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}.{f.name}" if path else f.name
        if dataclasses.is_dataclass(value):
            check_tree(value, key)
            continue
        check_finite(key, value)
        bounds = f.metadata.get("bounds")
        if bounds is not None and value is not None:
            lo, hi = bounds
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ConfigError(
                    f"{key}={value} is out of range: it must lie in [{lo}, {hi}] "
                    f"({f.metadata['help']})"
                )
        if f.metadata.get("month") and not MONTH_PATTERN.match(str(value)):
            raise ConfigError(f"{key}={value!r} is not a month: write it as YYYY-MM, e.g. 2023-01")
        if isinstance(value, list):
            check_list(key, value)


def check_finite(key: str, value: Any) -> None:
    """Reject ``nan`` and ``inf`` anywhere in a value (numbers, lists and dicts of numbers).

    Raises:
        ConfigError: Naming the key and the non-finite value.
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key}={value} is not a finite number: give a real value")
    if isinstance(value, dict):
        for k, v in value.items():
            check_finite(f"{key}.{k}", v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            check_finite(key, v)


def check_list(key: str, items: list[Any]) -> None:
    """Reject an empty list where one is needed, and any duplicate item.

    Raises:
        ConfigError: Naming the key and the empty list or the repeated item.
    """
    if not items and key in NON_EMPTY_LISTS:
        raise ConfigError(f"{key}=[] is empty: name at least one item, e.g. {key}=[baseline]")
    seen: set[str] = set()
    for item in items:
        text = repr(item)
        if text in seen:
            raise ConfigError(f"{key} lists {item} twice: name each item once")
        seen.add(text)


# --------------------------------------------------------------------------------------------
# Values that depend on each other
# --------------------------------------------------------------------------------------------


def check_horizon(horizon: HorizonConfig, explicit: Collection[str] = ()) -> list[str]:
    """Check the horizon; a shortened horizon moves the default target year with it.

    Args:
        horizon: The horizon (``target_year`` is changed in place when it follows the end).
        explicit: Keys the user set; a target year the user chose is not moved.

    Returns:
        The note saying the target year moved, or no note.

    Raises:
        ConfigError: The end is not after the start, or the target lies outside the horizon.
    """
    notes: list[str] = []
    start_year = int(horizon.start[:4])
    if horizon.end_year <= start_year:
        raise ConfigError(
            f"horizon.end_year={horizon.end_year} must come after the start {horizon.start}"
        )
    follows = "horizon.target_year" not in explicit
    if horizon.target_year > horizon.end_year and follows:
        notes.append(
            f"horizon.target_year follows horizon.end_year: {horizon.end_year} "
            f"(was {horizon.target_year}); "
            f"set horizon.target_year=YEAR to choose another"
        )
        horizon.target_year = horizon.end_year
    if not start_year < horizon.target_year <= horizon.end_year:
        raise ConfigError(
            f"horizon.target_year={horizon.target_year} must lie between the start year "
            f"{start_year} and horizon.end_year={horizon.end_year}"
        )
    return notes


def adopt_plan_target(
    horizon: HorizonConfig, data_dir: str | None, explicit: Collection[str] = ()
) -> list[str]:
    """Take the target rate and year the user did not set from the county folder's plan.

    ``county.csv`` holds the plan's ``target_urbanization_rate`` (its ``year`` column, or the
    ``target_year`` row, is the year to reach it). Only values left at the schema's fallback
    and not on the command line follow the plan (a value set anywhere, in a YAML file, an API
    override or the command line, is kept); an end year left so moves out to the plan's year.
    Each change is a note.

    Args:
        horizon: The horizon (changed in place).
        data_dir: The county folder (``data.dir``; None: the embedded county).
        explicit: Keys the user set on the command line.

    Returns:
        One note per value taken from the county folder.
    """
    plan = plan_target(data_dir)
    if plan is None:
        return []
    rate, year = plan
    where = data_dir or "the embedded county data"
    fallback = HorizonConfig()
    notes = []
    unset = {  # left at the fallback and not on the command line
        key: getattr(horizon, key) == getattr(fallback, key)
        and f"horizon.{key}" not in explicit
        for key in ("target_rate", "target_year", "end_year")
    }
    if unset["target_rate"] and rate != horizon.target_rate:
        notes.append(
            f"horizon.target_rate follows the plan in {where}: {rate:g} (was "
            f"{horizon.target_rate:g}); set horizon.target_rate=RATE to choose another"
        )
        horizon.target_rate = rate
    if year is not None and unset["target_year"] and year != horizon.target_year:
        notes.append(
            f"horizon.target_year follows the plan in {where}: {year} (was "
            f"{horizon.target_year}); set horizon.target_year=YEAR to choose another"
        )
        horizon.target_year = year
        if year > horizon.end_year and unset["end_year"]:
            notes.append(f"horizon.end_year moves out to the plan's year {year}")
            horizon.end_year = year
    return notes


def _folder_key(data_dir: str | None) -> tuple[str, tuple[tuple[str, int, int], ...]] | None:
    """A county folder's resolved path and its CSV files' names, times and sizes.

    The key of the cached readers below, so that a changed folder is read again; None if the
    folder cannot be read.
    """
    from hdsim.data import EMBEDDED_DIR

    path = EMBEDDED_DIR if data_dir is None else Path(data_dir).expanduser()
    try:
        stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in path.glob("*.csv"))
    except OSError:
        return None
    return str(path.resolve()), stamp


def plan_target(data_dir: str | None) -> tuple[float, int | None] | None:
    """The plan's target rate and year in a county folder (None if it gives none).

    Args:
        data_dir: The folder (``data.dir``); None is the embedded data.
    """
    key = _folder_key(data_dir)
    return None if key is None else _plan_target(*key)


@lru_cache(maxsize=16)
def _plan_target(
    path: str, stamp: tuple[tuple[str, int, int], ...]
) -> tuple[float, int | None] | None:
    """Cached like :func:`_census_month`; unreadable data is left to the loader's message."""
    from hdsim.data import DataError, load_county_data

    try:
        county = load_county_data(path).county
        rate = float(county.loc[TARGET_RATE, "value"])
    except (DataError, OSError, KeyError, ValueError):
        return None
    year: int | None = None
    for key, column in ((TARGET_YEAR, "value"), (TARGET_RATE, "year")):
        try:
            year = int(float(county.loc[key, column]))
            break
        except (KeyError, ValueError, TypeError):
            continue
    if not (0 < rate < 1 and math.isfinite(rate)):
        return None
    return rate, year


def check_replicate(replicate: int | None) -> None:
    """Reject a negative replicate number.

    Raises:
        ConfigError: ``replicate`` is below 0.
    """
    if replicate is not None and replicate < 0:
        raise ConfigError(
            f"replicate={replicate} is negative: replicates count from 0 (or leave it empty "
            "to run all)"
        )


def check_compare(names: Iterable[str], directory: Path = SCENARIO_DIR) -> None:
    """Reject a scenario of ``compare`` that is not in the library, with the full list.

    Raises:
        ConfigError: Naming the unknown scenario, the closest name and every available one.
    """
    available = sorted(p.stem for p in directory.glob("*.yaml"))
    for name in names:
        if name not in available:
            raise ConfigError(f"compare: {unknown_choice('scenario', name, available)}")


def unknown_choice(kind: str, name: str, available: list[str]) -> str:
    """One line for an unknown name: the closest match (if any) and every allowed name."""
    close = difflib.get_close_matches(name, available, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown {kind} '{name}'{hint} (available: {', '.join(available)})"


def check_start_against_data(start: str, data_dir: str | None) -> None:
    """Reject a horizon start other than the census month of the county data.

    The synthetic population reproduces the census; starting elsewhere would relabel the
    census state as another month. A folder whose data cannot be read is not checked here: the
    loader reports it on one line when the job loads the data.

    Raises:
        ConfigError: Naming the start and the start the data allow.
    """
    census = census_month(data_dir)
    if census is not None and start != census:
        where = data_dir or "the embedded county data"
        raise ConfigError(
            f"horizon.start={start} does not match the census month of {where}: the population "
            f"is synthesised from that census, so the only allowed start is horizon.start={census}"
        )


def census_month(data_dir: str | None) -> str | None:
    """The census month (``YYYY-MM``) of a county data folder, or None if it cannot be read.

    Args:
        data_dir: The folder (``data.dir``); None is the embedded data.
    """
    key = _folder_key(data_dir)
    return None if key is None else _census_month(*key)


@lru_cache(maxsize=16)
def _census_month(path: str, stamp: tuple[tuple[str, int, int], ...]) -> str | None:
    """Cached by the folder and its files' sizes and times, so a changed folder is re-read."""
    from hdsim.data import DataError, load_county_data

    try:
        data = load_county_data(path)
        year = int(data.county.loc[CENSUS_FIGURE, "year"])
    except (DataError, OSError, KeyError, ValueError):
        return None
    obs = data.observations
    rows = obs[(obs["indicator"] == CENSUS_INDICATOR) & (obs["date"].dt.year == year)]
    if rows.empty:
        return None
    return str(rows["date"].min().strftime("%Y-%m"))


def lever_notes(
    policies: PoliciesBase, end_year: int, explicit: Collection[str] = ()
) -> list[str]:
    """Notes for levers that are on but start after the horizon ends (they cannot act).

    Args:
        policies: The scenario's policy set.
        end_year: Last simulated year.
        explicit: Keys the user set; a start the user put after the horizon is an error.

    Returns:
        One note per inert lever.

    Raises:
        ConfigError: The user set a lever's start (or intensity) and it lies after the horizon.
    """
    notes = []
    for name, lever in policies.levers().items():
        if not isinstance(lever, Lever) or not lever.is_on():
            continue
        if int(lever.start[:4]) <= end_year:
            continue
        key = f"scenario.policies.{name}"
        message = (
            f"{key}.start={lever.start} lies after the horizon (ends {end_year}-12): "
            "the lever never acts"
        )
        if f"{key}.start" in explicit or f"{key}.intensity" in explicit:
            raise ConfigError(f"{message}; start it by horizon.end_year or lengthen the horizon")
        notes.append(message)
    return notes
