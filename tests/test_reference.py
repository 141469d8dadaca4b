"""The engine reproduces the recorded reference runs bit for bit.

``tests/reference/`` holds the county and township series of a fixed set of runs (every
scenario of the library, 2 replicates, scale 0.05, point calibration; baseline and the whole
plan under the posterior draw), recorded before the engine was restructured. A refactor must
give the same values, in the same rows and columns; a deliberate change of results re-records
the reference (``tests/reference/record.py``) in a commit that says why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REFERENCE))

from record import reference_runs  # noqa: E402


@pytest.fixture(scope="module")
def new_runs() -> tuple[pd.DataFrame, pd.DataFrame]:
    return reference_runs()


def _assert_identical(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    for column in old.columns:
        a, b = new[column].to_numpy(), old[column].to_numpy()
        if a.dtype.kind == "f":
            # bit for bit: NaN in the same places, every other value with the same bits
            assert np.array_equal(a.view(np.uint64), b.astype(a.dtype).view(np.uint64)), column
        else:
            assert np.array_equal(a.astype(str), b.astype(str)), column


def test_county_series_reproduce_the_reference_bit_for_bit(new_runs) -> None:
    _assert_identical(new_runs[0], pd.read_parquet(REFERENCE / "county.parquet"))


def test_township_series_reproduce_the_reference_bit_for_bit(new_runs) -> None:
    _assert_identical(new_runs[1], pd.read_parquet(REFERENCE / "township.parquet"))
