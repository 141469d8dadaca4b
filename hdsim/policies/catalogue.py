"""The policy catalogue: the plan's actions and measures, each mapped to its levers.

``hdsim/policies/catalogue.yaml`` holds only the plan: the 7 actions and 33 measures of the
county's action plan and its 4 safeguards, each pointing to the lever(s) that represent it or
saying why it is out of scope. Each lever describes itself in its module
(:class:`hdsim.policies.registry.LeverSpec`: action, names, mechanism, the indicator it moves
and in which direction, expected outcome, evidence, and its config dataclass with magnitudes
and costs). :func:`problems` checks the catalogue against the registry;
:mod:`hdsim.report.policy_docs` writes ``docs/policies.md`` from it.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from hdsim.config.policies import Lever
from hdsim.policies.registry import LeverSpec, lever_specs

CATALOGUE = Path(__file__).with_name("catalogue.yaml")


@cache
def load_catalogue(path: Path = CATALOGUE) -> dict[str, Any]:
    """The catalogue as plain data."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def lever_actions() -> dict[str, int | str]:
    """Lever name → the number (1-7) of the plan's action it belongs to (or ``safeguard``)."""
    return {name: spec.action for name, spec in lever_specs().items()}


def lever_fields() -> dict[str, type[Lever]]:
    """Lever name → its config dataclass, for every registered lever."""
    return {name: spec.config for name, spec in lever_specs().items()}


def lever_info(spec: LeverSpec) -> dict[str, Any]:
    """The declaration of a lever as plain data (the keys of :class:`LeverSpec`)."""
    return {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}


def measures(catalogue: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """All measures of the plan's actions, in order."""
    cat = catalogue or load_catalogue()
    return [m for action in cat["actions"] for m in action["measures"]]


def problems(catalogue: dict[str, Any] | None = None) -> list[str]:
    """Inconsistencies between the catalogue and the lever registry (empty when none)."""
    cat = catalogue or load_catalogue()
    specs = lever_specs()
    out = []
    for m in measures(cat):
        for name in m.get("levers", []):
            if name not in specs:
                out.append(f"measure {m['id']} names lever '{name}', which no module declares")
        if not m.get("levers") and not (m.get("out_of_scope_en") and m.get("out_of_scope_zh")):
            out.append(f"measure {m['id']} has no lever and no out-of-scope reason")
    for s in cat.get("safeguards", []):
        if not (s.get("out_of_scope_en") and s.get("out_of_scope_zh")):
            out.append(f"safeguard {s['id']} gives no reason in both languages")
    used = {n for m in measures(cat) for n in m.get("levers", [])}
    for name, spec in specs.items():
        if name not in used and not spec.legacy:
            out.append(f"lever '{name}' represents no measure: add it to a measure's levers")
    return out


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------
