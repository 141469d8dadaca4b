"""A lever lives in one module: the registry, roles instead of codes, and composed scenarios.

The recipe of ``docs/levers.md`` is proved by a lever defined here, outside the package: once
registered it is in the scenario schema, Hydra accepts overrides of its fields, the report
names it, the generated docs describe it, and a run schedules it, books its spending and moves
its indicator. It runs in a subprocess so that the registry of the other tests stays as
shipped.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from hdsim.config.fields import ConfigError
from hdsim.config.policies import Lever
from hdsim.model.config import PoliciesConfig
from hdsim.model.scenarios import available_scenarios, load_scenario
from hdsim.paths import CONFIG_DIR
from hdsim.policies.base import Policy
from hdsim.policies.catalogue import lever_actions
from hdsim.policies.levers import LEVERS
from hdsim.policies.registry import LeverSpec, lever_specs, register
from hdsim.policies.roles import expand_roles

NEW_LEVER = textwrap.dedent(
    """
    import copy
    from dataclasses import dataclass

    import pandas as pd

    from hdsim.config.policies import Lever, capex, share
    from hdsim.policies.base import Policy
    from hdsim.policies.registry import LeverSpec, register


    @dataclass
    class RooftopSolarLever(Lever):
        cost_yi: float = capex(0.5, "test")
        amenity: float = share(0.05, 0.0, 1.0, "Amenity added in the county city (test).")


    class RooftopSolar(Policy):
        name = "rooftop_solar"
        lever: RooftopSolarLever

        def phase_in(self, delta: float) -> None:
            self.add_amenity(self.city, self.lever.amenity, delta)


    register(
        LeverSpec(
            config=RooftopSolarLever,
            policy=RooftopSolar,
            action=5,
            name_zh="屋顶光伏",
            name_en="rooftop solar",
            indicator="county_city_amenity",
            direction="up",
            mechanism_en="County-city amenity.",
        )
    )

    # 1. the config schema
    from hdsim.model.config import PoliciesConfig, register_configs, to_config

    assert isinstance(PoliciesConfig().lever("rooftop_solar"), RooftopSolarLever)

    # 2. scenario overrides through Hydra (and its ranges)
    from hydra import compose, initialize_config_dir

    from hdsim.config.fields import ConfigError
    from hdsim.paths import CONFIG_DIR

    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        base = ["scenario=baseline", "households.scale=0.01", "horizon.end_year=2022",
                "horizon.target_year=2022", "calibration.use=point"]
        on = to_config(compose("hdsim", overrides=base + [
            "scenario.policies.rooftop_solar.intensity=1.5",
            "scenario.policies.rooftop_solar.start=2021-01",
            "scenario.policies.rooftop_solar.ramp_months=12"]))
        off = to_config(compose("hdsim", overrides=base))
        bad = compose("hdsim", overrides=base + ["scenario.policies.rooftop_solar.amenity=7"])
    assert on.scenario.policies.rooftop_solar.intensity == 1.5
    try:
        to_config(bad)
    except ConfigError as err:
        assert "rooftop_solar.amenity=7" in str(err), err
    else:
        raise AssertionError("an out-of-range lever field was accepted")

    # 3. the report's labels
    from hdsim.report.catalogue import Catalogue

    assert Catalogue("zh").lever("rooftop_solar") == "屋顶光伏"
    assert Catalogue("en").lever("rooftop_solar") == "rooftop solar"

    # 4. the generated docs, with the one catalogue line that places it in a measure
    from hdsim.policies.catalogue import load_catalogue, problems
    from hdsim.report.policy_docs import render

    catalogue = copy.deepcopy(load_catalogue())
    assert any("rooftop_solar" in p for p in problems(catalogue))
    catalogue["actions"][4]["measures"][0]["levers"].append("rooftop_solar")
    assert problems(catalogue) == []
    assert "### `rooftop_solar` 屋顶光伏 — action 5" in render(catalogue)

    # 5. a run schedules it, books its spending and moves its indicator
    from hdsim.data import load_county_data
    from hdsim.run import run_replicate

    data = load_county_data(None)
    def at_end(cfg, indicator):
        county = run_replicate(cfg, 0, data).county
        rows = county[county["indicator"] == indicator]
        return rows, float(rows["value"].iloc[-1])
    spent, _ = at_end(on, "spending_rooftop_solar")
    assert abs(spent["value"].sum() - 1.5 * 0.5) < 1e-9, spent["value"].sum()
    _, amenity_on = at_end(on, "county_city_amenity")
    _, amenity_off = at_end(off, "county_city_amenity")
    assert amenity_on > amenity_off, (amenity_on, amenity_off)
    print("ok")
    """
)


def test_a_lever_defined_outside_the_package_reaches_schema_overrides_report_docs_and_run():
    """One module and one catalogue line: the lever is everywhere it must be (docs/levers.md)."""
    proc = subprocess.run(
        [sys.executable, "-c", NEW_LEVER], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]


def test_every_lever_is_declared_once_with_its_config_and_behaviour_in_plan_order():
    specs = lever_specs()
    assert list(LEVERS) == list(specs) == list(PoliciesConfig().levers())
    for name, spec in specs.items():
        assert issubclass(spec.config, Lever) and issubclass(spec.policy, Policy)
        assert spec.policy.name == name and spec.name_zh and spec.name_en
        assert spec.policy.__module__ == spec.config.__module__, name  # one module per lever
    actions = [lever_actions()[n] for n in specs]
    assert actions == sorted(actions)  # the plan's order, which the policy events follow
    assert len({s.name_zh for s in specs.values()}) == len(specs)  # one Chinese name each


def test_a_second_lever_with_a_taken_name_is_a_one_line_config_error():
    schools = lever_specs()["schools"]
    twin = dataclasses.replace(schools, name_zh="另一个教育")
    with pytest.raises(ConfigError, match="declared twice") as err:
        register(twin)
    assert "\n" not in str(err.value)
    assert lever_specs()["schools"] is schools
    with pytest.raises(ConfigError, match="direction"):
        LeverSpec(**{**dataclasses.asdict(schools), "direction": "sideways"}).check()


TOWNSHIPS = pd.DataFrame(
    {
        "code": ["1", "2", "3", "4"],
        "roles": ["county_seat", "key_town;specialised_town", "", "key_town"],
    }
)


def test_a_role_stands_for_every_township_holding_it_in_file_order():
    assert expand_roles(["role:key_town"], TOWNSHIPS, "x") == ["2", "4"]
    assert expand_roles(["3", "role:key_town", "2"], TOWNSHIPS, "x") == ["3", "2", "4"]
    assert expand_roles(["role:specialised_town"], TOWNSHIPS, "x") == ["2"]


@pytest.mark.parametrize(
    ("entries", "townships", "message"),
    [
        (["role:capital"], TOWNSHIPS, "unknown role 'capital'"),
        (["role:upgrade_candidate"], TOWNSHIPS, "no township of townships.csv has the role"),
        (["role:key_town"], TOWNSHIPS.drop(columns="roles"), "no township"),
    ],
)
def test_a_role_that_names_no_township_is_a_one_line_config_error(entries, townships, message):
    with pytest.raises(ConfigError, match=message) as err:
        expand_roles(entries, townships, "spatial_layout.key_towns")
    assert "\n" not in str(err.value) and "spatial_layout.key_towns" in str(err.value)


def test_lever_defaults_name_townships_by_role_not_by_code():
    for name, lever in PoliciesConfig().levers().items():
        for f in dataclasses.fields(lever):
            value = getattr(lever, f.name)
            if isinstance(value, list):
                assert all(str(v).startswith("role:") for v in value), (name, f.name, value)


@pytest.mark.parametrize("variant", ["county_city_first", "hukou_without_housing"])
def test_a_variant_is_the_plan_plus_only_the_differences_its_file_states(variant):
    """A variant starts from seven_actions (Hydra defaults); any lever it does not name is equal."""
    text = (CONFIG_DIR / "scenario" / f"{variant}.yaml").read_text(encoding="utf-8")
    assert "defaults:\n  - seven_actions\n" in text
    plan, other = load_scenario("seven_actions").policies, load_scenario(variant).policies
    named = {n for n in plan.levers() if f"\n  {n}:\n" in text}
    assert named  # it states its differences
    for name in plan.levers():
        if name not in named:
            assert other.lever(name) == plan.lever(name), name
        else:
            assert other.lever(name) != plan.lever(name), name


def test_load_scenario_inside_a_running_hydra_app_leaves_the_app_hydra_in_place():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR / "behaviour"), version_base="1.3"):
        app = GlobalHydra.instance().hydra
        scenario = load_scenario("county_city_first")
        assert GlobalHydra.instance().hydra is app
    assert scenario.policies.new_district.intensity == 1.5
    assert scenario.policies.village_services.intensity == 0.0


def test_assumptions_of_the_levers_carry_a_unit_a_source_and_a_status():
    """The constants once inline in the lever code are fields with the same values."""
    expected = {
        ("industrial_cluster", "supplier_wage_ratio"): 0.85,
        ("industrial_cluster", "supplier_growth"): 0.03,
        ("consumption", "trade_share"): 0.5,
        ("public_services", "county_city_amenity"): 0.1,
    }
    levers = PoliciesConfig().levers()
    for (name, key), value in expected.items():
        f = next(f for f in dataclasses.fields(levers[name]) if f.name == key)
        assert getattr(levers[name], key) == value
        assert {"unit", "source", "status"} <= set(f.metadata), (name, key)


def test_every_scenario_has_its_own_label_in_each_language():
    """A variant inherits its base's levers but states its own labels (no two are alike)."""
    scenarios = [load_scenario(n) for n in available_scenarios()]
    for lang in ("label_zh", "label_en"):
        labels = [getattr(s, lang) for s in scenarios]
        assert all(labels) and len(set(labels)) == len(labels), lang
    assert [s.name for s in scenarios] == available_scenarios()
