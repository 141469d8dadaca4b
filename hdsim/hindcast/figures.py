"""What a hindcast is fitted to and what it predicts: independent targets and held-out figures.

**Held out** (:func:`held_out`): a county's 2020 census row, which the hindcast never reads
before scoring: residents, urban residents and rate, the broad age groups (shares 0-14, 15-59,
60+), the mean family-household size, the share of one-person households and the residents
registered in another township of the same county; the age-sex pyramid (36 shares of five-year
groups by sex, and its dissimilarity index against the census) and the shares of one-,
two- and three-or-more-generation family households (:mod:`hdsim.hindcast.structure`).

**Fitted** (:func:`fit_targets`): figures independent of the 2020 census: the 2010 census's
birth and death rates of the census year (against the model's first year), the registered
births and deaths of a pre-census bulletin year where the 2010 folder carries them
(``births_2019`` / ``deaths_2019`` counts, not rates on the inflated pre-census denominator),
and a bound on the decade's change of the rate around the province's (half to double).

:func:`model_figures` reads the same figures from a model at the end of its run, except the two
that need the census or the run's start: the pyramid's dissimilarity index and the
generation shares (the estimator's raw shares, ``estimated_*``), which
:func:`hdsim.hindcast.pipeline.run_draw` and the pipeline complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hdsim.county.census import census_row
from hdsim.county.census2010 import census_2010
from hdsim.hindcast.structure import (
    DISSIMILARITY,
    PYRAMID_FIGURES,
    census_type_shares,
    dissimilarity,
    family_members,
    generation_counts,
    pyramid_of,
    pyramid_shares,
    type_shares,
)

if TYPE_CHECKING:
    from hdsim.data import CountyData
    from hdsim.model.model import CountyModel

FIGURES: tuple[tuple[str, str, str], ...] = (
    ("residents", "persons", "resident population"),
    ("urban_residents", "persons", "urban resident population"),
    ("urbanization_rate", "fraction", "resident urbanization rate"),
    ("share_0_14", "fraction", "share aged 0-14"),
    ("share_15_59", "fraction", "share aged 15-59"),
    ("share_60_plus", "fraction", "share aged 60+"),
    ("household_size", "persons", "mean family-household size"),
    ("one_person_share", "fraction", "share of one-person family households"),
    ("away_same_county", "persons", "residents registered in another township of the county"),
    ("one_generation_share", "fraction",
     "share of one-generation family households of 2+ persons (generations estimated)"),
    ("two_generation_share", "fraction",
     "share of two-generation family households (generations estimated)"),
    ("three_plus_generation_share", "fraction",
     "share of family households of three or more generations (generations estimated)"),
    (DISSIMILARITY, "points", "dissimilarity index of the age-sex pyramid against the census"),
    *((name, "fraction", "share of residents in this sex and five-year age group")
      for name in PYRAMID_FIGURES),
)
"""Held-out figures: name, unit, description."""


def held_out(code: str) -> dict[str, float]:
    """The held-out figures of a county from its 2020 census row."""
    c = census_row(code)
    tot = [m + f for m, f in zip(c.male, c.female, strict=True)]
    total = float(sum(tot))
    hh = c.get("家庭户数")
    return {
        "residents": float(c.get("人口数_合计")),
        "urban_residents": float(c.get("城镇人口")),
        "urbanization_rate": c.get("城镇人口") / c.get("人口数_合计"),
        "share_0_14": sum(tot[:3]) / total,
        "share_15_59": sum(tot[3:12]) / total,
        "share_60_plus": sum(tot[12:]) / total,
        "household_size": c.get("家庭户人口数") / hh,
        "one_person_share": c.get("一人户数") / hh,
        "away_same_county": float(c.get("户口登记地在外乡镇街道人口_本县")),
        **census_type_shares(
            hh, c.get("一人户数"), c.get("一代户数"), c.get("二代户数"), c.get("三代户数"),
            c.get("四代以上户数"),
        ),
        DISSIMILARITY: 0.0,
        **pyramid_shares(c.male, c.female),
    }


def start_figures(code: str) -> dict[str, float]:
    """The same figures at the 2010 census (the no-change benchmark).

    Its pyramid's dissimilarity index is the 2010 census pyramid's against the 2020 census's.
    """
    c = census_2010(code)
    tot = [m + f for m, f in zip(c.male, c.female, strict=True)]
    total = float(sum(tot))
    hh = c.get("户数")
    pyramid = pyramid_shares(c.male, c.female)
    c20 = census_row(code)
    return {
        "residents": float(c.total),
        "urban_residents": float(c.urban),
        "urbanization_rate": c.urban / c.total,
        "share_0_14": sum(tot[:3]) / total,
        "share_15_59": sum(tot[3:12]) / total,
        "share_60_plus": sum(tot[12:]) / total,
        "household_size": c.family_persons / hh,
        "one_person_share": c.get("一人户") / hh,
        "away_same_county": float(c.get("迁入人口（人）-本县（市）/本市市区")),
        **census_type_shares(
            hh, c.get("一人户"), c.get("一代户"), c.get("二代户"), c.get("三代户"),
            c.get("四代以上户"),
        ),
        DISSIMILARITY: dissimilarity(pyramid, pyramid_shares(c20.male, c20.female)),
        **pyramid,
    }


def province_figures(code: str) -> tuple[float, float, float, float]:
    """The province's rate at the 2010 and 2020 censuses, then its residents at both."""
    prov = code[:2] + "0000"
    p10 = census_2010(prov)
    p20 = census_row(prov)
    res20 = float(p20.get("人口数_合计"))
    return p10.urban / p10.total, p20.get("城镇人口") / res20, float(p10.total), res20


