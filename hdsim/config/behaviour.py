"""Behavioural and economic parameters of the mechanisms, grouped by mechanism.

Every parameter is declared with :func:`hdsim.config.fields.parameter`: its default, range,
unit, source and status (``calibrated``: fitted to the county's observed figures;
``literature``: published estimates or statistics; ``estimate``: worked out from data;
``assumption``: judgement, to be replaced), and, for the uncertainties experiments sample, the
range they sample. :func:`parameter_table` lists them all; ``docs/model.md`` gives the equations
they enter; ``hdsim/conf/behaviour/`` holds the county's values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from hdsim.config.fields import ParameterInfo, parameter

ABC = "ABC posterior median, hdsim-calibrate"
MIGRANT_AGES = (
    "《中国流动人口发展报告2017》 (国家卫生计生委, national migrant dynamic monitoring survey): "
    "the migrant stock of 2016 had mean age 29.8 (27.3 in 2011), 21.7% aged 0-14, 75.5% 15-59, "
    "2.8% 60+"
)
"""The migrant age structure the in-migrants' age pattern is made from (no county figure)."""
RR_JUDGEMENT = (
    "; value and range are judgement, not identified by the 2022 figures (docs/calibration.md)"
)

SCHOOL_MOVES = (
    "教育进城: rural families move to the county town when a child starts primary or junior "
    "middle school (王德 et al. 2024, 人文地理 39(6): 59-69, 寿县: education migrants are 14% of "
    "the county town's residents; 郭婉悦 2025, Advances in Social Sciences 14(3): 314-321); no "
    "estimate of the relative risk" + RR_JUDGEMENT
)
"""Why school ages raise the moving hazard (the relative risks' size is judgement)."""

SPLIT_TARGET = (
    "; fitted to the bound on the yearly change of residents registered in another township"
    " of the county 2020-22 (half to double the census pace 2010-2020: 11,433 -> 59,288)"
)
"""What the split rates (陪读, lone workers) are fitted to (``targets.csv``)."""


@dataclass
class DemographyParams:
    """Vital rates and out-of-county migration of individuals."""

    mortality_multiplier: float = parameter(
        0.9005, 0.2, 5.0, unit="1", status="calibrated", source=ABC,
        description="Scales the age-specific death probabilities",
    )  # fmt: skip
    fertility_multiplier: float = parameter(
        1.127, 0.0, 5.0, unit="1", status="calibrated", source=ABC,
        description="Scales the age-specific fertility rates",
    )  # fmt: skip
    fertility_trend: float = parameter(
        -0.05, -0.5, 0.5, unit="1/yr", status="literature",
        source="China's births fell ~10%/yr 2020-22",
        description="Yearly relative change of fertility",
    )  # fmt: skip
    departure_rate: float = parameter(
        0.08628, 0.0, 1.0, unit="1/yr", status="calibrated", source=ABC,
        uncertainty=(0.04, 0.10),
        description="Yearly probability a resident aged 16-34 leaves to work outside",
    )  # fmt: skip
    return_rate: float = parameter(
        0.02252, 0.0, 1.0, unit="1/yr", status="calibrated", source=ABC,
        uncertainty=(0.01, 0.04),
        description="Yearly probability a person working outside comes back",
    )  # fmt: skip
    job_response: float = parameter(
        1.5, 0.0, 10.0, unit="1", status="assumption",
        description="Elasticity of departures (down) and returns (up) to local job prospects",
    )  # fmt: skip
    household_return_rate: float = parameter(
        0.02, 0.0, 1.0, unit="1/yr", status="assumption",
        description="Yearly probability a household living outside the county comes back",
    )  # fmt: skip
    female_birth_share: float = parameter(
        0.485, 0.0, 1.0, unit="share", status="literature",
        source="sex ratio at birth about 106 boys per 100 girls",
        description="Share of births that are girls",
    )  # fmt: skip
    employed_departure_factor: float = parameter(
        0.5, 0.0, 10.0, unit="1", status="assumption",
        description="Departure rate of residents holding a local job relative to the others",
    )  # fmt: skip
    older_return_factor: float = parameter(
        3.0, 0.0, 10.0, unit="1", status="assumption",
        description="Return rate of persons away aged 50+ relative to younger ones",
    )  # fmt: skip
    # -- fertility floor and returners' choice (issue 14) --
    tfr_floor: float = parameter(
        1.0, 0.0, 3.0, unit="births/woman", status="literature",
        source="UN World Population Prospects 2024: China's TFR about 1.0 in 2023, medium "
        "variant near 1.0-1.1 to 2040 (national; Shanxi's 2020 census TFR was below the "
        "national 1.3)",
        description="Total fertility rate below which the fertility trend does not go",
    )  # fmt: skip
    returner_choice_min_age: int = parameter(
        18, 0, 110, unit="years", status="assumption",
        description="Returners this old or older choose where to live (county city, their "
        "township's seat, their home village), younger ones rejoin their household",
    )  # fmt: skip


