"""Embedded county data with its schema and validation.

The public entry point is :func:`load_county_data`, which returns a validated, immutable
:class:`CountyData`. A user's own county folder with the same CSV files (see
``docs/data.md``) is validated in the same way; problems raise a one-line :class:`DataError`.
The validator's command line is ``python -m hdsim.data.schema /path``.
"""

from hdsim.data.census_checks import urban_population_from_townships
from hdsim.data.loader import EMBEDDED_DIR, CountyData, checksum_of, load_county_data
from hdsim.data.spec import SPECS
from hdsim.data.table import CONFIDENCE_LEVELS, DataError, MissingFigureError

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
