"""The census state of a scaffolded county: its own census row, as county-folder rows.

:class:`CountyBook` collects the rows of ``county.csv`` with their provenance (a user's
``--from`` figure replaces a row and is cited as ``official``). :func:`census_state` writes the
official keys of the county's 2020 and 2010 census rows (residents, sexes, broad age groups,
households and their types, urban residents, residents registered elsewhere) and the two
estimates derived from them (collective households, hukou holders living outside the county,
the hukou urbanization rate). The per-table rows that come straight from the census (5-year
age groups by sex, household sizes, observations, identity) are made here too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hdsim.county.census import (
    CENSUS_2010_SOURCE,
    CENSUS_2020_SOURCE,
    CODES_SOURCE,
    UPGRADES_DATE,
    UPGRADES_SOURCE,
    CensusRow,
    schedules,
    upgrades_of,
)
from hdsim.county.estimate import CHINA_SIZE_SHARES, size_shares
from hdsim.county.overrides import Overrides
from hdsim.county.pinyin import check_name
from hdsim.data.spec import AGE_GROUPS
from hdsim.data.table import DataError

Row = dict[str, Any]

ESTIMATE: str = "estimate"
"""Confidence of every figure the scaffold makes."""

SCAFFOLD: str = "scaffold estimate"
"""Source of every figure the scaffold makes (its method is in the row's note)."""

HOUSEHOLD_TYPES: tuple[tuple[str, str], ...] = (
    ("one_person_households_2020", "一人户数"),
    ("one_generation_households_2020", "一代户数"),
    ("two_generation_households_2020", "二代户数"),
    ("three_generation_households_2020", "三代户数"),
    ("four_plus_generation_households_2020", "四代以上户数"),
    ("households_with_65_plus_2020", "有65岁及以上老年人口的户数"),
    ("households_one_65_plus_2020", "有一个老人"),
    ("households_two_65_plus_2020", "有二个老人"),
    ("households_three_plus_65_plus_2020", "有三个及以上老人"),
)
"""county.csv key -> census column of the household counts (一代户 includes 一人户; the
elderly counts are family households with one, two, three or more persons aged 65+)."""

AWAY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("away_same_county_2020", "户口登记地在外乡镇街道人口_本县"),
    ("away_other_county_2020", "户口登记地在外乡镇街道人口_本省其他县"),
    ("away_other_province_2020", "户口登记地在外乡镇街道人口_省外"),
)
"""county.csv key -> census column of the residents registered in another township."""

HOUSING_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (f"housing_{k}_2020", f"住房来源_{c}")
    for k, c in (("rented", "租赁"), ("self_built", "自建"), ("bought", "购买"),
                 ("inherited", "继承或赠予"), ("other", "其他"))
)
"""county.csv key -> census column of family households by housing source (10% long form)."""


class CountyBook:
    """Rows of ``county.csv`` under construction, with their provenance.

    Args:
        overrides: The user's figures; a key given there replaces the scaffold's value.
    """

    def __init__(self, overrides: Overrides) -> None:
        self.rows: dict[str, Row] = {}
        self.over = overrides

    def put(
        self, key: str, value: float, unit: str, year: int, source: str, conf: str, note: str = ""
    ) -> float:
        """Record a key and return the value kept (the user's, if the ``--from`` file gives it).

        Args:
            key: ``county.csv`` key.
            value: The scaffold's value.
            unit: Unit of the value.
            year: Year the value refers to.
            source: Its source.
            conf: ``official``, ``derived`` or ``estimate``.
            note: The arithmetic or method behind the value.

        Returns:
            The value written.
        """
        if key in self.over.county:
            value = self.over.county[key]
            source, conf, note = self.over.source, "official", "given in the --from file"
        self.rows[key] = {
            "key": key,
            "value": value,
            "unit": unit,
            "year": year,
            "source": source,
            "confidence": conf,
            "note": note,
        }
        return value


GIVEN_UNITS: dict[str, str] = {
    "births_2019": "persons",
    "deaths_2019": "persons",
    "registered_population_2020": "persons",
    "resident_population_2022": "persons",
    "urban_population_2022": "persons",
    "gdp_2019_yi": "亿元",
}
"""Units of keys a ``--from`` file may add that the scaffold does not write (else ``as given``)."""


