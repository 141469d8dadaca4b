"""The statistical layer (mechanisms/classification.py) and the split of the urban count."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import county_data, point, small_config

from hdsim.calibration.observed import ESTIMATE_DRIFT_SD, annual_estimate_error
from hdsim.calibration.targets import Target, TargetSet, standardised_errors
from hdsim.data import load_county_data
from hdsim.data.table import DataError
from hdsim.model.config import HdsimConfig
from hdsim.model.model import CountyModel
from hdsim.state.places import URBAN_CODES, PlaceKind

SCALE = 0.02

ON = {
    "seat_growth_share": 0.3,
    "seat_pressure": 0.5,
    "zone_residents_per_job": 0.5,
    "upgrade_joined_share": 0.5,
    "merger_share_per_year": 0.05,
}
OFF = {
    "seat_growth_share": 0.0,
    "seat_pressure": 0.0,
    "zone_residents_per_job": 0.0,
    "upgrade_joined_share": 0.0,
    "merger_share_per_year": 0.0,
}


def config(end_year: int = 2022, townships: dict | None = None, **layer: float) -> HdsimConfig:
    """A small point configuration with the layer's parameters (and township ones) set."""
    cfg = point(small_config("baseline", SCALE, end_year=end_year))
    b = cfg.behaviour
    return dataclasses.replace(
        cfg,
        behaviour=dataclasses.replace(
            b,
            classification=dataclasses.replace(b.classification, **layer),
            townships=dataclasses.replace(b.townships, **(townships or {})),
        ),
    )


def run(cfg: HdsimConfig, data=None) -> CountyModel:
    model = CountyModel(cfg, data=data if data is not None else county_data())
    return model.run()


def year_end_urban(model: CountyModel) -> pd.Series:
    """Urban population at the census day and at every year's end."""
    wide = model.recorder.county_wide()["urban_population"]
    ends = wide[wide.index.month == 12]
    return pd.concat([wide.iloc[:1], ends])


def test_split_parts_add_up_exactly_to_the_change_of_the_urban_count_every_year() -> None:
    """Conservation: statistical + behavioural = change of the urban count, year by year."""
    model = run(config(**ON))
    split = model.recorder.rate_change_frame()
    persons = split[split["unit"] == "persons"].groupby("year")["value"].sum()
    change = year_end_urban(model).diff().dropna()
    assert list(persons.index) == list(change.index.year)
    np.testing.assert_allclose(persons.to_numpy(), change.to_numpy(), rtol=0, atol=1e-6)
    stat = split[(split["unit"] == "persons") & (split["part"] == "statistical")]
    assert stat["value"].sum() > 0  # the rules did reclassify somebody
    rate = model.recorder.county_wide()["urbanization_rate"]
    ends = pd.concat([rate.iloc[:1], rate[rate.index.month == 12]]).diff().dropna()
    points = split[split["unit"] == "rate"].groupby("year")["value"].sum()
    np.testing.assert_allclose(points.to_numpy(), ends.to_numpy(), rtol=0, atol=1e-12)


def test_statistical_part_is_zero_with_every_reclassification_rule_off() -> None:
    """No rule, no built-up growth, no dated upgrade or merger: the statistical part is exactly
    zero."""
    cfg = config(townships={"builtup_growth_share": 0.0, "builtup_pressure": 0.0}, **OFF)
    model = CountyModel(cfg, data=county_data())
    model.admin.pending.clear()
    model.classification.mergers = model.classification.mergers.iloc[:0]
    model.run()
    split = model.recorder.rate_change_frame()
    stat = split[split["part"] == "statistical"]
    assert len(stat) and (stat["value"] == 0).all()
    persons = split[split["unit"] == "persons"].groupby("year")["value"].sum()
    np.testing.assert_allclose(
        persons.to_numpy(), year_end_urban(model).diff().dropna().to_numpy(), atol=1e-6
    )


