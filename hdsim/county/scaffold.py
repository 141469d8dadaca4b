"""Write a complete county folder from the census tables, for any county in China.

:func:`build_tables` turns a county's census row (:mod:`hdsim.county.census`) and its township
units into the rows of every file of a county folder: the census state from the county's own row
(residents, sexes, 5-year age groups by sex, households, household types, urban residents,
residents registered elsewhere) marked ``official``, and every figure the tables lack (township
populations, seats, distances, farmland, firms, services, the plan's target) made by the
methods below from the parameters in ``estimates.yaml`` and marked ``estimate``, each with its
arithmetic in the note. A user's own figures (``--from bulletin.yaml``, see
:func:`hdsim.county.overrides.read_overrides`)
replace county keys and township figures before the estimates are derived from them.
:func:`write_folder` writes the folder atomically, validated, with ``ESTIMATES.md``, the
checklist of the estimates that drive results most, and ``plan.yaml``, the template of the
provincial action plan named for the county (:mod:`hdsim.county.plan`).
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from hdsim.county.census import census_row, townships_of
from hdsim.county.census_state import (
    CountyBook,
    admin_change_rows,
    age_sex_rows,
    census_state,
    demography_rows,
    given_keys,
    household_size_rows,
    identity_rows,
    observation_rows,
    settlement_rows,
)
from hdsim.county.checklist import checklist_text
from hdsim.county.economy import county_city_keys, firm_rows, services_rows, target_keys
from hdsim.county.estimate import Unit
from hdsim.county.overrides import Overrides
from hdsim.county.places import (
    assign_roles,
    choose_seat,
    geography,
    land_and_villages,
    place_residents,
    township_rows,
)
from hdsim.county.plan import plan_text
from hdsim.county.vital import vital_keys
from hdsim.data.loader import load_county_data
from hdsim.data.plan import PLAN_FILE
from hdsim.data.spec import SPECS
from hdsim.data.table import DataError
from hdsim.utils.io import OutputError, make_folder

ESTIMATES_FILE: Path = Path(__file__).resolve().parent / "estimates.yaml"
"""Parameters of the scaffold's estimates (value, unit, source, status)."""

Row = dict[str, Any]


def load_parameters(path: Path = ESTIMATES_FILE) -> dict[str, Any]:
    """Read the scaffold parameters.

    Args:
        path: The YAML file (default: the shipped ``estimates.yaml``).

    Returns:
        Name -> value.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {name: entry["value"] for name, entry in raw.items()}


def _units(code: str, over: Overrides) -> list[Unit]:
    """The county's units of the 2020 code list, the seat chosen, overrides checked."""
    units_raw = townships_of(code)
    if not units_raw:
        raise DataError(
            f"--code {code}: the 2020 code list has no township-level units for this county; "
            "write townships.csv by hand (docs/data.md)"
        )
    codes = {t.code for t in units_raw}
    for tcode in over.townships:
        if tcode not in codes:
            raise DataError(
                f"--from: township {tcode} is not a unit of county {code} in the 2020 code list; "
                "use one of its 9-digit codes"
            )
    seat = choose_seat(units_raw)
    return [Unit(t, i == seat) for i, t in enumerate(units_raw)]


