"""Each action of the plan alone, the combined plan and its variants: rate and cost per point.

Runs the baseline, the seven action scenarios, ``seven_actions`` and the variants
(``villages_first``, ``county_city_first``, ``hukou_without_housing``) with common random
numbers and writes, for each, the urbanization rate at the end of the target year, the gain
against the baseline of the same replicates, the money spent by then, 亿元 per percentage
point, and the welfare proxies (mean service quality and amenity where residents live) to
``benchmarks/policies_results.md`` and ``benchmarks/policies_results.json``::

    .venv/bin/python benchmarks/bench_policies.py                    # scale 0.1, 3 replicates
    .venv/bin/python benchmarks/bench_policies.py --scale 0.05 --replicates 2 --n-jobs 2

At scale 0.1 and 3 replicates it takes about a minute on one core.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd

from hdsim.ensemble import run_ensemble, with_scenario
from hdsim.model.config import HdsimConfig, to_config
from hdsim.model.scenarios import load_scenario
from hdsim.policies.budget import cost_effectiveness

HERE = Path(__file__).resolve().parent
SCENARIOS = [
    "baseline",
    "action1_planning",
    "action2_industry",
    "action3_infrastructure",
    "action4_services",
    "action5_environment",
    "action6_linkage",
    "action7_institutions",
    "seven_actions",
    "villages_first",
    "county_city_first",
    "hukou_without_housing",
]
WELFARE = ("resident_service_quality", "resident_amenity", "county_city_population")


def measure(scale: float, replicates: int, n_jobs: int) -> dict:
    """Run the scenarios and return the table rows and the run settings."""
    base = HdsimConfig()
    base.households.scale = scale
    base = to_config(base)
    configs = [with_scenario(base, load_scenario(name)) for name in SCENARIOS]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        ensemble = run_ensemble(configs, replicates, Path(tmp), n_jobs, progress=False)
    seconds = time.perf_counter() - started
    year = base.horizon.target_year
    table = cost_effectiveness(ensemble, year)
    end = ensemble[ensemble["date"] == pd.Timestamp(f"{year}-12-31")]
    welfare = (
        end[end["indicator"].isin(WELFARE)]
        .groupby(["scenario", "indicator"])["value"]
        .mean()
        .unstack("indicator")
    )
    table = table.join(welfare, on="scenario")
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "scale": scale,
        "replicates": replicates,
        "calibration": dataclasses.asdict(base.calibration)["use"],
        "target_year": year,
        "seconds": round(seconds, 1),
        "rows": table.to_dict("records"),
    }


def write_markdown(results: dict) -> str:
    """The results as a Markdown section."""
    year = results["target_year"]
    lines = [
        "## Policy scenarios: each action alone and the combined plan",
        "",
        f"Measured {results['date']} on {results['machine']} with `python "
        f"benchmarks/bench_policies.py --scale {results['scale']} --replicates "
        f"{results['replicates']}` ({results['seconds']} s; behaviour: "
        f"{results['calibration']}). Gains are paired with the baseline of the same replicate "
        "(common random numbers); ± is the standard error over replicates. Small scales carry "
        "sampling noise of a few tenths of a point.",
        "",
        f"| scenario | urbanization end {year} | gain (pp) | spent to {year} (亿元) | "
        "亿元 per pp | service quality | amenity | county city |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        per = f"{r['yi_per_pp']:.1f}" if pd.notna(r["yi_per_pp"]) else "– (no gain)"
        if r["scenario"] == "baseline":
            per = "–"
        lines.append(
            f"| {r['scenario']} | {r['rate_mean']:.2%} | {r['gain_pp']:+.2f} ± "
            f"{r['gain_pp_se']:.2f} | {r['spending_yi']:.1f} | {per} | "
            f"{r['resident_service_quality']:.4f} | {r['resident_amenity']:.4f} | "
            f"{r['county_city_population']:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse the arguments, measure, and write the results files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args()
    results = measure(args.scale, args.replicates, args.n_jobs)
    (HERE / "policies_results.json").write_text(json.dumps(results, indent=2, default=float))
    text = write_markdown(results)
    (HERE / "policies_results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