def test_layer_with_every_pace_zero_leaves_the_codes_as_without_it() -> None:
    """Result neutrality: the layer's step with every pace 0 (and the folder's dated mergers
    dropped) changes no code at any cut-off."""
    model = CountyModel(config(**OFF), data=county_data())
    model.step_order = [s for s in model.step_order if s != "classification"]
    model.run()
    with_layer = CountyModel(config(**OFF), data=county_data())
    with_layer.classification.mergers = with_layer.classification.mergers.iloc[:0]
    with_layer.run()
    np.testing.assert_array_equal(model.geo.code, with_layer.geo.code)


def test_town_seats_grow_over_their_nearest_rural_villages_and_township_seats_do_not() -> None:
    """Seat growth joins 122 villages only in towns, nearest the seat first (administrative
    villages: one merged away shares the code of the village it joined)."""
    model = run(config(**{**OFF, "seat_growth_share": 0.5}))
    geo = model.geo
    joined = np.flatnonzero((geo.kind == PlaceKind.VILLAGE) & (geo.code == 122))
    joined = joined[geo.merged_into[joined] == joined]
    start = CountyModel(config(**OFF), data=county_data()).geo
    new = joined[start.code[joined] != 122]
    assert new.size == model.state.services.seat_joined > 0
    for t in np.unique(geo.township[new]):
        assert geo.township_is_town[t]
        seat = geo.seat_of[t]
        still_rural = geo.rural_villages(int(t))
        if still_rural.size:
            mine = new[geo.township[new] == t]
            assert geo.distance[seat, mine].max() <= geo.distance[seat, still_rural].min()


def test_zone_becomes_a_special_area_123_only_once_its_residents_reach_the_threshold() -> None:
    """123: with zone residents above 3,000 a village is coded 123; below, none is."""
    many = run(config(end_year=2021, **{**OFF, "zone_residents_per_job": 1.0}))
    assert np.count_nonzero(many.geo.code == 123) == many.state.services.zone_coded > 0
    assert 123 in URBAN_CODES
    few = run(
        config(end_year=2021, **{**OFF, "zone_residents_per_job": 1.0, "zone_min_residents": 1e5})
    )
    assert np.count_nonzero(few.geo.code == 123) == 0


def test_upgrade_joins_a_share_of_the_townships_villages_nearest_first() -> None:
    """撤乡设镇: at the next cut-off, round(share x villages) nearest villages become 122."""
    model = CountyModel(config(**{**OFF, "upgrade_joined_share": 0.5}), data=county_data())
    geo = model.geo
    t = int(np.flatnonzero(~geo.township_is_town)[0])
    villages = np.flatnonzero((geo.kind == PlaceKind.VILLAGE) & (geo.township == t))
    geo.township_is_town[t] = True
    geo.reclassify(int(geo.seat_of[t]), 121)
    model.classification.cutoff(2021)
    joined = villages[geo.code[villages] == 122]
    assert joined.size == round(0.5 * villages.size)
    rest = villages[geo.code[villages] == 220]
    seat = geo.seat_of[t]
    assert geo.distance[seat, joined].max() <= geo.distance[seat, rest].min()
    model.classification.cutoff(2022)  # only once per upgrade
    assert np.count_nonzero(geo.code[villages] == 122) == joined.size


def test_village_merged_into_an_urban_village_becomes_urban_with_its_residents() -> None:
    """A merger gives the merged village the code of the one it joins; later codes follow."""
    model = CountyModel(config(**OFF), data=county_data())
    geo = model.geo
    fringe = int(np.flatnonzero((geo.kind == PlaceKind.VILLAGE) & (geo.code == 122))[0])
    t = geo.township[fringe]
    rural = geo.rural_villages(int(t))
    geo.merge(int(rural[0]), fringe)
    assert geo.code[rural[0]] == 122 and geo.urban[rural[0]]
    assert rural[0] not in geo.administrative_villages
    geo.reclassify(fringe, 112)
    assert geo.code[rural[0]] == 112
    with pytest.raises(ValueError):
        geo.merge(int(rural[1]), int(rural[0]))  # merged away: not a village to merge into


