"""Validate a county data folder from the command line, and the data layer's public names.

``python -m hdsim.data.schema /path/to/folder`` checks the tables and the layout of the plan
file (``plan.yaml``, :mod:`hdsim.data.plan`; its lever names are checked when a run reads it)
and prints ``ok: <n> files valid`` or the one-line error (``<file>: row <n>, column '<col>':
<what is wrong>; <how to fix>``) and exits with status 1. The schema itself is split by
concept: :mod:`hdsim.data.table` (typed CSV tables and the one-line error formatter),
:mod:`hdsim.data.spec` (the files and keys of a county folder) and
:mod:`hdsim.data.census_checks` (identities across files); their names are re-exported here
for the code that imported them from this module.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from hdsim.data.census_checks import (
    read_directory,
    urban_population_from_townships,
    validate_tables,
)
from hdsim.data.plan import PLAN_FILE, PlanError, read_plan
from hdsim.data.spec import (
    AGE_GROUPS,
    FIRM_LOCATIONS,
    MEAN_SIZE_TOLERANCE,
    OPTIONAL_COUNTY_KEYS,
    REQUIRED_COUNTY_KEYS,
    REQUIRED_IDENTITY_KEYS,
    SECTORS,
    SERVICE_PLACES,
    SERVICES,
    SEXES,
    SHARE_TOLERANCE,
    SPECS,
    TOWNSHIP_KINDS,
)
from hdsim.data.table import (
    CONFIDENCE_LEVELS,
    SOURCE_COLUMNS,
    Column,
    DataError,
    MissingFigureError,
    Rows,
    TableSpec,
    error,
    read_table,
    to_frame,
)

__all__ = [
    "AGE_GROUPS",
    "CONFIDENCE_LEVELS",
    "FIRM_LOCATIONS",
    "MEAN_SIZE_TOLERANCE",
    "OPTIONAL_COUNTY_KEYS",
    "REQUIRED_COUNTY_KEYS",
    "REQUIRED_IDENTITY_KEYS",
    "SECTORS",
    "SERVICES",
    "SERVICE_PLACES",
    "SEXES",
    "SHARE_TOLERANCE",
    "SOURCE_COLUMNS",
    "SPECS",
    "TOWNSHIP_KINDS",
    "Column",
    "DataError",
    "MissingFigureError",
    "PlanError",
    "Rows",
    "TableSpec",
    "error",
    "main",
    "read_directory",
    "read_table",
    "to_frame",
    "urban_population_from_townships",
    "validate_tables",
]


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
    plan = Path(args[0]) / PLAN_FILE
    try:
        tables = read_directory(args[0])
        if plan.is_file():
            read_plan(plan)
    except DataError as exc:
        print(str(exc))
        return 1
    print(f"ok: {len(tables)} files valid")
    if not plan.is_file():
        print(
            f"note: {plan} is missing: the levers are not mapped to this county's plan "
            "(`hdsim-county init` writes a template; docs/data.md)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through subprocess in tests
    raise SystemExit(main())