@dataclass
class LocationParams:
    """Random-utility (logit) choice of where a household lives."""

    consider_rate: float = parameter(
        0.1032, 0.0, 1.0, unit="1/yr", status="calibrated", source=ABC,
        uncertainty=(0.04, 0.24),
        description="Base hazard: yearly probability that a household without a recent life "
        "event considers moving (each event of the last event_window_months multiplies it)",
    )  # fmt: skip
    event_window_months: int = parameter(
        12, 1, 12, unit="months", status="assumption",
        source="panel studies of moves after life events compare annual waves (Clark & Huang "
        "2003, Environment and Planning A 35: 323-339; Clark 2013, Journal of Population "
        "Research 30(4): 319-334): an event counts for the year after it",
        description="Months after a life event during which it raises the household's hazard",
    )  # fmt: skip
    school_entry_age: int = parameter(
        6, 3, 18, unit="years", status="literature",
        source="义务教育法 (2006) art. 11: children start school in the year they turn six",
        description="Age at which a child enters primary school (a school-entry event)",
    )  # fmt: skip
    junior_middle_age: int = parameter(
        12, 3, 18, unit="years", status="literature",
        source="六三学制: six years of primary school, then junior middle school (初中)",
        description="Age at which a child enters junior middle school (a school-transition event)",
    )  # fmt: skip
    rr_school_entry: float = parameter(
        2.0, 0.1, 10.0, unit="1", status="assumption", source=SCHOOL_MOVES,
        description="Relative risk of considering a move in the year a child reaches school age",
    )  # fmt: skip
    rr_junior_middle: float = parameter(
        2.0, 0.1, 10.0, unit="1", status="assumption", source=SCHOOL_MOVES,
        description="Relative risk of considering a move in the year a child reaches "
        "junior-middle-school age",
    )  # fmt: skip
    rr_birth: float = parameter(
        1.5, 0.1, 10.0, unit="1", status="assumption",
        source="a birth triggers housing-related moves (Kulu 2005, MPIDR working paper "
        "WP-2005-002, Austria; Clark & Huang 2003, Environment and Planning A 35: 323-339, "
        "BHPS: 'in some situations'); no Chinese estimate of its size" + RR_JUDGEMENT,
        description="Relative risk of considering a move in the year after a birth",
    )  # fmt: skip
    rr_job_loss: float = parameter(
        1.5, 0.1, 10.0, unit="1", status="assumption",
        source="the unemployed move more often than employees (Boheim & Taylor 1999, ISER, "
        "BHPS 1991-97; Clark 2013, Journal of Population Research 30(4): 319-334, HILDA); "
        "no Chinese estimate of its size" + RR_JUDGEMENT,
        description="Relative risk of considering a move in the year after a member lost a job",
    )  # fmt: skip
    rr_retirement: float = parameter(
        1.2, 0.1, 10.0, unit="1", status="assumption",
        source="work-status changes near retirement go with moves (Bures 1996, Health and "
        "Retirement Study waves 1-2); here the end of a wage job at the statutory age (farmers "
        "do not retire)" + RR_JUDGEMENT,
        description="Relative risk of considering a move in the year a member reaches "
        "retirement age",
    )  # fmt: skip
    beta_income: float = parameter(
        1.2, 0.0, 10.0, unit="utility/log(yuan)", status="assumption", source="to calibrate",
        description="Utility per unit of log expected income",
    )  # fmt: skip
    beta_school: float = parameter(
        0.9, 0.0, 10.0, unit="utility", status="assumption",
        description="Utility of school quality for households with children",
    )  # fmt: skip
    beta_health: float = parameter(
        0.6, 0.0, 10.0, unit="utility", status="assumption",
        description="Utility of health and elderly-care quality for the elderly",
    )  # fmt: skip
    beta_amenity: float = parameter(
        0.5, 0.0, 10.0, unit="utility", status="assumption",
        description="Utility of urban amenity and infrastructure",
    )  # fmt: skip
    beta_housing: float = parameter(
        2.0, 0.0, 20.0, unit="utility/share", status="assumption",
        description="Disutility per unit housing-cost share of income",
    )  # fmt: skip
    beta_hukou: float = parameter(
        0.1, 0.0, 10.0, unit="utility", status="assumption", uncertainty=(0.0, 0.3),
        source="re-estimated for a county open since the 2014 unification (国发〔2014〕25号: "
        "no settlement quota in county towns); what remains is the 落户 paperwork and social "
        "insurance still tied to registration; Chen & Fan (2016, China Review 16(3)) find "
        "most migrants in small cities do not want an urban hukou; no estimate for a county",
        description="Disutility of living in town on an agricultural or non-local hukou",
    )  # fmt: skip
    beta_land: float = parameter(
        0.35, 0.0, 10.0, unit="utility/log(1+mu)", status="assumption",
        description="Disutility per log(1+mu) of farmland left behind",
    )  # fmt: skip
    moving_cost: float = parameter(
        1.741, 0.0, 20.0, unit="utility", status="calibrated", source=ABC,
        uncertainty=(1.4, 2.2),
        description="Fixed disutility of moving",
    )  # fmt: skip
    moving_cost_per_km: float = parameter(
        0.02, 0.0, 1.0, unit="utility/km", status="assumption",
        description="Disutility per km between origin village and destination",
    )  # fmt: skip
    beta_peers: float = parameter(
        2.0, 0.0, 20.0, unit="utility/share", status="assumption",
        description="Utility per share of village peers already at the destination",
    )  # fmt: skip
    asc_county_city: float = parameter(
        3.23, -10.0, 10.0, unit="utility", status="calibrated", source=ABC,
        uncertainty=(2.6, 3.6),
        description="Alternative-specific constant of the county city",
    )  # fmt: skip
    asc_seat: float = parameter(
        0.4927, -10.0, 10.0, unit="utility", status="calibrated", source=ABC,
        description="Constant of town and township seats",
    )  # fmt: skip
    asc_outside: float = parameter(
        -0.6396, -10.0, 10.0, unit="utility", status="calibrated", source=ABC,
        description="Constant of leaving the county",
    )  # fmt: skip
    asc_return_village: float = parameter(
        -2.0, -10.0, 10.0, unit="utility", status="assumption", source="hand-set",
        description="Constant of returning to the home village",
    )  # fmt: skip
    elderly_inertia: float = parameter(
        1.0, 0.0, 10.0, unit="utility", status="assumption",
        description="Extra moving disutility when the household head is 60+",
    )  # fmt: skip
    outside_wage_ratio: float = parameter(
        1.45, 0.5, 5.0, unit="1", status="assumption", uncertainty=(1.2, 1.8),
        description="Wage outside the county relative to the county city",
    )  # fmt: skip
    farm_reach_km: float = parameter(
        15.0, 0.0, 200.0, unit="km", status="assumption",
        description="Distance from its land up to which a household keeps farming it",
    )  # fmt: skip
    base_income: float = parameter(
        6000.0, 1.0, 100000.0, unit="yuan/yr", status="estimate",
        description="Yearly income a household has without work (pensions, transfers)",
    )  # fmt: skip
    dwelling_m2: float = parameter(
        90.0, 10.0, 500.0, unit="m2", status="estimate",
        description="Floor area of a dwelling bought or rented in town",
    )  # fmt: skip
    user_cost: float = parameter(
        0.045, 0.0, 1.0, unit="1/yr", status="estimate",
        description="Yearly cost of housing as a share of its price (rent-equivalent)",
    )  # fmt: skip
    farm_income_growth: float = parameter(
        0.05, -0.5, 0.5, unit="1/yr", status="assumption",
        description="Yearly growth of farm income per mu",
    )  # fmt: skip
    distant_farm_share: float = parameter(
        0.3, 0.0, 1.0, unit="share", status="assumption",
        description="Share of farm income a household far from its land still earns (rent)",
    )  # fmt: skip
    kept_rights_farm_share: float = parameter(
        0.5, 0.0, 1.0, unit="share", status="assumption",
        description="Extra share of farm income earned far away when land rights are kept",
    )  # fmt: skip
    hukou_service_barrier: float = parameter(
        0.1, 0.0, 1.0, unit="share", status="assumption",
        source="居住证暂行条例 (2016) art. 12 and 义务教育法 (2006) art. 12: compulsory schooling "
        "and basic health by residence permit; the share left covers high-school entry and "
        "school choice by registration; no estimate for a county",
        description="Share of urban service utility an agricultural hukou forgoes in town",
    )  # fmt: skip