def given_keys(book: CountyBook, over: Overrides) -> None:
    """Add the ``--from`` file's county keys that the scaffold writes no estimate of.

    Each is marked ``official`` and cites the file's source; its year is the key's last
    ``_YYYY_`` part (e.g. ``births_2019``, ``birth_rate_2019_permille``), else 2020.

    Args:
        book: The ``county.csv`` rows under construction (keys already there are kept).
        over: The user's figures.
    """
    for key, value in over.county.items():
        if key in book.rows:
            continue
        years = [int(part) for part in key.split("_") if part.isdigit() and len(part) == 4]
        year = years[-1] if years else 2020
        book.rows[key] = {
            "key": key,
            "value": value,
            "unit": GIVEN_UNITS.get(key, "as given"),
            "year": year,
            "source": over.source,
            "confidence": "official",
            "note": "given in the --from file",
        }


@dataclass(frozen=True)
class CensusState:
    """The county-wide census figures the rest of the scaffold builds on.

    Attributes:
        total: Residents.
        family_households: Family households.
        family_persons: Persons in family households.
        collective_persons: Persons in collective households.
        urban: Urban residents (possibly from the ``--from`` file).
        broad: Broad age groups (``age_0_14_2020`` ...) as sums of the 5-year groups.
    """

    total: int
    family_households: int
    family_persons: int
    collective_persons: int
    urban: int
    broad: dict[str, int]

    @property
    def rate(self) -> float:
        """Resident urbanization rate."""
        return self.urban / self.total


def _population_keys(c: CensusRow, book: CountyBook, p: dict[str, Any]) -> CensusState:
    """Residents, households, sexes, broad ages and urban residents of the 2020 row."""
    c20 = CENSUS_2020_SOURCE
    total, fam_hh, fam_p = c.get("人口数_合计"), c.get("家庭户数"), c.get("家庭户人口数")
    coll_p = total - fam_p
    book.put("resident_population_2020", total, "persons", 2020, c20, "official")
    book.put("family_households_2020", fam_hh, "households", 2020, c20, "official")
    book.put("family_household_persons_2020", fam_p, "persons", 2020, c20, "official")
    book.put(
        "collective_persons_2020",
        coll_p,
        "persons",
        2020,
        c20,
        "derived",
        f"{total} residents - {fam_p} family-household persons = {coll_p}",
    )
    per = p["persons_per_collective_household"]
    coll_hh = max(1, round(coll_p / per))
    book.put(
        "collective_households_2020",
        coll_hh,
        "households",
        2020,
        SCAFFOLD,
        ESTIMATE,
        f"{coll_p} collective persons / {per} persons per collective household = {coll_hh} "
        "(the tables give no collective household count)",
    )
    book.put("male_2020", sum(c.male), "persons", 2020, c20, "official")
    book.put("female_2020", sum(c.female), "persons", 2020, c20, "official")
    tot = [m + f for m, f in zip(c.male, c.female, strict=True)]
    broad = {
        "age_0_14_2020": sum(tot[:3]),
        "age_15_59_2020": sum(tot[3:12]),
        "age_60_plus_2020": sum(tot[12:]),
        "age_65_plus_2020": sum(tot[13:]),
    }
    for key, v in broad.items():
        book.put(key, v, "persons", 2020, c20, "derived", "sum of the census 5-year groups")
    urban = c.get("城镇人口")
    if coll_p > urban:
        raise DataError(
            f"census table: county {c.code} has {coll_p} collective persons but only {urban} "
            "urban residents; give urban_population_2020 in the --from file"
        )
    urban = round(book.put("urban_population_2020", urban, "persons", 2020, c20, "official"))
    book.put(
        "urbanization_rate_2020",
        round(urban / total, 6),
        "fraction",
        2020,
        c20,
        "derived",
        f"{urban} / {total}",
    )
    return CensusState(total, fam_hh, fam_p, coll_p, urban, broad)


