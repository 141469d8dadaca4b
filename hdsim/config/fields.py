"""Field declarations shared by the config dataclasses: ranges, months, parameters, the error.

:func:`bounded` and :func:`month` attach their checks as field metadata, which
:func:`hdsim.model.config.to_config` reads. :func:`parameter` declares a model assumption: its
range, unit, source, status and the uncertainty range experiments sample, as a structured
:class:`ParameterInfo` (``field.metadata["parameter"]``). They live in their own module so that
both ``hdsim.model.config`` and ``hdsim.config.policies`` can use them without importing each
other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

Status = Literal["calibrated", "literature", "estimate", "assumption"]
"""Where a parameter's value comes from: fitted to the county's observed figures (calibrated),
published estimates or statistics (literature), a figure worked out from data (estimate), or
judgement, to be replaced when better evidence exists (assumption)."""
STATUSES: tuple[str, ...] = get_args(Status)


class ConfigError(ValueError):
    """A configuration value is wrong; the message is one line saying what and how to fix it."""


@dataclass(frozen=True)
class ParameterInfo:
    """What is known about one model parameter.

    Attributes:
        description: One line saying what the parameter is.
        unit: Unit of the value (``1`` for a pure number, ``share``, ``yuan/yr``, ...).
        status: One of :data:`STATUSES`.
        source: Where the default value comes from (a reference, a figure, the calibration).
        lo: Smallest allowed value, or None.
        hi: Largest allowed value, or None.
        uncertainty: Range experiments sample by default, or None when the parameter is not
            among the sampled uncertainties.
    """

    description: str
    unit: str
    status: str
    source: str
    lo: float | None
    hi: float | None
    uncertainty: tuple[float, float] | None = None

    def help(self) -> str:
        """The one-line help text: description, unit and status with its source."""
        source = f": {self.source}" if self.source else ""
        return f"{self.description} [{self.unit}] ({self.status}{source})."


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


def parameter(
    default: Any,
    lo: float | None,
    hi: float | None,
    *,
    description: str,
    unit: str,
    status: Status,
    source: str = "",
    uncertainty: tuple[float, float] | None = None,
) -> Any:
    """Declare a model parameter: a bounded field with structured metadata.

    Args:
        default: Default value.
        lo: Smallest allowed value, or None for no lower bound.
        hi: Largest allowed value, or None for no upper bound.
        description: One line saying what the parameter is.
        unit: Unit of the value.
        status: ``calibrated``, ``literature``, ``estimate`` or ``assumption``.
        source: Where the default comes from.
        uncertainty: Range sampled by experiments that refer to the declared uncertainties.

    Returns:
        A ``dataclasses.field`` with ``bounds``, ``help`` and ``parameter`` metadata.

    Raises:
        ValueError: Unknown status, or a default or uncertainty range outside the bounds.
    """
    if status not in STATUSES:
        raise ValueError(f"parameter status {status!r} is not one of {', '.join(STATUSES)}")
    ranges = [default] if uncertainty is None else [default, *uncertainty]
    for value in ranges:
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ValueError(f"parameter value {value} ({description}) lies outside [{lo}, {hi}]")
    if uncertainty is not None and not uncertainty[0] < uncertainty[1]:
        raise ValueError(f"uncertainty range {uncertainty} ({description}) is empty")
    info = ParameterInfo(description, unit, status, source, lo, hi, uncertainty)
    return field(
        default=default, metadata={"bounds": (lo, hi), "help": info.help(), "parameter": info}
    )


def month(default: str, help: str) -> Any:
    """Declare a field holding a calendar month written ``YYYY-MM``."""
    return field(default=default, metadata={"month": True, "help": help})
