"""Village mergers (合村并组) when they happened: the 2020 folder starts with the census-day
villages.

The 2010 folder (``hdsim/data/hongtong_2010``) dates the 463 -> 325 mergers at the 2019, 2020 and
2021 code-list cut-offs; the 2020 folder (``hdsim/data/hongtong``, census day 2020-11-01) starts
with the 325 villages of the 2021 list plus the mergers of the 2021-06-30 cut-off, which its own
``village_mergers.csv`` lists, and the statistical layer (``mechanisms/classification.py``)
makes them in June 2021.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import county_data
from test_classification import config

from hdsim.data import EMBEDDED_DIR
from hdsim.mechanisms.classification import VILLAGE_MERGERS_FILE
from hdsim.model.config import HdsimConfig
from hdsim.model.model import CountyModel
from hdsim.state.places import PlaceKind

SCALE = 0.02
FOLDER_2010 = EMBEDDED_DIR.parent / "hongtong_2010"
CENSUS_DAY = "2020-11-01"

LAYER_OFF = {
    "seat_growth_share": 0.0,
    "seat_pressure": 0.0,
    "zone_residents_per_job": 0.0,
    "upgrade_joined_share": 0.0,
    "merger_share_per_year": 0.0,
}
"""Every rule of the statistical layer off but the folder's dated mergers."""


def _csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _code_map() -> dict[str, str]:
    """Township codes of the 2010 units -> the 2020 folder's unit (admin_changes.csv)."""
    changes = _csv(EMBEDDED_DIR / "admin_changes.csv")
    return {
        old: row.township_code
        for row in changes.itertuples(index=False)
        for old in row.from_codes.split(";")
    }


def _mergers_2020() -> pd.DataFrame:
    return _csv(EMBEDDED_DIR / VILLAGE_MERGERS_FILE)


def _dated_after_census(frame: pd.DataFrame) -> int:
    return int(frame.loc[frame["date"] >= CENSUS_DAY, "villages"].astype(int).sum())


def _config(end_year: int = 2021) -> HdsimConfig:
    """The layer's rules and the county city's growth off: only the dated mergers recode."""
    return config(
        end_year, townships={"builtup_growth_share": 0.0, "builtup_pressure": 0.0}, **LAYER_OFF
    )


def test_the_two_folders_list_the_same_mergers_after_the_2020_census() -> None:
    """Agreement: the 2020 folder's village_mergers.csv is the 2010 folder's rows dated after
    the census day, row for row (date, villages, source, confidence and note identical), with
    the 2010 township codes mapped to the 2020 units by admin_changes.csv (辛村乡 -> 辛村镇,
    山头乡 and 左木乡 -> 山目乡)."""
    old = _csv(FOLDER_2010 / VILLAGE_MERGERS_FILE)
    old = old[old["date"] >= CENSUS_DAY].copy()
    old["township_code"] = old["township_code"].map(lambda c: _code_map().get(c, c))
    new = _mergers_2020()
    key = ["date", "township_code", "note"]
    pd.testing.assert_frame_equal(
        old.sort_values(key).reset_index(drop=True), new.sort_values(key).reset_index(drop=True)
    )
    assert set(new["date"]) == {"2021-06-30"}


def test_both_folders_reach_the_same_2021_village_list_township_by_township() -> None:
    """Each 2020 unit's census-day villages less its mergers after the census equal the 2010
    folder's villages of the same unit(s) less all their mergers: one 2021 list, and its county
    total is county.csv's administrative_villages_2021 (325); the census-day total is
    administrative_villages_census (325 + the mergers after the census)."""
    code_map = _code_map()
    new_t = _csv(EMBEDDED_DIR / "townships.csv").set_index("code")["admin_villages"].astype(int)
    old_t = _csv(FOLDER_2010 / "townships.csv")
    old_m = _csv(FOLDER_2010 / VILLAGE_MERGERS_FILE)
    merged_2010 = old_m.groupby("township_code")["villages"].apply(lambda s: s.astype(int).sum())
    list_2021_from_2010 = (
        old_t.assign(
            unit=old_t["code"].map(lambda c: code_map.get(c, c)),
            left=old_t["admin_villages"].astype(int)
            - old_t["code"].map(merged_2010).fillna(0).astype(int),
        )
        .groupby("unit")["left"]
        .sum()
    )
    after = _mergers_2020().assign(villages=lambda f: f["villages"].astype(int))
    owed = after.groupby("township_code")["villages"].sum().reindex(new_t.index).fillna(0)
    list_2021 = new_t - owed.astype(int)
    pd.testing.assert_series_equal(
        list_2021.sort_index(), list_2021_from_2010.sort_index(), check_names=False
    )
    data = county_data()
    n_after = _dated_after_census(_mergers_2020())
    assert int(list_2021.sum()) == data.figure("administrative_villages_2021") == 325
    assert int(new_t.sum()) == data.figure("administrative_villages_census") == 325 + n_after
    assert n_after > 0


