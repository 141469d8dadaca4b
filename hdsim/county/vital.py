"""Birth and death rates of a county for its first simulated year, estimated from the census.

The county tables of the census carry no births or deaths, so the scaffold estimates the
county's crude rates for the twelve months after the census day (the window a calibration
compares with the model's births and deaths) by *indirect standardisation*: the province's
crude rate of that window (``tables/vital_rates.csv``, China's where the province has no row)
times the ratio of the county's expected crude rate to the province's, both computed with the
same standard schedules (the national ``schedules_2020.csv``: fertility by women's age, death
probability by age and sex) applied to the two age-sex structures of the 2020 census (the
province's is the sum of its county rows)::

    rate_county = rate_province × E(county) / E(province),   E(pop) = Σ schedule × pop / Σ pop

The age structure is the part of a county's difference from its province the census can tell;
the rest (the county's own fertility and mortality levels) is what the estimate leaves out, so
its error is stated with it (:data:`RELATIVE_SD`), and a user with the county's own bulletin
gives the rate instead (``--from``: ``birth_rate_2021_permille``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from hdsim.county.census import TABLES_DIR, CensusRow, _tables, census_row, schedules
from hdsim.county.census_state import CountyBook
from hdsim.data.spec import AGE_GROUPS

VITAL_FILE = TABLES_DIR / "vital_rates.csv"
"""Crude birth and death rates of China (scope ``00``) and of provinces (2-digit code)."""
NATIONAL = "00"
"""Scope of China's rates, used where a province has no row."""
CENSUS_MONTH = 11
"""Month of the census day (1 November): the window is November of the census year to October."""
RELATIVE_SD: dict[str, dict[str, float]] = {
    "province": {"births": 0.15, "deaths": 0.10},
    "national": {"births": 0.25, "deaths": 0.15},
}
"""Relative error sd of an indirectly standardised rate: how far a county's own level may lie
from its province's (or China's) once the age structure is accounted for (judgement, from the
spread of county crude rates in Shanxi's prefecture bulletins: about ±15% for births, ±10% for
deaths; wider when only China's rates are known)."""
KEYS = {"births": "birth_rate_{year}_permille", "deaths": "death_rate_{year}_permille"}
"""``county.csv`` keys of the estimates (``year``: the calendar year holding most of the window)."""


@dataclass(frozen=True)
class VitalEstimate:
    """One indirectly standardised crude rate of a county.

    Attributes:
        flow: ``births`` or ``deaths``.
        year: Calendar year holding most of the window (the census year + 1).
        value: The county's estimated rate, per mille.
        reference: The province's (or China's) crude rate over the window, per mille.
        ratio: E(county) / E(reference) of the standard schedules.
        relative_sd: Relative error sd of the estimate (:data:`RELATIVE_SD`).
        scope: ``province`` or ``national``.
        source: The rates' publications.
        note: The arithmetic.
    """

    flow: str
    year: int
    value: float
    reference: float
    ratio: float
    relative_sd: float
    scope: str
    source: str
    note: str


def rates() -> dict[tuple[str, int], dict[str, str]]:
    """The rows of ``vital_rates.csv`` by (scope, year)."""
    with VITAL_FILE.open(encoding="utf-8") as fh:
        return {(r["scope"], int(r["year"])): r for r in csv.DictReader(fh)}


def _expected(male: tuple[int, ...], female: tuple[int, ...]) -> dict[str, float]:
    """Crude births and deaths per mille of a population under the standard schedules."""
    table = {(int(r["age_lo"]), r["sex"]): r for r in schedules()}
    births = deaths = 0.0
    for i, (lo, _hi) in enumerate(AGE_GROUPS):
        m, f = table[(lo, "male")], table[(lo, "female")]
        births += float(f["fertility"]) * female[i]
        deaths += float(m["mortality"]) * male[i] + float(f["mortality"]) * female[i]
    total = sum(male) + sum(female)
    return {"births": 1000 * births / total, "deaths": 1000 * deaths / total}


