"""Declarative schema of the county data files and a validator with one-line messages.

Every county data folder (the embedded ``hdsim/data/hongtong`` or a user's own folder given as
``data.dir``) holds the same eight CSV files. Each file is described here by a :class:`TableSpec`
(columns with a dtype, whether a value is required, a range and allowed values, and a unique
key). :func:`read_table` parses and checks one file; :func:`validate_directory` parses every
file and runs the cross-file checks (census identities, codes referenced across files, shares
summing to one). Any problem raises :class:`DataError` whose message is a single line::

    <file>: row <n>, column '<col>': <what is wrong>; <how to fix>

where ``n`` is the line number in the file (the header is line 1). Cross-file problems name the
file and the column and, when one row is at fault, the row.

Command line: ``python -m hdsim.data.schema /path/to/folder`` prints ``ok: 8 files valid`` or
the one-line error and exits with status 1.
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd

DType = Literal["int", "float", "str", "bool", "date"]

CONFIDENCE_LEVELS: tuple[str, ...] = ("official", "quoted", "derived", "estimate")
"""Allowed values of the ``confidence`` column, from most to least certain."""

SECTORS: tuple[str, ...] = (
    "coal_mining",
    "coking_chemicals",
    "metal_castings",
    "other_manufacturing",
    "construction",
    "trade_logistics",
    "tourism_hospitality",
    "public_services",
    "other_services",
    "ecommerce",
)
"""Allowed values of ``firms.csv`` column ``sector``."""

FIRM_LOCATIONS: tuple[str, ...] = ("county_city", "seat", "zone", "village")
SERVICE_PLACES: tuple[str, ...] = ("county_city", "seat", "villages")
SERVICES: tuple[str, ...] = ("school", "health", "elderly_care")
TOWNSHIP_KINDS: tuple[str, ...] = ("town", "township")
SEXES: tuple[str, ...] = ("male", "female")

AGE_GROUPS: tuple[tuple[int, int], ...] = (*((lo, lo + 4) for lo in range(0, 85, 5)), (85, 100))
"""The 18 age groups of ``age_sex.csv`` and ``demography.csv``: 0-4 ... 80-84 and 85+."""

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class DataError(ValueError):
    """A problem in a county data file, described in one line.

    The message has the form ``<file>: row <n>, column '<col>': <problem>; <fix>``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))


class MissingFigureError(DataError, KeyError):
    """A key asked of ``county.csv`` that the file does not have (also a :class:`KeyError`)."""

    def __str__(self) -> str:
        """Return the one-line message without the quotes that ``KeyError`` adds."""
        return str(self.args[0])


def _one_line(text: str) -> str:
    """Collapse whitespace (including newlines) so a message is a single line."""
    return " ".join(str(text).split())


def _show(value: object) -> str:
    """Render a cell value for an error message, shortened and on one line."""
    text = _one_line(str(value))
    if len(text) > 40:
        text = text[:37] + "..."
    return repr(text)


def error(
    file: str, problem: str, fix: str, row: int | None = None, column: str | None = None
) -> DataError:
    """Build a :class:`DataError` with the standard one-line layout.

    Args:
        file: File name, e.g. ``"townships.csv"``.
        problem: What is wrong.
        fix: How to fix it.
        row: Line number in the file (header = 1), if one row is at fault.
        column: Column name, if one column is at fault.

    Returns:
        The error, ready to raise.
    """
    where = [file]
    loc = []
    if row is not None:
        loc.append(f"row {row}")
    if column is not None:
        loc.append(f"column '{column}'")
    head = where[0] + (": " + ", ".join(loc) if loc else "")
    return DataError(f"{head}: {problem}; {fix}")


