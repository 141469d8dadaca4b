"""The levers of a run: lever name → policy class, and their set-up in a model.

Each lever is declared, with its config and its behaviour, in one module per action of the
plan (:mod:`hdsim.policies.registry` collects them):

- action 1 planning: :mod:`hdsim.policies.planning`;
- action 2 industry: :mod:`hdsim.policies.industry`;
- action 3 municipal infrastructure: :mod:`hdsim.policies.infrastructure`;
- action 4 public services: :mod:`hdsim.policies.services`;
- action 5 environment: :mod:`hdsim.policies.environment`;
- action 6 county-township-village linkage: :mod:`hdsim.policies.linkage`;
- action 7 institutions: :mod:`hdsim.policies.institutions`.

``docs/policies.md`` maps the plan's 7 actions and 33 measures to these levers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hdsim.policies.base import Policy
from hdsim.policies.budget import budget_plan
from hdsim.policies.registry import lever_specs

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel

__all__ = ["LEVERS", "Policy", "build_policies"]

LEVERS: dict[str, type[Policy]] = {name: spec.policy for name, spec in lever_specs().items()}
"""Lever name in the scenario config → policy class (from :mod:`hdsim.policies.registry`)."""


def build_policies(model: CountyModel) -> list[Policy]:
    """Create and schedule the policies of the model's scenario.

    Also sets the county city's infrastructure capacity before the plan and opens the spending
    books the recorder reads. The budget was checked when the configuration was validated
    (:func:`hdsim.model.config.to_config`).

    Returns:
        The policy objects (the model keeps them alive: events hold weak references).

    Raises:
        ConfigError: The scenario names an unknown township or role.
    """
    policies_cfg = model.config.scenario.policies
    state = model.policy
    state.infrastructure_base = float(policies_cfg.waste_sewage.base_capacity_persons)
    state.recombine()
    specs = lever_specs()  # levers registered after this module was imported count too
    state.spending = {name: np.zeros(model.n_steps + 1) for name in specs}
    line = budget_plan(policies_cfg, model.config.horizon.start, model.n_steps)
    state.budget_line = np.r_[0.0, line]
    out = []
    for name, spec in specs.items():
        policy = spec.policy(
            model, policies_cfg.lever(name), policies_cfg.implementation_efficiency
        )
        policy.schedule()
        out.append(policy)
    return out
