"""The census tables shipped with hdsim: one county's row of the 2010 and 2020 censuses.

``hdsim/county/tables/`` holds, gzip-compressed, what the scaffold needs of the county tables
of the 6th and 7th censuses and of the 2020 division codes (sources and licences in
``tables/ATTRIBUTION.txt``). :func:`census_row` returns one county's figures as a
:class:`CensusRow`; :func:`townships_of` its township-level units in code order.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hdsim.data.spec import AGE_GROUPS
from hdsim.data.table import DataError

TABLES_DIR: Path = Path(__file__).resolve().parent / "tables"
"""Folder of the shipped tables."""

CENSUS_2020_SOURCE: str = (
    "《中国人口普查分县资料—2020》 (国家统计局, 7th census, 2020-11-01), county row, digitised "
    "by Dong, Du & Liu (2022), Mapping Evolving Population Geography in China, SSRN 4049338 "
    "(github.com/leiii/census)"
)
"""Citation of the 2020 county table."""

CENSUS_2010_SOURCE: str = (
    "《中国2010年人口普查分县资料》 (国家统计局, 6th census, 2010-11-01), county row, "
    "digitised by Dong, Du & Liu (2022), SSRN 4049338 (github.com/leiii/census)"
)
"""Citation of the 2010 county table."""

CODES_SOURCE: str = (
    "统计用区划代码和城乡划分代码 (国家统计局, cut-off 2020-06-30), via "
    "github.com/modood/Administrative-divisions-of-China"
)
"""Citation of the division codes."""

_AGE_COLUMNS: tuple[str, ...] = (
    "1到4岁",
    *(f"{a}到{a + 4}岁" for a in range(5, 85, 5)),
    "85岁以上",
)

INDUSTRY_SECTORS: dict[str, str] = {
    "采矿业": "coal_mining",
    "制造业": "other_manufacturing",
    "电力热力燃气及水生产和供应业": "other_services",
    "建筑业": "construction",
    "批发和零售业": "trade_logistics",
    "交通运输仓储和邮政业": "trade_logistics",
    "住宿和餐饮业": "tourism_hospitality",
    "信息传输软件和信息技术服务业": "other_services",
    "金融业": "other_services",
    "房地产业": "other_services",
    "租赁和商务服务业": "other_services",
    "科学研究和技术服务业": "other_services",
    "水利环境和公共设施管理业": "public_services",
    "居民服务修理和其服务业": "other_services",
    "教育": "public_services",
    "卫生和社会工作": "public_services",
    "文化体育和娱乐业": "tourism_hospitality",
    "公共管理社会保障和社会组织": "public_services",
}
"""Census industry (long-form sample) -> hdsim firm sector; agriculture is not a firm sector."""


@dataclass(frozen=True)
class Township:
    """One township-level unit of the 2020 code list.

    Attributes:
        code: 9-digit statistical code.
        name_zh: Name, e.g. ``新城镇``.
        name_pinyin: Romanised name without the suffix, e.g. ``Xincheng``.
        level: ``subdistrict`` (街道), ``town`` (镇) or ``township`` (乡, 苏木...).
    """

    code: str
    name_zh: str
    name_pinyin: str
    level: str


@dataclass(frozen=True)
class CensusRow:
    """One county's census figures.

    Attributes:
        code: 6-digit county code.
        name_zh: County name, e.g. ``襄汾县``.
        name_pinyin: Romanised stem, e.g. ``Xiangfen``.
        province_zh: Province name.
        prefecture_zh: Prefecture-level city name.
        values: Column -> number of the 2020 row (``NA`` dropped).
        male: Males by the 18 age groups of ``age_sex.csv``.
        female: Females by the 18 age groups.
        resident_2010: 2010 residents (None where the 2010 table has no row of that code).
        urban_2010: 2010 urban residents.
        registered_2010: 2010 registered (户籍) population.
    """

    code: str
    name_zh: str
    name_pinyin: str
    province_zh: str
    prefecture_zh: str
    values: dict[str, float]
    male: tuple[int, ...]
    female: tuple[int, ...]
    resident_2010: int | None
    urban_2010: int | None
    registered_2010: int | None

    def get(self, column: str) -> int:
        """Return a 2020 count as an integer.

        Args:
            column: Column name of the 2020 table, e.g. ``人口数_合计``.

        Returns:
            The count.

        Raises:
            DataError: If the table gives no value for this county.
        """
        if column not in self.values:
            raise DataError(
                f"census table: county {self.code} has no value for '{column}'; give it in "
                f"the --from file"
            )
        return round(self.values[column])

    @property
    def english_name(self) -> str:
        """English name: pinyin stem and the kind of unit (County, City, District, Banner)."""
        for suffix, word in (
            ("自治县", "Autonomous County"),
            ("县", "County"),
            ("市", "City"),
            ("区", "District"),
            ("旗", "Banner"),
        ):
            if self.name_zh.endswith(suffix):
                return f"{self.name_pinyin} {word}"
        return self.name_pinyin


def _read_gz(name: str) -> list[dict[str, str]]:
    text = gzip.decompress((TABLES_DIR / name).read_bytes()).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@lru_cache(maxsize=1)
def _tables() -> tuple[
    dict[str, dict[str, str]], dict[str, dict[str, str]], dict[str, dict[str, str]]
]:
    rows20 = {r["区划代码"]: r for r in _read_gz("census_county_2020.csv.gz")}
    rows10 = {r["code"]: r for r in _read_gz("census_county_2010.csv.gz")}
    names = {r["code"]: r for r in _read_gz("counties_2020.csv.gz")}
    return rows20, rows10, names


def census_row(code: str) -> CensusRow:
    """Return one county's census figures from the shipped tables.

    Args:
        code: 6-digit county code, e.g. ``"141023"``.

    Returns:
        The county's :class:`CensusRow`.

    Raises:
        DataError: If the code is not a county of the 2020 table.
    """
    rows20, rows10, names = _tables()
    if code not in rows20:
        raise DataError(
            f"--code {code}: no county-level unit with this code in the 2020 census table; "
            "give the 6-digit code of 统计用区划代码 2020 (e.g. 141023)"
        )
    r = rows20[code]
    values: dict[str, float] = {}
    for key, raw in r.items():
        try:
            values[key] = float(raw)
        except ValueError:
            continue
    male = [round(values["男_0岁"] + values["男_1到4岁"])]
    female = [round(values["女_0岁"] + values["女_1到4岁"])]
    for col in _AGE_COLUMNS[1:]:
        male.append(round(values[f"男_{col}"]))
        female.append(round(values[f"女_{col}"]))
    assert len(male) == len(AGE_GROUPS)
    old = rows10.get(code)

    def num(key: str) -> int | None:
        if old is None:
            return None
        try:
            return round(float(old[key]))
        except ValueError:
            return None

    stem = names.get(code, {}).get("name_pinyin") or code
    return CensusRow(
        code=code,
        name_zh=r["区县"],
        name_pinyin=stem,
        province_zh=r["省"],
        prefecture_zh=r["市"],
        values=values,
        male=tuple(male),
        female=tuple(female),
        resident_2010=num("resident_population_2010"),
        urban_2010=num("urban_population_2010"),
        registered_2010=num("registered_population_2010"),
    )


def townships_of(code: str) -> list[Township]:
    """Township-level units of a county in the 2020 code list, in code order.

    Args:
        code: 6-digit county code.

    Returns:
        The units; empty if the code list has none.
    """
    units: list[Township] = []
    for r in _read_gz("townships_2020.csv.gz"):
        if r["county_code"] != code:
            continue
        name = r["name_zh"]
        level = (
            "subdistrict"
            if name.endswith("街道")
            else "town"
            if name.endswith("镇")
            else "township"
        )
        units.append(Township(r["code"], name, r["name_pinyin"], level))
    return sorted(units, key=lambda t: t.code)


UPGRADES_SOURCE: str = (
    "统计用区划代码和城乡划分代码 (国家统计局), code lists with cut-off 2020-06-30 and 2021-10-31, "
    "via github.com/modood/Administrative-divisions-of-China"
)
"""Citation of the 乡 → 镇 upgrades between the 2020 and 2021 code lists."""

UPGRADES_DATE: str = "2021-10-31"
"""Date given to those upgrades: the cut-off of the first code list that shows the town."""


def upgrades_of(code: str) -> list[dict[str, str]]:
    """乡 → 镇 upgrades of a county between the 2020 and 2021 code lists.

    Args:
        code: 6-digit county code.

    Returns:
        Rows with from_code, from_name_zh, to_code and to_name_zh, in code order.
    """
    with (TABLES_DIR / "township_upgrades_2021.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["county_code"] == code]


def schedules() -> list[dict[str, str]]:
    """The mortality and fertility schedules by age group and sex (``tables/schedules_2020.csv``).

    Returns:
        Rows with age_lo, age_hi, sex, mortality and fertility as text.
    """
    with (TABLES_DIR / "schedules_2020.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
