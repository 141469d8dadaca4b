"""Tests of the embedded county data package (hdsim.data): identities, provenance, validation."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hdsim.data import (
    CONFIDENCE_LEVELS,
    EMBEDDED_DIR,
    SPECS,
    CountyData,
    DataError,
    load_county_data,
    urban_population_from_townships,
)
from hdsim.data.schema import main as schema_main

FILES = sorted(spec.file for spec in SPECS.values())


@pytest.fixture(scope="module")
def data() -> CountyData:
    return load_county_data()


@pytest.fixture()
def copy_dir(tmp_path: Path) -> Path:
    target = tmp_path / "county"
    shutil.copytree(EMBEDDED_DIR, target)
    return target


def _rewrite(path: Path, edit) -> None:
    """Apply ``edit(header, rows)`` (in place) to a CSV file."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    edit(header, body)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *body])


def _assert_one_line(exc: DataError, *parts: str) -> str:
    msg = str(exc)
    assert "\n" not in msg and "\r" not in msg
    for part in parts:
        assert part in msg, (part, msg)
    return msg


# ------------------------------------------------------------------ embedded data


def test_embedded_files_exist() -> None:
    # plus the statistical layer's optional dated village mergers (docs/data.md §10b)
    assert sorted(p.name for p in EMBEDDED_DIR.glob("*.csv")) == sorted(
        [*FILES, "village_mergers.csv"]
    )


def test_loads_and_shapes(data: CountyData) -> None:
    assert data.directory == EMBEDDED_DIR
    assert len(data.townships) == 15
    assert list(data.townships.index) == list(range(15))
    assert len(data.age_sex) == 18
    assert len(data.demography) == 36
    assert data.county.index.name == "key"
    assert pd.api.types.is_datetime64_any_dtype(data.observations["date"])
    assert len(data.checksum) == 64


def test_checksum_is_stable_and_sensitive(copy_dir: Path, data: CountyData) -> None:
    assert load_county_data(copy_dir).checksum == data.checksum
    path = copy_dir / "county.csv"
    path.write_bytes(path.read_bytes() + b"\n")
    assert load_county_data(copy_dir).checksum != data.checksum


def test_census_totals(data: CountyData) -> None:
    f = data.figure
    assert f("resident_population_2020") == 637812
    assert f("family_household_persons_2020") + f("collective_persons_2020") == 637812
    assert f("male_2020") + f("female_2020") == 637812
    assert data.age_sex["male"].sum() == f("male_2020") == 318176
    assert data.age_sex["female"].sum() == f("female_2020") == 319636
    assert data.townships["population_2020"].sum() == 622879
    assert data.townships["admin_villages"].sum() == f("administrative_villages_census") == 366
    assert f("administrative_villages_2021") == 325
    assert data.townships["farmland_mu"].sum() == pytest.approx(1_050_000, abs=0.5)
    assert data.firms["employees_2020"].sum() == f("nonfarm_jobs_2020")


def test_broad_age_groups(data: CountyData) -> None:
    a = data.age_sex
    total = a["male"] + a["female"]
    assert total[a["age_lo"] < 15].sum() == 121760
    assert total[(a["age_lo"] >= 15) & (a["age_lo"] < 60)].sum() == 399048
    assert total[a["age_lo"] >= 60].sum() == 117004
    assert total[a["age_lo"] >= 65].sum() == 76708
    assert total[a["age_lo"] == 60].sum() == 40296


def test_urban_identity(data: CountyData) -> None:
    t = data.townships
    towns = t[t["kind"] == "town"]
    urban = (towns["seat_population_2020"] + towns["fringe_population_2020"]).sum()
    urban += t.loc[t["kind"] == "township", "fringe_population_2020"].sum()
    assert urban + data.figure("collective_persons_2020") == 252220
    assert urban_population_from_townships(t.to_dict("records")) + 14933 == 252220
    seat = t[t["is_county_seat"]]
    assert len(seat) == 1 and seat["name_zh"].iloc[0] == "大槐树镇"
    assert seat["distance_km"].iloc[0] == 0
    assert seat["seat_population_2020"].iloc[0] == data.figure("county_city_population_2020")


