"""Rebuild the census tables shipped in ``hdsim/county/tables/`` from the published files.

The package ships what the scaffold needs of the county tables of the 2010 and 2020 censuses and
of the 2020 division codes, gzip-compressed, with the attribution their licences ask for
(``tables/ATTRIBUTION.txt``). This module regenerates them from the source files (CSV copies of
``leiii/census`` ``census_county_2010_v1.xlsx`` / ``census_county_2020_v1.xlsx`` and of
``modood/Administrative-divisions-of-China`` ``areas.csv`` / ``streets.csv``)::

    python -m hdsim.county.build_tables SOURCE_FOLDER [--census-only]

``township_upgrades_2021.csv`` lists the 乡 → 镇 upgrades between the 2020 and 2021 code lists
(the scaffold dates them in a county's ``admin_changes.csv``).

Township names are romanised once here with ``pypinyin`` (not a dependency of hdsim: install it
only to rebuild); the pinyin is stored in the table, so the scaffold needs no converter.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path

TABLES_DIR: Path = Path(__file__).resolve().parent / "tables"
"""Folder of the shipped tables."""

COLUMNS_2020: tuple[str, ...] = (
    "区划代码",
    "省",
    "市",
    "区县",
    "人口数_合计",
    "人口数_男",
    "人口数_女",
    "城镇人口",
    "家庭户数",
    "家庭户人口数",
    "一人户数",
    "一代户数",
    "二代户数",
    "三代户数",
    "四代以上户数",
    *(
        f"{sex}_{grp}"
        for grp in ("0岁", "1到4岁", *(f"{a}到{a + 4}岁" for a in range(5, 85, 5)), "85岁以上")
        for sex in ("男", "女")
    ),
    "有65岁及以上老年人口的户数",
    "有一个老人",
    "有二个老人",
    "有三个及以上老人",
    "户口登记地在外乡镇街道人口_本县",
    "户口登记地在外乡镇街道人口_本省其他县",
    "户口登记地在外乡镇街道人口_省外",
    "各种行业人口总计",
    "农林牧渔业",
    "采矿业",
    "制造业",
    "电力热力燃气及水生产和供应业",
    "建筑业",
    "批发和零售业",
    "交通运输仓储和邮政业",
    "住宿和餐饮业",
    "信息传输软件和信息技术服务业",
    "金融业",
    "房地产业",
    "租赁和商务服务业",
    "科学研究和技术服务业",
    "水利环境和公共设施管理业",
    "居民服务修理和其服务业",
    "教育",
    "卫生和社会工作",
    "文化体育和娱乐业",
    "公共管理社会保障和社会组织",
    "家庭户户数_长表",
    "住房来源_租赁",
    "住房来源_自建",
    "住房来源_购买",
    "住房来源_继承或赠予",
    "住房来源_其他",
)
"""Columns of ``census_county_2020.csv`` kept (the long-form industry counts are a sample)."""

COLUMNS_2010: dict[str, str] = {
    "区划代码": "code",
    "合计": "resident_population_2010",
    "户籍人口": "registered_population_2010",
    "城镇人口": "urban_population_2010",
}
"""Columns of ``census_county_2010.csv`` kept, with their names in the shipped table."""


def _write_gz(path: Path, header: Sequence[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    # mtime=0: the same input gives the same bytes
    path.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=9, mtime=0))


UPGRADE_COLUMNS: tuple[str, ...] = (
    "county_code",
    "from_code",
    "from_name_zh",
    "to_code",
    "to_name_zh",
)
"""Columns of ``township_upgrades_2021.csv``."""


def _stem(name: str) -> str:
    for suffix in ("民族乡", "街道", "苏木", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def township_upgrades(old: list[dict[str, str]], new: list[dict[str, str]]) -> list[list[str]]:
    """乡 → 镇 upgrades between two code lists.

    An upgrade is a 乡 code that disappears and a 镇 code that appears in the same county with
    the same name stem (e.g. 某某乡 → 某某镇).

    Args:
        old: Rows (code, name, areaCode) of the earlier code list.
        new: Rows of the later code list.

    Returns:
        Rows of :data:`UPGRADE_COLUMNS`, in code order.
    """
    old_codes = {r["code"] for r in old}
    new_codes = {r["code"] for r in new}
    gone = {
        (r["areaCode"], _stem(r["name"])): r
        for r in old
        if r["code"] not in new_codes and r["name"].endswith("乡")
    }
    out = []
    for r in new:
        if r["code"] in old_codes or not r["name"].endswith("镇"):
            continue
        was = gone.get((r["areaCode"], _stem(r["name"])))
        if was is not None:
            out.append([r["areaCode"], was["code"], was["name"], r["code"], r["name"]])
    return sorted(out, key=lambda row: row[1])


def build(source: Path, out: Path = TABLES_DIR, codes: bool = True) -> None:
    """Write the shipped tables from the published files.

    Args:
        source: Folder holding ``census_county_2020.csv``, ``census_county_2010.csv``,
            ``counties_2020-06-30.csv``, ``townships_2020-06-30.csv`` and
            ``townships_2021-10-31.csv``.
        out: Folder to write the tables into.
        codes: Also rebuild the (romanised) code lists, which needs ``pypinyin``.
    """
    with (source / "census_county_2020.csv").open(encoding="utf-8") as fh:
        rows20 = list(csv.DictReader(fh))
    _write_gz(
        out / "census_county_2020.csv.gz",
        COLUMNS_2020,
        [[r[c].strip() for c in COLUMNS_2020] for r in rows20],
    )
    with (source / "census_county_2010.csv").open(encoding="utf-8") as fh:
        rows10 = [{k.strip(): v.strip() for k, v in r.items()} for r in csv.DictReader(fh)]
    _write_gz(
        out / "census_county_2010.csv.gz",
        list(COLUMNS_2010.values()),
        [[r[c] for c in COLUMNS_2010] for r in rows10 if len(r["区划代码"]) == 6],
    )
    with (source / "townships_2020-06-30.csv").open(encoding="utf-8") as fh:
        towns = list(csv.DictReader(fh))
    with (source / "townships_2021-10-31.csv").open(encoding="utf-8") as fh:
        towns_2021 = list(csv.DictReader(fh))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(UPGRADE_COLUMNS)
    writer.writerows(township_upgrades(towns, towns_2021))
    (out / "township_upgrades_2021.csv").write_text(buf.getvalue(), encoding="utf-8")
    if not codes:
        return
    pinyin = import_module("pypinyin")
    suffixes = ("自治县", "街道", "县", "市", "区", "旗", "镇", "乡")

    def romanise(name: str) -> str:
        stem = next(
            (name[: -len(s)] for s in suffixes if name.endswith(s) and len(name) > len(s)), name
        )
        syll = pinyin.lazy_pinyin(stem)
        return "".join(syll).capitalize()

    with (source / "counties_2020-06-30.csv").open(encoding="utf-8") as fh:
        counties = list(csv.DictReader(fh))
    _write_gz(
        out / "counties_2020.csv.gz",
        ("code", "name_zh", "name_pinyin"),
        [[c["code"], c["name"], romanise(c["name"])] for c in counties],
    )
    _write_gz(
        out / "townships_2020.csv.gz",
        ("code", "county_code", "name_zh", "name_pinyin"),
        [[t["code"], t["areaCode"], t["name"], romanise(t["name"])] for t in towns],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild the tables from the folder given as the single argument.

    Args:
        argv: Arguments after the program name.

    Returns:
        0 on success, 2 on wrong usage.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    codes = "--census-only" not in args
    args = [a for a in args if a != "--census-only"]
    if len(args) != 1:
        print(
            "usage: python -m hdsim.county.build_tables SOURCE_FOLDER [--census-only]",
            file=sys.stderr,
        )
        return 2
    build(Path(args[0]), codes=codes)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