@dataclass(frozen=True)
class FitTarget:
    """A figure independent of the 2020 census the hindcast weights its runs by.

    Attributes:
        name: Identifier (``birth_rate_2010`` ...).
        observed: Observed value (for a bound: its midpoint).
        sd: Estimation error (same unit).
        discrepancy: Model discrepancy (same unit).
        lo: Lower end of a bound (None for a point target).
        hi: Upper end of a bound.
        source: Where the figure comes from.
    """

    name: str
    observed: float
    sd: float
    discrepancy: float
    lo: float | None = None
    hi: float | None = None
    source: str = ""

    def z(self, simulated: float) -> float:
        """Standardised error (for a bound: the overshoot beyond it, over ``sd``)."""
        if self.lo is not None and self.hi is not None:
            over = max(self.lo - simulated, 0.0, simulated - self.hi)
            return over / self.sd
        return (simulated - self.observed) / float(np.hypot(self.sd, self.discrepancy))


def fit_targets(code: str, data: CountyData, settings: dict[str, float]) -> list[FitTarget]:
    """The independent targets of a county (see the module docstring).

    Args:
        code: 6-digit county code.
        data: The county's 2010 folder (its ``births_2019`` / ``deaths_2019`` keys are used
            when present).
        settings: Hindcast settings (``hindcast.yaml``).
    """
    c = census_2010(code)
    s = settings
    src10 = "6th census county table (出生率, 死亡率 of the census year)"
    targets = [
        FitTarget(
            "birth_rate_2010", c.values["出生率（‰）"], s["birth_rate_sd"],
            s["birth_rate_discrepancy"], source=src10,
        ),
        FitTarget(
            "death_rate_2010", c.values["死亡率（‰）"], s["death_rate_sd"],
            s["death_rate_discrepancy"], source=src10,
        ),
    ]
    for key in ("births_2019", "deaths_2019"):
        if key in data.county.index:
            value = float(data.figure(key))
            targets.append(
                FitTarget(
                    key, value, s["bulletin_count_sd"] * value,
                    s["bulletin_count_discrepancy"] * value,
                    source=str(data.county.loc[key, "source"]),
                )
            )
    r10, r20 = province_figures(code)[:2]
    pace = (r20 - r10) / 10.0
    lo, hi = s["province_pace_lo"] * pace, s["province_pace_hi"] * pace
    targets.append(
        FitTarget(
            "province_pace", (lo + hi) / 2, s["province_pace_sd"], 0.0, min(lo, hi), max(lo, hi),
            source=f"province {r10:.4f} (2010) -> {r20:.4f} (2020): {pace * 100:.2f} points/yr",
        )
    )
    return targets


def _window(wide: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    dates = pd.to_datetime(wide.index)
    return wide[(dates >= pd.Timestamp(first)) & (dates <= pd.Timestamp(last))]


def fit_statistics(wide: pd.DataFrame, targets: list[FitTarget]) -> dict[str, float]:
    """The model's value of every fitted target from one run's monthly county series."""
    first = wide.iloc[1:13]
    out: dict[str, float] = {}
    year = _window(wide, "2019-01-01", "2019-12-31")
    rate = wide["urbanization_rate"]
    years = (pd.Timestamp(wide.index[-1]) - pd.Timestamp(wide.index[0])).days / 365.25
    for t in targets:
        if t.name in ("birth_rate_2010", "death_rate_2010"):
            col = "births" if t.name.startswith("birth") else "deaths"
            mean = float(first["resident_population"].mean())
            out[t.name] = float(first[col].sum()) / mean * 1000.0 * 12.0 / len(first)
        elif t.name in ("births_2019", "deaths_2019"):
            out[t.name] = float(year["births" if t.name == "births_2019" else "deaths"].sum())
        elif t.name == "province_pace":
            out[t.name] = float(rate.iloc[-1] - rate.iloc[0]) / years
    return out


def model_figures(model: CountyModel, gap: float) -> dict[str, float]:
    """The held-out figures read from a model now (residents only, real persons).

    Args:
        model: The model at the end of its run.
        gap: Generation gap of the household-type estimator (years).

    Returns:
        Every figure of :data:`FIGURES` but the pyramid's dissimilarity index and the
        generation shares, plus the estimator's raw shares now (``estimated_<type>``).
    """
    wide = model.recorder.county_wide()
    last = wide.iloc[-1]
    census = model.take_census()
    resident = census.resident
    n = resident.size
    persons = model.persons
    ages = persons.age[:n][resident]
    total = max(ages.size, 1)
    # one pass over the family households serves their sizes and the type estimator
    members, member_ages = family_members(model, resident)
    all_sizes, generations = generation_counts(members, member_ages, model.households.n, gap)
    sizes = all_sizes[all_sizes > 0]
    return {
        "residents": float(last["resident_population"]),
        "urban_residents": float(last["urban_population"]),
        "urbanization_rate": float(last["urbanization_rate"]),
        "share_0_14": float(np.count_nonzero(ages < 15)) / total,
        "share_15_59": float(np.count_nonzero((ages >= 15) & (ages < 60))) / total,
        "share_60_plus": float(np.count_nonzero(ages >= 60)) / total,
        "household_size": float(sizes.mean()) if sizes.size else 0.0,
        "one_person_share": float(np.mean(sizes == 1)) if sizes.size else 0.0,
        "away_same_county": float(last["residents_away_from_hukou_township"]),
        **pyramid_of(ages, persons.female[:n][resident]),
        **{f"estimated_{k}": v for k, v in type_shares(all_sizes, generations).items()},
    }