def test_townships_code_list(data: CountyData) -> None:
    """2021 codes and names; kinds as at the census (辛村 a 乡 until its dated upgrade)."""
    t = data.townships
    assert (t["kind"] == "town").sum() == 9
    assert (t["kind"] == "township").sum() == 6
    codes = dict(zip(t["code"], t["name_zh"], strict=True))
    assert codes["141024109"] == "辛村镇"
    assert codes["141024207"] == "山目乡"
    upgraded = set(data.admin_changes.loc[data.admin_changes["kind"] == "upgrade", "township_code"])
    assert upgraded == {"141024109"}
    assert set(t.loc[(t["kind"] == "township") & ~t["code"].isin(upgraded), "code"].str[6]) == {
        "2"
    }


def test_household_size_mean(data: CountyData) -> None:
    h = data.household_sizes
    assert list(h["size"]) == list(range(1, 9))
    assert h["share"].sum() == pytest.approx(1.0, abs=1e-9)
    mean = (h["size"] * h["share"]).sum()
    assert abs(mean - 622879 / 223466) < 0.005


def test_rates_and_observations(data: CountyData) -> None:
    obs = data.observations.set_index(["date", "indicator"])["value"]
    assert obs[(pd.Timestamp("2020-11-01"), "urbanization_rate")] == pytest.approx(0.3954)
    assert obs[(pd.Timestamp("2022-12-31"), "urbanization_rate")] == pytest.approx(0.415)
    shanxi = data.observations[data.observations["indicator"] == "shanxi_urbanization_rate"]
    assert set(shanxi["date"].dt.year) == {2020, 2021, 2022, 2023, 2024}
    for key in ("hukou_urbanization_rate_2020", "target_urbanization_rate"):
        assert 0 < data.figure(key) < 1
    assert data.figure("away_persons_2020") == pytest.approx(
        data.figure("registered_population_2020") - data.figure("resident_population_2020")
    )


def test_vital_rates_near_targets(data: CountyData) -> None:
    d = data.demography
    a = data.age_sex
    pop = a["male"].sum() + a["female"].sum()
    deaths = births = 0.0
    for sex in ("male", "female"):
        rates = d[d["sex"] == sex].set_index("age_lo")
        counts = a.set_index("age_lo")[sex]
        deaths += (rates["mortality"] * counts).sum()
        births += (rates["fertility"] * counts).sum()
    assert 6.0 < 1000 * deaths / pop < 8.0
    assert 7.0 < 1000 * births / pop < 9.0
    assert (d.loc[d["sex"] == "male", "fertility"] == 0).all()
    tfr = 5 * d.loc[d["sex"] == "female", "fertility"].sum()
    assert 1.1 < tfr < 1.35


def test_every_seat_has_services_and_jobs(data: CountyData) -> None:
    seat_code = data.townships.loc[data.townships["is_county_seat"], "code"].iloc[0]
    for code in data.townships["code"]:
        centre = "county_city" if code == seat_code else "seat"
        s = data.services[(data.services["township_code"] == code)]
        assert set(s.loc[s["place"] == centre, "service"]) == {"school", "health", "elderly_care"}
        assert set(s.loc[s["place"] == "villages", "service"]) == {
            "school",
            "health",
            "elderly_care",
        }
        jobs = data.firms[
            (data.firms["township_code"] == code) & (data.firms["location"] == centre)
        ]
        assert {"public_services", "other_services"} <= set(jobs["sector"])
    leaders = data.firms[data.firms["chain_leader"]]
    assert len(leaders) == 3
    assert data.services["quality"].between(0, 1).all()
    cc = data.services[data.services["place"] == "county_city"].set_index("service")["quality"]
    best = data.services.groupby("service")["quality"].max()
    assert (cc.sort_index() >= best.sort_index()).all()


@pytest.mark.parametrize("file", FILES)
def test_every_row_has_provenance(file: str) -> None:
    with (EMBEDDED_DIR / file).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for i, row in enumerate(rows, start=2):
        assert row["source"].strip(), (file, i)
        assert row["confidence"] in CONFIDENCE_LEVELS, (file, i)
        if row["confidence"] in ("derived", "estimate"):
            assert row["note"].strip(), (file, i)