@dataclass
class LabourParams:
    """Firms' hiring, wages and farm income."""

    separation_rate: float = parameter(
        0.012, 0.0, 0.5, unit="1/month", status="assumption",
        description="Monthly probability an employee leaves the job",
    )  # fmt: skip
    commute_km: float = parameter(
        12.0, 0.0, 100.0, unit="km", status="assumption",
        description="Distance scale of daily commuting",
    )  # fmt: skip
    wage_growth: float = parameter(
        0.067, -0.2, 0.5, unit="1/yr", status="literature", uncertainty=(0.03, 0.09),
        source="official statistics: urban income +6.7%/yr 2015-20",
        description="Yearly nominal wage growth",
    )  # fmt: skip
    farm_income_per_mu: float = parameter(
        900.0, 0.0, 10000.0, unit="yuan/(mu yr)", status="estimate",
        description="Net farm income per mu and year",
    )  # fmt: skip
    retirement_age: int = parameter(
        60, 45, 80, unit="years", status="literature", source="statutory retirement age of men",
        description="Age at which workers leave firm jobs",
    )  # fmt: skip
    hire_efficiency: float = parameter(
        0.5, 0.0, 1.0, unit="1/month", status="assumption",
        description="Share of open vacancies filled per month when seekers exist",
    )  # fmt: skip
    outside_employment: float = parameter(
        0.85, 0.0, 1.0, unit="share", status="assumption",
        description="Probability of employment outside the county",
    )  # fmt: skip
    far_job_commutes: float = parameter(
        3.0, 0.0, 100.0, unit="commute_km", status="assumption",
        description="A mover loses a job farther than this many commuting scales from home",
    )  # fmt: skip


