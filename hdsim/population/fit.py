"""The t0 fit: every census target of the synthetic population, census against synthetic.

:func:`t0_fit` measures the synthetic county at the census (from its person and household
tables, not from the synthesis's own bookkeeping, except the household type, which is a label
of the composition) against each target of ``county.csv``, ``age_sex.csv`` and
``settlement_pattern.csv`` (with the tenure shares of the housing-source keys and the hukou
rate among persons registered in the county), in real persons or households (synthetic
counts times the weight) or as shares, with the tolerance the tests hold it to. The main job
writes the table as ``t0_fit.csv`` in its folder (``docs/data.md``);
``python -m hdsim.population.fit`` prints it::

    python -m hdsim.population.fit [--data DIR] [--scale 1.0] [--seed 20201101] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hdsim.data import CountyData, DataError, load_county_data
from hdsim.population.households import ELDERLY_KEYS, TYPE_KEYS, TYPE_NAMES
from hdsim.population.placement import AWAY_KEYS, settlement_targets
from hdsim.population.synthesis import SyntheticPopulation, synthesize
from hdsim.state.housing import HOUSING_SOURCE_KEYS, Tenure, census_tenure_shares
from hdsim.state.places import Geography, build_geography
from hdsim.utils.io import atomic_write_text

FIT_COLUMNS: tuple[str, ...] = (
    "target",
    "unit",
    "census",
    "synthetic",
    "difference",
    "tolerance",
    "within",
    "source",
)
"""Columns of the fit table."""

COUNT_TOLERANCE = 0.01
"""Relative tolerance of counts that are fitted up to the rounding of households (1%)."""

SHARE_TOLERANCE = 0.005
"""Tolerance of age-sex shares and of the urban share (0.5 percentage points)."""

SETTLEMENT_TOLERANCE = 0.01
"""Tolerance of the shares aged 60+ and 65+ in urban and rural places (1 point)."""

HUKOU_TOLERANCE = 0.01
"""Tolerance of the t0 hukou urbanization rate (1 point: the rate is met to within a household
of each class, but urban-hukou households are capped at 95% of the urban ones)."""

SIZE_TOLERANCE = 0.05
"""Tolerance of the mean household size of urban and rural places (persons)."""


def _share(part: np.ndarray, whole: np.ndarray) -> float:
    """Share of the true entries of ``whole`` that are true in ``part`` (0 if none)."""
    return float(part.sum()) / max(float(whole.sum()), 1.0)


def _row(
    target: str, unit: str, census: float, synthetic: float, tolerance: float, source: str,
    relative: float = 0.0,
) -> dict[str, object]:
    """One fit row.

    A relative tolerance (``relative`` = the weight of one simulated unit) is ``tolerance``
    times the census figure, and never less than one simulated unit.
    """
    diff = synthetic - census
    limit = max(tolerance * abs(census), relative) if relative else tolerance
    within = bool(np.isinf(limit) or abs(diff) <= limit + 1e-9)
    return {
        "target": target,
        "unit": unit,
        "census": census,
        "synthetic": synthetic,
        "difference": diff,
        "tolerance": limit,
        "within": within,
        "source": source,
    }


def t0_fit(data: CountyData, geo: Geography, population: SyntheticPopulation) -> pd.DataFrame:
    """The fit table of the synthetic population at t0.

    Args:
        data: County data the population was built from.
        geo: Places at t0.
        population: The synthetic population.

    Returns:
        One row per target (:data:`FIT_COLUMNS`); counts in real units.
    """
    p, h, w = population.persons, population.households, population.weight
    n = p.n
    res = ~p.away[:n]
    age = p.age[:n]
    female = p.female[:n]
    place = p.place[:n]
    urban = geo.urban[place] & res
    rural = ~geo.urban[place] & res
    fam = ~h.collective[: h.n]
    size = np.bincount(p.household[:n][res], minlength=h.n)
    fig = data.figure
    keys = set(data.county.index)
    rows: list[dict[str, object]] = []
    add = rows.append
    count = COUNT_TOLERANCE
    add(_row("residents", "persons", fig("resident_population_2020"), res.sum() * w, count,
             "county.csv", w))
    add(_row("males", "persons", fig("male_2020"), (res & ~female).sum() * w, count,
             "county.csv", w))
    add(_row("females", "persons", fig("female_2020"), (res & female).sum() * w, count,
             "county.csv", w))
    total = float(res.sum())
    table = data.age_sex
    all_p = float(table["male"].sum() + table["female"].sum())
    for lo, hi, m, f in zip(table["age_lo"], table["age_hi"], table["male"], table["female"],
                            strict=True):
        band = (age >= lo) & (age <= hi) & res
        label = f"{lo}+" if hi >= 99 else f"{lo}-{hi}"
        add(_row(f"share male {label}", "fraction", m / all_p, (band & ~female).sum() / total,
                 SHARE_TOLERANCE, "age_sex.csv"))
        add(_row(f"share female {label}", "fraction", f / all_p, (band & female).sum() / total,
                 SHARE_TOLERANCE, "age_sex.csv"))
    add(_row("family households", "households", fig("family_households_2020"),
             fam.sum() * w, count, "county.csv", w))
    add(_row("family-household persons", "persons", fig("family_household_persons_2020"),
             size[fam].sum() * w, count, "county.csv", w))
    add(_row("collective persons", "persons", fig("collective_persons_2020"),
             size[~fam].sum() * w, count, "county.csv", w))
    add(_row("mean family-household size", "persons",
             fig("family_household_persons_2020") / fig("family_households_2020"),
             size[fam].mean(), 0.01, "county.csv"))
    if population.household_type is not None and all(k in keys for k in TYPE_KEYS):
        types = np.bincount(population.household_type[fam], minlength=len(TYPE_NAMES))
        census_types = [fig(k) for k in TYPE_KEYS]
        census_types[1] -= census_types[0]
        for name, want, got in zip(TYPE_NAMES, census_types, types, strict=True):
            add(_row(f"households {name}", "households", want, got * w, count, "county.csv",
                     w))
    old = np.bincount(p.household[:n][res], weights=(age >= 65)[res], minlength=h.n)
    if all(k in keys for k in ELDERLY_KEYS):
        for k, key, label in zip((1, 2, 3), ELDERLY_KEYS, ("one", "two", "three or more"),
                                 strict=True):
            held = ((old >= 3) if k == 3 else (old == k)) & fam
            add(_row(f"households with {label} aged 65+", "households", fig(key),
                     held.sum() * w, count, "county.csv", w))
    add(_row("urban share", "fraction", fig("urban_population_2020")
             / fig("resident_population_2020"), urban.sum() / total, SHARE_TOLERANCE,
             "county.csv"))
    n_family = int(size[fam].sum())
    t = settlement_targets(
        data, geo, 1.0 / w, int(fam.sum()), n_family, int(((age >= 60) & res).sum()),
        int(size[~fam].sum()), int(((age >= 60) & res & p.collective[:n]).sum()),
    )
    src = "settlement_pattern.csv (ratio scaled to the county total)"
    add(_row("share 60+ urban", "fraction", t.share_60_urban,
             _share((age >= 60) & urban, urban), SETTLEMENT_TOLERANCE, src))
    add(_row("share 60+ rural", "fraction", t.share_60_rural,
             _share((age >= 60) & rural, rural), SETTLEMENT_TOLERANCE, src))
    if "share_65_plus" in data.settlement_pattern.index:
        pat = data.settlement_pattern.loc["share_65_plus"]
        ratio = float(pat["rural"]) / float(pat["urban"])
        u_all = float(urban.sum())
        p65 = ((age >= 65) & res).sum() / (u_all + ratio * (total - u_all))
        add(_row("share 65+ urban (check)", "fraction", p65,
                 ((age >= 65) & urban).sum() / max(u_all, 1), SETTLEMENT_TOLERANCE, src))
        add(_row("share 65+ rural (check)", "fraction", p65 * ratio,
                 _share((age >= 65) & rural, rural), SETTLEMENT_TOLERANCE,
                 src))
    hh_urban = geo.urban[h.place[: h.n]]
    add(_row("mean household size urban", "persons", t.size_urban,
             size[fam & hh_urban].mean(), SIZE_TOLERANCE, src))
    add(_row("mean household size rural", "persons", t.size_rural,
             size[fam & ~hh_urban].mean(), SIZE_TOLERANCE, src))
    home = p.hukou_township[:n]
    here = geo.township[place]
    stocks = (
        (home >= 0) & (home != here) & res,
        (p.origin[:n] == 1) & res,
        (p.origin[:n] == 2) & res,
    )
    labels = ("registered in another township of the county", "registered in another county "
              "of the province", "registered in another province")
    for key, got, label in zip(AWAY_KEYS, stocks, labels, strict=True):
        if key in keys:
            add(_row(label, "persons", fig(key), got.sum() * w, count, "county.csv", w))
    registered = (p.hukou_township[:n] >= 0) & p.alive[:n]
    add(_row("hukou urbanization rate (persons registered in the county)", "fraction",
             fig("hukou_urbanization_rate_2020"), _share(p.hukou_urban[:n] & registered,
                                                         registered),
             HUKOU_TOLERANCE, "county.csv"))
    shares = census_tenure_shares({k: fig(k) for k in HOUSING_SOURCE_KEYS if k in keys})
    if shares is not None:
        tenure = h.tenure[: h.n][fam]
        for code, label in ((Tenure.RENTED, "rented (租赁 + 其他)"),
                            (Tenure.SELF_BUILT, "self-built (自建)"),
                            (Tenure.BOUGHT, "bought (购买 + 继承或赠予)")):
            add(_row(f"share of family households {label}", "fraction", float(shares[code]),
                     _share(tenure == code, tenure >= 0), SHARE_TOLERANCE,
                     "county.csv (housing_*_2020, 10% long form)"))
    kids = (age < 15) & res
    add(_row("share of children 0-14 in urban places (no target: diagnostic)", "fraction",
             float("nan"), _share(kids & urban, kids), float("inf"), "none"))
    return pd.DataFrame.from_records(rows, columns=list(FIT_COLUMNS))


def format_fit(table: pd.DataFrame) -> str:
    """The fit table as aligned text (one line per target)."""
    lines = [f"{'target':<58} {'census':>12} {'synthetic':>12} {'tolerance':>10}  ok"]
    for r in table.itertuples(index=False):
        def num(v: float) -> str:
            if np.isnan(v):
                return "-"
            return f"{v:.4f}" if abs(v) < 10 else f"{v:,.0f}"

        tol = "-" if np.isinf(r.tolerance) else num(float(r.tolerance))
        ok = "-" if np.isinf(r.tolerance) else ("yes" if r.within else "NO")
        lines.append(
            f"{r.target:<58} {num(float(r.census)):>12} {num(float(r.synthetic)):>12} "
            f"{tol:>10}  {ok}"
        )
    return "\n".join(lines) + "\n"


def write_fit(path: Path, table: pd.DataFrame) -> None:
    """Write the fit table as CSV (atomically)."""
    atomic_write_text(path, table.to_csv(index=False, float_format="%.6g"))


def write_job_fit(
    path: Path, data_dir: str | Path | None, scale: float, seed: int
) -> pd.DataFrame:
    """Synthesize the county at ``scale`` with ``seed`` and write its fit table to ``path``.

    The main job calls this once for its folder (``t0_fit.csv``): every replicate's start is
    built by the same method, so one synthesis shows how each target is met.

    Args:
        path: CSV file to write.
        data_dir: County folder (None: the embedded one).
        scale: Simulated households per real household.
        seed: Seed of the synthesis.

    Returns:
        The fit table.
    """
    data = load_county_data(data_dir)
    geo = build_geography(data.townships, data.figure("area_km2"))
    table = t0_fit(data, geo, synthesize(data, geo, scale, np.random.default_rng(seed)))
    write_fit(path, table)
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Print the t0 fit of a county folder (and write it with ``--out``).

    Args:
        argv: Arguments after the program name.

    Returns:
        0 on success, 1 on bad input (one line on stderr).
    """
    parser = argparse.ArgumentParser(
        prog="python -m hdsim.population.fit",
        description="Census against synthetic population at t0, for every target.",
    )
    parser.add_argument("--data", type=Path, default=None, help="county folder (default: embedded)")
    parser.add_argument("--scale", type=float, default=1.0, help="households per real household")
    parser.add_argument("--seed", type=int, default=20201101, help="seed of the synthesis")
    parser.add_argument("--out", type=Path, default=None, help="also write the table as CSV")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if not 0.001 <= args.scale <= 8.0:
        print(f"fit: --scale {args.scale} is out of range: give 0.001..8", file=sys.stderr)
        return 1
    try:
        data = load_county_data(args.data)
    except DataError as exc:
        print(f"fit: {exc}", file=sys.stderr)
        return 1
    geo = build_geography(data.townships, data.figure("area_km2"))
    population = synthesize(data, geo, args.scale, np.random.default_rng(args.seed))
    table = t0_fit(data, geo, population)
    print(format_fit(table), end="")
    if args.out is not None:
        write_fit(args.out, table)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