def test_provenance_long_form(data: CountyData) -> None:
    p = data.provenance()
    assert list(p.columns) == [
        "file",
        "row",
        "entity",
        "field",
        "value",
        "source",
        "confidence",
        "note",
    ]
    # identity.csv and admin_changes.csv hold names, codes and dates only, no numeric value
    assert set(p["file"]) == set(FILES) - {"identity.csv", "admin_changes.csv"}
    assert p["source"].str.len().gt(0).all()
    assert set(p["confidence"]) <= set(CONFIDENCE_LEVELS)
    hit = p[(p["file"] == "county.csv") & (p["entity"] == "urban_population_2020")]
    assert hit["value"].tolist() == [252220.0]
    assert hit["confidence"].tolist() == ["quoted"]
    town = p[(p["file"] == "townships.csv") & (p["field"] == "distance_km")]
    assert len(town) == 15 and town["row"].min() == 2 and town["row"].max() == 16


def test_figure_missing_key(data: CountyData) -> None:
    with pytest.raises(KeyError) as info:
        data.figure("no_such_key")
    assert isinstance(info.value, DataError)
    _assert_one_line(info.value, "county.csv", "no_such_key")


# ------------------------------------------------------------------ broken copies


def test_non_numeric_distance(copy_dir: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        rows[2][header.index("distance_km")] = "about 10"

    _rewrite(copy_dir / "townships.csv", edit)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "townships.csv", "row 4", "column 'distance_km'", "not a number")


def test_unknown_township_code_in_firms(copy_dir: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        rows[4][header.index("township_code")] = "141024999"

    _rewrite(copy_dir / "firms.csv", edit)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "firms.csv", "row 6", "column 'township_code'", "141024999")


def test_missing_column(copy_dir: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("quality")
        del header[i]
        for row in rows:
            del row[i]

    _rewrite(copy_dir / "services.csv", edit)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "services.csv", "column 'quality'", "missing column")


def test_duplicated_key(copy_dir: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        rows.append(list(rows[0]))

    _rewrite(copy_dir / "county.csv", edit)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    n_lines = len((copy_dir / "county.csv").read_text(encoding="utf-8").splitlines())
    _assert_one_line(
        info.value, "county.csv", f"row {n_lines}", "column 'key'", "duplicate", "row 2"
    )


def test_missing_file(copy_dir: Path) -> None:
    (copy_dir / "demography.csv").unlink()
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "demography.csv", "not found")


def test_unknown_category(copy_dir: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        rows[0][header.index("sector")] = "mining"

    _rewrite(copy_dir / "firms.csv", edit)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "firms.csv", "row 2", "column 'sector'", "mining")


def test_out_of_range_quality(copy_dir: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        rows[1][header.index("quality")] = "1.5"

    _rewrite(copy_dir / "services.csv", edit)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "services.csv", "row 3", "column 'quality'", "maximum")


def test_invalid_confidence_and_empty_note(copy_dir: Path) -> None:
    def bad_conf(header: list[str], rows: list[list[str]]) -> None:
        rows[0][header.index("confidence")] = "guess"

    _rewrite(copy_dir / "observations.csv", bad_conf)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "observations.csv", "row 2", "column 'confidence'")

    shutil.copy(EMBEDDED_DIR / "observations.csv", copy_dir / "observations.csv")

    def no_note(header: list[str], rows: list[list[str]]) -> None:
        rows[0][header.index("note")] = ""

    _rewrite(copy_dir / "townships.csv", no_note)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "townships.csv", "row 2", "column 'note'", "estimate")


def test_cross_table_age_total(copy_dir: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("male")
        rows[5][i] = str(int(rows[5][i]) + 1)

    _rewrite(copy_dir / "age_sex.csv", edit)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "age_sex.csv", "column 'male'", "male_2020")


