"""The lever registry: every policy lever declared once, by the module that implements it.

A lever is declared in its policy module (``hdsim/policies/<action>.py``) by a
:class:`LeverSpec`: its config dataclass (fields, ranges, defaults and costs, a subclass of
:class:`hdsim.config.policies.Lever`), its behaviour (a :class:`hdsim.policies.base.Policy`
subclass), the action of the plan it belongs to, its Chinese and English names, the indicator
it moves and the direction, and the prose of ``docs/policies.md`` (mechanism, expected
outcome, evidence). :func:`register` adds it here; everything else is derived from the
registry:

- the scenario schema ``scenario.policies`` (``PoliciesConfig`` in :mod:`hdsim.model.config`),
  so a lever's fields can be set in scenario files and on the command line;
- the lever list of a run (:data:`hdsim.policies.levers.LEVERS`, the spending books);
- the report's lever names (:mod:`hdsim.report.catalogue`);
- ``docs/policies.md`` (:mod:`hdsim.policies.catalogue`).

:func:`lever_specs` imports every module of :mod:`hdsim.policies` that is not part of the
machinery, so a new lever module is found without being listed anywhere, and orders the levers
by the plan's action, then by declaration (the order the policies are scheduled in, which the
reference runs depend on). ``docs/levers.md`` is the recipe for adding one.
"""

from __future__ import annotations

import pkgutil
from dataclasses import dataclass, is_dataclass
from importlib import import_module
from typing import Literal

from hdsim.config.fields import ConfigError
from hdsim.config.policies import Lever
from hdsim.policies.base import Policy

__all__ = ["ACTIONS", "LeverSpec", "lever_specs", "register", "unregister"]

ACTIONS: tuple[int | str, ...] = (1, 2, 3, 4, 5, 6, 7, "safeguard")
"""The plan's seven actions (行动) and its safeguards (保障措施), in order."""
DIRECTIONS = ("up", "down")
"""How a lever moves its indicator against the baseline."""
MACHINERY = frozenset({"base", "budget", "catalogue", "levers", "outputs", "registry", "roles"})
"""Modules of :mod:`hdsim.policies` that declare no lever."""


@dataclass(frozen=True)
class LeverSpec:
    """The declaration of one lever.

    Attributes:
        config: The lever's config dataclass (a :class:`Lever` subclass with defaults).
        policy: The lever's behaviour; its ``name`` is the lever's name in the scenario.
        action: Number (1-7) of the plan's action, or ``"safeguard"``.
        name_zh: Chinese name (the plan's wording), used by the report and the docs.
        name_en: English name, lower case.
        indicator: County-series indicator the lever moves against the baseline.
        direction: ``"up"`` or ``"down"``: how it moves that indicator.
        mechanism_zh: What the lever changes in the model, in Chinese.
        mechanism_en: The same in English.
        outcome_zh: The expected outcome, in Chinese.
        outcome_en: The same in English.
        evidence_zh: What the magnitudes rest on, in Chinese.
        evidence_en: The same in English.
        legacy: Kept for older scenarios; represents no measure of the plan.
    """

    config: type[Lever]
    policy: type[Policy]
    action: int | str
    name_zh: str
    name_en: str
    indicator: str
    direction: Literal["up", "down"]
    mechanism_zh: str = ""
    mechanism_en: str = ""
    outcome_zh: str = ""
    outcome_en: str = ""
    evidence_zh: str = ""
    evidence_en: str = ""
    legacy: bool = False

    @property
    def name(self) -> str:
        """Name of the lever in the scenario config (``scenario.policies.<name>``)."""
        return self.policy.name

    def check(self) -> None:
        """Check the declaration.

        Raises:
            ConfigError: A field is missing or of the wrong kind.
        """
        where = f"lever '{self.name}' ({self.policy.__module__})"
        if not (is_dataclass(self.config) and issubclass(self.config, Lever)):
            raise ConfigError(f"{where}: config must be a dataclass subclassing Lever")
        if not issubclass(self.policy, Policy) or self.policy.name == Policy.name:
            raise ConfigError(f"{where}: policy must subclass Policy and set its name")
        if self.action not in ACTIONS:
            raise ConfigError(f"{where}: action {self.action!r} is not one of {ACTIONS}")
        if self.direction not in DIRECTIONS:
            raise ConfigError(f"{where}: direction {self.direction!r} is not 'up' or 'down'")
        if not (self.name_zh and self.name_en and self.indicator):
            raise ConfigError(f"{where}: name_zh, name_en and indicator must be given")


_REGISTRY: dict[str, tuple[int, LeverSpec]] = {}
_loaded = False


def register(spec: LeverSpec) -> LeverSpec:
    """Add a lever to the registry (its module calls this once, at import).

    Returns:
        ``spec``, so that a module can keep its declaration as a constant.

    Raises:
        ConfigError: The declaration is incomplete, or another lever has the same name.
    """
    spec.check()
    known = _REGISTRY.get(spec.name)
    if known is not None and known[1] != spec:
        raise ConfigError(
            f"lever '{spec.name}' is declared twice ({known[1].policy.__module__} and "
            f"{spec.policy.__module__}); give the new one another name"
        )
    if known is None:
        _REGISTRY[spec.name] = (len(_REGISTRY), spec)
    return spec


def unregister(name: str) -> None:
    """Remove lever ``name`` from the registry (for tests that register their own)."""
    _REGISTRY.pop(name, None)


def _load_builtin() -> None:
    """Import every lever module of :mod:`hdsim.policies` (each registers its levers)."""
    global _loaded
    if _loaded:
        return
    package = import_module("hdsim.policies")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name not in MACHINERY and not info.name.startswith("_"):
            import_module(f"hdsim.policies.{info.name}")
    _loaded = True


def lever_specs() -> dict[str, LeverSpec]:
    """Every registered lever by name, ordered by the plan's action, then by declaration."""
    _load_builtin()
    ordered = sorted(_REGISTRY.values(), key=lambda e: (ACTIONS.index(e[1].action), e[0]))
    return {spec.name: spec for _, spec in ordered}
