"""Census identity checks across the files of a county folder.

Each file is parsed on its own by :func:`hdsim.data.table.read_table`; the checks here tie the
files together: the 5-year age groups sum to the census sexes and broad groups, household sizes
have the census mean, township populations sum to the family-household persons and their
seats and fringes to the urban population, firms' employees to the non-farm jobs, and every
township code named in another file is one of ``townships.csv``. :func:`read_directory` reads
and checks a whole folder.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hdsim.data.spec import (
    AGE_GROUPS,
    MEAN_SIZE_TOLERANCE,
    OPTIONAL_COUNTY_KEYS,
    REQUIRED_COUNTY_KEYS,
    REQUIRED_IDENTITY_KEYS,
    SEXES,
    SHARE_TOLERANCE,
    SPECS,
)
from hdsim.data.table import DataError, Rows, error, read_table, show


def _close(a: float, b: float, tol: float = 0.5) -> bool:
    return abs(a - b) <= tol


def _check_county(rows: Rows) -> dict[str, float]:
    """Check the required keys of ``county.csv`` and return key -> value."""
    values = {r["key"]: r["value"] for _, r in rows}
    lines = {r["key"]: line for line, r in rows}
    for key in REQUIRED_COUNTY_KEYS:
        if key not in values:
            raise error(
                "county.csv",
                f"required key '{key}' is missing",
                f"add a row {key},<value>,<unit>,<year>,<source>,<confidence>,<note>",
                column="key",
            )
    for key, bounds in {**REQUIRED_COUNTY_KEYS, **OPTIONAL_COUNTY_KEYS}.items():
        if key not in values:
            continue
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


def _check_identity(rows: Rows) -> None:
    """Check that ``identity.csv`` has the code and names, the code with six digits."""
    values = {r["key"]: r["value"] for _, r in rows}
    for key in REQUIRED_IDENTITY_KEYS:
        if key not in values:
            raise error(
                "identity.csv",
                f"required key '{key}' is missing",
                f"add a row {key},<value>,<source>,<confidence>,<note>",
                column="key",
            )
    code = values["code"]
    if len(code) != 6 or not code.isdigit():
        line = next(line for line, r in rows if r["key"] == "code")
        raise error(
            "identity.csv",
            f"code {show(code)} is not a 6-digit county division code",
            "use the county's 6-digit 统计用区划代码 (e.g. 140100)",
            line,
            "value",
        )


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
                f"code {show(code)} is not a 9-digit statistical code",
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
    key = (  # the census-day count, where mergers dated after the census reach the 2021 list
        "administrative_villages_census"
        if "administrative_villages_census" in fig
        else "administrative_villages_2021"
    )
    if villages != fig[key]:
        raise error(
            f,
            f"admin_villages sums to {villages}, county.csv {key} is {fig[key]:g}",
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
                f"unknown township code {show(code)}",
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


def _check_settlement_pattern(rows: Rows) -> None:
    f = "settlement_pattern.csv"
    have = {r["indicator"] for _, r in rows}
    for needed in ("share_60_plus", "mean_household_size"):
        if needed not in have:
            raise error(
                f,
                f"no row for indicator '{needed}'",
                f"add a row {needed},<urban>,<rural>,<source>,<confidence>,<note>",
                column="indicator",
            )
    for line, r in rows:
        if r["urban"] <= 0 or r["rural"] <= 0:
            raise error(
                f, "levels must be above 0", "give the urban and rural levels", line, "urban"
            )
        if r["indicator"].startswith("share_") and max(r["urban"], r["rural"]) > 1:
            raise error(
                f, "shares above 1", "write shares as fractions (0.1582)", line, "urban"
            )


def _check_admin_changes(rows: Rows, towns: Rows) -> None:
    f = "admin_changes.csv"
    kind = {r["code"]: r["kind"] for _, r in towns}
    for line, r in rows:
        code = r["township_code"]
        if code not in kind:
            raise error(
                f,
                f"township_code {show(code)} is not in townships.csv",
                "use the code of the unit as written in townships.csv",
                line,
                "township_code",
            )
        if r["kind"] == "upgrade" and kind[code] != "township":
            raise error(
                f,
                f"upgrade of {code}, which townships.csv already lists as a town",
                "give its kind at the census (township) in townships.csv; the change makes it "
                "a town at its date",
                line,
                "township_code",
            )


def validate_tables(tables: dict[str, Rows]) -> None:
    """Run the cross-file checks on parsed tables.

    Args:
        tables: Table name -> rows as returned by :func:`read_table`.

    Raises:
        DataError: On the first inconsistency.
    """
    _check_identity(tables["identity"])
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
    _check_settlement_pattern(tables["settlement_pattern"])
    _check_admin_changes(tables["admin_changes"], tables["townships"])


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
