"""Embedded county data with its schema and validation.

The public entry point is :func:`load_county_data`, which returns a validated, immutable
:class:`CountyData`. A user's own county folder with the same CSV files (see
``docs/data.md``) is validated in the same way; problems raise a one-line :class:`DataError`.

The names below are re-exported lazily, so that ``python -m hdsim.data.schema /path`` runs the
validator without importing it twice.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from hdsim.data.census_checks import urban_population_from_townships
    from hdsim.data.loader import EMBEDDED_DIR, CountyData, checksum_of, load_county_data
    from hdsim.data.spec import SPECS
    from hdsim.data.table import CONFIDENCE_LEVELS, DataError, MissingFigureError

_EXPORTS: dict[str, str] = {
    "EMBEDDED_DIR": "hdsim.data.loader",
    "CountyData": "hdsim.data.loader",
    "checksum_of": "hdsim.data.loader",
    "load_county_data": "hdsim.data.loader",
    "CONFIDENCE_LEVELS": "hdsim.data.table",
    "SPECS": "hdsim.data.spec",
    "DataError": "hdsim.data.table",
    "MissingFigureError": "hdsim.data.table",
    "urban_population_from_townships": "hdsim.data.census_checks",
}

__all__ = [
    "CONFIDENCE_LEVELS",
    "EMBEDDED_DIR",
    "SPECS",
    "CountyData",
    "DataError",
    "MissingFigureError",
    "checksum_of",
    "load_county_data",
    "urban_population_from_townships",
]


def __getattr__(name: str) -> Any:
    """Import a re-exported name on first access.

    Args:
        name: Attribute asked of the package.

    Returns:
        The object from its defining module.

    Raises:
        AttributeError: If the name is not exported.
    """
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hdsim.data' has no attribute '{name}'")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the package's public names."""
    return sorted(__all__)