def _registration_keys(
    c: CensusRow, state: CensusState, book: CountyBook, p: dict[str, Any]
) -> None:
    """Household types, residents registered elsewhere, 2010 figures, hukou estimates."""
    c20, c10 = CENSUS_2020_SOURCE, CENSUS_2010_SOURCE
    for key, col in HOUSEHOLD_TYPES:
        if col in c.values:
            book.put(key, c.get(col), "households", 2020, c20, "official")
    for key, col in AWAY_COLUMNS:
        if col in c.values:
            book.put(
                key,
                c.get(col),
                "persons",
                2020,
                c20,
                "official",
                "residents registered (户口) in another township",
            )
    for key, col in HOUSING_COLUMNS:
        if col in c.values:
            book.put(key, c.get(col), "households (10% long-form sample)", 2020, c20, "official")
    if c.resident_2010 is not None:
        book.put("resident_population_2010", c.resident_2010, "persons", 2010, c10, "official")
    if c.urban_2010 is not None:
        book.put("urban_population_2010", c.urban_2010, "persons", 2010, c10, "official")
    total = state.total
    if c.registered_2010 is not None:
        book.put("registered_population_2010", c.registered_2010, "persons", 2010, c10, "official")
        ratio = p["registered_to_2010_ratio"]
        reg = round(c.registered_2010 * ratio)
        away = max(0, reg - total)
        note = (
            f"registered population about {reg} (2010 census {c.registered_2010} x {ratio}) - "
            f"{total} residents = {away}: hukou holders living outside the county"
        )
    else:
        away = 0
        note = "no 2010 registered population for this code; 0 until a local figure is given"
    book.put("away_persons_2020", away, "persons", 2020, SCAFFOLD, ESTIMATE, note)
    ratio = p["hukou_to_resident_urbanization_ratio"]
    h_rate = round(state.rate * ratio, 4)
    book.put(
        "hukou_urbanization_rate_2020",
        h_rate,
        "fraction",
        2020,
        SCAFFOLD,
        ESTIMATE,
        f"{state.rate:.4f} resident rate x {ratio} (China's hukou/resident ratio in 2020) = "
        f"{h_rate}",
    )


def census_state(c: CensusRow, book: CountyBook, p: dict[str, Any]) -> CensusState:
    """Write the census keys of ``county.csv`` and return the county-wide figures.

    Args:
        c: The county's census row.
        book: The ``county.csv`` rows under construction.
        p: Scaffold parameters.

    Returns:
        The county-wide figures.

    Raises:
        DataError: One line if the collective persons exceed the urban residents.
    """
    state = _population_keys(c, book, p)
    _registration_keys(c, state, book, p)
    return state


def age_sex_rows(c: CensusRow) -> list[Row]:
    """``age_sex.csv``: the census 5-year groups by sex (0-4 = 0 + 1-4)."""
    return [
        {
            "age_lo": lo,
            "age_hi": hi,
            "male": m,
            "female": f,
            "source": CENSUS_2020_SOURCE,
            "confidence": "official",
            "note": "0-4 = 0 + 1-4" if lo == 0 else "",
        }
        for (lo, hi), m, f in zip(AGE_GROUPS, c.male, c.female, strict=True)
    ]


def household_size_rows(c: CensusRow, state: CensusState) -> list[Row]:
    """``household_sizes.csv``: size 1 from the census, sizes 2-8 China's shape tilted."""
    fam_hh, fam_p = state.family_households, state.family_persons
    mean = fam_p / fam_hh
    one = c.values.get("一人户数", fam_hh * CHINA_SIZE_SHARES[0] / 100) / fam_hh
    return [
        {
            "size": k + 1,
            "share": s,
            "source": f"size 1 from {CENSUS_2020_SOURCE}; sizes 2-8: China 2020 census pattern",
            "confidence": ESTIMATE,
            "note": f"size-1 share {one:.4f} official (一人户 / 家庭户); sizes 2..8 China 2020 "
            f"shares tilted as p_k exp(theta k) so the mean (8+ as 8) equals {fam_p}/{fam_hh} = "
            f"{mean:.4f}",
        }
        for k, s in enumerate(size_shares(one, mean))
    ]


def demography_rows() -> list[Row]:
    """``demography.csv``: the national schedules shipped with the scaffold."""
    return [
        {
            **r,
            "source": "China 2020 life table and ASFR shapes (approximate), as scaled for "
            "hdsim's embedded county",
            "confidence": ESTIMATE,
            "note": "national schedule (hdsim/county/tables/schedules_2020.csv), not fitted to "
            "this county: calibrate the behaviour on its 2010-2020 change",
        }
        for r in schedules()
    ]


def observation_rows(c: CensusRow, state: CensusState) -> list[Row]:
    """``observations.csv``: the 2010 and 2020 census residents and urban residents."""

    def obs(
        date: str, indicator: str, value: float, unit: str, src: str, conf: str, note: str
    ) -> Row:
        return {
            "date": date,
            "indicator": indicator,
            "value": value,
            "unit": unit,
            "source": src,
            "confidence": conf,
            "note": note,
        }

    c20 = CENSUS_2020_SOURCE
    rows = [
        obs("2020-11-01", "resident_population", state.total, "persons", c20, "official", ""),
        obs("2020-11-01", "urban_population", state.urban, "persons", c20, "official", ""),
        obs(
            "2020-11-01",
            "urbanization_rate",
            round(state.rate, 4),
            "fraction",
            c20,
            "derived",
            f"{state.urban} / {state.total}",
        ),
    ]
    if c.resident_2010 is not None:
        rows.insert(
            0,
            obs(
                "2010-11-01",
                "resident_population",
                c.resident_2010,
                "persons",
                CENSUS_2010_SOURCE,
                "official",
                "2010 boundaries",
            ),
        )
    return rows


