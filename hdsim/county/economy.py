"""The economy of a scaffolded county: jobs, firms, services, housing and the plan's target.

The census long-form industry sample gives a county's non-farm share and the mix of its
sectors; :func:`firm_rows` turns them into non-farm jobs (residents aged 15-59 x an
employment ratio x the non-farm share) and firm groups by sector and place (a share in the
county city, the rest over town seats by their residents). :func:`county_city_keys` writes the
county city's housing stock, price and built-up area; :func:`target_keys` the placeholder
target of the plan; :func:`services_rows` the school, health and elderly-care places of each
unit's centre and villages, from its residents and national norms. Every figure is marked
``estimate`` with its arithmetic in the note.
"""

from __future__ import annotations

from typing import Any

from hdsim.county.census import CENSUS_2020_SOURCE, INDUSTRY_SECTORS, CensusRow
from hdsim.county.census_state import ESTIMATE, SCAFFOLD, CensusState, CountyBook
from hdsim.county.estimate import Unit, largest_remainder
from hdsim.county.pinyin import check_name
from hdsim.data.spec import SECTORS

Row = dict[str, Any]


def county_city_keys(units: list[Unit], book: CountyBook, p: dict[str, Any]) -> None:
    """Housing units, housing price and built-up area of the county city.

    Args:
        units: The county's units, residents set.
        book: The ``county.csv`` rows.
        p: Scaffold parameters.
    """
    seat = next(u for u in units if u.is_seat)
    cc, fringe = seat.urban, seat.fringe
    per, vac = p["persons_per_urban_household"], p["vacancy_factor"]
    book.put(
        "county_city_housing_units_2020", round(cc / per * vac, -2), "dwellings", 2020,
        SCAFFOLD, ESTIMATE,
        f"{cc} / {per} persons x {vac} vacant or second homes, rounded to 100",
    )
    book.put(
        "county_city_housing_price_2020", p["housing_price_2020"], "yuan per m2", 2020,
        SCAFFOLD, ESTIMATE, "assumed; replace with the county's new-housing price",
    )
    density = p["persons_per_km2_built_up"]
    book.put(
        "county_city_builtup_km2_2020", round((cc + fringe) / density, 1), "km2", 2020,
        SCAFFOLD, ESTIMATE,
        f"({cc} county city + {fringe} fringe) / {density} persons per km2",
    )


def nonfarm_jobs(c: CensusRow, state: CensusState, book: CountyBook, p: dict[str, Any]) -> int:
    """Non-farm jobs of 2020 (``nonfarm_jobs_2020``) from the census industry sample."""
    sample = c.values.get("各种行业人口总计", 0.0)
    farm = c.values.get("农林牧渔业", 0.0)
    nonfarm_share = 1 - farm / sample if sample > 0 else 0.5
    working = state.broad["age_15_59_2020"]
    ratio = p["employment_ratio_15_59"]
    return round(
        book.put(
            "nonfarm_jobs_2020", round(working * ratio * nonfarm_share), "jobs", 2020, SCAFFOLD,
            ESTIMATE,
            f"{working} aged 15-59 x {ratio} employed x {nonfarm_share:.4f} non-farm "
            f"(1 - {farm:g} / {sample:g} in the census long-form industry sample); equals the "
            "sum of firms.csv employees_2020",
        )
    )


def _sector_jobs(c: CensusRow, jobs: int) -> dict[str, int]:
    """Jobs by hdsim sector, in proportion to the census industry sample."""
    by_sector = {s: 0.0 for s in SECTORS}
    for col, sector in INDUSTRY_SECTORS.items():
        by_sector[sector] += c.values.get(col, 0.0)
    if sum(by_sector.values()) <= 0:
        by_sector["other_services"] = 1.0
    return dict(zip(by_sector, largest_remainder(list(by_sector.values()), jobs), strict=True))


