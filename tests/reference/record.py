"""Record the reference runs the engine must reproduce bit for bit.

The set: every scenario of the library, replicates 0 and 1, scale 0.05, the point calibration;
plus the baseline and the whole plan under the default posterior draw (replicates 0 and 1),
which guards the per-replicate posterior draw. Run it only when a change of results is
deliberate, and say so in the commit:

    .venv/bin/python tests/reference/record.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import county_data, small_config  # noqa: E402

from hdsim.calibration.effective import run_effective  # noqa: E402
from hdsim.model.scenarios import available_scenarios  # noqa: E402

REPLICATES = (0, 1)
POSTERIOR_SCENARIOS = ("baseline", "seven_actions")


def reference_cases() -> list[tuple[str, str, int]]:
    """(scenario, calibration use, replicate) of every reference run."""
    cases = [(s, "point", r) for s in available_scenarios() for r in REPLICATES]
    cases += [(s, "posterior", r) for s in POSTERIOR_SCENARIOS for r in REPLICATES]
    return cases


def reference_runs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """County and township series of every reference run, labelled with the calibration."""
    data = county_data()
    county, township = [], []
    for scenario, use, rep in reference_cases():
        cfg = small_config(scenario)
        cfg.calibration.use = type(cfg.calibration.use)[use]
        result = run_effective(cfg, rep, data)
        county.append(result.county.assign(calibration=use))
        township.append(result.township.assign(calibration=use))
    return (
        pd.concat(county, ignore_index=True),
        pd.concat(township, ignore_index=True),
    )


def main() -> None:
    """Write ``county.parquet`` and ``township.parquet`` beside this script."""
    county, township = reference_runs()
    county.to_parquet(HERE / "county.parquet", index=False)
    township.to_parquet(HERE / "township.parquet", index=False)
    n = len(reference_cases())
    print(f"{n} runs: {len(county)} county rows, {len(township)} township rows")


if __name__ == "__main__":
    main()