@dataclass
class HukouParams:
    """Conversion of agricultural hukou into urban (non-agricultural) hukou."""

    conversion_rate: float = parameter(
        0.04, 0.0, 1.0, unit="1/yr", status="assumption",
        source="hand-set: twice the old 2%, as the land terms halve the mean rate",
        description="Yearly probability an eligible urban household converts its hukou",
    )  # fmt: skip
    residence_months: int = parameter(
        24, 0, 240, unit="months", status="assumption",
        description="Months of urban residence required before conversion",
    )  # fmt: skip
    owner_factor: float = parameter(
        2.0, 0.0, 10.0, unit="1", status="assumption",
        description="Conversion rate of homeowners relative to tenants",
    )  # fmt: skip
    children_factor: float = parameter(
        1.5, 0.0, 10.0, unit="1", status="assumption",
        source="a local hukou secures a public-school place (入学 by registration) in town",
        description="Conversion rate of households with children aged 3-15 relative to others",
    )  # fmt: skip
    land_loss_aversion: float = parameter(
        0.3, 0.0, 10.0, unit="log-odds/log(1+mu)", status="assumption",
        source="Chen & Fan (2016), China Review 16(3): fear of losing land is the main reason "
        "rural migrants do not take an urban hukou",
        description="Lower log-rate of 落户 per log(1+mu) of contracted farmland held at home",
    )  # fmt: skip
    homestead_loss_aversion: float = parameter(
        0.5, 0.0, 10.0, unit="log-odds", status="assumption",
        source="Chen & Fan (2016), China Review 16(3)",
        description="Lower log-rate of 落户 for a household holding a homestead (宅基地)",
    )  # fmt: skip
    land_rights_secure: float = parameter(
        0.3, 0.0, 1.0, unit="share", status="assumption",
        source="农村土地承包法 (2018) art. 27 and 国发〔2016〕44号: settling in town may not be "
        "conditioned on giving up land; how far households trust it is not measured",
        description="Share of the fear of losing land on 落户 that the law already removes",
    )  # fmt: skip


