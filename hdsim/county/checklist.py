"""The checklist of a scaffolded county folder (ESTIMATES.md): the estimates to replace first."""

from __future__ import annotations

from typing import Any

from hdsim.county.pinyin import check_name

Row = dict[str, Any]


CHECKLIST: tuple[tuple[str, str, str], ...] = (
    (
        "townships.csv population_2020 / seat_population_2020",
        "where people live at t0: who is urban, who can move to the county city",
        "township census bulletins (乡镇人口)",
    ),
    (
        "county.csv county_city_population_2020",
        "size of the county city; the housing market and every urban lever start from it",
        "城区人口 of the county bulletin or the land survey",
    ),
    (
        "county.csv target_urbanization_rate, target_year",
        "the plan's goal the report measures against",
        "the county's action plan (行动方案)",
    ),
    (
        "county.csv away_persons_2020",
        "stock of hukou holders working outside the county, who may come back",
        "户籍人口 of the public-security or statistics bulletin",
    ),
    (
        "county.csv hukou_urbanization_rate_2020",
        "hukou reform levers act on it",
        "户籍人口城镇化率 of the county bulletin",
    ),
    (
        "firms.csv (employees, wages, growth)",
        "jobs pull migrants to the county city and towns",
        "the county's economic census or enterprise register",
    ),
    (
        "county.csv county_city_housing_price_2020",
        "housing cost of moving to the county city",
        "the housing bureau's figures",
    ),
    (
        "county.csv birth_rate_2021_permille, death_rate_2021_permille",
        "the calibration fits fertility and mortality to them (the province's rates "
        "standardised to the county's age structure until you give births_2020 and deaths_2020)",
        "the county's census bulletin (births and deaths of the year before the census) or its "
        "2021 statistical bulletin",
    ),
    (
        "plan.yaml (a template of the provincial plan type)",
        "the county's own measures and which levers represent them; runs say while it is the "
        "template",
        "the county's action plan (推进以县城为重要载体的城镇化建设行动方案): edit the text and "
        "levers, delete template: true",
    ),
    (
        "townships.csv roles (key_town, specialised_town, upgrade_candidate)",
        "the towns the spatial, industry and upgrade levers act on (rules: estimates.yaml "
        "key_towns_max, specialised_towns_max, upgrade_candidates_max)",
        "the county's action plan (重点镇, 特色小镇, 撤乡设镇 lists)",
    ),
    (
        "townships.csv distance_km, county.csv area_km2",
        "distance costs in location choice",
        "a map (road distance from each seat to the county city)",
    ),
)
"""The estimates that drive results most: (where, why it matters, where to find a better figure)."""


def checklist_text(tables: dict[str, list[Row]]) -> str:
    """The ``ESTIMATES.md`` checklist of a scaffolded folder.

    Args:
        tables: The folder's rows as built by :func:`build_tables`.

    Returns:
        Markdown text.
    """
    ident = {r["key"]: r["value"] for r in tables["identity"]}
    n_est = sum(1 for rows in tables.values() for r in rows if r["confidence"] == "estimate")
    n_all = sum(len(rows) for rows in tables.values())
    lines = [
        f"# {ident['name_zh']} ({ident['name_en']}, {ident['code']}): estimates to replace",
        "",
        f"Written by `hdsim-county init` from the census tables: {n_est} of {n_all} rows are "
        "marked `estimate`. Replace these first (they drive the results most), in a YAML file "
        "given as `hdsim-county init FOLDER --code CODE --from bulletin.yaml --force`:",
        "",
        "| figure | why it matters | where to find it |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in CHECKLIST),
        "",
        "```yaml",
        'source: "<title> (<publisher>, <date>), <URL>"',
        "county: {county_city_population_2020: <persons>, target_urbanization_rate: <0..1>}",
        'townships: {"<9-digit code>": {population_2020: <persons>, distance_km: <km>, '
        "industry_share: <0..1>}}",
        "```",
        "",
        "The methods and parameters of every estimate are in the `note` column and in "
        "`hdsim/county/estimates.yaml`.",
        "",
        *_pinyin_lines(tables),
    ]
    return "\n".join(lines)


def _pinyin_lines(tables: dict[str, list[Row]]) -> list[str]:
    """The names whose pinyin has a polyphonic character and no checked reading."""
    ident = {r["key"]: r["value"] for r in tables["identity"]}
    names = [(str(ident["name_zh"]), str(ident["name_pinyin"]))]
    names += [(str(r["name_zh"]), str(r["name_pinyin"])) for r in tables["townships"]]
    checks = [check_name(zh, py) for zh, py in names]
    todo = [c for c in checks if c.needs_check]
    if not todo:
        return []
    return [
        "## Pinyin to check",
        "",
        "These names have a character with more than one reading (hdsim/county/tables/"
        "pinyin_polyphones.csv); fix the county's reading with `identity: {name_pinyin: ...}` "
        "in the --from file, a township's in townships.csv, or add the checked reading to "
        "hdsim/county/tables/pinyin_readings.csv:",
        "",
        *(f"- {c.name_zh}: {c.note()}" for c in todo),
        "",
    ]
