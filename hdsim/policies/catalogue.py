"""The plan of a county: its actions and measures, each mapped to the levers that represent it.

Every county folder holds its own action plan as ``plan.yaml``: the title of the county's
《推进以县城为重要载体的城镇化建设行动方案》, its actions and measures and its safeguards, each
pointing to the lever(s) that represent it or saying why it is out of scope. The embedded
county's is its real plan; ``hdsim-county init`` writes a template of the provincial plan type
(``plan.template: true``) for a new county, to be edited. Each lever describes itself in its
module (:class:`hdsim.policies.registry.LeverSpec`: action, names, mechanism, indicator and
direction, evidence, and its config dataclass with magnitudes and costs).

:func:`load_plan` reads and validates a folder's plan (a :class:`PlanError`, one line, on the
first problem); :func:`problems` checks a plan against the registry the other way round (every
declared lever represents a measure); :mod:`hdsim.report.policy_docs` writes
``docs/policies.md`` from the embedded county's plan.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from hdsim.config.policies import Lever
from hdsim.data.loader import EMBEDDED_DIR
from hdsim.data.plan import PLAN_FILE, PlanError, read_plan
from hdsim.policies.registry import LeverSpec, lever_specs

__all__ = [
    "CATALOGUE",
    "PlanError",
    "is_template",
    "lever_actions",
    "lever_fields",
    "lever_info",
    "load_catalogue",
    "load_plan",
    "measures",
    "plan_notice",
    "plan_path",
    "plan_title",
    "problems",
]

CATALOGUE: Path = EMBEDDED_DIR / PLAN_FILE
"""The embedded county's plan (the default of :func:`load_catalogue`)."""


def plan_path(directory: str | Path | None = None) -> Path:
    """The plan file of a county folder (``None``: the embedded county's)."""
    folder = EMBEDDED_DIR if directory is None else Path(directory).expanduser().resolve()
    return folder / PLAN_FILE


def load_plan(directory: str | Path | None = None) -> dict[str, Any]:
    """Read and validate the plan of a county folder, lever names included.

    Args:
        directory: The county folder (``data.dir``); ``None`` means the embedded county.

    Returns:
        The plan as plain data (keys ``plan``, ``actions``, ``safeguards``); cached per file
        version, so copy it (:func:`copy.deepcopy`) before changing it.

    Raises:
        PlanError: One line if the file is missing, is not YAML, breaks the layout of
            :func:`hdsim.data.plan.validate_plan` or names a lever no module declares.
    """
    return read_plan(plan_path(directory), levers=lever_specs())


def load_catalogue(path: Path = CATALOGUE) -> dict[str, Any]:
    """The plan in the file ``path`` (default: the embedded county's), validated."""
    return read_plan(path, levers=lever_specs())


def is_template(directory: str | Path | None = None) -> bool:
    """Whether a county's plan is still the unedited template of ``hdsim-county init``."""
    return bool(load_plan(directory)["plan"].get("template", False))


def plan_title(directory: str | Path | None = None, lang: str = "zh") -> str:
    """The title of a county's plan in ``lang`` (``zh`` or ``en``), from its ``plan.yaml``."""
    return str(load_plan(directory)["plan"][f"title_{lang}"])


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
    """All measures of the plan's actions, in order (default: the embedded county's plan)."""
    cat = catalogue or load_plan()
    return [m for action in cat["actions"] for m in action["measures"]]


def problems(catalogue: dict[str, Any] | None = None) -> list[str]:
    """Inconsistencies between a plan and the lever registry (empty when none).

    Besides the layout rules of :func:`validate_plan`, every declared lever (but the legacy
    bundle) must represent a measure: the embedded plan and the template are checked so.
    """
    cat = catalogue or load_plan()
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


def plan_notice(directory: str | Path | None = None) -> str | None:
    """The one line a run says about its county's plan, or ``None`` when it is the county's own.

    Args:
        directory: The county folder (``data.dir``); ``None`` means the embedded county.

    Returns:
        A notice when the folder has no ``plan.yaml`` (levers are then not mapped to the
        county's plan) or when its plan is still the unedited template; ``None`` otherwise.

    Raises:
        PlanError: The plan file is broken (one line).
    """
    path = plan_path(directory)
    if not path.is_file():
        return (
            f"hdsim: {path} is missing: the levers are not mapped to this county's plan "
            "(`hdsim-county init` writes a template to edit; docs/new-county.md)"
        )
    if is_template(directory):
        return (
            f"hdsim: {path} is the template of the provincial plan type, not this county's own "
            "plan: edit its measures and set template: false (docs/new-county.md)"
        )
    return None