@dataclass
class TownshipParams:
    """Services, housing and built-up growth of townships and the county city."""

    congestion: float = parameter(
        0.5, 0.0, 5.0, unit="1", status="assumption",
        description="Elasticity of service quality to capacity per user",
    )  # fmt: skip
    housing_elasticity: float = parameter(
        1.5, 0.0, 10.0, unit="1", status="assumption",
        description="Elasticity of house prices to occupancy",
    )  # fmt: skip
    builtup_density: float = parameter(
        9000.0, 1000.0, 50000.0, unit="persons/km2", status="estimate",
        description="Residents per km2 of built-up area",
    )  # fmt: skip
    builtup_growth_share: float = parameter(
        0.04627777777777778, 0.0, 2.0, unit="1/yr", status="calibrated", source=ABC,
        description="Yearly built-up growth of the county city on trend, as a share of its "
        "built-up area at the census",
    )  # fmt: skip
    km2_per_village: float = parameter(
        0.9, 0.05, 20.0, unit="km2", status="estimate",
        description="Built-up growth that absorbs one adjoining village into the urban area",
    )  # fmt: skip
    housing_units_growth: float = parameter(
        0.015, 0.0, 0.5, unit="1/yr", status="estimate",
        description="Yearly growth of county-city housing on trend",
    )  # fmt: skip
    amenity_village: float = parameter(
        0.1, 0.0, 1.0, unit="index", status="assumption",
        description="Urban amenity index of a village",
    )  # fmt: skip
    amenity_seat: float = parameter(
        0.4, 0.0, 1.0, unit="index", status="assumption",
        description="Urban amenity index of a town or township seat (and of absorbed villages)",
    )  # fmt: skip
    amenity_county_city: float = parameter(
        0.8, 0.0, 1.0, unit="index", status="assumption",
        description="Urban amenity index of the county city",
    )  # fmt: skip
    amenity_outside: float = parameter(
        1.0, 0.0, 1.0, unit="index", status="assumption",
        description="Urban amenity index of the places migrants go to outside the county",
    )  # fmt: skip
    price_factor_village: float = parameter(
        0.2, 0.0, 10.0, unit="1", status="assumption",
        description="House price in a village relative to the county city",
    )  # fmt: skip
    price_factor_seat: float = parameter(
        0.55, 0.0, 10.0, unit="1", status="assumption",
        description="House price at a seat relative to the county city",
    )  # fmt: skip
    price_factor_outside: float = parameter(
        2.5, 0.0, 10.0, unit="1", status="assumption",
        description="House price outside the county relative to the county city",
    )  # fmt: skip
    outside_quality: float = parameter(
        0.55, 0.0, 1.0, unit="index", status="assumption",
        description="Service quality a migrant family finds outside the county",
    )  # fmt: skip
    price_inflation: float = parameter(
        0.0, -0.5, 0.5, unit="1/yr", status="assumption",
        source="NBS 70-city index: third-tier new-home prices flat in 2020-21 and falling "
        "from 2022; occupancy still moves the price",
        description="Yearly nominal house-price inflation at constant occupancy",
    )  # fmt: skip
    seat_housing_margin: float = parameter(
        1.05, 1.0, 3.0, unit="dwellings/household", status="assumption",
        description="Dwellings per household living at a seat at the census",
    )  # fmt: skip
    builtup_pressure: float = parameter(
        0.05, 0.0, 1.0, unit="1/month", status="assumption",
        description="Share of the county city's excess of people over its t0 density built "
        "up each month",
    )  # fmt: skip
    crowding_cap: float = parameter(
        1.5, 1.0, 10.0, unit="1", status="assumption",
        description="Largest capacity-per-user ratio (to t0) that still raises service quality",
    )  # fmt: skip
    # -- public services: pupils and school consolidation (mechanisms/services.py) --
    pupil_age_min: int = parameter(
        6, 3, 18, unit="years", status="literature",
        source="Compulsory Education Law: nine years of school from age 6",
        description="Youngest age counted as a pupil of the local school",
    )  # fmt: skip
    pupil_age_max: int = parameter(
        14, 3, 18, unit="years", status="literature",
        source="Compulsory Education Law: nine years of school from age 6",
        description="Oldest age counted as a pupil of the local school",
    )  # fmt: skip
    school_closure_pupils: float = parameter(
        40.0, 0.0, 1000.0, unit="pupils", status="assumption",
        source="range 10-100 from the rules, value judgement: 国办发〔2018〕27号 defines 乡村小规模"
        "学校 as village schools and 教学点 under 100 pupils and requires keeping those needed "
        "(应留必留; closures only after review, 国办发〔2012〕48号), so 100 bounds the threshold "
        "from above; the rule keeps 教学点 of a handful of pupils where they have no other "
        "school, so about 10 bounds it from below (judgement); no Shanxi or county "
        "enrolment rule found (撤点并校 since 2001: 56% of China's primary schools gone "
        "2000-2011); replace with the county's school records",
        description="Enrolment below which a village school closes at the start of a school year",
    )  # fmt: skip
    closed_school_access: float = parameter(
        0.6, 0.0, 1.0, unit="share", status="assumption",
        source="set so that a closure does not raise a village's school value (0.6 x 0.55 seat "
        "< 0.40 village)",
        description="Share of the seat school's quality a village family gets once its own "
        "school has closed (commute or boarding)",
    )  # fmt: skip


