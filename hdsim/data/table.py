"""Typed CSV tables with one-line errors: the engine under every county data file.

A data file is described by a :class:`TableSpec` (columns with a dtype, whether a value is
required, a range and allowed values, and a unique key) and ends with the three provenance
columns ``source``, ``confidence`` and ``note``. :func:`read_table` parses and checks one file,
:func:`to_frame` turns its rows into a typed DataFrame. Every problem raises :class:`DataError`
whose message is a single line::

    <file>: row <n>, column '<col>': <what is wrong>; <how to fix>

where ``n`` is the line number in the file (the header is line 1); :func:`error` builds it.
Nothing here knows which files a county folder holds (that is :mod:`hdsim.data.spec`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd

DType = Literal["int", "float", "str", "bool", "date"]

CONFIDENCE_LEVELS: tuple[str, ...] = ("official", "quoted", "derived", "estimate")
"""Allowed values of the ``confidence`` column, from most to least certain."""

Rows = list[tuple[int, dict[str, Any]]]
"""Parsed rows of one file: ``(line_number, row)`` pairs in file order."""

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


def show(value: object) -> str:
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
        may_be_empty: Whether a header without data rows is a valid file (e.g. a county with
            no administrative change).
    """

    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    entity: Callable[[dict[str, Any]], str] = field(default=lambda r: "", compare=False)
    may_be_empty: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in documented order."""
        return tuple(c.name for c in self.columns)


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
                f"{show(text)} is not an integer",
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
                f"{show(text)} is not a number",
                "write a plain decimal number such as 12.5 (no units or commas)",
                row,
                col.name,
            ) from None
        if not math.isfinite(value):
            raise error(
                f, f"{show(text)} is not a finite number", "write a finite number", row, col.name
            )
    elif col.dtype == "bool":
        low = text.lower()
        if low not in _TRUE | _FALSE:
            raise error(f, f"{show(text)} is not a boolean", "write true or false", row, col.name)
        value = low in _TRUE
    elif col.dtype == "date":
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise error(
                f, f"{show(text)} is not an ISO date", "write YYYY-MM-DD", row, col.name
            ) from None
    else:
        value = text
        if col.allowed is not None and value not in col.allowed:
            raise error(
                f,
                f"unknown value {show(text)}",
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
            shown = ", ".join(f"{k}={show(v)}" for k, v in zip(spec.key, key, strict=True))
            raise error(
                f,
                f"duplicate key {shown} (first on row {seen[key]})",
                "keep one row per key",
                line,
                spec.key[-1],
            )
        seen[key] = line
        rows.append((line, row))
    if not rows and not spec.may_be_empty:
        raise error(f, "file has no data rows", "add at least one row", row=2)
    return rows


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
