"""Load a county data folder into a validated, immutable :class:`CountyData`.

``load_county_data()`` reads the embedded county folder (named in ``hdsim/data/embedded.json``);
``load_county_data(path)`` reads a user's folder holding the same files. Either way every
file is validated by :mod:`hdsim.data.schema` first, so a broken folder raises a one-line
:class:`~hdsim.data.schema.DataError` before any model code sees it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hdsim.data.census_checks import read_directory
from hdsim.data.spec import SPECS
from hdsim.data.table import DataError, MissingFigureError, to_frame

_HERE = Path(__file__).resolve().parent
EMBEDDED_DIR: Path = _HERE / json.loads((_HERE / "embedded.json").read_text("utf-8"))["folder"]

HINDCAST_FILE = "calibration/hindcast.csv"
"""A county folder's hindcast scores (``hdsim-hindcast --install``; the report quotes them).
Not a data file: it is outside the folder's checksum."""
"""Folder of the embedded county data (named in ``embedded.json``, so no code names a county)."""

PROVENANCE_COLUMNS: tuple[str, ...] = (
    "file",
    "row",
    "entity",
    "field",
    "value",
    "source",
    "confidence",
    "note",
)
"""Columns of :meth:`CountyData.provenance`."""


@dataclass(frozen=True)
class CountyData:
    """The validated tables of one county data folder.

    Attributes:
        directory: Folder the data was read from.
        identity: ``identity.csv`` (key, value, source, confidence, note): the county's code
            and names.
        county: ``county.csv`` indexed by ``key``; columns value, unit, year, source,
            confidence, note.
        age_sex: ``age_sex.csv``, 18 five-year groups in file order.
        household_sizes: ``household_sizes.csv``, sizes 1..8.
        townships: ``townships.csv`` in file order (index 0..n-1).
        firms: ``firms.csv``.
        services: ``services.csv``.
        demography: ``demography.csv``.
        observations: ``observations.csv`` with ``date`` as ``datetime64``.
        settlement_pattern: ``settlement_pattern.csv`` indexed by ``indicator``: the urban and
            rural levels whose rural/urban ratio the synthesis reproduces.
        admin_changes: ``admin_changes.csv`` (dated 乡→镇 upgrades and mergers), by date.
        checksum: SHA-256 of the files' bytes, concatenated in sorted file-name order.
    """

    directory: Path
    identity: pd.DataFrame
    county: pd.DataFrame
    age_sex: pd.DataFrame
    household_sizes: pd.DataFrame
    townships: pd.DataFrame
    firms: pd.DataFrame
    services: pd.DataFrame
    demography: pd.DataFrame
    observations: pd.DataFrame
    settlement_pattern: pd.DataFrame
    admin_changes: pd.DataFrame
    checksum: str

    def figure(self, key: str) -> float:
        """Return one county figure from ``county.csv``.

        Args:
            key: The row key, e.g. ``"resident_population_2020"``.

        Returns:
            The value as a float.

        Raises:
            KeyError: (a :class:`~hdsim.data.schema.DataError` too) if the key is absent; the
                message is one line naming the file and column.
        """
        if key not in self.county.index:
            raise MissingFigureError(
                f"county.csv: column 'key': no row with key '{key}'; add a row "
                f"{key},<value>,<unit>,<year>,<source>,<confidence>,<note> to "
                f"{self.directory / 'county.csv'}"
            )
        return float(self.county.at[key, "value"])

    def name(self, key: str) -> str:
        """Return one entry of ``identity.csv`` (``code``, ``name_zh``, ``name_en``...).

        Args:
            key: The row key.

        Returns:
            The value as text.

        Raises:
            KeyError: (a :class:`~hdsim.data.table.DataError` too) if the key is absent.
        """
        hit = self.identity.loc[self.identity["key"] == key, "value"]
        if hit.empty:
            raise MissingFigureError(
                f"identity.csv: column 'key': no row with key '{key}'; add a row "
                f"{key},<value>,<source>,<confidence>,<note> to {self.directory / 'identity.csv'}"
            )
        return str(hit.iloc[0])

    def provenance(self) -> pd.DataFrame:
        """List every numeric data value of every file with its source, in long form.

        Identifiers and group bounds (codes, ``age_lo``, ``size``, ``year``...) are not listed;
        every other int or float column is.

        Returns:
            A DataFrame with columns file, row (line number in the file, header = 1), entity
            (the row's key, e.g. a township code or ``"male 60-64"``), field, value, source,
            confidence and note, in file-name then file order.
        """
        records: list[dict[str, object]] = []
        for name in sorted(SPECS, key=lambda n: SPECS[n].file):
            spec = SPECS[name]
            frame = getattr(self, name)
            if name in ("county", "settlement_pattern"):
                frame = frame.reset_index()
            lines = frame.attrs.get("lines") or list(range(2, len(frame) + 2))
            fields = [c.name for c in spec.columns if c.dtype in ("int", "float") and c.provenance]
            for line, row in zip(lines, frame.to_dict("records"), strict=True):
                if name in ("observations", "admin_changes"):
                    row = {**row, "date": pd.Timestamp(row["date"]).date()}
                entity = spec.entity(row)
                for fld in fields:
                    value = row[fld]
                    if pd.isna(value):
                        continue
                    records.append(
                        {
                            "file": spec.file,
                            "row": line,
                            "entity": entity,
                            "field": fld,
                            "value": float(value),
                            "source": row["source"],
                            "confidence": row["confidence"],
                            "note": row["note"],
                        }
                    )
        return pd.DataFrame.from_records(records, columns=list(PROVENANCE_COLUMNS))


def checksum_of(directory: Path) -> str:
    """SHA-256 over the bytes of the data files, in sorted file-name order.

    Args:
        directory: The data folder.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    for file in sorted(spec.file for spec in SPECS.values()):
        digest.update((directory / file).read_bytes())
    return digest.hexdigest()


def load_county_data(directory: str | Path | None = None) -> CountyData:
    """Read and validate a county data folder.

    Args:
        directory: Folder holding the CSV files of :data:`~hdsim.data.spec.SPECS`; ``None``
            means the embedded county data (:data:`EMBEDDED_DIR`).

    Returns:
        The validated :class:`CountyData`.

    Raises:
        DataError: One-line message on the first problem found in the folder.
    """
    path = EMBEDDED_DIR if directory is None else Path(directory).expanduser().resolve()
    tables = read_directory(path)
    frames = {name: to_frame(SPECS[name], rows) for name, rows in tables.items()}
    county = frames["county"]
    lines = county.attrs["lines"]
    county = county.set_index("key")
    county.attrs["lines"] = lines
    frames["county"] = county
    frames["settlement_pattern"] = frames["settlement_pattern"].set_index("indicator")
    frames["admin_changes"] = (
        frames["admin_changes"].sort_values(["date", "township_code"]).reset_index(drop=True)
    )
    return CountyData(directory=path, checksum=checksum_of(path), **frames)


__all__ = [
    "EMBEDDED_DIR",
    "HINDCAST_FILE",
    "CountyData",
    "DataError",
    "checksum_of",
    "load_county_data",
]