@dataclass
class ClassificationParams:
    """The statistical layer: reclassification of places by the NBS urban-rural rules.

    Applied once a year at the code list's cut-off (``mechanisms/classification.py``); every
    pace at 0 switches its rule off. Prior ranges for the calibration and the hindcast are in
    ``hdsim/data/calibration/priors.csv``.
    """

    cutoff_month: int = parameter(
        6, 1, 12, unit="month", status="literature",
        source="统计用区划代码和城乡划分代码 (国家统计局): the 2009-2020 lists are cut off "
        "on 30 June (the 2021 list on 31 October)",
        description="Calendar month whose end is the cut-off of the yearly code list",
    )  # fmt: skip
    seat_growth_share: float = parameter(
        0.035, 0.0, 0.5, unit="1/yr", status="assumption",
        source="order of magnitude of the built-up growth of China's towns (建制镇) in the "
        "2010s, 3-4% a year (城乡建设统计年鉴); prior 0-8%",
        description="Yearly built-up growth of a town seat on trend, as a share of its "
        "census-day built-up area (seat residents over builtup_density)",
    )  # fmt: skip
    seat_pressure: float = parameter(
        0.5, 0.0, 1.0, unit="1/yr", status="assumption",
        description="Share of a town seat's excess of people over its census-day density "
        "built up each year (growth driven by the seat's population)",
    )  # fmt: skip
    seat_km2_per_village: float = parameter(
        0.3, 0.02, 10.0, unit="km2", status="assumption",
        source="construction land of a plains village of 1,000-2,000 residents, 0.2-0.4 km2",
        description="Built-up growth of a town seat that joins one adjoining village to the "
        "town's built-up area (220 -> 122, 镇乡结合区)",
    )  # fmt: skip
    zone_residents_per_job: float = parameter(
        0.25, 0.0, 2.0, unit="persons/job", status="assumption",
        source="judgement: a quarter of zone workers live in its dormitories and estates",
        description="Residents of a development zone or park (dormitories, estates) per job "
        "of its firms; the zone is a special area (123) once they reach zone_min_residents",
    )  # fmt: skip
    zone_min_residents: float = parameter(
        3000.0, 0.0, 100000.0, unit="persons", status="literature",
        source="《统计上划分城乡的规定》 (国家统计局 2008), art. 5: 特殊区域 with 3,000 residents "
        "or more count as 镇区 (code 123)",
        description="Residents a special area (zone, park, works area) needs to count as urban",
    )  # fmt: skip
    upgrade_joined_share: float = parameter(
        0.25, 0.0, 1.0, unit="share", status="assumption",
        description="Share of an upgraded township's villages (nearest the seat first) joined "
        "to the new town's centre (220 -> 122) at the first cut-off after 撤乡设镇",
    )  # fmt: skip
    merger_share_per_year: float = parameter(
        0.0, 0.0, 0.5, unit="1/yr", status="assumption",
        source="only where the county folder has no village_mergers.csv; Hongtong 463 -> 325 "
        "villages 2010-2021 is about 3% a year",
        description="Yearly share of a township's administrative villages merged (the "
        "smallest into its nearest neighbour) at each cut-off",
    )  # fmt: skip


@dataclass
class HousingParams:
    """The county-town housing market: vacancy, search, and households' purchases."""

    city_vacancy_2020: float = parameter(
        0.16, 0.0, 0.9, unit="share", status="literature",
        source="CLSA (2014): 16% of dwellings vacant in China's second- and third-tier cities "
        "in 2013 (estimates range 12%, Beike 2021, to 21%, CHFS 2017); the census gives none",
        description="Vacant share of the county city's dwellings at the census",
    )  # fmt: skip
    frictional_vacancy: float = parameter(
        0.05, 0.0, 1.0, unit="share", status="assumption",
        source="natural vacancy of housing markets 5-10%; much Chinese vacancy is held off "
        "the market",
        description="Vacancy rate at which a household searching a town finds a dwelling "
        "with probability 1 - 1/e (0: every vacant dwelling is found)",
    )  # fmt: skip
    purchase_rate: float = parameter(
        0.25, 0.0, 1.0, unit="1/yr", status="assumption",
        source="set so that buyers outnumber renters among town households as in the 2020 "
        "census long form (购买 3,461, 租赁 559 households)",
        description="Yearly probability a renting household in town buys its dwelling at "
        "the reference price-to-income ratio",
    )  # fmt: skip
    arrival_purchase_share: float = parameter(
        0.3, 0.0, 1.0, unit="share", status="assumption",
        description="Share of households moving to town that buy on arrival at the reference "
        "price-to-income ratio",
    )  # fmt: skip
    reference_price_income: float = parameter(
        8.0, 0.1, 100.0, unit="years of income", status="estimate",
        source="5,200 yuan/m2 x 90 m2 over a two-earner household income of about 60,000 "
        "yuan a year in the county city in 2020",
        description="Price-to-income ratio at which purchases happen at their base rates",
    )  # fmt: skip
    purchase_price_elasticity: float = parameter(
        2.0, 0.0, 20.0, unit="1", status="assumption",
        description="Elasticity of the purchase probability to the price-to-income ratio "
        "(probability x (reference / ratio)^elasticity)",
    )  # fmt: skip


