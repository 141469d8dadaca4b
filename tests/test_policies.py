"""Policy levers, costs and budget, the scenario library, and the catalogue of the plan.

Lever runs are short (2021-01 to 2022-12) and small (scale 0.05); every lever is compared with
the baseline of the same replicate (common random numbers).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import county_data, point

from hdsim.calibration.effective import run_effective
from hdsim.config.fields import ConfigError
from hdsim.model.config import HdsimConfig, PoliciesConfig, ScenarioConfig, to_config
from hdsim.model.scenarios import available_scenarios, load_scenario
from hdsim.paths import SCENARIO_DIR
from hdsim.policies.budget import cost_effectiveness, yearly_plan
from hdsim.policies.catalogue import (
    lever_fields,
    lever_info,
    load_catalogue,
    measures,
    problems,
)
from hdsim.policies.levers import LEVERS
from hdsim.policies.registry import lever_specs
from hdsim.report.policy_docs import DOC, render
from hdsim.run import RunResult
from hdsim.state.effects import PolicyEffects

SCALE = 0.05
SHORT = {"end_year": 2022, "target_year": 2022}
END = pd.Timestamp("2022-12-31")
CATALOGUE = load_catalogue()
LEVER_INFO = {name: lever_info(spec) for name, spec in lever_specs().items()}


def _config(policies: PoliciesConfig, name: str, scale: float = SCALE, **horizon: int):
    cfg = HdsimConfig(scenario=ScenarioConfig(name=name, policies=policies))
    cfg.households.scale = scale
    cfg.horizon = dataclasses.replace(cfg.horizon, **(horizon or SHORT))
    return to_config(cfg)


def _one_lever(name: str) -> PoliciesConfig:
    """The baseline with lever ``name`` on from 2021-01 at intensity 1."""
    policies = PoliciesConfig()
    lever = getattr(policies, name)
    lever.start = "2021-01"
    lever.intensity = 1.0
    if name == "township_upgrade":
        lever.codes = ["role:upgrade_candidate"]
    return policies


@cache
def _lever_run(name: str) -> RunResult:
    policies = PoliciesConfig() if name == "baseline" else _one_lever(name)
    return run_effective(_config(policies, name), 0, county_data())


def _at(result: RunResult, indicator: str, date: pd.Timestamp = END) -> float:
    c = result.county
    return float(c[(c["indicator"] == indicator) & (c["date"] == date)]["value"].iloc[0])


# --------------------------------------------------------------------------------------------
# Levers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lever", sorted(LEVER_INFO))
def test_each_lever_moves_its_documented_indicator_against_the_baseline(lever):
    """The indicator and direction documented in the catalogue (docs/policies.md) hold."""
    info = LEVER_INFO[lever]
    diff = _at(_lever_run(lever), info["indicator"]) - _at(
        _lever_run("baseline"), info["indicator"]
    )
    sign = 1.0 if info["direction"] == "up" else -1.0
    assert sign * diff > 0, (lever, info["indicator"], diff)


@pytest.mark.parametrize("lever", sorted(LEVER_INFO))
def test_each_lever_books_its_planned_spending(lever):
    """Money booked by the running lever, month by month, equals its planned spending."""
    county = _lever_run(lever).county
    booked = county[county["indicator"] == f"spending_{lever}"].sort_values("date")["value"]
    policies = _one_lever(lever)
    plan = yearly_plan(policies, range(2020, 2023))
    assert booked.sum() == pytest.approx(plan[lever].sum(), rel=1e-9)
    if lever != "investment_financing":
        assert booked.sum() > 0


def test_baseline_spends_nothing():
    county = _lever_run("baseline").county
    spending = county[county["indicator"].str.startswith("spending_")]
    assert set(spending["indicator"]) == {f"spending_{n}" for n in LEVERS} | {"spending_total"}
    assert (spending["value"] == 0).all()


def test_implementation_efficiency_scales_the_effect_but_not_the_cost():
    full = _one_lever("old_town_renewal")
    half = dataclasses.replace(_one_lever("old_town_renewal"), implementation_efficiency=0.5)
    runs = {
        k: run_effective(_config(p, f"old_town_{k}", scale=0.02), 0, county_data())
        for k, p in (("full", full), ("half", half), ("none", PoliciesConfig()))
    }
    gain = {
        k: _at(r, "county_city_amenity") - _at(runs["none"], "county_city_amenity")
        for k, r in runs.items()
    }
    assert gain["half"] == pytest.approx(0.5 * gain["full"], rel=1e-9)
    spent = {
        k: r.county[r.county["indicator"] == "spending_total"]["value"].sum()
        for k, r in runs.items()
    }
    assert spent["half"] == pytest.approx(spent["full"]) and spent["full"] > 0


def test_county_city_admits_no_movers_beyond_its_network_capacity():
    """Waste and sewage capacity limits the county city: moves into it stop at the limit."""
    capped = PoliciesConfig()
    capped.waste_sewage.base_capacity_persons = 140000  # about the county city at the census
    base = _lever_run("baseline")
    run = run_effective(_config(capped, "capped"), 0, county_data())
    c = run.county
    moves = c[c["indicator"] == "moves_to_county_city"]["value"].sum()
    base_moves = base.county[base.county["indicator"] == "moves_to_county_city"]["value"].sum()
    assert moves < 0.5 * base_moves
    assert _at(run, "county_city_population") < _at(base, "county_city_population")


def test_contributions_to_a_barrier_combine_without_exceeding_it():
    state = PolicyEffects()
    state.contribute("hukou_reform", services_by_residence=0.7)
    state.contribute("social_assistance", services_by_residence=0.5)
    assert state.services_by_residence == pytest.approx(1 - 0.3 * 0.5)
    state.contribute("employment_services", services_by_residence=1.5)
    assert state.services_by_residence == pytest.approx(1.0)
    state.contribute("talent_incentives", departure_cut=0.1, return_gain=0.3)
    assert (state.departure_multiplier, state.return_multiplier) == pytest.approx((0.9, 1.3))


def test_every_config_lever_has_a_policy_class():
    assert set(LEVERS) == set(lever_fields())


# --------------------------------------------------------------------------------------------
# Budget
# --------------------------------------------------------------------------------------------


@cache
def _plan_run() -> RunResult:
    cfg = HdsimConfig(scenario=load_scenario("seven_actions"))
    cfg.households.scale = 0.02
    return run_effective(to_config(cfg), 0, county_data())


def test_plan_spending_sums_to_its_budget_lines_year_by_year():
    """Recorded spending by lever and year equals the plan; the total stays within the line."""
    county = _plan_run().county
    wide = county.pivot_table(index="date", columns="indicator", values="value")
    by_year = wide.groupby(wide.index.year).sum()
    plan = yearly_plan(load_scenario("seven_actions").policies, range(2020, 2026))
    for lever in plan.columns.drop(["total", "budget"]):
        assert by_year[f"spending_{lever}"].to_numpy() == pytest.approx(plan[lever].to_numpy())
    assert by_year["spending_total"].to_numpy() == pytest.approx(plan["total"].to_numpy())
    full_years = by_year.loc[2021:2025]
    assert full_years["budget_line_yi"].to_numpy() == pytest.approx(
        plan.loc[2021:2025, "budget"].to_numpy()
    )
    assert (full_years["spending_total"] <= full_years["budget_line_yi"] + 1e-9).all()
    assert by_year.loc[2023, "spending_total"] > 0.8 * by_year.loc[2023, "budget_line_yi"]


def test_a_scenario_over_budget_is_rejected_in_one_line_unless_allowed():
    scenario = load_scenario("seven_actions")
    scenario.policies.investment_financing.intensity = 0.0
    cfg = HdsimConfig(scenario=scenario)
    with pytest.raises(ConfigError) as err:
        to_config(cfg)
    message = str(err.value)
    assert "\n" not in message and "budget" in message and "2023" in message
    scenario.policies.budget.allow_over_budget = True
    to_config(cfg)


def test_the_command_rejects_an_over_budget_scenario_with_one_line(tmp_path):
    hdsim = str(Path(sys.executable).with_name("hdsim"))
    proc = subprocess.run(
        [
            hdsim,
            "scenario=seven_actions",
            "scenario.policies.investment_financing.intensity=0",
            f"hydra.run.dir={tmp_path}/job",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "exceeds the budget line" in lines[0], proc.stderr


def test_cost_effectiveness_pairs_replicates_against_the_baseline():
    dates = pd.to_datetime(["2025-06-30", "2025-12-31"])
    rows = []
    for scenario, rates, spend in (("baseline", (0.40, 0.42), 0.0), ("plan", (0.43, 0.46), 2.0)):
        for rep, rate in enumerate(rates):
            for d in dates:
                rows += [
                    (scenario, rep, d, "urbanization_rate", rate),
                    (scenario, rep, d, "spending_total", spend),
                ]
    ens = pd.DataFrame(rows, columns=["scenario", "replicate", "date", "indicator", "value"])
    table = cost_effectiveness(ens, 2025).set_index("scenario")
    assert table.loc["plan", "gain_pp"] == pytest.approx(3.5)
    assert table.loc["plan", "spending_yi"] == pytest.approx(4.0)
    assert table.loc["plan", "yi_per_pp"] == pytest.approx(4.0 / 3.5)
    assert np.isnan(table.loc["baseline", "yi_per_pp"])


# --------------------------------------------------------------------------------------------
# Scenario library and catalogue
# --------------------------------------------------------------------------------------------


def test_catalogue_maps_every_measure_to_a_schema_lever_or_a_reason():
    assert problems() == []
    assert len(CATALOGUE["actions"]) == 7
    ids = [m["id"] for m in measures()]
    assert len(ids) == 33 and len(set(ids)) == 33
    assert len(CATALOGUE["safeguards"]) == 4


def test_docs_policies_md_is_generated_from_the_catalogue():
    assert DOC.read_text(encoding="utf-8") == render(), "run python -m hdsim.report.policy_docs"


@pytest.mark.parametrize("name", available_scenarios())
def test_every_scenario_states_its_question_and_respects_its_budget(name):
    first = (SCENARIO_DIR / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Question:")
    scenario = load_scenario(name)  # raises ConfigError when over budget
    assert scenario.name == name


@pytest.mark.parametrize("action", range(1, 8))
def test_each_action_scenario_switches_on_exactly_its_levers(action):
    name = next(n for n in available_scenarios() if n.startswith(f"action{action}_"))
    on = {n for n, lv in load_scenario(name).policies.levers().items() if lv.is_on()}
    expected = {
        n for n, info in LEVER_INFO.items() if info["action"] == action and not info.get("legacy")
    }
    assert on == expected


def test_the_combined_plan_switches_on_every_lever_but_the_legacy_bundle():
    on = {n for n, lv in load_scenario("seven_actions").policies.levers().items() if lv.is_on()}
    assert on == {n for n, info in LEVER_INFO.items() if not info.get("legacy")}


def test_an_unknown_township_code_is_a_one_line_config_error_when_the_model_is_built():
    from hdsim.model.model import CountyModel

    policies = _one_lever("spatial_layout")
    policies.spatial_layout.key_towns = ["role:key_town", "999"]
    with pytest.raises(ConfigError, match="key_towns: township code 999") as err:
        CountyModel(point(_config(policies, "bad", scale=0.01)), data=county_data())
    assert "\n" not in str(err.value)
