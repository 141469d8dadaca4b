"""The lever registry: lever name in the scenario config → policy class, and their set-up.

Every field of :class:`hdsim.config.policies.PoliciesConfig` that is a lever has a class here
(a test checks it). The classes live in one module per action of the plan:

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
from hdsim.policies.budget import budget_plan, check_budget
from hdsim.policies.environment import HeritageGreen, WasteSewage
from hdsim.policies.industry import Consumption, IndustrialCluster, ModernServices, Tourism
from hdsim.policies.infrastructure import (
    FloodResilience,
    NewDistrict,
    OldTownRenewal,
    SmartCounty,
    UtilityNetworks,
)
from hdsim.policies.institutions import (
    HukouReform,
    InvestmentFinancing,
    LandSupply,
    RuralReform,
    TalentIncentives,
    TownshipUpgrade,
)
from hdsim.policies.linkage import BeautifulVillages, VillageInfrastructure, VillageServices
from hdsim.policies.planning import SpatialLayout
from hdsim.policies.services import (
    AffordableHousing,
    CultureSport,
    ElderlyChildcare,
    EmploymentServices,
    Hospitals,
    PublicServices,
    Schools,
    SocialAssistance,
)

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel

__all__ = ["LEVERS", "Policy", "build_policies"]

LEVERS: dict[str, type[Policy]] = {
    cls.name: cls
    for cls in (
        SpatialLayout,
        IndustrialCluster,
        ModernServices,
        Tourism,
        Consumption,
        OldTownRenewal,
        NewDistrict,
        FloodResilience,
        UtilityNetworks,
        SmartCounty,
        PublicServices,
        Schools,
        Hospitals,
        ElderlyChildcare,
        CultureSport,
        AffordableHousing,
        SocialAssistance,
        EmploymentServices,
        HeritageGreen,
        WasteSewage,
        VillageInfrastructure,
        VillageServices,
        BeautifulVillages,
        HukouReform,
        TalentIncentives,
        InvestmentFinancing,
        LandSupply,
        RuralReform,
        TownshipUpgrade,
    )
}
"""Lever name in the scenario config → policy class."""


def build_policies(model: CountyModel) -> list[Policy]:
    """Create and schedule the policies of the model's scenario.

    Also checks the scenario's budget (a config changed after validation is checked again),
    sets the county city's infrastructure capacity before the plan, and opens the spending
    books the recorder reads.

    Returns:
        The policy objects (the model keeps them alive: events hold weak references).

    Raises:
        ConfigError: The scenario overspends its budget, or names an unknown township.
    """
    policies_cfg = model.config.scenario.policies
    check_budget(policies_cfg)
    state = model.policy
    state.infrastructure_base = float(policies_cfg.waste_sewage.base_capacity_persons)
    state.recombine()
    state.spending = {name: np.zeros(model.n_steps + 1) for name in LEVERS}
    line = budget_plan(policies_cfg, model.config.horizon.start, model.n_steps)
    state.budget_line = np.r_[0.0, line]
    out = []
    for name, cls in LEVERS.items():
        policy = cls(model, getattr(policies_cfg, name), policies_cfg.implementation_efficiency)
        policy.schedule()
        out.append(policy)
    return out