@dataclass
class MigrationParams:
    """Households moving into the county from other counties and provinces."""

    in_migration_rate: float = parameter(
        0.0036, 0.0, 0.05, unit="1/yr", status="estimate",
        source="census stock of residents registered in another county (13,567 Shanxi + "
        "4,638 other provinces) over an assumed mean stay of 8 years, per 637,812 residents",
        description="Yearly in-migrants from other counties per resident",
    )  # fmt: skip
    other_province_share: float = parameter(
        0.255, 0.0, 1.0, unit="share", status="estimate",
        source="2020 census: 4,638 of the 18,205 residents registered outside the county come "
        "from another province",
        description="Share of in-migrant households from another province",
    )  # fmt: skip
    family_share: float = parameter(
        0.4, 0.0, 1.0, unit="share", status="estimate", source=MIGRANT_AGES + ": 0.4 makes "
        "children 40 of every 180 arrivals (22%), the stock's 21.7% aged 0-14",
        description="Share of in-migrant households that are a couple with a child (the rest "
        "are single adults)",
    )  # fmt: skip
    age_mean: float = parameter(
        31.0, 16.0, 60.0, unit="years", status="estimate", source=MIGRANT_AGES + ": the "
        "stock's adults (15-59) average (29.8 - 0.217 x 7 - 0.028 x 64) / 0.755 = 35.1 years "
        "(children at about 7, the 60+ at their median 64); arrivals are younger than the stock "
        "by half its mean stay, 8 / 2 years (the stay in_migration_rate assumes): 35.1 - 4 = 31",
        description="Mean age of the adults of an in-migrant household",
    )  # fmt: skip
    age_sd: float = parameter(
        7.0, 0.0, 30.0, unit="years", status="assumption",
        source="no published spread of migrants' arrival ages; 7 puts 80% of adults at ages "
        "22-40 and few past 50 (the stock's 60+ are 2.8%)",
        description="Standard deviation of the age of in-migrant adults (ages kept in 18-60)",
    )  # fmt: skip
    min_parent_age: float = parameter(
        22.0, 14.0, 40.0, unit="years", status="assumption",
        description="Youngest age of an in-migrant parent at the child's birth (children are "
        "0 to adult age minus this, at most 15)",
    )  # fmt: skip
    female_share: float = parameter(
        0.5, 0.0, 1.0, unit="share", status="assumption",
        description="Share of women among single in-migrant adults and their children",
    )  # fmt: skip
    county_city_share: float = parameter(
        0.8, 0.0, 1.0, unit="share", status="assumption",
        description="Share of in-migrant households heading to the county city (the rest to "
        "the seats, by their population)",
    )  # fmt: skip


NATIONAL_NEVER_MARRIED = (
    "never-married shares by single year of age, both sexes (25: 70.8%, 30: 27.7%, 35: 10.2%, "
    "40: 5.2%, 41: 4.9%), NBS 2022 population sample survey, 中国人口和就业统计年鉴2023"
)
COUNTY_NEVER_MARRIED = (
    "scales the national hazards so that the county's 2020 age structure reproduces its "
    "never-married share of persons 15+ (census_county_2020.csv, long form: 未婚 / 十五岁以上人口)"
)


@dataclass
class FamilyParams:
    """Household formation at marriage and households that split for school or work."""

    marriage_min_age_male: int = parameter(
        22, 16, 40, unit="years", status="literature",
        source="Civil Code of the PRC art. 1047 (men 22, women 20)",
        description="Youngest age at which men marry",
    )  # fmt: skip
    marriage_min_age_female: int = parameter(
        20, 16, 40, unit="years", status="literature",
        source="Civil Code of the PRC art. 1047 (men 22, women 20)",
        description="Youngest age at which women marry",
    )  # fmt: skip
    first_marriage_hazard_under_25: float = parameter(
        0.0827, 0.0, 1.0, unit="1/yr", status="literature", source=NATIONAL_NEVER_MARRIED,
        description="Yearly first-marriage hazard from the youngest age to 24 (national shape)",
    )  # fmt: skip
    first_marriage_hazard_25_29: float = parameter(
        0.1711, 0.0, 1.0, unit="1/yr", status="literature", source=NATIONAL_NEVER_MARRIED,
        description="Yearly first-marriage hazard at 25-29 (national shape)",
    )  # fmt: skip
    first_marriage_hazard_30_34: float = parameter(
        0.1811, 0.0, 1.0, unit="1/yr", status="literature", source=NATIONAL_NEVER_MARRIED,
        description="Yearly first-marriage hazard at 30-34 (national shape)",
    )  # fmt: skip
    first_marriage_hazard_35_39: float = parameter(
        0.1261, 0.0, 1.0, unit="1/yr", status="literature", source=NATIONAL_NEVER_MARRIED,
        description="Yearly first-marriage hazard at 35-39 (national shape)",
    )  # fmt: skip
    first_marriage_hazard_40_49: float = parameter(
        0.0577, 0.0, 1.0, unit="1/yr", status="literature", source=NATIONAL_NEVER_MARRIED,
        description="Yearly first-marriage hazard at 40-49 (national shape; none from 50)",
    )  # fmt: skip
    marriage_scale_male: float = parameter(
        1.303, 0.0, 5.0, unit="1", status="estimate",
        source=COUNTY_NEVER_MARRIED + ": men 19.3%; mean age at first marriage 27.2",
        description="Men's first-marriage hazards relative to the national shape",
    )  # fmt: skip
    marriage_scale_female: float = parameter(
        1.547, 0.0, 5.0, unit="1", status="estimate",
        source=COUNTY_NEVER_MARRIED + ": women 13.7%; mean age at first marriage 25.2",
        description="Women's first-marriage hazards relative to the national shape",
    )  # fmt: skip
    school_split_rate: float = parameter(
        0.015, 0.0, 1.0, unit="1/yr", status="calibrated", source=ABC + SPLIT_TARGET,
        description="Yearly probability a village household with a child of school age sends "
        "the child and a carer to town for school (陪读)",
    )  # fmt: skip
    school_min_age: int = parameter(
        6, 3, 18, unit="years", status="literature",
        source="Compulsory Education Law: nine years of school from age 6",
        description="Youngest child a carer moves to town with",
    )  # fmt: skip
    school_max_age: int = parameter(
        15, 6, 20, unit="years", status="literature",
        source="end of junior secondary school (senior schools board in the county city)",
        description="Oldest age of a 陪读 child; past it the carer goes home",
    )  # fmt: skip
    school_parent_carer_share: float = parameter(
        0.6, 0.0, 1.0, unit="share", status="assumption",
        description="Share of 陪读 carers who are a mother (a woman 20-49), the rest a "
        "grandparent (50-75)",
    )  # fmt: skip
    school_county_city_share: float = parameter(
        0.7, 0.0, 1.0, unit="share", status="assumption",
        description="Share of 陪读 households going to the county city; the rest go to their "
        "township's seat",
    )  # fmt: skip
    work_split_rate: float = parameter(
        0.005, 0.0, 1.0, unit="1/yr", status="calibrated", source=ABC + SPLIT_TARGET,
        description="Yearly probability a village resident of working age moves to town alone "
        "to work, the household staying (两栖)",
    )  # fmt: skip
    work_min_age: int = parameter(
        20, 16, 60, unit="years", status="assumption",
        description="Youngest age of a worker moving to town alone",
    )  # fmt: skip
    work_max_age: int = parameter(
        49, 16, 70, unit="years", status="assumption",
        description="Oldest age of a worker moving to town alone",
    )  # fmt: skip
    work_county_city_share: float = parameter(
        0.8, 0.0, 1.0, unit="share", status="assumption",
        description="Share of workers moving alone who go to the county city; the rest go to "
        "their township's seat",
    )  # fmt: skip


