"""Branching a running model into scenarios: the months before any lever acts are run once.

The scenarios of one replicate share its random streams (common random numbers) and differ
only in their levers, which act from their start months (``2023-01`` for the plan). Until the
first of those months every scenario of the replicate simulates exactly the same county: the
same draws in the same order on the same state. :func:`shared_months` says how many months a
set of effective configurations shares in that sense, and :func:`branch` copies a model that
has run those months into a model of another scenario, which then runs on as if it had run
from the start: its outputs are the same bytes as those of the scenario run alone
(``tests/test_branching.py`` checks it for every scenario of the library).

What a copy holds: everything of the model (state, mechanisms, random streams, agents and the
recorder's series) is copied with :func:`copy.deepcopy`, the county data shared (it is never
written). Mesa's event machinery is not copied (its events hold weak references to the
original's methods): the copy gets a new event list with the monthly step scheduled from the
next month on, and its scenario's policies are created and scheduled anew
(:func:`hdsim.policies.levers.build_policies`), which they can be because none of them has
started. The months shared are the months before the first start of any lever that is on in
any of the scenarios, and only if the scenarios' configurations are the same apart from their
scenario and agree on everything the policy books show before that (the budget line, the
county city's infrastructure before the plan).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from hdsim.model.config import HdsimConfig
from hdsim.policies.budget import budget_plan
from hdsim.policies.levers import build_policies
from hdsim.policies.registry import lever_specs
from hdsim.utils.calendar import month_index

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel

MESA_EVENTS = ("_event_list", "_event_generators", "_default_schedule", "_user_step", "step")
"""Attributes of a ``mesa.Model`` that hold its event machinery (made anew in a copy)."""
NOT_COPIED = (*MESA_EVENTS, "_simulator", "policies")
"""Attributes :func:`branch` does not copy: the event machinery and the scenario's policies."""


class BranchError(ValueError):
    """A model cannot be branched into the scenario asked for (a programming error)."""


def horizon_months(cfg: HdsimConfig) -> int:
    """Monthly steps of a run of ``cfg`` (from the census month to December of the end year)."""
    return month_index(cfg.horizon.start, f"{cfg.horizon.end_year}-12") + 1


def first_lever_month(cfg: HdsimConfig) -> int:
    """Steps of ``cfg``'s run before the first of its levers that are on acts (all: none on).

    A lever starting in month ``m`` (months after the census month) is activated just before
    step ``m + 1``, the step that simulates its start month; the ``m`` steps before it do not
    depend on the lever.
    """
    months = horizon_months(cfg)
    policies = cfg.scenario.policies
    for name in lever_specs():
        lever = policies.lever(name)
        if lever.is_on():
            months = min(months, max(month_index(cfg.horizon.start, lever.start), 0))
    return months


def _same_books(a: HdsimConfig, b: HdsimConfig, months: int) -> bool:
    """Whether ``a`` and ``b`` show the same policy books for the first ``months`` steps."""
    pa, pb = a.scenario.policies, b.scenario.policies
    if pa.waste_sewage.base_capacity_persons != pb.waste_sewage.base_capacity_persons:
        return False
    steps = horizon_months(a)
    line_a = budget_plan(pa, a.horizon.start, steps)[:months]
    line_b = budget_plan(pb, b.horizon.start, steps)[:months]
    return bool((line_a == line_b).all())


def shared_months(configs: Sequence[HdsimConfig]) -> int:
    """Months from the start that the runs of ``configs`` (one replicate) simulate alike.

    Args:
        configs: Effective configurations of one replicate's scenarios.

    Returns:
        The number of monthly steps a model of the first config can run before
        :func:`branch` turns copies of it into models of the others; 0 when they share none
        (fewer than two configs, configs that differ in more than their scenario, a lever on
        from the first month, or policy books that differ before the first lever acts).
    """
    if len(configs) < 2:
        return 0
    first = configs[0]
    for cfg in configs[1:]:
        if replace(cfg, scenario=first.scenario) != first:
            return 0
    months = min(first_lever_month(cfg) for cfg in configs)
    if months == 0 or not all(_same_books(first, cfg, months) for cfg in configs[1:]):
        return 0
    return months


def branch(model: CountyModel, config: HdsimConfig) -> CountyModel:
    """A copy of ``model`` that runs on as a model of ``config`` (another scenario).

    Args:
        model: A model that has run at most :func:`shared_months` of its own config and
            ``config`` (its levers not yet started).
        config: The effective configuration the copy runs: ``model.config`` with another
            scenario.

    Returns:
        The copy, at the same month; ``model`` is not changed.

    Raises:
        BranchError: ``config`` differs from the model's in more than its scenario, or the
            model has run into a month in which a lever of either acts.
    """
    from mesa.time import EventGenerator, EventList, Priority, Schedule

    if shared_months([model.config, config]) < model.steps or model.policy.active:
        raise BranchError(
            f"cannot branch a model of {model.config.scenario.name!r} at step {model.steps} "
            f"into {config.scenario.name!r}: they do not share the months run so far"
        )
    cls = type(model)
    new = cls.__new__(cls)
    memo: dict[int, object] = {id(model): new, id(model.data): model.data}
    kept = {k: v for k, v in vars(model).items() if k not in NOT_COPIED}
    new.__dict__.update(copy.deepcopy(kept, memo))
    new._simulator = None
    new._event_generators = set()
    new._event_list = EventList()
    new._user_step = new.step
    new._default_schedule = EventGenerator(
        new, new._do_step, Schedule(interval=1.0, start=model.time + 1.0), priority=Priority.HIGH
    ).start()
    new.step = new._wrapped_step  # type: ignore[method-assign]
    new.config = config
    new.policies = build_policies(new)
    return new