def identity_rows(c: CensusRow, over: Overrides) -> list[Row]:
    """``identity.csv``: code and names, the pinyin checked for polyphonic characters."""
    check = check_name(c.name_zh, c.name_pinyin)
    named = replace(c, name_pinyin=check.pinyin)
    roman = "romanised by hdsim (pypinyin)"
    if check.confirmed:
        roman = f"romanised by hdsim (pypinyin), reading checked: {check.source}"
    identity = {
        "code": (c.code, CODES_SOURCE, "official"),
        "name_zh": (c.name_zh, CODES_SOURCE, "official"),
        "name_en": (named.english_name, roman, "derived"),
        "name_pinyin": (named.name_pinyin, roman, "derived"),
        "province_zh": (c.province_zh, CENSUS_2020_SOURCE, "official"),
        "prefecture_zh": (c.prefecture_zh, CENSUS_2020_SOURCE, "official"),
    }
    rows = []
    for key, (value, src, conf) in identity.items():
        note = ""
        if conf == "derived":
            note = check.note() or "no polyphonic character (tables/pinyin_polyphones.csv)"
        if key in over.identity:
            value, src, conf, note = over.identity[key], over.source, "official", "--from file"
        rows.append({"key": key, "value": value, "source": src, "confidence": conf, "note": note})
    return rows


AGEING_SOURCE: str = (
    "2020年度国家老龄事业发展公报 (国家卫生健康委员会、全国老龄工作委员会办公室, 2021-10-15), "
    "from the 7th census"
)
"""Citation of the national 城镇 / 乡村 shares of older persons."""


def settlement_rows() -> list[Row]:
    """``settlement_pattern.csv``: the national 城镇 / 乡村 age gap and an equal household size.

    The synthesis keeps the rural/urban ratio of each indicator and scales it to the county's
    own total, so the national levels serve any county.
    """
    return [
        {
            "indicator": "share_60_plus",
            "urban": 0.1582,
            "rural": 0.2381,
            "source": f"{AGEING_SOURCE}: 乡村 23.81% aged 60+, 7.99 points above 城镇",
            "confidence": "official",
            "note": "national 城镇 / 乡村 levels (China, 2020-11-01); 城镇 = 23.81 - 7.99 = "
            "15.82%; the synthesis keeps their ratio (1.505) and scales it to the county's "
            "own 60+ total",
        },
        {
            "indicator": "share_65_plus",
            "urban": 0.1111,
            "rural": 0.1772,
            "source": f"{AGEING_SOURCE}: 乡村 17.72% aged 65+, 6.61 points above 城镇",
            "confidence": "official",
            "note": "national levels; 城镇 = 17.72 - 6.61 = 11.11%; reported in the t0 fit as a "
            "check (the synthesis fits the 60+ ratio)",
        },
        {
            "indicator": "mean_household_size",
            "urban": 1.0,
            "rural": 1.0,
            "source": "assumption (no tabulation of family-household size by 城镇 / 乡村 "
            "shipped with hdsim)",
            "confidence": ESTIMATE,
            "note": "relative sizes: urban and rural family households are given the county's "
            "mean size (ratio 1.0); replace with local 城镇 / 乡村 household sizes",
        },
    ]


def admin_change_rows(code: str, township_codes: set[str]) -> list[Row]:
    """``admin_changes.csv``: the county's 乡 → 镇 upgrades between the 2020 and 2021 lists.

    The townships of a scaffolded folder are the 2020 units (the census's), so each upgrade
    applies to the unit of its 2020 code; other reorganisations of 2021 (mergers, splits) are
    not written: the model keeps the census units.

    Args:
        code: 6-digit county code.
        township_codes: Codes of the folder's ``townships.csv``.

    Returns:
        Rows of ``admin_changes.csv`` (possibly none).
    """
    return [
        {
            "date": UPGRADES_DATE,
            "kind": "upgrade",
            "township_code": u["from_code"],
            "from_codes": u["from_code"],
            "to_code": u["to_code"],
            "to_name_zh": u["to_name_zh"],
            "source": UPGRADES_SOURCE,
            "confidence": "derived",
            "note": f"撤乡设镇: {u['from_name_zh']} ({u['from_code']}) in the 2020 list, "
            f"{u['to_name_zh']} ({u['to_code']}) in the 2021 list; dated at the 2021 list's "
            "cut-off (the approval date is not in the tables)",
        }
        for u in upgrades_of(code)
        if u["from_code"] in township_codes
    ]
