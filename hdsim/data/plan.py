"""The county's action plan file, ``plan.yaml``: its layout and its one-line errors.

Every county folder holds its action plan (《推进以县城为重要载体的城镇化建设行动方案》): the
title, the actions and their measures, and the safeguards, each measure naming the policy
levers that represent it in the model or saying why it is out of scope. This module reads the
file and checks its layout (:func:`validate_plan`); the lever names are checked against the
lever registry by :func:`hdsim.policies.catalogue.load_plan`, which every reader of a plan uses.
The file is not one of the tables of :data:`hdsim.data.spec.SPECS` and does not enter the
data checksum: it changes no figure of a run, only how levers are named after the plan.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from hdsim.data.table import DataError

PLAN_FILE = "plan.yaml"
"""Name of the plan file in a county folder."""

_PLAN_KEYS: dict[str, type] = {"title_zh": str, "title_en": str, "template": bool, "source": str}
_ACTION_KEYS: dict[str, type] = {"id": int, "name_zh": str, "name_en": str, "measures": list}
_MEASURE_KEYS: dict[str, type] = {
    "id": str,
    "name_zh": str,
    "name_en": str,
    "levers": list,
    "efficiency": bool,
    "note_zh": str,
    "note_en": str,
    "out_of_scope_zh": str,
    "out_of_scope_en": str,
}
_SAFEGUARD_KEYS: dict[str, type] = {
    "id": str,
    "name_zh": str,
    "name_en": str,
    "efficiency": bool,
    "out_of_scope_zh": str,
    "out_of_scope_en": str,
}
_NAMES = ("id", "name_zh", "name_en")


class PlanError(DataError):
    """A problem in a county's ``plan.yaml``, in one line: where, what is wrong, how to fix."""


def read_plan(path: str | Path, levers: Collection[str] | None = None) -> dict[str, Any]:
    """Read and validate a plan file.

    Args:
        path: The ``plan.yaml`` file.
        levers: The lever names a measure may name (``None``: not checked here).

    Returns:
        The plan as plain data (cached per file version: copy it before changing it).

    Raises:
        PlanError: One line if the file is missing, is not YAML, or breaks the layout.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise PlanError(
            f"{path}: no plan file; `hdsim-county init` writes a template of the provincial "
            "plan type for a new county, or copy the embedded county's plan.yaml and edit it "
            "(docs/new-county.md)"
        )
    raw = _parse(path, path.stat().st_mtime_ns)
    validate_plan(raw, path.name, levers)
    return raw


@cache
def _parse(path: Path, mtime_ns: int) -> Any:
    """Parse one version of a plan file (``mtime_ns`` keys the cache)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise PlanError(f"{path.name}: not valid YAML{where}; fix its syntax") from exc


def _check_keys(entry: Any, keys: dict[str, type], where: str, file: str) -> None:
    if not isinstance(entry, dict):
        raise PlanError(f"{file}: {where}: expected a mapping of keys, got {entry!r:.40}")
    for key, value in entry.items():
        if key not in keys:
            raise PlanError(f"{file}: {where}: unknown key '{key}'; the keys are {', '.join(keys)}")
        want = keys[key]
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            hint = '; quote it (e.g. "1.1")' if want is str else ""
            raise PlanError(
                f"{file}: {where}, key '{key}': expected {want.__name__}, got {value!r:.40}{hint}"
            )
    for key in ("note", "out_of_scope"):
        if (f"{key}_zh" in entry) != (f"{key}_en" in entry):
            raise PlanError(f"{file}: {where}: give both {key}_zh and {key}_en, or neither")


def _require(entry: dict[str, Any], keys: tuple[str, ...], where: str, file: str) -> None:
    for key in keys:
        if entry.get(key) in ("", None):
            raise PlanError(f"{file}: {where}: key '{key}' is missing; add it")


def validate_plan(raw: Any, file: str = PLAN_FILE, levers: Collection[str] | None = None) -> None:
    """Check a plan's layout (and lever names, when ``levers`` is given).

    A plan has ``plan`` (``title_zh``, ``title_en``; optional ``template: true`` for an
    unedited template and ``source``, the public document), ``actions`` (each with ``id``,
    ``name_zh``, ``name_en`` and ``measures``) and optional ``safeguards`` (``id``, names and
    ``out_of_scope_zh``/``_en``). A measure has ``id`` (text, unique), ``name_zh``,
    ``name_en``, ``levers`` (names of ``scenario.policies.<lever>``) and, when it has no lever,
    ``out_of_scope_zh``/``_en`` saying why; ``efficiency: true`` marks a measure represented by
    ``policies.implementation_efficiency``; ``note_zh``/``_en`` are free text.

    Args:
        raw: The parsed YAML.
        file: The file name used in messages.
        levers: The lever names a measure may name (``None``: not checked).

    Raises:
        PlanError: One line naming the entry, the key and the fix.
    """
    if not isinstance(raw, dict) or "plan" not in raw or "actions" not in raw:
        raise PlanError(f"{file}: expected top-level keys 'plan' and 'actions' (docs/data.md)")
    extra = sorted(set(raw) - {"plan", "actions", "safeguards"})
    if extra:
        raise PlanError(
            f"{file}: unknown top-level key '{extra[0]}'; use plan, actions, safeguards"
        )
    _check_keys(raw["plan"], _PLAN_KEYS, "plan", file)
    _require(raw["plan"], ("title_zh", "title_en"), "plan", file)
    if not isinstance(raw["actions"], list) or not raw["actions"]:
        raise PlanError(f"{file}: 'actions' must be a non-empty list of the plan's actions")
    known = None if levers is None else list(levers)
    seen: set[str] = set()
    for i, action in enumerate(raw["actions"], start=1):
        where = f"action {action.get('id', i) if isinstance(action, dict) else i}"
        _check_keys(action, _ACTION_KEYS, where, file)
        _require(action, (*_NAMES, "measures"), where, file)
        for measure in action["measures"]:
            at = f"{where}, measure {measure.get('id', '?') if isinstance(measure, dict) else '?'}"
            _check_keys(measure, _MEASURE_KEYS, at, file)
            _require(measure, _NAMES, at, file)
            if measure["id"] in seen:
                raise PlanError(f"{file}: {at}: the id is used twice; give each measure its own")
            seen.add(measure["id"])
            for name in measure.get("levers", []):
                if known is not None and name not in known:
                    raise PlanError(
                        f"{file}: {at}: '{name}' is not a lever of hdsim; use a name of "
                        f"docs/policies.md's lever reference (e.g. {', '.join(known[:3])})"
                    )
            if not measure.get("levers") and "out_of_scope_zh" not in measure:
                raise PlanError(
                    f"{file}: {at}: no lever and no reason; name its levers or give "
                    "out_of_scope_zh and out_of_scope_en"
                )
    safeguards = raw.get("safeguards") or []
    if not isinstance(safeguards, list):
        raise PlanError(f"{file}: 'safeguards' must be a list")
    for s in safeguards:
        at = f"safeguard {s.get('id', '?') if isinstance(s, dict) else '?'}"
        _check_keys(s, _SAFEGUARD_KEYS, at, file)
        _require(s, (*_NAMES, "out_of_scope_zh", "out_of_scope_en"), at, file)


__all__ = ["PLAN_FILE", "PlanError", "read_plan", "validate_plan"]