def test_cross_table_household_shares(copy_dir: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("share")
        rows[0][i] = f"{float(rows[0][i]) + 0.01:.4f}"

    _rewrite(copy_dir / "household_sizes.csv", edit)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "household_sizes.csv", "column 'share'", "sum to 1")


def test_cross_table_urban_identity(copy_dir: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("fringe_population_2020")
        j = header.index("population_2020")
        rows[1][i] = str(int(rows[1][i]) + 100)
        rows[1][j] = str(int(rows[1][j]))

    _rewrite(copy_dir / "townships.csv", edit)
    with pytest.raises(DataError) as info:
        load_county_data(copy_dir)
    _assert_one_line(info.value, "townships.csv", "urban_population_2020")


def test_user_folder_with_same_files_loads(copy_dir: Path) -> None:
    loaded = load_county_data(str(copy_dir))
    assert loaded.directory == copy_dir.resolve()
    assert loaded.figure("urban_population_2020") == 252220


# ------------------------------------------------------------------ CLI


def test_cli_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert schema_main([str(EMBEDDED_DIR)]) == 0
    assert capsys.readouterr().out.strip() == f"ok: {len(FILES)} files valid"


def test_cli_broken_folder_exits_1(copy_dir: Path) -> None:
    (copy_dir / "firms.csv").unlink()
    proc = subprocess.run(
        [sys.executable, "-m", "hdsim.data.schema", str(copy_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("firms.csv: ")
    assert proc.stderr == ""


# ------------------------------------------------------------------ required and optional keys

OPTIONAL_IN_EMBEDDED = (
    "huaxiang_park_jobs_planned",
    "dahuaishu_visitors_2018",
    "dahuaishu_staff_2018",
    "resident_population_2022",
    "urban_population_2022",
    "registered_population_2020",
    "gdp_2019_yi",
)


def test_keys_no_model_code_reads_are_optional(copy_dir: Path) -> None:
    """A folder without the landmark and post-census keys still validates."""

    def drop(header: list[str], body: list[list[str]]) -> None:
        body[:] = [r for r in body if r[0] not in OPTIONAL_IN_EMBEDDED]

    _rewrite(copy_dir / "county.csv", drop)
    data = load_county_data(copy_dir)
    assert not set(OPTIONAL_IN_EMBEDDED) & set(data.county.index)


@pytest.mark.parametrize("key", ["away_persons_2020", "target_year", "area_km2"])
def test_a_key_the_model_reads_is_required(copy_dir: Path, key: str) -> None:
    _rewrite(
        copy_dir / "county.csv", lambda h, body: body.remove(next(r for r in body if r[0] == key))
    )
    with pytest.raises(DataError) as err:
        load_county_data(copy_dir)
    _assert_one_line(err.value, "county.csv", f"required key '{key}' is missing")


def test_optional_key_is_range_checked(copy_dir: Path) -> None:
    def bad(header: list[str], body: list[list[str]]) -> None:
        next(r for r in body if r[0] == "shanxi_urbanization_2020")[1] = "62.53"

    _rewrite(copy_dir / "county.csv", bad)
    with pytest.raises(DataError) as err:
        load_county_data(copy_dir)
    _assert_one_line(err.value, "county.csv", "shanxi_urbanization_2020", "fractions as 0..1")


def test_identity_names_and_a_six_digit_code(copy_dir: Path, data: CountyData) -> None:
    assert len(data.name("code")) == 6 and data.name("name_zh") and data.name("name_en")

    def bad(header: list[str], body: list[list[str]]) -> None:
        next(r for r in body if r[0] == "code")[1] = "14102"

    _rewrite(copy_dir / "identity.csv", bad)
    with pytest.raises(DataError) as err:
        load_county_data(copy_dir)
    _assert_one_line(err.value, "identity.csv", "6-digit county division code")


def test_no_source_cites_the_internal_fact_sheet() -> None:
    """Sources name the public documents, not the project's internal notes."""
    for path in [*EMBEDDED_DIR.glob("*.csv"), *(EMBEDDED_DIR.parent / "calibration").glob("*.csv")]:
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if "source" in row:
                    assert "facts" not in row["source"], (path.name, row["source"])
