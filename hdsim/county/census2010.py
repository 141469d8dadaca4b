"""A county folder at the 2010 census: the 2010 county row, what 2010 lacks carried from 2020.

The engine synthesises its population at the census day of a county folder (the ``year`` of
``family_households_2020`` and the date of the census ``resident_population`` observation); the
keys keep their ``_2020`` names, which name the engine's t0 slot. :func:`tables_2010` turns the
rows of a 2020 folder (the scaffold's :func:`hdsim.county.scaffold.build_tables`, or a curated
folder such as the embedded one) into the rows of a folder at 2010-11-01:

- **from the 2010 county table** (``official``): residents, sexes, 5-year age groups by sex,
  urban and rural residents, family households and their persons, household types, households
  with persons aged 65+, registered (户籍) population and its 非农业户口 share, residents
  registered in another township (迁入人口 by origin);
- **carried from the 2020 folder by stated rules** (``estimate``, the rule in each note):
  the township split (each unit's urban part scaled by the county's urban ratio 2010/2020, its
  rural part by the rural ratio), the county city (the seat unit's scaled seat), its housing and
  built-up area (same persons per dwelling and per km²), jobs (scaled by the residents aged
  15-59), firms (their 2020 shares), services, land, schedules and the settlement pattern;
- **the 2020-11 to 2021 administrative changes undone**: a unit of the 2020 folder named as the
  result of an upgrade or merger after the 2010 census gets back its earlier code(s) and name(s)
  of the 2020-06-30 code list (a merged unit split in equal shares), and the folder's
  ``admin_changes.csv`` keeps no change after t0.

Figures observed after t0 (2020 census rows, later bulletins, provincial 2020 rates) are left
out: they are what a hindcast predicts. :func:`write_folder_2010` writes and validates the
folder atomically. The 2010 table's full columns are shipped as
``tables/census_county_2010_structure.csv.gz`` (:func:`extract_structure` rebuilds it).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from hdsim.county.census import CENSUS_2010_SOURCE, TABLES_DIR, townships_of
from hdsim.county.estimate import largest_remainder, size_shares
from hdsim.data.spec import AGE_GROUPS, SPECS
from hdsim.data.table import DataError

Row = dict[str, Any]

STRUCTURE_FILE: str = "census_county_2010_structure.csv.gz"
"""Shipped extract of the 2010 county table (every county, the columns below)."""

CENSUS_DAY: str = "2010-11-01"
"""Census day of the 6th census (t0 of a 2010 folder)."""

_AGES: tuple[str, ...] = (
    "1-4岁",
    *(f"{a}-{a + 4}岁" for a in range(5, 85, 5)),
    "85岁及以上",
)

STRUCTURE_COLUMNS: tuple[str, ...] = (
    "区划代码",
    "地区",
    "合计",
    "男",
    "女",
    "户籍人口",
    "非农业户口人口比重（%）",
    "城镇人口",
    "乡村人口",
    "户数",
    "人口数",
    "一人户",
    "一代户",
    "二代户",
    "三代户",
    "四代以上户",
    "有65岁及以上老年人口的户数（户）-合计",
    "有65岁及以上老年人口的户数（户）-有一个老人",
    "有65岁及以上老年人口的户数（户）-有二个老人",
    "有65岁及以上老年人口的户数（户）-有三个及以上老人",
    "出生率（‰）",
    "死亡率（‰）",
    "迁入人口（人）-本县（市）/本市市区",
    "迁入人口（人）-本省其他县（市）、市区",
    "迁入人口（人）-外省",
    *(f"{a}（{s}）" for a in ("0岁", *_AGES) for s in ("男", "女")),
)
"""Columns of the 2010 table kept in the shipped extract (header line breaks removed)."""

T0_NOTE: str = (
    "t0 figure: 6th census (2010-11-01); the key's _2020 suffix names the engine's census slot"
)

HOUSEHOLD_KEYS: tuple[tuple[str, str], ...] = (
    ("one_person_households_2020", "一人户"),
    ("one_generation_households_2020", "一代户"),
    ("two_generation_households_2020", "二代户"),
    ("three_generation_households_2020", "三代户"),
    ("four_plus_generation_households_2020", "四代以上户"),
    ("households_with_65_plus_2020", "有65岁及以上老年人口的户数（户）-合计"),
    ("households_one_65_plus_2020", "有65岁及以上老年人口的户数（户）-有一个老人"),
    ("households_two_65_plus_2020", "有65岁及以上老年人口的户数（户）-有二个老人"),
    ("households_three_plus_65_plus_2020", "有65岁及以上老年人口的户数（户）-有三个及以上老人"),
    ("away_same_county_2020", "迁入人口（人）-本县（市）/本市市区"),
    ("away_other_county_2020", "迁入人口（人）-本省其他县（市）、市区"),
    ("away_other_province_2020", "迁入人口（人）-外省"),
)
"""county.csv t0 key -> 2010 column (迁入人口 = residents registered in another township)."""

CARRIED_KEYS: frozenset[str] = frozenset(
    {
        "county_city_housing_price_2020",
        "urban_disposable_income_2020",
        "rural_disposable_income_2020",
        "cultivated_land_mu",
        "area_km2",
        "target_urbanization_rate",
        "target_year",
    }
)
"""Inputs the 2010 table lacks, carried unchanged from the 2020 folder (flagged estimate)."""

DROPPED_PREFIXES: tuple[str, ...] = (
    "resident_population_20",
    "urban_population_20",
    "urbanization_rate_20",
    "shanxi_",
    "province_",
    "registered_population_20",
)
"""Keys observed on or after the 2020 census (held out), or replaced by a t0 key."""


@dataclass(frozen=True)
class Census2010:
    """One county's row of the 2010 county table.

    Attributes:
        code: 6-digit county code.
        values: Column (of :data:`STRUCTURE_COLUMNS`) -> number (missing values dropped).
        male: Males by the 18 age groups of ``age_sex.csv``.
        female: Females by the 18 age groups.
    """

    code: str
    values: dict[str, float]
    male: tuple[int, ...]
    female: tuple[int, ...]

    def get(self, column: str) -> int:
        """A count of the row, rounded.

        Raises:
            DataError: If the 2010 table gives no value for this county.
        """
        if column not in self.values:
            raise DataError(
                f"2010 census table: county {self.code} has no value for '{column}'; "
                "build its 2010 folder by hand"
            )
        return round(self.values[column])

    @property
    def total(self) -> int:
        """Residents."""
        return self.get("合计")

    @property
    def urban(self) -> int:
        """Urban residents."""
        return self.get("城镇人口")

    @property
    def family_persons(self) -> int:
        """Persons in family households."""
        return self.get("人口数")

    @property
    def broad(self) -> dict[str, int]:
        """Broad age groups (t0 keys) as sums of the 5-year groups."""
        tot = [m + f for m, f in zip(self.male, self.female, strict=True)]
        return {
            "age_0_14_2020": sum(tot[:3]),
            "age_15_59_2020": sum(tot[3:12]),
            "age_60_plus_2020": sum(tot[12:]),
            "age_65_plus_2020": sum(tot[13:]),
        }


def _clean(header: str) -> str:
    return header.replace("\n", "").replace("）)", "）").replace("女)", "女）").strip()


def extract_structure(source: Path, out: Path | None = None) -> int:
    """Write the shipped extract of the 2010 county table from its CSV copy.

    Args:
        source: ``census_county_2010.csv`` (the CSV copy of ``leiii/census``'s xlsx).
        out: The gzip file to write (default: the shipped one).

    Returns:
        Number of county rows written (rows with a 6-digit code).
    """
    with source.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = [_clean(h) for h in rows[0]]
    index = [header.index(c) for c in STRUCTURE_COLUMNS]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(STRUCTURE_COLUMNS)
    n = 0
    for r in rows[1:]:
        code = r[1].strip()
        if len(code) == 6 and code.isdigit():
            writer.writerow([r[i].strip() for i in index])
            n += 1
    (out or TABLES_DIR / STRUCTURE_FILE).write_bytes(
        gzip.compress(buf.getvalue().encode("utf-8"), mtime=0)
    )
    return n


@lru_cache(maxsize=1)
def _structure() -> dict[str, dict[str, str]]:
    text = gzip.decompress((TABLES_DIR / STRUCTURE_FILE).read_bytes()).decode("utf-8")
    return {r["区划代码"]: r for r in csv.DictReader(io.StringIO(text))}


def census_2010(code: str) -> Census2010:
    """One county's 2010 row.

    Raises:
        DataError: If the 2010 table has no county with this code (codes changed since 2010
            are not mapped).
    """
    raw = _structure().get(code)
    if raw is None:
        raise DataError(
            f"--code {code}: the 2010 census table has no county with this code (it may have "
            "had another code in 2010); build its 2010 folder by hand"
        )
    values: dict[str, float] = {}
    for key, text in raw.items():
        try:
            values[key] = float(text)
        except ValueError:
            continue
    male = [round(values["0岁（男）"] + values["1-4岁（男）"])]
    female = [round(values["0岁（女）"] + values["1-4岁（女）"])]
    for col in _AGES[1:]:
        male.append(round(values[f"{col}（男）"]))
        female.append(round(values[f"{col}（女）"]))
    assert len(male) == len(AGE_GROUPS)
    return Census2010(code, values, tuple(male), tuple(female))


def _key(key: str, value: float, unit: str, source: str, conf: str, note: str) -> Row:
    return {
        "key": key,
        "value": value,
        "unit": unit,
        "year": 2010,
        "source": source,
        "confidence": conf,
        "note": note,
    }


def _undo_changes(
    towns: list[Row], changes: Iterable[Row], code: str
) -> tuple[list[Row], dict[str, list[str]]]:
    """The 2020 folder's units with the changes after 2010-11-01 undone (earlier codes).

    Returns:
        The units, and each undone unit's code -> its earlier codes.
    """
    undone: dict[str, list[str]] = {}
    names = {t.code: (t.name_zh, t.name_pinyin, t.level) for t in townships_of(code)}
    by_code = {t["code"]: dict(t) for t in towns}
    for ch in changes:
        if str(ch["date"]) <= CENSUS_DAY or ch["to_code"] not in by_code:
            continue
        new = by_code.pop(ch["to_code"])
        olds = [c for c in str(ch["from_codes"]).split(";") if c]
        undone[str(ch["to_code"])] = olds
        split = {
            col: largest_remainder([1.0] * len(olds), round(float(new[col])))
            for col in (
                "population_2020",
                "seat_population_2020",
                "fringe_population_2020",
                "admin_villages",
                "farmland_mu",
            )
        }
        for i, old in enumerate(olds):
            zh, py, level = names.get(old, (new["name_zh"], new["name_pinyin"], "township"))
            row = dict(new)
            row.update({col: split[col][i] for col in split})
            row.update(
                code=old,
                name_zh=zh,
                name_pinyin=py,
                kind="township" if level == "township" else "town",
                confidence="estimate",
                note=(
                    f"{zh} ({old}): unit before the {ch['kind']} of {ch['date']} into "
                    f"{ch['to_name_zh']} ({ch['to_code']}); "
                    + (
                        f"{new['name_zh']}'s figures split in {len(olds)} equal shares "
                        "(no split in the tables); "
                        if len(olds) > 1
                        else ""
                    )
                    + str(new["note"])
                ),
            )
            by_code[old] = row
    return sorted(by_code.values(), key=lambda t: t["code"]), undone


def _recode(rows: list[Row], undone: dict[str, list[str]], split_column: str | None) -> list[Row]:
    """Firm or service rows of undone units given the earlier codes.

    A row of a merged unit is repeated for each earlier unit with ``split_column`` split in
    equal shares (services: each unit keeps a seat and a villages row); without a split column
    (firms) it goes to the first earlier unit.
    """
    out: list[Row] = []
    for r in rows:
        olds = undone.get(str(r["township_code"]))
        if not olds:
            out.append(r)
            continue
        if split_column is None or len(olds) == 1:
            out.append({**r, "township_code": olds[0]})
            continue
        parts = largest_remainder([1.0] * len(olds), round(float(r[split_column])))
        for old, n in zip(olds, parts, strict=True):
            out.append(
                {
                    **r,
                    "township_code": old,
                    split_column: n,
                    "note": f"{len(olds)} equal shares of the merged unit's row; {r['note']}",
                }
            )
    return out


def _urban_part(t: Row) -> int:
    seat = int(t["seat_population_2020"]) if t["kind"] == "town" else 0
    return seat + int(t["fringe_population_2020"])


def _scale_townships(
    towns: list[Row], urban_f: int, rural_f: int, villages: int
) -> list[Row]:
    """Each unit's urban part scaled to the 2010 urban, its rural part to the 2010 rural total."""
    n = len(towns)
    urban_w = [float(_urban_part(t)) for t in towns]
    rural_w = [float(int(t["population_2020"]) - _urban_part(t)) for t in towns]
    # urban components: seats of towns and fringes, split in one pass so they sum exactly
    comp_w = [float(t["seat_population_2020"]) if t["kind"] == "town" else 0.0 for t in towns]
    comp_w += [float(t["fringe_population_2020"]) for t in towns]
    comps = largest_remainder(comp_w, urban_f)
    rural = largest_remainder(rural_w, rural_f)
    vill = largest_remainder([float(t["admin_villages"]) for t in towns], villages)
    r_ratio = rural_f / max(sum(rural_w), 1.0)
    u_ratio = urban_f / max(sum(urban_w), 1.0)
    out = []
    for i, t in enumerate(towns):
        seat_u, fringe = comps[i], comps[n + i]
        seat = seat_u if t["kind"] == "town" else min(
            rural[i], round(float(t["seat_population_2020"]) * r_ratio)
        )
        row = dict(t)
        row.update(
            population_2020=seat_u + fringe + rural[i],
            seat_population_2020=seat,
            fringe_population_2020=fringe,
            admin_villages=max(1, vill[i]),
            confidence="estimate",
            note=(
                f"2010 estimate: the 2020 folder's urban part x {u_ratio:.4f} (county urban "
                f"family-household residents 2010/2020) and rural part x {r_ratio:.4f} (rural "
                f"2010/2020), largest-remainder integers; villages scaled to {villages}. "
                f"2020 row: {t['note']}"
            ),
        )
        out.append(row)
    extra = sum(r["admin_villages"] for r in out) - villages
    if extra > 0:  # the floor of 1 village per unit; take them back from the largest
        for r in sorted(out, key=lambda r: -int(r["admin_villages"]))[:extra]:
            r["admin_villages"] = int(r["admin_villages"]) - 1
    return out


def _county_rows(
    base: list[Row], c: Census2010, cc: int, ratios: dict[str, float], villages: int,
    villages_source: str,
) -> list[Row]:
    """``county.csv`` at 2010: t0 keys from the 2010 row, inputs carried by the stated rules."""
    old = {r["key"]: r for r in base}
    src = CENSUS_2010_SOURCE
    total, fam_hh, fam_p = c.total, c.get("户数"), c.family_persons
    coll_p = total - fam_p
    per_coll = float(old["collective_persons_2020"]["value"]) / max(
        float(old["collective_households_2020"]["value"]), 1.0
    )
    registered = c.get("户籍人口")
    nonfarm = round(c.values["非农业户口人口比重（%）"] / 100, 4)
    rows = [
        _key("resident_population_2020", total, "persons", src, "official", T0_NOTE),
        _key("family_households_2020", fam_hh, "households", src, "official", T0_NOTE),
        _key("family_household_persons_2020", fam_p, "persons", src, "official", T0_NOTE),
        _key(
            "collective_persons_2020", coll_p, "persons", src, "derived",
            f"{total} residents - {fam_p} family-household persons; {T0_NOTE}",
        ),
        _key(
            "collective_households_2020", max(1, round(coll_p / per_coll)), "households",
            "rule: the 2020 folder's persons per collective household", "estimate",
            f"{coll_p} / {per_coll:.3f} persons per collective household (2020 folder)",
        ),
        _key("male_2020", sum(c.male), "persons", src, "official", T0_NOTE),
        _key("female_2020", sum(c.female), "persons", src, "official", T0_NOTE),
        *(
            _key(k, v, "persons", src, "derived", f"sum of the 5-year groups; {T0_NOTE}")
            for k, v in c.broad.items()
        ),
        _key("urban_population_2020", c.urban, "persons", src, "official", T0_NOTE),
        _key(
            "urbanization_rate_2020", round(c.urban / total, 6), "fraction", src, "derived",
            f"{c.urban} / {total}",
        ),
        _key(
            "registered_population_2020", registered, "persons", src, "official",
            f"户籍人口 at the 2010 census; {T0_NOTE}",
        ),
        _key(
            "away_persons_2020", max(0, registered - total), "persons", src, "derived",
            f"{registered} registered - {total} residents: hukou holders living outside",
        ),
        _key(
            "hukou_urbanization_rate_2020", nonfarm, "fraction", src, "official",
            "非农业户口人口比重 of the 2010 table (the 2010 measure of the hukou rate)",
        ),
    ]
    for key, col in HOUSEHOLD_KEYS:
        if col in c.values:
            rows.append(_key(key, c.get(col), "persons" if "away" in key else "households",
                             src, "official", T0_NOTE))
    rules = {
        "county_city_population_2020": (cc, "the county-seat unit's scaled seat (townships.csv)"),
        "county_city_housing_units_2020": (
            round(float(old["county_city_housing_units_2020"]["value"]) * ratios["cc"]),
            f"2020 dwellings x {ratios['cc']:.4f} (county city 2010/2020: same persons per "
            "dwelling)",
        ),
        "county_city_builtup_km2_2020": (
            round(float(old["county_city_builtup_km2_2020"]["value"]) * ratios["cc"], 2),
            f"2020 built-up km2 x {ratios['cc']:.4f} (same persons per km2)",
        ),
        "nonfarm_jobs_2020": (
            ratios["jobs"],
            "2020 jobs x residents aged 15-59 2010/2020 (firms.csv scaled alike)",
        ),
        "administrative_villages_2021": (villages, villages_source),
    }
    for key, (value, rule) in rules.items():
        rows.append(_key(key, value, old[key]["unit"], "rule (see note)", "estimate", rule))
    have = {r["key"] for r in rows}
    for r in base:
        key = r["key"]
        if key in have or key.startswith(DROPPED_PREFIXES):
            continue
        if key in CARRIED_KEYS or str(r["year"]) < "2020":
            row = dict(r)
            if str(r["year"]) >= "2020":
                row.update(
                    confidence="estimate",
                    note=f"carried unchanged from the 2020 folder (no 2010 figure): {r['note']}",
                )
            rows.append(row)
    return rows


def tables_2010(
    code: str, base: dict[str, list[Row]], villages_2010: int | None = None,
    villages_source: str = "",
) -> dict[str, list[Row]]:
    """Rows of a county folder at the 2010 census, from the rows of its 2020 folder.

    Args:
        code: 6-digit county code.
        base: Table name -> rows of the 2020 folder (as :func:`read_folder` returns them).
        villages_2010: Administrative villages at 2010 where known (default: the 2020 count,
            carried).
        villages_source: Source of ``villages_2010``.

    Returns:
        Table name -> rows, ready for :func:`write_folder_2010`.

    Raises:
        DataError: One line if the 2010 table lacks the county or a figure it needs.
    """
    c = census_2010(code)
    old = {r["key"]: float(r["value"]) for r in base["county"]}
    towns, undone = _undo_changes(base["townships"], base["admin_changes"], code)
    coll_p = c.total - c.family_persons
    urban_f = c.urban - coll_p
    if urban_f < 0:
        raise DataError(
            f"2010 census table: county {code} has more collective persons ({coll_p}) than "
            f"urban residents ({c.urban}); build its 2010 folder by hand"
        )
    villages = int(villages_2010 or old["administrative_villages_2021"])
    if villages_2010 is None:
        villages_source = "carried from the 2020 folder (no 2010 village count in the tables)"
    towns = _scale_townships(towns, urban_f, c.family_persons - urban_f, villages)
    seat = next(t for t in towns if str(t["is_county_seat"]).lower() == "true")
    cc = int(seat["seat_population_2020"])
    jobs = round(old["nonfarm_jobs_2020"] * c.broad["age_15_59_2020"] / old["age_15_59_2020"])
    ratios = {"cc": cc / old["county_city_population_2020"], "jobs": jobs}
    firms = [dict(f) for f in _recode(base["firms"], undone, None)]
    for f, n in zip(
        firms, largest_remainder([float(f["employees_2020"]) for f in firms], jobs), strict=True
    ):
        f["employees_2020"] = n
        f["note"] = f"2010 estimate: the 2020 folder's employees scaled to {jobs} jobs; {f['note']}"
        f["confidence"] = "estimate"
    return {
        "identity": base["identity"],
        "county": _county_rows(base["county"], c, cc, ratios, villages, villages_source),
        "age_sex": _age_rows(c),
        "household_sizes": _size_rows(c),
        "townships": towns,
        "firms": firms,
        "services": _recode(base["services"], undone, "capacity"),
        "demography": base["demography"],
        "observations": _observation_rows(c, base["observations"]),
        "settlement_pattern": base["settlement_pattern"],
        "admin_changes": [r for r in base["admin_changes"] if str(r["date"]) <= CENSUS_DAY],
    }


def _age_rows(c: Census2010) -> list[Row]:
    return [
        {
            "age_lo": lo,
            "age_hi": hi,
            "male": m,
            "female": f,
            "source": CENSUS_2010_SOURCE,
            "confidence": "official",
            "note": "0-4 = 0 + 1-4" if lo == 0 else "",
        }
        for (lo, hi), m, f in zip(AGE_GROUPS, c.male, c.female, strict=True)
    ]


def _size_rows(c: Census2010) -> list[Row]:
    hh, persons = c.get("户数"), c.family_persons
    one = c.get("一人户") / hh
    return [
        {
            "size": k + 1,
            "share": s,
            "source": f"size 1 from {CENSUS_2010_SOURCE}; sizes 2-8: China 2020 census pattern",
            "confidence": "estimate",
            "note": f"size-1 share {one:.4f} official (一人户 / 户数 2010); sizes 2..8 China's "
            f"shares tilted so the mean equals {persons}/{hh} = {persons / hh:.4f}",
        }
        for k, s in enumerate(size_shares(one, persons / hh))
    ]


def _observation_rows(c: Census2010, base: list[Row]) -> list[Row]:
    src = CENSUS_2010_SOURCE

    def obs(indicator: str, value: float, unit: str, conf: str, note: str) -> Row:
        return {
            "date": CENSUS_DAY, "indicator": indicator, "value": value, "unit": unit,
            "source": src, "confidence": conf, "note": note,
        }

    rows = [
        obs("resident_population", c.total, "persons", "official", "6th census: t0"),
        obs("urban_population", c.urban, "persons", "official", "6th census: t0"),
        obs(
            "urbanization_rate", round(c.urban / c.total, 4), "fraction", "derived",
            f"{c.urban} / {c.total}",
        ),
    ]
    later = [
        r for r in base
        if CENSUS_DAY < str(r["date"])[:10] < "2020-11-01"
        and not str(r["indicator"]).startswith(("shanxi_", "province_"))
    ]
    return rows + later


def read_folder(folder: Path) -> dict[str, list[Row]]:
    """The rows of a county folder's CSV files, as text, by table name."""
    out: dict[str, list[Row]] = {}
    for name, spec in SPECS.items():
        path = Path(folder) / spec.file
        with path.open(encoding="utf-8") as fh:
            out[name] = list(csv.DictReader(fh))
    return out


def write_folder_2010(
    folder: Path, code: str, base: Path | None = None, force: bool = False,
    villages_2010: int | None = None, villages_source: str = "",
) -> dict[str, list[Row]]:
    """Write a validated county folder at the 2010 census (atomically: all files or none).

    Args:
        folder: Target folder; must not exist unless ``force``.
        code: 6-digit county code.
        base: The county's 2020 folder (default: the scaffold's rows, built from the tables).
        force: Replace an existing folder.
        villages_2010: Administrative villages at 2010 where known.
        villages_source: Its source.

    Returns:
        The rows written, by table.

    Raises:
        DataError: One line if the folder exists, the tables lack the county, or the built
            folder does not validate.
    """
    from hdsim.county.checklist import checklist_text
    from hdsim.county.scaffold import build_tables, install_folder

    folder = Path(folder).expanduser().resolve()
    if folder.exists() and not force:
        raise DataError(f"{folder}: folder exists; choose a new folder or add --force")
    rows = read_folder(base) if base is not None else build_tables(code)
    tables = tables_2010(code, rows, villages_2010, villages_source)
    install_folder(folder, tables, {"ESTIMATES.md": checklist_text(tables)}, force)
    return tables