@dataclass(frozen=True)
class Column:
    """One column of a data file.

    Attributes:
        name: Header name.
        dtype: ``int``, ``float``, ``str``, ``bool`` or ``date`` (ISO ``YYYY-MM-DD``).
        required: Whether every row must have a non-empty value.
        min: Inclusive lower bound for numbers.
        max: Inclusive upper bound for numbers.
        allowed: Allowed values for strings.
        pattern: Human description of the expected form, used in fix hints.
        provenance: Whether the column is a data value listed by ``CountyData.provenance``
            (identifiers and group bounds are not).
    """

    name: str
    dtype: DType
    required: bool = True
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None
    provenance: bool = True


SOURCE_COLUMNS: tuple[Column, ...] = (
    Column("source", "str"),
    Column("confidence", "str", allowed=CONFIDENCE_LEVELS),
    Column("note", "str", required=False),
)
"""The three provenance columns every file ends with."""


@dataclass(frozen=True)
class TableSpec:
    """Specification of one data file.

    Attributes:
        file: File name inside the data folder.
        columns: Columns in their documented order (provenance columns included).
        key: Columns whose combined value must be unique over rows.
        entity: Function giving a short label of a parsed row, for provenance tables.
    """

    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    entity: Callable[[dict[str, Any]], str] = field(default=lambda r: "", compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in documented order."""
        return tuple(c.name for c in self.columns)


def _spec(
    file: str, cols: Sequence[Column], key: Sequence[str], entity: Callable[[dict[str, Any]], str]
) -> TableSpec:
    return TableSpec(file, (*cols, *SOURCE_COLUMNS), tuple(key), entity)


def _age_label(r: dict[str, Any]) -> str:
    return f"{r['age_lo']}+" if r["age_lo"] == 85 else f"{r['age_lo']}-{r['age_hi']}"


COUNTY = _spec(
    "county.csv",
    [
        Column("key", "str", pattern="snake_case name", provenance=False),
        Column("value", "float"),
        Column("unit", "str"),
        Column("year", "int", min=1900, max=2100, provenance=False),
    ],
    ["key"],
    lambda r: str(r["key"]),
)
AGE_SEX = _spec(
    "age_sex.csv",
    [
        Column("age_lo", "int", min=0, max=120, provenance=False),
        Column("age_hi", "int", min=0, max=120, provenance=False),
        Column("male", "int", min=0),
        Column("female", "int", min=0),
    ],
    ["age_lo"],
    _age_label,
)
HOUSEHOLD_SIZES = _spec(
    "household_sizes.csv",
    [
        Column("size", "int", min=1, max=8, provenance=False),
        Column("share", "float", min=0, max=1),
    ],
    ["size"],
    lambda r: f"size {r['size']}",
)
TOWNSHIPS = _spec(
    "townships.csv",
    [
        Column("code", "str", pattern="9-digit statistical code", provenance=False),
        Column("name_zh", "str", provenance=False),
        Column("name_pinyin", "str", provenance=False),
        Column("kind", "str", allowed=TOWNSHIP_KINDS),
        Column("is_county_seat", "bool", provenance=False),
        Column("distance_km", "float", min=0, max=500),
        Column("population_2020", "int", min=0),
        Column("seat_population_2020", "int", min=0),
        Column("fringe_population_2020", "int", min=0),
        Column("admin_villages", "int", min=0),
        Column("farmland_mu", "float", min=0),
        Column(
            "roles",
            "str",
            required=False,
            pattern="roles joined by ;: county_seat, key_town, specialised_town, upgrade_candidate",
            provenance=False,
        ),
    ],
    ["code"],
    lambda r: str(r["code"]),
)
FIRMS = _spec(
    "firms.csv",
    [
        Column("firm_id", "str", provenance=False),
        Column("name_zh", "str", provenance=False),
        Column("name_en", "str", provenance=False),
        Column("sector", "str", allowed=SECTORS),
        Column("township_code", "str", provenance=False),
        Column("location", "str", allowed=FIRM_LOCATIONS),
        Column("employees_2020", "int", min=0),
        Column("monthly_wage_2020", "float", min=0),
        Column("chain_leader", "bool", provenance=False),
        Column("annual_growth", "float", min=-1, max=1),
    ],
    ["firm_id"],
    lambda r: str(r["firm_id"]),
)
SERVICES_SPEC = _spec(
    "services.csv",
    [
        Column("township_code", "str", provenance=False),
        Column("place", "str", allowed=SERVICE_PLACES),
        Column("service", "str", allowed=SERVICES),
        Column("capacity", "float", min=0),
        Column("quality", "float", min=0, max=1),
    ],
    ["township_code", "place", "service"],
    lambda r: f"{r['township_code']}/{r['place']}/{r['service']}",
)
DEMOGRAPHY = _spec(
    "demography.csv",
    [
        Column("age_lo", "int", min=0, max=120, provenance=False),
        Column("age_hi", "int", min=0, max=120, provenance=False),
        Column("sex", "str", allowed=SEXES),
        Column("mortality", "float", min=0, max=1),
        Column("fertility", "float", min=0, max=1),
    ],
    ["age_lo", "sex"],
    lambda r: f"{r['sex']} {_age_label(r)}",
)
OBSERVATIONS = _spec(
    "observations.csv",
    [
        Column("date", "date", provenance=False),
        Column("indicator", "str", provenance=False),
        Column("value", "float"),
        Column("unit", "str"),
    ],
    ["date", "indicator"],
    lambda r: f"{r['date'].isoformat()} {r['indicator']}",
)

SPECS: dict[str, TableSpec] = {
    "county": COUNTY,
    "age_sex": AGE_SEX,
    "household_sizes": HOUSEHOLD_SIZES,
    "townships": TOWNSHIPS,
    "firms": FIRMS,
    "services": SERVICES_SPEC,
    "demography": DEMOGRAPHY,
    "observations": OBSERVATIONS,
}
"""Table name (``CountyData`` attribute) -> file spec."""

FRACTION = (0.0, 1.0)
REQUIRED_COUNTY_KEYS: dict[str, tuple[float, float] | None] = {
    "resident_population_2010": None,
    "resident_population_2020": None,
    "family_households_2020": None,
    "family_household_persons_2020": None,
    "collective_households_2020": None,
    "collective_persons_2020": None,
    "male_2020": None,
    "female_2020": None,
    "age_0_14_2020": None,
    "age_15_59_2020": None,
    "age_60_plus_2020": None,
    "age_65_plus_2020": None,
    "urban_population_2020": None,
    "resident_population_2022": None,
    "urban_population_2022": None,
    "births_2019": None,
    "deaths_2019": None,
    "birth_rate_2019_permille": (0.0, 1000.0),
    "death_rate_2019_permille": (0.0, 1000.0),
    "registered_population_2020": None,
    "hukou_urbanization_rate_2020": FRACTION,
    "urban_disposable_income_2020": None,
    "rural_disposable_income_2020": None,
    "county_city_population_2020": None,
    "county_city_housing_units_2020": None,
    "county_city_housing_price_2020": None,
    "county_city_builtup_km2_2020": None,
    "cultivated_land_mu": None,
    "area_km2": None,
    "administrative_villages_2021": None,
    "gdp_2019_yi": None,
    "new_urban_jobs_2019": None,
    "rural_labour_transferred_2019": None,
    "huaxiang_park_jobs_planned": None,
    "dahuaishu_visitors_2018": None,
    "dahuaishu_staff_2018": None,
    "nonfarm_jobs_2020": None,
    "away_persons_2020": None,
    "target_urbanization_rate": FRACTION,
    "shanxi_urbanization_2020": FRACTION,
    "shanxi_hukou_urbanization_2020": FRACTION,
}
"""Keys ``county.csv`` must have (value >= 0), with a (min, max) range where one applies."""

SHARE_TOLERANCE = 1e-6
"""Allowed deviation of the household-size shares' sum from 1."""

MEAN_SIZE_TOLERANCE = 0.01
"""Allowed deviation of the household-size mean (8+ as 8) from persons / households."""


# --------------------------------------------------------------------------------------------
# Parsing one file
# --------------------------------------------------------------------------------------------


def _parse_cell(spec: TableSpec, col: Column, raw: str, row: int) -> Any:
    """Parse and check one cell; raise :class:`DataError` on a bad value."""
    text = raw.strip()
    f = spec.file
    if text == "":
        if col.required:
            raise error(f, "empty value", f"fill in a {col.dtype} value", row, col.name)
        return None
    value: Any
    if col.dtype == "int":
        try:
            value = int(text)
        except ValueError:
            raise error(
                f,
                f"{_show(text)} is not an integer",
                "write a whole number such as 42",
                row,
                col.name,
            ) from None
    elif col.dtype == "float":
        try:
            value = float(text)
        except ValueError:
            raise error(
                f,
                f"{_show(text)} is not a number",
                "write a plain decimal number such as 12.5 (no units or commas)",
                row,
                col.name,
            ) from None
        if not math.isfinite(value):
            raise error(
                f, f"{_show(text)} is not a finite number", "write a finite number", row, col.name
            )
    elif col.dtype == "bool":
        low = text.lower()
        if low not in _TRUE | _FALSE:
            raise error(f, f"{_show(text)} is not a boolean", "write true or false", row, col.name)
        value = low in _TRUE
    elif col.dtype == "date":
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise error(
                f, f"{_show(text)} is not an ISO date", "write YYYY-MM-DD", row, col.name
            ) from None
    else:
        value = text
        if col.allowed is not None and value not in col.allowed:
            raise error(
                f,
                f"unknown value {_show(text)}",
                "use one of: " + ", ".join(col.allowed),
                row,
                col.name,
            )
    if col.dtype in ("int", "float"):
        if col.min is not None and value < col.min:
            raise error(
                f,
                f"{value} is below the minimum {col.min:g}",
                f"use a value >= {col.min:g}",
                row,
                col.name,
            )
        if col.max is not None and value > col.max:
            raise error(
                f,
                f"{value} is above the maximum {col.max:g}",
                f"use a value <= {col.max:g}",
                row,
                col.name,
            )
    return value


def read_table(directory: Path, spec: TableSpec) -> list[tuple[int, dict[str, Any]]]:
    """Read, type and check one file of a data folder.

    Checks: the file exists and is UTF-8, every documented column is present once, every cell
    parses to its dtype within range and allowed values, the key is unique, ``source`` is not
    empty, ``confidence`` is allowed, and ``derived``/``estimate`` rows have a ``note``.
    Columns not in the spec are kept as strings.

    Args:
        directory: The data folder.
        spec: The file's spec.

    Returns:
        ``(line_number, row)`` pairs in file order, each row a dict of typed values.

    Raises:
        DataError: On the first problem found.
    """
    path = Path(directory) / spec.file
    f = spec.file
    if not path.is_file():
        raise error(
            f, f"file not found in {directory}", "add it with header " + ",".join(spec.names)
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise error(f, "file is not valid UTF-8", "save it as UTF-8") from None
    reader = csv.reader(text.splitlines(keepends=True))
    header = next(reader, None)
    if not header or all(h.strip() == "" for h in header):
        raise error(f, "file is empty", "add the header " + ",".join(spec.names), row=1)
    header = [h.strip() for h in header]
    for i, name in enumerate(header):
        if name in header[:i]:
            raise error(f, "duplicated column", "keep one column of that name", 1, name)
    for col in spec.columns:
        if col.name not in header:
            raise error(
                f,
                "missing column",
                "add it to the header (" + ",".join(spec.names) + ")",
                1,
                col.name,
            )
    index = {name: i for i, name in enumerate(header)}
    cols = {c.name: c for c in spec.columns}
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[Any, ...], int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise error(
                f, f"malformed CSV ({exc})", "check the quoting of that line", reader.line_num
            ) from None
        line = reader.line_num
        if not cells or all(c.strip() == "" for c in cells):
            continue
        if len(cells) != len(header):
            raise error(
                f,
                f"{len(cells)} fields but the header has {len(header)}",
                "quote values that contain commas and give every column a value (empty is allowed)",
                line,
            )
        row: dict[str, Any] = {}
        for name, i in index.items():
            row[name] = (
                _parse_cell(spec, cols[name], cells[i], line) if name in cols else cells[i].strip()
            )
        if row["note"] is None:
            row["note"] = ""
        if row["confidence"] in ("derived", "estimate") and row["note"] == "":
            raise error(
                f,
                f"empty note on a '{row['confidence']}' row",
                "say in the note how the figure was made, with the arithmetic",
                line,
                "note",
            )
        key = tuple(row[k] for k in spec.key)
        if key in seen:
            shown = ", ".join(f"{k}={_show(v)}" for k, v in zip(spec.key, key, strict=True))
            raise error(
                f,
                f"duplicate key {shown} (first on row {seen[key]})",
                "keep one row per key",
                line,
                spec.key[-1],
            )
        seen[key] = line
        rows.append((line, row))
    if not rows:
        raise error(f, "file has no data rows", "add at least one row", row=2)
    return rows


# --------------------------------------------------------------------------------------------
# Cross-file checks
# --------------------------------------------------------------------------------------------

Rows = list[tuple[int, dict[str, Any]]]


def _close(a: float, b: float, tol: float = 0.5) -> bool:
    return abs(a - b) <= tol


def _check_county(rows: Rows) -> dict[str, float]:
    """Check the required keys of ``county.csv`` and return key -> value."""
    values = {r["key"]: r["value"] for _, r in rows}
    lines = {r["key"]: line for line, r in rows}
    for key, bounds in REQUIRED_COUNTY_KEYS.items():
        if key not in values:
            raise error(
                "county.csv",
                f"required key '{key}' is missing",
                f"add a row {key},<value>,<unit>,<year>,<source>,<confidence>,<note>",
                column="key",
            )
        lo, hi = bounds if bounds is not None else (0.0, math.inf)
        if not lo <= values[key] <= hi:
            raise error(
                "county.csv",
                f"'{key}' = {values[key]:g} is outside [{lo:g}, {hi:g}]",
                "give a value in range (fractions as 0..1, not percent)",
                lines[key],
                "value",
            )
    return values


def _check_age_sex(rows: Rows, fig: dict[str, float], file: str = "age_sex.csv") -> None:
    groups = [(r["age_lo"], r["age_hi"]) for _, r in rows]
    if groups != list(AGE_GROUPS):
        for (line, r), want in zip(rows, AGE_GROUPS, strict=False):
            if (r["age_lo"], r["age_hi"]) != want:
                raise error(
                    file,
                    f"age group {r['age_lo']}-{r['age_hi']} out of place",
                    f"use the groups 0-4, 5-9, ..., 80-84, 85-100 in order (expected "
                    f"{want[0]}-{want[1]} here)",
                    line,
                    "age_lo",
                )
        raise error(
            file,
            f"{len(groups)} age groups instead of {len(AGE_GROUPS)}",
            "use the groups 0-4, 5-9, ..., 80-84, 85-100",
            column="age_lo",
        )
    male = sum(r["male"] for _, r in rows)
    female = sum(r["female"] for _, r in rows)
    if male != fig["male_2020"]:
        raise error(
            file,
            f"males sum to {male}, county.csv male_2020 is {fig['male_2020']:g}",
            "make the column sum to male_2020",
            column="male",
        )
    if female != fig["female_2020"]:
        raise error(
            file,
            f"females sum to {female}, county.csv female_2020 is {fig['female_2020']:g}",
            "make the column sum to female_2020",
            column="female",
        )
    if male + female != fig["resident_population_2020"]:
        raise error(
            file,
            f"total {male + female} != resident_population_2020 "
            f"{fig['resident_population_2020']:g}",
            "make male_2020 + female_2020 equal resident_population_2020 in county.csv",
            column="male",
        )
    tot = {r["age_lo"]: r["male"] + r["female"] for _, r in rows}
    broad = {
        "age_0_14_2020": sum(v for lo, v in tot.items() if lo < 15),
        "age_15_59_2020": sum(v for lo, v in tot.items() if 15 <= lo < 60),
        "age_60_plus_2020": sum(v for lo, v in tot.items() if lo >= 60),
        "age_65_plus_2020": sum(v for lo, v in tot.items() if lo >= 65),
    }
    for key, got in broad.items():
        if got != fig[key]:
            raise error(
                file,
                f"groups give {got} for {key}, county.csv says {fig[key]:g}",
                "split the broad census groups exactly into the 5-year groups",
                column="male",
            )


def _check_household_sizes(rows: Rows, fig: dict[str, float]) -> None:
    f = "household_sizes.csv"
    sizes = [r["size"] for _, r in rows]
    if sorted(sizes) != list(range(1, 9)):
        raise error(
            f,
            f"sizes are {sorted(sizes)}",
            "give one row for each size 1..8 (8 = 8+)",
            column="size",
        )
    total = sum(r["share"] for _, r in rows)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise error(f, f"shares sum to {total:.6f}", "make the shares sum to 1", column="share")
    mean = sum(r["size"] * r["share"] for _, r in rows)
    want = fig["family_household_persons_2020"] / fig["family_households_2020"]
    if abs(mean - want) > MEAN_SIZE_TOLERANCE:
        raise error(
            f,
            f"mean size {mean:.4f} differs from family_household_persons_2020 / "
            f"family_households_2020 = {want:.4f}",
            f"adjust the shares so the mean is within {MEAN_SIZE_TOLERANCE}",
            column="share",
        )


def _check_townships(rows: Rows, fig: dict[str, float]) -> None:
    f = "townships.csv"
    seats = [(line, r) for line, r in rows if r["is_county_seat"]]
    if len(seats) != 1:
        raise error(
            f,
            f"{len(seats)} rows marked as county seat",
            "mark exactly one unit is_county_seat=true",
            column="is_county_seat",
        )
    line, seat = seats[0]
    if seat["distance_km"] != 0:
        raise error(
            f, "the county seat's distance is not 0", "set distance_km to 0", line, "distance_km"
        )
    if not _close(seat["seat_population_2020"], fig["county_city_population_2020"]):
        raise error(
            f,
            f"county-seat unit's seat population {seat['seat_population_2020']} != "
            f"county_city_population_2020 {fig['county_city_population_2020']:g}",
            "make them equal (the seat of the county-seat unit is the county city)",
            line,
            "seat_population_2020",
        )
    for line, r in rows:
        code = r["code"]
        if len(code) != 9 or not code.isdigit():
            raise error(
                f,
                f"code {_show(code)} is not a 9-digit statistical code",
                "use the 9-digit 统计用区划代码 of the unit",
                line,
                "code",
            )
        inner = r["seat_population_2020"] + r["fringe_population_2020"]
        if inner > r["population_2020"]:
            raise error(
                f,
                f"seat + fringe population {inner} exceeds population_2020 {r['population_2020']}",
                "lower seat/fringe or raise population",
                line,
                "population_2020",
            )
    total = sum(r["population_2020"] for _, r in rows)
    if total != fig["family_household_persons_2020"]:
        raise error(
            f,
            f"population_2020 sums to {total}, county.csv "
            f"family_household_persons_2020 is {fig['family_household_persons_2020']:g}",
            "make the units' populations (family households only) sum to it",
            column="population_2020",
        )
    urban = urban_population_from_townships([r for _, r in rows]) + fig["collective_persons_2020"]
    if not _close(urban, fig["urban_population_2020"]):
        raise error(
            f,
            f"town seats + fringes + collective persons = {urban:g}, county.csv "
            f"urban_population_2020 is {fig['urban_population_2020']:g}",
            "adjust seat_population_2020/fringe_population_2020 so the identity holds",
            column="fringe_population_2020",
        )
    villages = sum(r["admin_villages"] for _, r in rows)
    if villages != fig["administrative_villages_2021"]:
        raise error(
            f,
            f"admin_villages sums to {villages}, county.csv "
            f"administrative_villages_2021 is {fig['administrative_villages_2021']:g}",
            "make them agree",
            column="admin_villages",
        )
    land = sum(r["farmland_mu"] for _, r in rows)
    if not _close(land, fig["cultivated_land_mu"]):
        raise error(
            f,
            f"farmland_mu sums to {land:g}, county.csv cultivated_land_mu is "
            f"{fig['cultivated_land_mu']:g}",
            "make them agree",
            column="farmland_mu",
        )


def urban_population_from_townships(rows: Iterable[dict[str, Any]]) -> float:
    """Urban family-household residents implied by the township table at t0.

    A town's (镇) seat is urban (code 121) and a township's (乡) seat is rural (code 210);
    fringe villages (城乡结合区 112 / 镇乡结合区 122) are urban wherever they are.

    Args:
        rows: Township rows (dicts or DataFrame records) with ``kind``,
            ``seat_population_2020`` and ``fringe_population_2020``.

    Returns:
        Sum over towns of the seat population plus the sum of all fringe populations
        (collective persons not included).
    """
    return float(
        sum(
            (r["seat_population_2020"] if r["kind"] == "town" else 0) + r["fringe_population_2020"]
            for r in rows
        )
    )


def _check_codes(file: str, rows: Rows, codes: set[str], seat_code: str, place_col: str) -> None:
    for line, r in rows:
        code = r["township_code"]
        if code not in codes:
            raise error(
                file,
                f"unknown township code {_show(code)}",
                "use one of the codes in townships.csv",
                line,
                "township_code",
            )
        if r[place_col] == "county_city" and code != seat_code:
            raise error(
                file,
                f"'county_city' in township {code}, which is not the county seat",
                f"use township_code {seat_code} or another {place_col}",
                line,
                place_col,
            )
        if r[place_col] == "seat" and code == seat_code:
            raise error(
                file,
                "'seat' in the county-seat unit, whose seat is the county city",
                f"use {place_col}=county_city",
                line,
                place_col,
            )


def _check_firms(rows: Rows, fig: dict[str, float], codes: set[str], seat_code: str) -> None:
    _check_codes("firms.csv", rows, codes, seat_code, "location")
    total = sum(r["employees_2020"] for _, r in rows)
    if total != fig["nonfarm_jobs_2020"]:
        raise error(
            "firms.csv",
            f"employees_2020 sums to {total}, county.csv nonfarm_jobs_2020 "
            f"is {fig['nonfarm_jobs_2020']:g}",
            "make them agree",
            column="employees_2020",
        )


def _check_services(rows: Rows, codes: set[str], seat_code: str) -> None:
    f = "services.csv"
    _check_codes(f, rows, codes, seat_code, "place")
    places = {(r["township_code"], r["place"]) for _, r in rows}
    for code in sorted(codes):
        centre = "county_city" if code == seat_code else "seat"
        for place in (centre, "villages"):
            if (code, place) not in places:
                raise error(
                    f,
                    f"township {code} has no '{place}' row",
                    f"add at least one service row with place={place} for it",
                    column="place",
                )


def _check_demography(rows: Rows) -> None:
    f = "demography.csv"
    for sex in SEXES:
        mine = [(line, r) for line, r in rows if r["sex"] == sex]
        groups = [(r["age_lo"], r["age_hi"]) for _, r in mine]
        if sorted(groups) != list(AGE_GROUPS):
            raise error(
                f,
                f"the {sex} rows do not cover the 18 age groups of age_sex.csv",
                "give one row per sex and group 0-4, ..., 80-84, 85-100",
                column="age_lo",
            )
        for line, r in mine:
            if r["fertility"] > 0 and (sex == "male" or r["age_lo"] < 15 or r["age_lo"] > 45):
                raise error(
                    f,
                    "non-zero fertility outside women aged 15-49",
                    "set fertility to 0 on this row",
                    line,
                    "fertility",
                )


def _check_observations(rows: Rows) -> None:
    for line, r in rows:
        if r["indicator"].endswith("_rate") and not 0 <= r["value"] <= 1:
            raise error(
                "observations.csv",
                f"rate {r['value']:g} outside [0, 1]",
                "write rates as fractions (0.3954, not 39.54)",
                line,
                "value",
            )


def validate_tables(tables: dict[str, Rows]) -> None:
    """Run the cross-file checks on parsed tables.

    Args:
        tables: Table name -> rows as returned by :func:`read_table`.

    Raises:
        DataError: On the first inconsistency.
    """
    fig = _check_county(tables["county"])
    _check_age_sex(tables["age_sex"], fig)
    _check_household_sizes(tables["household_sizes"], fig)
    _check_townships(tables["townships"], fig)
    codes = {r["code"] for _, r in tables["townships"]}
    seat_code = next(r["code"] for _, r in tables["townships"] if r["is_county_seat"])
    _check_firms(tables["firms"], fig, codes, seat_code)
    _check_services(tables["services"], codes, seat_code)
    _check_demography(tables["demography"])
    _check_observations(tables["observations"])


def read_directory(directory: str | Path) -> dict[str, Rows]:
    """Read and fully validate every file of a county data folder.

    Args:
        directory: The folder holding the eight CSV files.

    Returns:
        Table name -> ``(line_number, row)`` pairs.

    Raises:
        DataError: On the first problem found (missing folder or file, bad cell, broken
            cross-file identity).
    """
    path = Path(directory)
    if not path.is_dir():
        raise DataError(
            f"{path}: folder not found; give the folder holding "
            + ", ".join(s.file for s in SPECS.values())
        )
    tables = {name: read_table(path, spec) for name, spec in SPECS.items()}
    validate_tables(tables)
    return tables


def to_frame(spec: TableSpec, rows: Rows) -> pd.DataFrame:
    """Turn parsed rows into a DataFrame with proper dtypes, in file order.

    Args:
        spec: The file's spec.
        rows: Rows as returned by :func:`read_table`.

    Returns:
        A DataFrame with a RangeIndex; ints are ``int64`` (``Int64`` if a value is missing),
        floats ``float64``, bools ``bool``, dates ``datetime64[ns]``, strings ``object``.
    """
    records = [r for _, r in rows]
    extra = [k for k in records[0] if k not in spec.names] if records else []
    data: dict[str, Any] = {}
    for col in spec.columns:
        values = [r[col.name] for r in records]
        missing = any(v is None for v in values)
        if col.dtype == "int":
            data[col.name] = pd.array(values, dtype="Int64" if missing else "int64")
        elif col.dtype == "float":
            data[col.name] = pd.array(
                [math.nan if v is None else v for v in values], dtype="float64"
            )
        elif col.dtype == "bool":
            data[col.name] = pd.array(values, dtype="boolean" if missing else "bool")
        elif col.dtype == "date":
            data[col.name] = (
                pd.to_datetime(pd.Series(values, dtype="object"))
                .astype("datetime64[ns]")
                .to_numpy()
            )
        else:
            data[col.name] = pd.Series(["" if v is None else v for v in values], dtype=object)
    for name in extra:
        data[name] = pd.Series([r[name] for r in records], dtype=object)
    frame = pd.DataFrame(data)
    frame.attrs["lines"] = [line for line, _ in rows]
    return frame


def main(argv: Sequence[str] | None = None) -> int:
    """Validate a county data folder from the command line.

    Args:
        argv: Arguments after the program name; the single argument is the folder.

    Returns:
        0 when valid (prints ``ok: <n> files valid``), 1 on a data error (prints the one-line
        message), 2 on wrong usage.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m hdsim.data.schema /path/to/county/folder", file=sys.stderr)
        return 2
    try:
        tables = read_directory(args[0])
    except DataError as exc:
        print(str(exc))
        return 1
    print(f"ok: {len(tables)} files valid")
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through subprocess in tests
    raise SystemExit(main())
