"""Write a complete county folder from the census tables, for any county in China.

:func:`build_tables` turns a county's census row (:mod:`hdsim.county.census`) and its township
units into the rows of every file of a county folder: the census state from the county's own row
(residents, sexes, 5-year age groups by sex, households, household types, urban residents,
residents registered elsewhere) marked ``official``, and every figure the tables lack (township
populations, seats, distances, farmland, firms, services, the plan's target) made by the
methods below from the parameters in ``estimates.yaml`` and marked ``estimate``, each with its
arithmetic in the note. A user's own figures (``--from bulletin.yaml``, see
:func:`hdsim.county.overrides.read_overrides`)
replace county keys and township figures before the estimates are derived from them.
:func:`write_folder` writes the folder atomically, validated, with ``ESTIMATES.md``, the
checklist of the estimates that drive results most.
"""

from __future__ import annotations

import csv
import io
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from hdsim.county.census import (
    CENSUS_2010_SOURCE,
    CENSUS_2020_SOURCE,
    CODES_SOURCE,
    INDUSTRY_SECTORS,
    census_row,
    schedules,
    townships_of,
)
from hdsim.county.checklist import checklist_text
from hdsim.county.estimate import (
    CHINA_SIZE_SHARES,
    Unit,
    largest_remainder,
    services_rows,
    size_shares,
)
from hdsim.county.overrides import Overrides
from hdsim.data.loader import load_county_data
from hdsim.data.spec import AGE_GROUPS, SECTORS, SPECS
from hdsim.data.table import DataError

ESTIMATES_FILE: Path = Path(__file__).resolve().parent / "estimates.yaml"
"""Parameters of the scaffold's estimates (value, unit, source, status)."""

Row = dict[str, Any]


