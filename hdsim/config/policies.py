"""What every lever shares (``scenario.policies.<lever>``): the base class, field helpers, budget.

Every lever subclasses :class:`Lever`: a start month, an intensity (0 = off, 1 = as the plan
reads), the months over which its effect and capital spending phase in, and its costs in 亿元
(capital cost at intensity 1, spent evenly over the ramp; running cost per year at intensity
1, from the start month on). A lever's own fields are its magnitudes at intensity 1, declared
with :func:`share`, :func:`bounded`, :func:`capex` and :func:`running`; each help text says
what a value rests on (``estimate`` or ``assumption`` marks a figure set by judgement, to be
replaced when a planner has the county's own figure).

The levers themselves live in the policy modules (``hdsim/policies/<action>.py``), each with
its behaviour and its declaration (:class:`hdsim.policies.registry.LeverSpec`); the scenario
schema ``PoliciesConfig`` (:mod:`hdsim.model.config`) is built from that registry on top of
:class:`PoliciesBase`, which holds the yearly budget and the implementation efficiency of the
plan's safeguards (保障措施). The budget is checked once, when a configuration is validated
(:func:`hdsim.model.config.to_config`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hdsim.config.fields import ConfigError, bounded, month

__all__ = [
    "BudgetConfig",
    "ConfigError",
    "Lever",
    "PoliciesBase",
    "bounded",
    "capex",
    "month",
    "param",
    "ramp",
    "running",
    "share",
]


def ramp(default: int) -> Any:
    """Declare the phase-in period of a lever, in months."""
    return bounded(
        default, 1, 240, "Months over which the effect and the capital spending phase in."
    )


def capex(default: float, basis: str) -> Any:
    """Declare the capital cost of a lever at intensity 1, with the basis of the figure."""
    return bounded(
        default, 0.0, 1000.0, f"Capital cost at intensity 1, 亿元, spent over the ramp ({basis})."
    )


def running(default: float, basis: str) -> Any:
    """Declare the yearly running cost of a lever at intensity 1, with the basis of the figure."""
    return bounded(
        default, 0.0, 100.0, f"Running cost a year at intensity 1, 亿元, from the start ({basis})."
    )


def share(default: float, lo: float, hi: float, help: str) -> Any:
    """Declare a magnitude of a lever at intensity 1."""
    return bounded(default, lo, hi, help)


STATUSES = ("calibrated", "literature", "estimate", "assumption", "official")
"""What a parameter's value rests on."""


def param(
    default: float, lo: float, hi: float, *, unit: str, source: str, status: str, help: str
) -> Any:
    """Declare an assumption of a lever as a parameter, with its unit, source and status.

    Args:
        default: The value (the one the code used before it became a parameter).
        lo: Smallest allowed value.
        hi: Largest allowed value.
        unit: Unit of the value (e.g. ``share``, ``index points``, ``per year``).
        source: Where the value comes from.
        status: One of :data:`STATUSES`.
        help: One line saying what the value does.

    Returns:
        A ``dataclasses.field`` with bounds, help, unit, source and status in its metadata.
    """
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {STATUSES}")
    text = f"{help} ({unit}; {status}: {source})"
    return field(
        default=default,
        metadata={
            "bounds": (lo, hi),
            "help": text,
            "unit": unit,
            "source": source,
            "status": status,
        },
    )


@dataclass
class Lever:
    """Fields every lever has: timing, intensity and costs."""

    start: str = month("2023-01", "Month the lever starts.")
    intensity: float = bounded(0.0, 0.0, 2.0, "0 = off, 1 = as the plan reads.")
    ramp_months: int = ramp(36)
    cost_yi: float = capex(0.0, "none")
    running_yi: float = running(0.0, "none")

    def is_on(self) -> bool:
        """Whether the lever acts (and spends) in the scenario."""
        return self.intensity > 0

    def cost_units(self) -> float:
        """Multiple of ``cost_yi`` and ``running_yi`` the scenario pays (its intensity)."""
        return self.intensity if self.is_on() else 0.0


@dataclass
class BudgetConfig:
    """Money the levers draw on each year."""

    yearly_yi: float = bounded(
        15.0,
        0.0,
        10000.0,
        "County funds for the plan's levers per year, 亿元 (estimate: own capital spending, land "
        "revenue and regular upper-level transfers; general budget revenue was 9.71亿元 in 2019).",
    )
    allow_over_budget: bool = field(
        default=False,
        metadata={"help": "Run a scenario whose planned spending exceeds the budget anyway."},
    )


@dataclass
class PoliciesBase:
    """The part of ``scenario.policies`` that is not a lever: the budget and the efficiency.

    The scenario schema adds one field per registered lever (``PoliciesConfig`` in
    :mod:`hdsim.model.config`); :meth:`levers` finds them by type.
    """

    budget: BudgetConfig = field(default_factory=BudgetConfig)
    implementation_efficiency: float = bounded(
        1.0,
        0.0,
        1.5,
        "Share of every lever's effect delivered (保障措施: organisation, projects, supervision; "
        "1 = as planned).",
    )

    def levers(self) -> dict[str, Lever]:
        """The levers by name, in the order of the plan's actions."""
        return {k: v for k, v in vars(self).items() if isinstance(v, Lever)}

    def lever(self, name: str) -> Lever:
        """The lever ``name``.

        Raises:
            ConfigError: There is no such lever.
        """
        value = getattr(self, name, None)
        if not isinstance(value, Lever):
            raise ConfigError(
                f"scenario.policies has no lever '{name}'; known: {', '.join(self.levers())}"
            )
        return value

    if TYPE_CHECKING:  # the lever fields are added from the registry at run time

        def __getattr__(self, name: str) -> Any: ...