def test_rule_merges_the_smallest_rural_village_into_its_nearest() -> None:
    """merge_villages: the smallest rural village by residents merges into its nearest."""
    model = CountyModel(config(**OFF), data=county_data())
    geo = model.geo
    t = 1
    rural = geo.rural_villages(t)
    size = model.census.residents_by_place[rural]
    small = int(rural[np.argmin(size)])
    admin = geo.administrative_villages
    others = admin[(geo.township[admin] == t) & (admin != small)]
    nearest = int(others[np.argmin(geo.distance[small, others])])
    before = geo.administrative_villages.size
    model.classification.merge_villages(t, 1)
    assert geo.merged_into[small] == nearest
    assert geo.administrative_villages.size == before - 1


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "county"
    shutil.copytree(county_data().directory, folder)
    return folder


def test_folder_codes_override_the_rules_at_their_years_cutoff(tmp_path: Path) -> None:
    """village_codes.csv sets a village's code at the cut-off of its year, rules aside."""
    folder = _folder(tmp_path)
    code = county_data().townships["code"].astype(str).iloc[1]
    (folder / "village_codes.csv").write_text(
        "year,township_code,village,code,source,confidence,note\n"
        f"2021,{code},20,123,test,estimate,a park\n",
        encoding="utf-8",
    )
    data = load_county_data(folder)
    model = CountyModel(config(end_year=2021, **ON), data=data)
    geo = model.geo
    place = np.flatnonzero((geo.kind == PlaceKind.VILLAGE) & (geo.township == 1))[19]
    assert geo.pinned[place] and geo.code[place] == 220
    model.run()
    assert geo.code[place] == 123 and model.state.services.overridden == 1


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ("2021,{code},20,130,s,estimate,n", "is not an urban-rural code"),
        ("2021,999,20,122,s,estimate,n", "is not in townships.csv"),
        ("2021,{code},9999,122,s,estimate,n", "does not exist"),
        ("twenty,{code},1,122,s,estimate,n", "is not an integer"),
    ],
)
def test_bad_village_codes_file_is_refused_in_one_line(
    tmp_path: Path, row: str, needle: str
) -> None:
    """Bad input: one line saying what is wrong and how to fix it."""
    folder = _folder(tmp_path)
    code = county_data().townships["code"].astype(str).iloc[1]
    (folder / "village_codes.csv").write_text(
        "year,township_code,village,code,source,confidence,note\n" + row.format(code=code) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err:
        CountyModel(config(end_year=2021, **OFF), data=load_county_data(folder))
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_dated_village_mergers_of_the_folder_happen_in_their_month(tmp_path: Path) -> None:
    """village_mergers.csv: that many villages of the township merge in the month given."""
    folder = _folder(tmp_path)
    code = county_data().townships["code"].astype(str).iloc[2]
    (folder / "village_mergers.csv").write_text(
        "date,township_code,villages,source,confidence,note\n"
        f"2021-03-31,{code},3,test,estimate,three merge\n",
        encoding="utf-8",
    )
    model = CountyModel(config(end_year=2021, **OFF), data=load_county_data(folder))
    before = model.geo.administrative_villages.size
    while model.date_label < "2021-02-28":
        model.step()
    assert model.geo.administrative_villages.size == before
    model.step()
    assert model.date_label == "2021-03-31"
    assert model.geo.administrative_villages.size == before - 3
    assert model.state.services.merged == 3


def test_run_writes_the_split_beside_the_county_series(tmp_path: Path) -> None:
    """rate_change.parquet is a run output, labelled like county.parquet."""
    from hdsim.run import run_and_write

    cfg = config(end_year=2021, **ON)
    run_and_write(cfg, 0, tmp_path / "run", county_data())
    split = pd.read_parquet(tmp_path / "run" / "rate_change.parquet")
    assert {"scenario", "replicate", "year", "part", "component", "value"} <= set(split.columns)
    assert set(split["part"]) == {"statistical", "behavioural"}


def test_published_rate_error_grows_with_the_years_since_the_census() -> None:
    """Error model: sd at the census is the level sd; it grows by the drift a year after."""
    bias0, sd0 = annual_estimate_error(0.0)
    bias9, sd9 = annual_estimate_error(9.0)
    assert bias0 == 0.0 and sd0 == pytest.approx(0.004)
    assert sd9 == pytest.approx(np.hypot(0.004, 9 * ESTIMATE_DRIFT_SD))
    assert pytest.approx(0.457 - 0.390, abs=0.002) == 9 * ESTIMATE_DRIFT_SD
    assert bias9 == 0.0


def test_target_bias_shifts_the_standardised_error() -> None:
    """A published figure expected above the census basis by ``bias``: z = (sim + bias - obs)/sd."""
    base = dict(
        id="rate_2019", group="bulletin_2019", kind="point", statistic="level",
        indicator="urbanization_rate", start=None, date=pd.Timestamp("2019-12-31"),
        value=0.457, sd=0.01, lo=float("nan"), hi=float("nan"), unit="fraction", source="s",
        confidence="quoted", note="",
    )  # fmt: skip
    plain = TargetSet((Target(**base),), None, "x")
    biased = TargetSet((Target(**base, bias=0.06),), None, "x")
    sim = np.array([0.397])
    assert standardised_errors(sim, plain)[0] == pytest.approx(-6.0)
    assert standardised_errors(sim, biased)[0] == pytest.approx(0.0)


def test_code_lists_hold_every_place_at_the_census_each_cutoff_and_the_end() -> None:
    """The run's code lists: one at t0, one per cut-off month, one at the end; each list's
    urban residents are the county series' urban population of its month, to the person."""
    model = run(config(end_year=2022, **ON))
    lists = model.recorder.code_list_frame()
    dates = sorted(lists["date"].unique())
    assert [str(d)[:7] for d in dates] == ["2020-11", "2021-06", "2022-06", "2022-12"]
    in_county = int(np.count_nonzero(model.geo.kind != PlaceKind.OUTSIDE))
    assert (lists.groupby("date").size() == in_county).all()
    assert set(lists["code"]) <= {111, 112, 121, 122, 123, 210, 220}
    assert (lists["urban"] == lists["code"].isin(URBAN_CODES)).all()
    county = model.recorder.county_wide()
    for date, one in lists.groupby("date"):
        urban = one.loc[one["urban"], "residents"].sum()
        assert urban == pytest.approx(county.loc[date, "urban_population"], abs=1e-6)


def test_code_list_ranks_are_those_of_village_codes_csv_and_merged_villages_share_codes() -> None:
    """A row's (township, village) is the village ``village_codes.csv`` would name, its code is
    that village's code at the end, and a merged village carries its administrative one's."""
    model = run(config(end_year=2022, **ON))
    geo = model.geo
    lists = model.recorder.code_list_frame()
    last = lists[lists["date"] == lists["date"].max()]
    villages = last[last["settlement"] == "village"]
    for t, one in villages.groupby("township_code"):
        index = geo.township_codes.index(str(t))
        for row in one.itertuples(index=False):
            place = model.classification._village(index, int(row.village))
            assert geo.code[place] == row.code
        admin = one.set_index("village")["code"]
        assert (one["code"].to_numpy() == admin[one["administrative_village"]].to_numpy()).all()
    assert (villages["administrative_village"] != villages["village"]).sum() == (
        model.state.services.merged
    )
    assert (last.loc[last["settlement"] != "village", "village"] == 0).all()


def test_code_lists_change_only_where_the_layer_or_the_city_recoded() -> None:
    """With every pace of the layer off, no built-up growth, no dated upgrade or merger, every
    list equals the census day's; with the rules on, some village's code changes."""
    cfg = config(townships={"builtup_growth_share": 0.0, "builtup_pressure": 0.0}, **OFF)
    model = CountyModel(cfg, data=county_data())
    model.admin.pending.clear()
    model.classification.mergers = model.classification.mergers.iloc[:0]
    lists = model.run().recorder.code_list_frame()
    first = lists[lists["date"] == lists["date"].min()]["code"].to_numpy()
    for _, one in lists.groupby("date"):
        assert (one["code"].to_numpy() == first).all()
    moving = run(config(end_year=2022, **ON)).recorder.code_list_frame()
    assert (moving.groupby("date")["code"].apply(tuple).nunique()) > 1
