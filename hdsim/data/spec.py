"""The county folder: which files it holds, their columns, and the keys of ``county.csv``.

Every county data folder (the embedded one or a user's own, given as ``data.dir``) holds the
files of :data:`SPECS`, each described by a :class:`~hdsim.data.table.TableSpec`.
:data:`REQUIRED_COUNTY_KEYS` lists the ``county.csv`` keys the model or the census identity
checks read (``docs/data.md`` says which mechanism reads each); :data:`OPTIONAL_COUNTY_KEYS`
those that are checked for range when present but read by no model code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hdsim.data.table import SOURCE_COLUMNS, Column, TableSpec

SECTORS: tuple[str, ...] = (
    "coal_mining",
    "coking_chemicals",
    "metal_castings",
    "other_manufacturing",
    "construction",
    "trade_logistics",
    "tourism_hospitality",
    "public_services",
    "other_services",
    "ecommerce",
)
"""Allowed values of ``firms.csv`` column ``sector``."""

FIRM_LOCATIONS: tuple[str, ...] = ("county_city", "seat", "zone", "village")
SERVICE_PLACES: tuple[str, ...] = ("county_city", "seat", "villages")
SERVICES: tuple[str, ...] = ("school", "health", "elderly_care")
TOWNSHIP_KINDS: tuple[str, ...] = ("town", "township")
SEXES: tuple[str, ...] = ("male", "female")

AGE_GROUPS: tuple[tuple[int, int], ...] = (*((lo, lo + 4) for lo in range(0, 85, 5)), (85, 100))
"""The 18 age groups of ``age_sex.csv`` and ``demography.csv``: 0-4 ... 80-84 and 85+."""


SETTLEMENT_INDICATORS: tuple[str, ...] = ("share_60_plus", "share_65_plus", "mean_household_size")
"""Indicators of ``settlement_pattern.csv`` (the synthesis fits the first and the last)."""

ADMIN_KINDS: tuple[str, ...] = ("upgrade", "merger")
"""Kinds of ``admin_changes.csv`` rows: 乡 → 镇 (撤乡设镇) and mergers of townships."""


def _spec(
    file: str,
    cols: Sequence[Column],
    key: Sequence[str],
    entity: Callable[[dict[str, Any]], str],
    may_be_empty: bool = False,
) -> TableSpec:
    return TableSpec(file, (*cols, *SOURCE_COLUMNS), tuple(key), entity, may_be_empty)


def _age_label(r: dict[str, Any]) -> str:
    return f"{r['age_lo']}+" if r["age_lo"] == 85 else f"{r['age_lo']}-{r['age_hi']}"


COUNTY = _spec(
    "county.csv",
    [
        Column("key", "str", pattern="snake_case name", provenance=False),
        Column("value", "float"),
        Column("unit", "str"),
        Column("year", "int", min=1900, max=2100, provenance=False),
    ],
    ["key"],
    lambda r: str(r["key"]),
)
IDENTITY = _spec(
    "identity.csv",
    [
        Column("key", "str", allowed=None, pattern="snake_case name", provenance=False),
        Column("value", "str", provenance=False),
    ],
    ["key"],
    lambda r: str(r["key"]),
)
AGE_SEX = _spec(
    "age_sex.csv",
    [
        Column("age_lo", "int", min=0, max=120, provenance=False),
        Column("age_hi", "int", min=0, max=120, provenance=False),
        Column("male", "int", min=0),
        Column("female", "int", min=0),
    ],
    ["age_lo"],
    _age_label,
)
HOUSEHOLD_SIZES = _spec(
    "household_sizes.csv",
    [
        Column("size", "int", min=1, max=8, provenance=False),
        Column("share", "float", min=0, max=1),
    ],
    ["size"],
    lambda r: f"size {r['size']}",
)
TOWNSHIPS = _spec(
    "townships.csv",
    [
        Column("code", "str", pattern="9-digit statistical code", provenance=False),
        Column("name_zh", "str", provenance=False),
        Column("name_pinyin", "str", provenance=False),
        Column("kind", "str", allowed=TOWNSHIP_KINDS),
        Column("is_county_seat", "bool", provenance=False),
        Column("distance_km", "float", min=0, max=500),
        Column("population_2020", "int", min=0),
        Column("seat_population_2020", "int", min=0),
        Column("fringe_population_2020", "int", min=0),
        Column("admin_villages", "int", min=0),
        Column("farmland_mu", "float", min=0),
        Column(
            "roles",
            "str",
            required=False,
            pattern="roles joined by ;: county_seat, key_town, specialised_town, upgrade_candidate",
            provenance=False,
        ),
    ],
    ["code"],
    lambda r: str(r["code"]),
)
FIRMS = _spec(
    "firms.csv",
    [
        Column("firm_id", "str", provenance=False),
        Column("name_zh", "str", provenance=False),
        Column("name_en", "str", provenance=False),
        Column("sector", "str", allowed=SECTORS),
        Column("township_code", "str", provenance=False),
        Column("location", "str", allowed=FIRM_LOCATIONS),
        Column("employees_2020", "int", min=0),
        Column("monthly_wage_2020", "float", min=0),
        Column("chain_leader", "bool", provenance=False),
        Column("annual_growth", "float", min=-1, max=1),
    ],
    ["firm_id"],
    lambda r: str(r["firm_id"]),
)
SERVICES_SPEC = _spec(
    "services.csv",
    [
        Column("township_code", "str", provenance=False),
        Column("place", "str", allowed=SERVICE_PLACES),
        Column("service", "str", allowed=SERVICES),
        Column("capacity", "float", min=0),
        Column("quality", "float", min=0, max=1),
    ],
    ["township_code", "place", "service"],
    lambda r: f"{r['township_code']}/{r['place']}/{r['service']}",
)
DEMOGRAPHY = _spec(
    "demography.csv",
    [
        Column("age_lo", "int", min=0, max=120, provenance=False),
        Column("age_hi", "int", min=0, max=120, provenance=False),
        Column("sex", "str", allowed=SEXES),
        Column("mortality", "float", min=0, max=1),
        Column("fertility", "float", min=0, max=1),
    ],
    ["age_lo", "sex"],
    lambda r: f"{r['sex']} {_age_label(r)}",
)
OBSERVATIONS = _spec(
    "observations.csv",
    [
        Column("date", "date", provenance=False),
        Column("indicator", "str", provenance=False),
        Column("value", "float"),
        Column("unit", "str"),
    ],
    ["date", "indicator"],
    lambda r: f"{r['date'].isoformat()} {r['indicator']}",
)

SETTLEMENT_PATTERN = _spec(
    "settlement_pattern.csv",
    [
        Column("indicator", "str", allowed=SETTLEMENT_INDICATORS, provenance=False),
        Column("urban", "float", min=0),
        Column("rural", "float", min=0),
    ],
    ["indicator"],
    lambda r: str(r["indicator"]),
)
ADMIN_CHANGES = _spec(
    "admin_changes.csv",
    [
        Column("date", "date", provenance=False),
        Column("kind", "str", allowed=ADMIN_KINDS, provenance=False),
        Column("township_code", "str", pattern="a code of townships.csv", provenance=False),
        Column("from_codes", "str", pattern="9-digit codes joined by ;", provenance=False),
        Column("to_code", "str", pattern="9-digit statistical code", provenance=False),
        Column("to_name_zh", "str", provenance=False),
    ],
    ["date", "township_code"],
    lambda r: f"{r['date'].isoformat()} {r['township_code']}",
    may_be_empty=True,
)

SPECS: dict[str, TableSpec] = {
    "identity": IDENTITY,
    "county": COUNTY,
    "age_sex": AGE_SEX,
    "household_sizes": HOUSEHOLD_SIZES,
    "townships": TOWNSHIPS,
    "firms": FIRMS,
    "services": SERVICES_SPEC,
    "demography": DEMOGRAPHY,
    "observations": OBSERVATIONS,
    "settlement_pattern": SETTLEMENT_PATTERN,
    "admin_changes": ADMIN_CHANGES,
}
"""Table name (``CountyData`` attribute) -> file spec."""

FRACTION = (0.0, 1.0)
REQUIRED_IDENTITY_KEYS: tuple[str, ...] = (
    "code",
    "name_zh",
    "name_en",
    "name_pinyin",
    "province_zh",
    "prefecture_zh",
)
"""Keys of ``identity.csv``: the 6-digit division code and the names (reports and titles)."""

REQUIRED_COUNTY_KEYS: dict[str, tuple[float, float] | None] = {
    # census state at t0 (population synthesis and its identity checks)
    "resident_population_2020": None,
    "family_households_2020": None,
    "family_household_persons_2020": None,
    "collective_households_2020": None,
    "collective_persons_2020": None,
    "male_2020": None,
    "female_2020": None,
    "age_0_14_2020": None,
    "age_15_59_2020": None,
    "age_60_plus_2020": None,
    "age_65_plus_2020": None,
    "urban_population_2020": None,
    "away_persons_2020": None,
    "hukou_urbanization_rate_2020": FRACTION,
    # places and land (geography, housing prices, built-up area, identity checks of townships)
    "county_city_population_2020": None,
    "county_city_housing_price_2020": None,
    "county_city_builtup_km2_2020": None,
    "cultivated_land_mu": None,
    "area_km2": None,
    "administrative_villages_2021": None,
    # jobs (identity check of firms.csv)
    "nonfarm_jobs_2020": None,
    # the plan's target (config defaults and the report)
    "target_urbanization_rate": FRACTION,
    "target_year": (2000.0, 2100.0),
}
"""Keys ``county.csv`` must have, with their allowed range (``None``: any value >= 0)."""

OPTIONAL_COUNTY_KEYS: dict[str, tuple[float, float] | None] = {
    # villages at the census when the 2021 list's count came after dated mergers (§10b)
    "administrative_villages_census": None,
    "county_city_housing_units_2020": None,
    "resident_population_2010": None,
    "urban_population_2010": None,
    "resident_population_2022": None,
    "urban_population_2022": None,
    "births_2020": None,
    "deaths_2020": None,
    "births_2019": None,
    "deaths_2019": None,
    "birth_rate_2019_permille": (0.0, 1000.0),
    "death_rate_2019_permille": (0.0, 1000.0),
    "birth_rate_2021_permille": (0.0, 1000.0),
    "death_rate_2021_permille": (0.0, 1000.0),
    "registered_population_2020": None,
    "urban_disposable_income_2020": None,
    "rural_disposable_income_2020": None,
    "gdp_2019_yi": None,
    "new_urban_jobs_2019": None,
    "rural_labour_transferred_2019": None,
    "one_person_households_2020": None,
    "one_generation_households_2020": None,
    "two_generation_households_2020": None,
    "three_generation_households_2020": None,
    "four_plus_generation_households_2020": None,
    "households_with_65_plus_2020": None,
    "households_one_65_plus_2020": None,
    "households_two_65_plus_2020": None,
    "households_three_plus_65_plus_2020": None,
    "away_same_county_2020": None,
    "away_other_county_2020": None,
    "away_other_province_2020": None,
    **{f"housing_{k}_2020": None for k in ("rented", "self_built", "bought", "inherited", "other")},
    "shanxi_urbanization_2020": FRACTION,
    "shanxi_hukou_urbanization_2020": FRACTION,
    "province_urbanization_2020": FRACTION,
    "province_hukou_urbanization_2020": FRACTION,
}
"""Keys range-checked when present: the census household types, elderly households and
registration stocks (fitted by the population synthesis when given, default shares otherwise),
the births and deaths the calibration derives vital-rate targets from, and keys read by no
model code (context, checks by hand, later bulletins). Any other key is
allowed too (e.g. figures of one county's own landmarks)."""

SHARE_TOLERANCE = 1e-6
"""Allowed deviation of the household-size shares' sum from 1."""

MEAN_SIZE_TOLERANCE = 0.01
"""Allowed deviation of the household-size mean (8+ as 8) from persons / households."""