def build_tables(
    code: str, overrides: Overrides | None = None, params: dict[str, Any] | None = None
) -> dict[str, list[Row]]:
    """Build the rows of every file of a county folder from the census tables.

    The steps, each in its own module: the census state (:mod:`hdsim.county.census_state`),
    the townships' residents, geography, land and plan roles (:mod:`hdsim.county.places`),
    the county city's housing, the jobs and firms, the services and the placeholder target
    (:mod:`hdsim.county.economy`), the birth and death rates of the first year
    (:mod:`hdsim.county.vital`), and any other county key the ``--from`` file gives.

    Args:
        code: 6-digit county code.
        overrides: The user's own figures (``--from``).
        params: Scaffold parameters (default: ``estimates.yaml``).

    Returns:
        Table name (as in :data:`hdsim.data.spec.SPECS`) -> rows (dicts by column).

    Raises:
        DataError: One line if the county or its townships are not in the tables, or an
            override contradicts the census state.
    """
    over = overrides or Overrides()
    p = params or load_parameters()
    c = census_row(code)
    units = _units(code, over)
    book = CountyBook(over)
    state = census_state(c, book, p)
    rural_total = place_residents(units, state, book, p, over)
    radius = geography(units, book, p, over)
    land_and_villages(units, book, p, rural_total)
    county_city_keys(units, book, p)
    firms = firm_rows(c, state, units, book, p)
    target_keys(state, book, p)
    vital_keys(c, book)
    given_keys(book, over)
    roles = assign_roles(units, p, over)
    towns = township_rows(units, roles, radius, p, over)
    return {
        "identity": identity_rows(c, over),
        "county": list(book.rows.values()),
        "age_sex": age_sex_rows(c),
        "household_sizes": household_size_rows(c, state),
        "townships": towns,
        "firms": firms,
        "services": services_rows(units, state.total, state.broad["age_60_plus_2020"], p),
        "demography": demography_rows(),
        "observations": observation_rows(c, state),
        "settlement_pattern": settlement_rows(),
        "admin_changes": admin_change_rows(code, {t["code"] for t in towns}),
    }


def csv_text(name: str, rows: list[Row]) -> str:
    """The CSV text of table ``name`` (its spec's columns, in order; empty cells for None)."""
    spec = SPECS[name]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(spec.names), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in spec.names})
    return buf.getvalue()


def install_folder(
    folder: Path, tables: dict[str, list[Row]], extra: dict[str, str], force: bool = False
) -> None:
    """Write ``tables`` and the ``extra`` text files as a county folder, atomically.

    The files are written into a temporary sibling folder, validated by loading them, given
    the user's umask and renamed into place: all files or none.

    Raises:
        DataError: One line if the folder exists (without ``force``) or does not validate.
        OutputError: One line if the folder cannot be written (read-only disk, no permission).
    """
    if folder.exists() and not force:
        raise DataError(f"{folder}: folder exists; choose a new folder or add --force")
    make_folder(folder.parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as exc:
        raise OutputError(folder, exc) from exc
    try:
        for name, rows in tables.items():
            (tmp / SPECS[name].file).write_text(csv_text(name, rows), encoding="utf-8")
        for file, text in extra.items():
            (tmp / file).write_text(text, encoding="utf-8")
        load_county_data(tmp)
        tmp.chmod(0o777 & ~_umask())
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(folder, exc) from exc  # a full disk, a folder gone read-only
        raise


def write_folder(
    folder: Path, code: str, overrides: Overrides | None = None, force: bool = False
) -> dict[str, list[Row]]:
    """Write a validated county folder (atomically: all files or none).

    Args:
        folder: Target folder; must not exist unless ``force``.
        code: 6-digit county code.
        overrides: The user's own figures.
        force: Replace an existing folder.

    Returns:
        The rows written, by table.

    Raises:
        DataError: One line if the folder exists, or the built folder does not validate.
    """
    folder = Path(folder).expanduser().resolve()
    if folder.exists() and not force:
        raise DataError(f"{folder}: folder exists; choose a new folder or add --force")
    tables = build_tables(code, overrides)
    extra = {
        "ESTIMATES.md": checklist_text(tables),
        PLAN_FILE: _plan_to_write(folder, tables),
    }
    install_folder(folder, tables, extra, force)
    return tables


def _plan_to_write(folder: Path, tables: dict[str, list[Row]]) -> str:
    """The folder's edited ``plan.yaml`` when rewriting it (``--force``), else the template.

    A plan that no longer says ``template: true`` is the user's own and is kept; an unedited
    template is written again (the county's names may have changed).
    """
    old = folder / PLAN_FILE
    if old.is_file():
        text = old.read_text(encoding="utf-8")
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError:
            raw = None
        plan = raw.get("plan") if isinstance(raw, dict) else None
        if isinstance(plan, dict) and not plan.get("template", False):
            return text
    return plan_text(tables["identity"])


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