def test_village_count_is_the_census_days_until_the_2021_cutoff_and_the_2021_lists_after() -> None:
    """The model starts with 325 + N administrative villages (N: the folder's mergers after the
    census) and keeps them to May 2021; after the June 2021 cut-off it has the 2021 list's 325,
    township by township."""
    model = CountyModel(_config(), data=county_data())
    geo = model.geo
    n_after = _dated_after_census(_mergers_2020())
    assert geo.villages.size == geo.administrative_villages.size == 325 + n_after
    while model.date_label < "2021-05-31":
        model.step()
    assert geo.administrative_villages.size == 325 + n_after
    model.step()
    assert model.date_label == "2021-06-30"
    assert geo.administrative_villages.size == 325
    assert model.state.services.merged == n_after
    per = np.bincount(geo.township[geo.administrative_villages], minlength=geo.n_townships)
    t = county_data().townships
    owed = _mergers_2020().assign(villages=lambda f: f["villages"].astype(int))
    owed_by = owed.groupby("township_code")["villages"].sum()
    expected = t["admin_villages"].to_numpy() - t["code"].astype(str).map(owed_by).fillna(0)
    np.testing.assert_array_equal(per, expected.astype(int))


def test_merger_conserves_persons_households_and_firms_and_only_raises_the_urban_count() -> None:
    """Conservation: the census-day mergers move no person, household or firm (places, counts
    and residents by place unchanged); the urban count changes only by the NBS rule of the
    layer: it rises by exactly the residents of the rural villages merged into urban-coded ones,
    and no urban village is merged away."""
    model = CountyModel(_config(), data=county_data())
    geo, st = model.geo, model.state
    hh_place = model.households.place[: model.households.n].copy()
    n_persons = int(np.count_nonzero(model.persons.alive[: model.persons.n]))
    firm_place = st.firms.place[: st.firms.n].copy()
    firm_jobs = st.firms.employed[: st.firms.n].copy()
    residents = model.take_census().residents_by_place.copy()
    urban0 = geo.urban.copy()
    code0 = geo.code.copy()
    for row in _mergers_2020().itertuples(index=False):
        model.classification.merge_villages(
            geo.township_index(row.township_code), int(row.villages)
        )
    merged = np.flatnonzero(geo.merged_into != np.arange(geo.n_places))
    assert merged.size == _dated_after_census(_mergers_2020())
    assert np.all(code0[merged] == 220) and np.all(geo.kind[merged] == PlaceKind.VILLAGE)
    np.testing.assert_array_equal(geo.code[merged], code0[geo.merged_into[merged]])
    changed = np.flatnonzero(geo.code != code0)
    assert set(changed) <= set(merged)
    np.testing.assert_array_equal(model.households.place[: model.households.n], hh_place)
    assert int(np.count_nonzero(model.persons.alive[: model.persons.n])) == n_persons
    np.testing.assert_array_equal(st.firms.place[: st.firms.n], firm_place)
    np.testing.assert_array_equal(st.firms.employed[: st.firms.n], firm_jobs)
    np.testing.assert_array_equal(model.take_census().residents_by_place, residents)
    gained = residents[geo.urban].sum() - residents[urban0].sum()
    into_urban = merged[urban0[geo.merged_into[merged]]]
    assert into_urban.size > 0  # the embedded county has rural villages next to urban ones
    assert gained == residents[into_urban].sum() > 0
    assert not np.any(urban0 & ~geo.urban)


def test_june_2021_mergers_are_booked_as_statistical_in_the_rate_change() -> None:
    """Attribution: with every other rule of the layer and the county city's growth off, the
    statistical part of 2021 to June is exactly the mergers' (residents of rural villages merged
    into urban-coded ones, at the start of June), and 2020's is zero."""
    model = CountyModel(_config(), data=county_data())
    geo = model.geo
    while model.date_label < "2021-05-31":
        model.step()
    residents = model.take_census().residents_by_place.copy()
    urban0 = geo.urban.copy()
    model.step()
    merged = np.flatnonzero(geo.merged_into != np.arange(geo.n_places))
    into_urban = merged[urban0[geo.merged_into[merged]]]
    split = model.recorder.rate_change_frame()
    stat = split[(split["part"] == "statistical") & (split["unit"] == "persons")]
    by_year = stat.groupby("year")["value"].sum()
    assert by_year.loc[2020] == 0 and into_urban.size > 0
    np.testing.assert_allclose(by_year.loc[2021], residents[into_urban].sum() * model.weight)


def test_synthesis_spreads_each_townships_village_residents_over_its_census_day_villages() -> None:
    """Placement: every one of the 325 + N census-day villages is inhabited at t0, and each
    township's village residents match its census-day village population (population_2020
    less the seat, as places.py builds the villages) within 5% at scale 0.02 (households of
    50 real persons are the grain)."""
    model = CountyModel(_config(), data=county_data())
    geo = model.geo
    residents = model.take_census().residents_by_place * model.weight
    village = geo.kind == PlaceKind.VILLAGE
    assert np.count_nonzero(village) == 325 + _dated_after_census(_mergers_2020())
    assert residents[village].min() > 0
    for t in range(geo.n_townships):
        mine = village & (geo.township == t)
        target = geo.t0_population[mine].sum()
        assert abs(residents[mine].sum() - target) <= 0.05 * target, geo.township_names[t]