@lru_cache(maxsize=64)
def _reference_structure(scope: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Males and females by age group of a province (2-digit code) or of China (``00``)."""
    rows20, _, _ = _tables()
    codes = [c for c in rows20 if scope == NATIONAL or c.startswith(scope)]
    male = [0] * len(AGE_GROUPS)
    female = [0] * len(AGE_GROUPS)
    for code in codes:
        try:
            row = census_row(code)
        except KeyError:  # a row without the age columns (NA in the yearbook) adds nothing
            continue
        male = [a + b for a, b in zip(male, row.male, strict=True)]
        female = [a + b for a, b in zip(female, row.female, strict=True)]
    return tuple(male), tuple(female)


def reference_scope(code: str, census_year: int = 2020) -> str:
    """``province`` if ``vital_rates.csv`` has the county's province's rates, else ``national``."""
    table = rates()
    province = code[:2]
    known = all((province, y) in table for y in (census_year, census_year + 1))
    return "province" if known and province != NATIONAL else "national"


def estimate(c: CensusRow, census_year: int = 2020) -> list[VitalEstimate]:
    """The county's crude birth and death rates over the year after the census day.

    Args:
        c: The county's census row.
        census_year: Year of the census day (1 November).

    Returns:
        One :class:`VitalEstimate` for births and one for deaths.
    """
    table = rates()
    first, second = census_year, census_year + 1
    province = c.code[:2]
    scope = province if (province, first) in table and (province, second) in table else NATIONAL
    w_first = (12 - CENSUS_MONTH + 1) / 12  # November and December of the census year
    own = _expected(c.male, c.female)
    ref = _expected(*_reference_structure(scope))
    kind = "province" if scope != NATIONAL else "national"
    where = c.province_zh if scope != NATIONAL else "China"
    out = []
    for flow, column in (("births", "birth_rate_permille"), ("deaths", "death_rate_permille")):
        a, b = float(table[(scope, first)][column]), float(table[(scope, second)][column])
        window = w_first * a + (1 - w_first) * b
        ratio = own[flow] / ref[flow]
        value = round(window * ratio, 2)
        sources = dict.fromkeys(table[(scope, y)]["source"] for y in (first, second))
        out.append(
            VitalEstimate(
                flow=flow, year=second, value=value, reference=window, ratio=ratio,
                relative_sd=RELATIVE_SD[kind][flow], scope=kind,
                source="; ".join(sources) + "; 2020 census age-sex structure (county tables)",
                note=(
                    f"indirect standardisation: {where}'s crude {flow[:-1]} rate over "
                    f"{first}-11..{second}-10 = {w_first:.3f} x {a:g} + {1 - w_first:.3f} x "
                    f"{b:g} = {window:.2f} per mille, x {ratio:.3f} (the county's expected rate "
                    f"{own[flow]:.2f} / {where}'s {ref[flow]:.2f} under the national schedules) "
                    f"= {value:.2f}; relative error sd {RELATIVE_SD[kind][flow]:.0%} (the "
                    "county's own level, not given by the census)"
                ),
            )
        )  # fmt: skip
    return out


def national_rate(flow: str, year: int) -> float:
    """China's crude birth (``births``) or death (``deaths``) rate of a year, per mille."""
    column = "birth_rate_permille" if flow == "births" else "death_rate_permille"
    return float(rates()[(NATIONAL, year)][column])


def vital_keys(c: CensusRow, book: CountyBook, census_year: int = 2020) -> None:
    """Write the county's estimated birth and death rates into ``county.csv`` (``estimate``).

    A ``--from`` file that gives ``birth_rate_<year>_permille`` or ``death_rate_<year>_permille``
    replaces the estimate (marked ``official``, citing the file's source).

    Args:
        c: The county's census row.
        book: The ``county.csv`` rows under construction.
        census_year: Year of the census day.
    """
    for e in estimate(c, census_year):
        book.put(
            KEYS[e.flow].format(year=e.year), e.value, "per mille", e.year, e.source, "estimate",
            e.note,
        )  # fmt: skip