@dataclass
class BehaviourConfig:
    """All behavioural parameters, grouped by mechanism."""

    demography: DemographyParams = field(default_factory=DemographyParams)
    location: LocationParams = field(default_factory=LocationParams)
    labour: LabourParams = field(default_factory=LabourParams)
    hukou: HukouParams = field(default_factory=HukouParams)
    townships: TownshipParams = field(default_factory=TownshipParams)
    classification: ClassificationParams = field(default_factory=ClassificationParams)
    housing: HousingParams = field(default_factory=HousingParams)
    migration: MigrationParams = field(default_factory=MigrationParams)
    family: FamilyParams = field(default_factory=FamilyParams)


UNCERTAINTIES: tuple[str, ...] = (
    "behaviour.location.consider_rate",
    "behaviour.location.asc_county_city",
    "behaviour.location.beta_hukou",
    "behaviour.location.moving_cost",
    "behaviour.location.outside_wage_ratio",
    "behaviour.demography.departure_rate",
    "behaviour.demography.return_rate",
    "behaviour.labour.wage_growth",
)
"""The sampled uncertainties, in the order experiment designs take them (the order fixes the
design matrix); each has an ``uncertainty`` range in its declaration."""


def parameter_table(behaviour: BehaviourConfig | None = None) -> list[dict[str, Any]]:
    """Every behavioural parameter with its value and metadata, in declaration order.

    Args:
        behaviour: Values to report; the declared defaults when omitted.

    Returns:
        One dict per parameter: ``key`` (``behaviour.<group>.<name>``), ``value``, ``unit``,
        ``status``, ``source``, ``description``, ``lo``, ``hi`` and ``uncertainty``
        (``(low, high)`` or None).
    """
    values = behaviour if behaviour is not None else BehaviourConfig()
    rows = []
    for group in dataclasses.fields(BehaviourConfig):
        params = getattr(values, group.name)
        for fld in dataclasses.fields(params):
            info: ParameterInfo = fld.metadata["parameter"]
            rows.append(
                {
                    "key": f"behaviour.{group.name}.{fld.name}",
                    "value": getattr(params, fld.name),
                    **dataclasses.asdict(info),
                }
            )
    return rows


def uncertainty_ranges() -> dict[str, tuple[float, float]]:
    """The sampled uncertainties and their ranges, in :data:`UNCERTAINTIES` order.

    Raises:
        RuntimeError: :data:`UNCERTAINTIES` and the declared ranges disagree (a bug).
    """
    declared = {
        row["key"]: row["uncertainty"] for row in parameter_table() if row["uncertainty"]
    }
    if set(declared) != set(UNCERTAINTIES):
        raise RuntimeError(
            f"UNCERTAINTIES {sorted(UNCERTAINTIES)} differ from the parameters declaring an "
            f"uncertainty range {sorted(declared)}"
        )
    return {key: (declared[key][0], declared[key][1]) for key in UNCERTAINTIES}