def firm_rows(
    c: CensusRow, state: CensusState, units: list[Unit], book: CountyBook, p: dict[str, Any]
) -> list[Row]:
    """``firms.csv``: one firm group per sector and place, adding up to the non-farm jobs.

    Args:
        c: The county's census row.
        state: The county-wide census figures.
        units: The county's units, residents set.
        book: The ``county.csv`` rows (``nonfarm_jobs_2020`` is written).
        p: Scaffold parameters.

    Returns:
        The rows.
    """
    jobs = nonfarm_jobs(c, state, book, p)
    seat = next(u for u in units if u.is_seat)
    centres = [u for u in units if not u.is_seat and u.seat_population > 0]
    places = [seat, *centres]
    share = p["county_city_job_share"]
    seat_sum = max(1, sum(v.seat_population for v in centres))
    weights = [share] + [(1 - share) * u.seat_population / seat_sum for u in centres]
    wage = p["base_monthly_wage_2020"]
    firms: list[Row] = []
    for sector, n in _sector_jobs(c, jobs).items():
        if n == 0:
            continue
        factor = p["sector_wage_factor"][sector]
        for u, k in zip(places, largest_remainder(weights, n), strict=True):
            if k == 0:
                continue
            firms.append(
                {
                    "firm_id": f"F{len(firms) + 1:03d}",
                    "name_zh": f"{u.t.name_zh}{sector}企业（估计）",
                    "name_en": f"{sector} firms, {check_name(u.t.name_zh, u.t.name_pinyin).pinyin}"
                    " (estimate)",
                    "sector": sector,
                    "township_code": u.t.code,
                    "location": "county_city" if u.is_seat else "seat",
                    "employees_2020": k,
                    "monthly_wage_2020": round(wage * factor, 0),
                    "chain_leader": "false",
                    "annual_growth": p["sector_growth"][sector],
                    "source": f"{SCAFFOLD} from {CENSUS_2020_SOURCE} (long-form industry sample)",
                    "confidence": ESTIMATE,
                    "note": f"sector's share of the census industry sample x {jobs} non-farm "
                    f"jobs; {share} in the county city, the rest by seat population; wage "
                    f"{wage} x {factor}",
                }
            )
    return firms


def target_keys(state: CensusState, book: CountyBook, p: dict[str, Any]) -> None:
    """Placeholder target rate and year of the plan (to be replaced by the plan's own).

    Args:
        state: The county-wide census figures.
        book: The ``county.csv`` rows.
        p: Scaffold parameters (``target_gain``, ``target_year``, ``target_rate_cap``).
    """
    year = int(p["target_year"])
    gain, cap = p["target_gain"], p["target_rate_cap"]
    target = round(min(cap, state.rate + gain), 4)
    book.put(
        "target_urbanization_rate", target, "fraction", year, SCAFFOLD, ESTIMATE,
        f"placeholder: 2020 rate {state.rate:.4f} + {gain} (at most {cap}); replace with the "
        "county plan's target",
    )
    book.put(
        "target_year", p["target_year"], "year", year, SCAFFOLD, ESTIMATE,
        "placeholder: end of Shanxi's 2023-2025 action plan; replace with the plan's year",
    )


def services_rows(units: list[Unit], total: int, old: int, p: dict[str, Any]) -> list[Row]:
    """Service rows: a centre row and a villages row of each service for every unit."""
    q = p["service_quality"]
    rows: list[Row] = []
    for u in units:
        centre = "county_city" if u.is_seat else "seat"
        seat_pop = u.urban if u.is_seat else u.seat_population
        villages = u.population - u.seat_population - u.fringe
        if u.is_seat:
            cap = {
                "school": seat_pop * p["pupils_per_resident"] * p["county_city_school_factor"],
                "health": total * p["county_hospital_share"],
                "elderly_care": old * p["elderly_care_beds_per_60_plus"],
            }
        else:
            cap = {
                "school": seat_pop * p["pupils_per_resident"],
                "health": u.population * p["seat_health_per_resident"],
                "elderly_care": u.population * p["seat_elderly_care_per_resident"],
            }
        vil = {
            "school": villages * p["village_school_places_per_resident"],
            "health": villages * p["village_health_per_resident"],
            "elderly_care": villages * p["village_elderly_care_per_resident"],
        }
        for place, caps in ((centre, cap), ("villages", vil)):
            for service, value in caps.items():
                rows.append(
                    {
                        "township_code": u.t.code,
                        "place": place,
                        "service": service,
                        "capacity": float(round(value)),
                        "quality": q[place][service],
                        "source": "scaffold estimate from population and national norms",
                        "confidence": "estimate",
                        "note": "capacity from the place's residents x the norm in "
                        "hdsim/county/estimates.yaml; quality by place (judgement)",
                    }
                )
    return rows
