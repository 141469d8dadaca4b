"""The template action plan a scaffolded county gets: the provincial plan type, named for it.

``hdsim-county init`` writes ``plan.yaml`` into the new folder from ``plan_template.yaml``: the
seven actions of Shanxi's county-town urbanization plans (《推进以县城为重要载体的城镇化建设
行动方案》), their measures stated generically and mapped to the same levers as the embedded
county's real plan, the titles naming the new county, and ``template: true`` so that readers
say the plan is still to be edited. The layout is :mod:`hdsim.data.plan`'s.
"""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Any

import yaml

from hdsim.data.plan import PLAN_FILE, validate_plan

TEMPLATE_FILE: Path = Path(__file__).resolve().parent / "plan_template.yaml"
"""The template of the provincial plan type (placeholders ``${county_zh}``, ``${county_en}``)."""


def plan_text(identity: list[dict[str, Any]]) -> str:
    """The template plan for a county, as the text of its ``plan.yaml``.

    Args:
        identity: The county's ``identity.csv`` rows (``key``, ``value``); ``name_zh`` and
            ``name_en`` name the plan.

    Returns:
        The YAML text, validated against the layout of :func:`hdsim.data.plan.validate_plan`.
    """
    names = {str(r["key"]): str(r["value"]) for r in identity}
    text = Template(TEMPLATE_FILE.read_text(encoding="utf-8")).substitute(
        county_zh=names["name_zh"], county_en=names["name_en"]
    )
    validate_plan(yaml.safe_load(text), PLAN_FILE)
    return text
