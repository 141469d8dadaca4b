"""Field declarations shared by the config dataclasses: ranges, months and the config error.

:func:`bounded` and :func:`month` attach their checks as field metadata, which
:func:`hdsim.model.config.to_config` reads. They live in their own module so that both
``hdsim.model.config`` and ``hdsim.config.policies`` can use them without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import Any

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class ConfigError(ValueError):
    """A configuration value is wrong; the message is one line saying what and how to fix it."""


def bounded(default: Any, lo: float | None, hi: float | None, help: str) -> Any:
    """Declare a dataclass field with an inclusive range and a help text.

    Args:
        default: Default value of the field.
        lo: Smallest allowed value, or None for no lower bound.
        hi: Largest allowed value, or None for no upper bound.
        help: One line describing the field and the status of its value.

    Returns:
        A ``dataclasses.field`` carrying the bounds in its metadata.
    """
    return field(default=default, metadata={"bounds": (lo, hi), "help": help})


def month(default: str, help: str) -> Any:
    """Declare a field holding a calendar month written ``YYYY-MM``."""
    return field(default=default, metadata={"month": True, "help": help})
