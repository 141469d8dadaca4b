"""The synthetic population reproduces the 2020 census at t0 (full scale) and scales."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import point

from hdsim.model.config import HdsimConfig
from hdsim.model.model import CountyModel
from hdsim.run import replicate_seed
from hdsim.state.places import PlaceKind


@pytest.fixture(scope="module")
def census_model(data):
    return CountyModel(point(HdsimConfig()), data=data, seed_sequence=replicate_seed(7, 0))


def _residents(model):
    return np.flatnonzero(model.census.resident)


def test_resident_total_and_sex_match_the_census_exactly(census_model, data):
    res = _residents(census_model)
    female = census_model.persons.female[res]
    assert res.size == data.figure("resident_population_2020")
    assert int((~female).sum()) == data.figure("male_2020")
    assert int(female.sum()) == data.figure("female_2020")


@pytest.mark.parametrize(
    ("lo", "hi", "key"),
    [
        (0, 14, "age_0_14_2020"),
        (15, 59, "age_15_59_2020"),
        (60, 200, "age_60_plus_2020"),
        (65, 200, "age_65_plus_2020"),
    ],
)
def test_broad_age_groups_match_the_census(census_model, data, lo, hi, key):
    """Tolerance: exact (the person pool is drawn from the census age-sex table)."""
    age = census_model.persons.age[_residents(census_model)]
    assert int(((age >= lo) & (age <= hi)).sum()) == data.figure(key)


def test_households_and_mean_size_match_the_census(census_model, data):
    h = census_model.households
    family = ~h.collective[: h.n]
    size = np.bincount(census_model.persons.household[_residents(census_model)], minlength=h.n)
    assert int(family.sum()) == data.figure("family_households_2020")
    assert int(size[family].sum()) == data.figure("family_household_persons_2020")
    assert size[family].mean() == pytest.approx(2.7873, abs=0.001)
    assert int(size[~family].sum()) == data.figure("collective_persons_2020")


def test_urbanization_rate_at_t0_is_the_census_rate(census_model):
    """Tolerance: 0.05 percentage points (households are placed whole)."""
    assert census_model.urbanization_rate() == pytest.approx(0.3954, abs=0.0005)


def test_villages_are_older_than_the_county_city(census_model):
    """Households are poured younger-first into urban places, as in rural Shanxi."""
    m = census_model
    res = _residents(m)
    kind = m.geo.kind[m.census.person_place[res]]
    age = m.persons.age[res]
    assert age[kind == PlaceKind.VILLAGE].mean() > age[kind == PlaceKind.COUNTY_CITY].mean() + 2


def test_hukou_rate_and_away_persons_match_the_data(census_model, data):
    p = census_model.persons
    n = p.n
    assert p.hukou_urban[:n].mean() == pytest.approx(
        data.figure("hukou_urbanization_rate_2020"), abs=0.01
    )
    assert int(p.away[:n].sum()) == round(data.figure("away_persons_2020"))


def test_every_place_holds_its_estimated_population(census_model):
    """Each place's t0 residents (family households) are within one household of the estimate."""
    m = census_model
    h = m.households
    family = ~h.collective[: h.n]
    fam_res = np.bincount(
        m.census.person_place[_residents(m)][family[m.persons.household[_residents(m)]]],
        minlength=m.geo.n_places,
    )
    gap = np.abs(fam_res - m.geo.t0_population)[: m.geo.outside]
    assert gap.max() <= 8


@pytest.mark.parametrize("scale", [0.1, 0.5])
def test_a_sample_reports_results_in_real_persons(data, scale):
    cfg = HdsimConfig()
    cfg.households.scale = scale
    m = CountyModel(point(cfg), data=data, seed_sequence=replicate_seed(7, 0))
    assert m.summary()["residents"] == pytest.approx(637_812, rel=0.002)
    assert m.urbanization_rate() == pytest.approx(0.3954, abs=0.003)


def test_behaviour_yaml_and_schema_declare_the_same_parameters():
    """Every parameter of hdsim/conf/behaviour/hongtong.yaml exists in the schema and back."""
    import dataclasses

    import yaml

    from hdsim.config.behaviour import BehaviourConfig
    from hdsim.paths import CONFIG_DIR

    values = yaml.safe_load((CONFIG_DIR / "behaviour" / "hongtong.yaml").read_text())
    schema = BehaviourConfig()
    declared = {
        g.name: {f.name for f in dataclasses.fields(getattr(schema, g.name))}
        for g in dataclasses.fields(schema)
    }
    assert {k: set(v) for k, v in values.items()} == declared