def load_parameters(path: Path = ESTIMATES_FILE) -> dict[str, Any]:
    """Read the scaffold parameters.

    Args:
        path: The YAML file (default: the shipped ``estimates.yaml``).

    Returns:
        Name -> value.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {name: entry["value"] for name, entry in raw.items()}


class _Book:
    """Rows of ``county.csv`` under construction, with their provenance."""

    def __init__(self, overrides: Overrides) -> None:
        self.rows: dict[str, Row] = {}
        self.over = overrides

    def put(
        self, key: str, value: float, unit: str, year: int, source: str, conf: str, note: str = ""
    ) -> float:
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


def build_tables(
    code: str, overrides: Overrides | None = None, params: dict[str, Any] | None = None
) -> dict[str, list[Row]]:
    """Build the rows of every file of a county folder from the census tables.

    Args:
        code: 6-digit county code.
        overrides: The user's own figures (``--from``).
        params: Scaffold parameters (default: ``estimates.yaml``).

    Returns:
        Table name (as in :data:`hdsim.data.spec.SPECS`) -> rows (dicts by column).

    Raises:
        DataError: One line if the county or its townships are not in the tables, or an
            override contradicts the census state.
    """
    over = overrides or Overrides()
    p = params or load_parameters()
    c = census_row(code)
    units_raw = townships_of(code)
    if not units_raw:
        raise DataError(
            f"--code {code}: the 2020 code list has no township-level units for this county; "
            "write townships.csv by hand (docs/data.md)"
        )
    for tcode in over.townships:
        if tcode not in {t.code for t in units_raw}:
            raise DataError(
                f"--from: township {tcode} is not a unit of county {code} in the 2020 code list; "
                "use one of its 9-digit codes"
            )
    book = _Book(over)
    est = "estimate"
    c20, c10 = CENSUS_2020_SOURCE, CENSUS_2010_SOURCE

    # ---- census state ------------------------------------------------------------------------
    total = c.get("人口数_合计")
    fam_hh = c.get("家庭户数")
    fam_p = c.get("家庭户人口数")
    coll_p = total - fam_p
    urban = c.get("城镇人口")
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
    coll_hh = max(1, round(coll_p / p["persons_per_collective_household"]))
    book.put(
        "collective_households_2020",
        coll_hh,
        "households",
        2020,
        "scaffold estimate",
        est,
        f"{coll_p} collective persons / {p['persons_per_collective_household']} persons per "
        f"collective household = {coll_hh} (the tables give no collective household count)",
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
    if coll_p > urban:
        raise DataError(
            f"census table: county {code} has {coll_p} collective persons but only {urban} "
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
    for key, col in (
        ("one_person_households_2020", "一人户数"),
        ("one_generation_households_2020", "一代户数"),
        ("two_generation_households_2020", "二代户数"),
        ("three_generation_households_2020", "三代户数"),
        ("four_plus_generation_households_2020", "四代以上户数"),
        ("households_with_65_plus_2020", "有65岁及以上老年人口的户数"),
    ):
        if col in c.values:
            book.put(key, c.get(col), "households", 2020, c20, "official")
    for key, col in (
        ("away_same_county_2020", "户口登记地在外乡镇街道人口_本县"),
        ("away_other_county_2020", "户口登记地在外乡镇街道人口_本省其他县"),
        ("away_other_province_2020", "户口登记地在外乡镇街道人口_省外"),
    ):
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
    if c.resident_2010 is not None:
        book.put("resident_population_2010", c.resident_2010, "persons", 2010, c10, "official")
    if c.urban_2010 is not None:
        book.put("urban_population_2010", c.urban_2010, "persons", 2010, c10, "official")
    if c.registered_2010 is not None:
        book.put("registered_population_2010", c.registered_2010, "persons", 2010, c10, "official")
        reg = round(c.registered_2010 * p["registered_to_2010_ratio"])
        away = max(0, reg - total)
        book.put(
            "away_persons_2020",
            away,
            "persons",
            2020,
            "scaffold estimate",
            est,
            f"registered population about {reg} (2010 census {c.registered_2010} x "
            f"{p['registered_to_2010_ratio']}) - {total} residents = {away}: hukou holders "
            "living outside the county",
        )
    else:
        book.put(
            "away_persons_2020",
            0,
            "persons",
            2020,
            "scaffold estimate",
            est,
            "no 2010 registered population for this code; 0 until a local figure is given",
        )
    rate = urban / total
    h_rate = round(rate * p["hukou_to_resident_urbanization_ratio"], 4)
    book.put(
        "hukou_urbanization_rate_2020",
        h_rate,
        "fraction",
        2020,
        "scaffold estimate",
        est,
        f"{rate:.4f} resident rate x {p['hukou_to_resident_urbanization_ratio']} (China's "
        f"hukou/resident ratio in 2020) = {h_rate}",
    )

    # ---- townships -----------------------------------------------------------------------------
    seat_idx = next(
        (i for i, t in enumerate(units_raw) if t.level == "subdistrict"),
        next((i for i, t in enumerate(units_raw) if t.level == "town"), 0),
    )
    units = [Unit(t, i == seat_idx) for i, t in enumerate(units_raw)]
    seat = units[seat_idx]
    urban_f = urban - coll_p
    cc = round(urban_f * p["county_city_share_of_urban"])
    cc = round(
        book.put(
            "county_city_population_2020",
            cc,
            "persons",
            2020,
            "scaffold estimate",
            est,
            f"{p['county_city_share_of_urban']} x {urban_f} urban family-"
            f"household residents ({urban} urban - {coll_p} collective persons)",
        )
    )
    fringe = min(round(urban_f * p["county_seat_fringe_share_of_urban"]), urban_f - cc)
    others = [u for u in units if not u.is_seat and u.kind == "town"]
    rest = urban_f - cc - fringe
    if rest < 0:
        raise DataError(
            f"--from: county_city_population_2020 {cc} exceeds the {urban_f} urban family-"
            "household residents of the census; lower it"
        )
    if not others:
        fringe += rest
        rest = 0
    seat.urban, seat.fringe = cc, fringe
    w = [p["subdistrict_weight"] if u.t.level == "subdistrict" else 1.0 for u in others]
    for u, n in zip(others, largest_remainder(w, rest), strict=True):
        u.urban = n
    rural_total = fam_p - urban_f
    fixed = {
        u.t.code: round(over.townships[u.t.code]["population_2020"])
        for u in units
        if "population_2020" in over.townships.get(u.t.code, {})
    }
    for u in units:
        if u.t.code in fixed:
            u.rural = fixed[u.t.code] - u.urban - u.fringe
            if u.rural < 0:
                raise DataError(
                    f"--from: township {u.t.code} population_2020 {fixed[u.t.code]} is below its "
                    f"estimated urban residents {u.urban + u.fringe}; raise it"
                )
    free = [u for u in units if u.t.code not in fixed]
    left = rural_total - sum(u.rural for u in units if u.t.code in fixed)
    if left < 0 or (not free and left != 0):
        raise DataError(
            f"--from: township populations sum past the census's {fam_p} family-household "
            "persons; make them add up to it"
        )
    w = [p["rural_weight_subdistrict"] if u.t.level == "subdistrict" else 1.0 for u in free]
    for u, n in zip(free, largest_remainder(w, left), strict=True):
        u.rural = n
    area = len(units) * p["km2_per_unit"]
    area = book.put(
        "area_km2",
        area,
        "km2",
        2020,
        "scaffold estimate",
        est,
        f"{len(units)} township-level units x {p['km2_per_unit']} km2 (the tables give no area)",
    )
    radius = math.sqrt(area / math.pi)
    for u in units:
        if u.kind == "township":
            u.rural_seat = round(u.rural * p["township_seat_share"])
        if u.is_seat:
            u.distance = 0.0
        elif u.t.level == "subdistrict":
            u.distance = float(p["distance_subdistrict_km"])
        else:
            share = (
                p["distance_town_of_radius"]
                if u.kind == "town"
                else p["distance_township_of_radius"]
            )
            u.distance = round(radius * share, 1)
        u.distance = over.townships.get(u.t.code, {}).get("distance_km", u.distance)
        u.farmland = float(round(u.rural * p["farmland_mu_per_rural_resident"]))
        u.villages = max(1, round(u.rural / p["rural_residents_per_village"]))
    book.put(
        "cultivated_land_mu",
        sum(u.farmland for u in units),
        "mu",
        2020,
        "scaffold estimate",
        est,
        f"{rural_total} rural residents x "
        f"{p['farmland_mu_per_rural_resident']} mu, summed over the units",
    )
    book.put(
        "administrative_villages_2021",
        sum(u.villages for u in units),
        "villages",
        2021,
        "scaffold estimate",
        est,
        f"rural residents of each unit / "
        f"{p['rural_residents_per_village']} per village, at least 1, summed",
    )
    units_h = round(cc / p["persons_per_urban_household"] * p["vacancy_factor"], -2)
    book.put(
        "county_city_housing_units_2020",
        units_h,
        "dwellings",
        2020,
        "scaffold estimate",
        est,
        f"{cc} / {p['persons_per_urban_household']} persons x {p['vacancy_factor']} "
        "vacant or second homes, rounded to 100",
    )
    book.put(
        "county_city_housing_price_2020",
        p["housing_price_2020"],
        "yuan per m2",
        2020,
        "scaffold estimate",
        est,
        "assumed; replace with the county's new-housing price",
    )
    built = round((cc + fringe) / p["persons_per_km2_built_up"], 1)
    book.put(
        "county_city_builtup_km2_2020",
        built,
        "km2",
        2020,
        "scaffold estimate",
        est,
        f"({cc} county city + {fringe} fringe) / {p['persons_per_km2_built_up']} persons per km2",
    )

    # ---- jobs and firms ------------------------------------------------------------------------
    sample = c.values.get("各种行业人口总计", 0.0)
    farm = c.values.get("农林牧渔业", 0.0)
    nonfarm_share = 1 - farm / sample if sample > 0 else 0.5
    jobs = round(broad["age_15_59_2020"] * p["employment_ratio_15_59"] * nonfarm_share)
    jobs = round(
        book.put(
            "nonfarm_jobs_2020",
            jobs,
            "jobs",
            2020,
            "scaffold estimate",
            est,
            f"{broad['age_15_59_2020']} aged 15-59 x {p['employment_ratio_15_59']} employed x "
            f"{nonfarm_share:.4f} non-farm (1 - {farm:g} / {sample:g} in the census long-form "
            "industry sample); equals the sum of firms.csv employees_2020",
        )
    )
    by_sector = {s: 0.0 for s in SECTORS}
    for col, sector in INDUSTRY_SECTORS.items():
        by_sector[sector] += c.values.get(col, 0.0)
    if sum(by_sector.values()) <= 0:
        by_sector["other_services"] = 1.0
    sector_jobs = largest_remainder(list(by_sector.values()), jobs)
    centres = [u for u in units if not u.is_seat and u.seat_population > 0]
    firms: list[Row] = []
    wage = p["base_monthly_wage_2020"]
    for sector, n in zip(by_sector, sector_jobs, strict=True):
        if n == 0:
            continue
        weights = [p["county_city_job_share"]] + [
            (1 - p["county_city_job_share"])
            * u.seat_population
            / max(1, sum(v.seat_population for v in centres))
            for u in centres
        ]
        places = [seat, *centres] if centres else [seat]
        for u, k in zip(places, largest_remainder(weights[: len(places)], n), strict=True):
            if k == 0:
                continue
            firms.append(
                {
                    "firm_id": f"F{len(firms) + 1:03d}",
                    "name_zh": f"{u.t.name_zh}{sector}企业（估计）",
                    "name_en": f"{sector} firms, {u.t.name_pinyin} (estimate)",
                    "sector": sector,
                    "township_code": u.t.code,
                    "location": "county_city" if u.is_seat else "seat",
                    "employees_2020": k,
                    "monthly_wage_2020": round(wage * p["sector_wage_factor"][sector], 0),
                    "chain_leader": "false",
                    "annual_growth": p["sector_growth"][sector],
                    "source": "scaffold estimate from " + c20 + " (long-form industry sample)",
                    "confidence": est,
                    "note": f"sector's share of the census industry sample x {jobs} non-farm jobs; "
                    f"{p['county_city_job_share']} in the county city, the rest by seat "
                    f"population; wage {wage} x {p['sector_wage_factor'][sector]}",
                }
            )

    # ---- the plan's target ---------------------------------------------------------------------
    target = round(min(0.95, rate + p["target_gain"]), 4)
    book.put(
        "target_urbanization_rate",
        target,
        "fraction",
        int(p["target_year"]),
        "scaffold estimate",
        est,
        f"placeholder: 2020 rate {rate:.4f} + {p['target_gain']}; "
        "replace with the county plan's target",
    )
    book.put(
        "target_year",
        p["target_year"],
        "year",
        int(p["target_year"]),
        "scaffold estimate",
        est,
        "placeholder: end of Shanxi's 2023-2025 action plan; replace with the plan's year",
    )

    # ---- other tables --------------------------------------------------------------------------
    town_src = CODES_SOURCE + "; populations, seats, distances, farmland: scaffold estimates"
    townships = []
    for u in units:
        roles = "county_seat" if u.is_seat else ""
        note = (
            f"code and name official; population_2020 = {u.urban} seat + {u.fringe} fringe + "
            f"{u.rural} rural residents (estimate: urban residents split county city "
            f"{p['county_city_share_of_urban']}, fringe {p['county_seat_fringe_share_of_urban']}, "
            f"the rest over town seats and subdistricts; rural residents shared by unit); "
            f"distance {u.distance} km estimate (county radius {radius:.1f} km); "
            + (
                "county seat: first subdistrict, or first town, of the code list"
                if u.is_seat
                else ""
            )
        )
        if u.t.code in over.townships:
            note += f"; given in the --from file: {', '.join(over.townships[u.t.code])}"
        townships.append(
            {
                "code": u.t.code,
                "name_zh": u.t.name_zh,
                "name_pinyin": u.t.name_pinyin,
                "kind": u.kind,
                "is_county_seat": "true" if u.is_seat else "false",
                "distance_km": u.distance,
                "population_2020": u.population,
                "seat_population_2020": u.seat_population,
                "fringe_population_2020": u.fringe,
                "admin_villages": u.villages,
                "farmland_mu": u.farmland,
                "roles": roles,
                "source": town_src,
                "confidence": est,
                "note": note,
            }
        )
    services = services_rows(units, total, broad["age_60_plus_2020"], p)
    mean = fam_p / fam_hh
    one = c.values.get("一人户数", fam_hh * CHINA_SIZE_SHARES[0] / 100) / fam_hh
    shares = size_shares(one, mean)
    sizes = [
        {
            "size": k + 1,
            "share": s,
            "source": "size 1 from " + c20 + "; sizes 2-8: China 2020 census pattern",
            "confidence": est,
            "note": f"size-1 share {one:.4f} official (一人户 / 家庭户); sizes 2..8 China 2020 "
            f"shares tilted as p_k exp(theta k) so the mean (8+ as 8) equals {fam_p}/{fam_hh} = "
            f"{mean:.4f}",
        }
        for k, s in enumerate(shares)
    ]
    age_sex = [
        {
            "age_lo": lo,
            "age_hi": hi,
            "male": m,
            "female": f,
            "source": c20,
            "confidence": "official",
            "note": "0-4 = 0 + 1-4" if lo == 0 else "",
        }
        for (lo, hi), m, f in zip(AGE_GROUPS, c.male, c.female, strict=True)
    ]
    demography = [
        {
            **r,
            "source": "China 2020 life table and ASFR shapes (approximate), as scaled for "
            "hdsim's embedded county",
            "confidence": est,
            "note": "national schedule (hdsim/county/tables/schedules_2020.csv), not fitted to "
            "this county: calibrate the behaviour on its 2010-2020 change",
        }
        for r in schedules()
    ]
    obs = [
        {
            "date": "2020-11-01",
            "indicator": "resident_population",
            "value": total,
            "unit": "persons",
            "source": c20,
            "confidence": "official",
            "note": "",
        },
        {
            "date": "2020-11-01",
            "indicator": "urban_population",
            "value": urban,
            "unit": "persons",
            "source": c20,
            "confidence": "official",
            "note": "",
        },
        {
            "date": "2020-11-01",
            "indicator": "urbanization_rate",
            "value": round(rate, 4),
            "unit": "fraction",
            "source": c20,
            "confidence": "derived",
            "note": f"{urban} / {total}",
        },
    ]
    if c.resident_2010 is not None:
        obs.insert(
            0,
            {
                "date": "2010-11-01",
                "indicator": "resident_population",
                "value": c.resident_2010,
                "unit": "persons",
                "source": c10,
                "confidence": "official",
                "note": "2010 boundaries",
            },
        )
    identity = {
        "code": (c.code, CODES_SOURCE, "official"),
        "name_zh": (c.name_zh, CODES_SOURCE, "official"),
        "name_en": (c.english_name, "romanised by hdsim (pypinyin)", "derived"),
        "name_pinyin": (c.name_pinyin, "romanised by hdsim (pypinyin)", "derived"),
        "province_zh": (c.province_zh, c20, "official"),
        "prefecture_zh": (c.prefecture_zh, c20, "official"),
    }
    id_rows = []
    for key, (value, src, conf) in identity.items():
        note = "check polyphonic readings" if conf == "derived" else ""
        if key in over.identity:
            value, src, conf, note = over.identity[key], over.source, "official", "--from file"
        id_rows.append(
            {"key": key, "value": value, "source": src, "confidence": conf, "note": note}
        )
    return {
        "identity": id_rows,
        "county": list(book.rows.values()),
        "age_sex": age_sex,
        "household_sizes": sizes,
        "townships": townships,
        "firms": firms,
        "services": services,
        "demography": demography,
        "observations": obs,
    }


def _csv_text(name: str, rows: list[Row]) -> str:
    spec = SPECS[name]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(spec.names), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in spec.names})
    return buf.getvalue()


def write_folder(
    folder: Path, code: str, overrides: Overrides | None = None, force: bool = False
) -> dict[str, list[Row]]:
    """Write a validated county folder (atomically: all files or none).

    Args:
        folder: Target folder; must not exist unless ``force``.
        code: 6-digit county code.
        overrides: The user's own figures.
        force: Replace an existing folder.

    Returns:
        The rows written, by table.

    Raises:
        DataError: One line if the folder exists, or the built folder does not validate.
    """
    folder = Path(folder).expanduser().resolve()
    if folder.exists() and not force:
        raise DataError(f"{folder}: folder exists; choose a new folder or add --force")
    tables = build_tables(code, overrides)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for name, rows in tables.items():
            (tmp / SPECS[name].file).write_text(_csv_text(name, rows), encoding="utf-8")
        (tmp / "ESTIMATES.md").write_text(checklist_text(tables), encoding="utf-8")
        load_county_data(tmp)
        tmp.chmod(0o777 & ~_umask())
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tables


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
