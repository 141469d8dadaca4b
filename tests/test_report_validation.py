"""Page 1 quotes the hindcast: how the model did on the decade it never saw (issue 15).

Properties: the sentence quotes the county folder's installed scores (model, interval,
observed, the gap's sign deciding "floor" or "ahead"); no installed scores, no sentence; a
damaged file is one line; ``hdsim-hindcast --install`` writes exactly the embedded county's
rows with the commit, outside the data checksum.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import hdsim.data as data_module
from hdsim.data import EMBEDDED_DIR, load_county_data
from hdsim.data.loader import HINDCAST_FILE
from hdsim.hindcast.cli import _install
from hdsim.report.catalogue import Catalogue
from hdsim.report.inputs import ReportError, _validation
from hdsim.report.summary import _validation_sentence


def _scores(estimate: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "county_code": ["141024", "141024", "141023"],
            "figure": ["urbanization_rate", "urbanization_rate", "urbanization_rate"],
            "method": ["model (posterior)", "linear trend", "model (posterior)"],
            "observed_2020": [0.3954, 0.3954, 0.3782],
            "estimate": [estimate, 0.41, 0.36],
            "p05": [estimate - 0.015, 0.41, 0.34],
            "p95": [estimate + 0.01, 0.41, 0.37],
            "covered": [False, False, False],
            "crps": [0.01, 0.02, 0.01],
        }
    )


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "county"
    shutil.copytree(EMBEDDED_DIR, copy)
    (copy / HINDCAST_FILE).unlink(missing_ok=True)
    return copy


def _sentence(table: pd.DataFrame | None, lang: str) -> list:
    ctx = SimpleNamespace(inputs=SimpleNamespace(validation=table), cat=Catalogue(lang))
    return _validation_sentence(ctx)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_one_quotes_the_installed_hindcast_of_the_county(lang: str) -> None:
    cat = Catalogue(lang)
    below = _scores(0.3800).assign(commit="abcdef1234")
    (para,) = _sentence(below, lang)
    assert cat.pct(0.38) in para.text and cat.pct(0.3954) in para.text
    assert cat.pp(0.38 - 0.3954) in para.text and "abcdef1" in para.text
    assert cat("validation_floor") in para.text  # below the census and outside the interval
    (above,) = _sentence(_scores(0.4100).assign(commit="abcdef1234"), lang)
    assert cat("validation_ceiling") in above.text
    inside = _scores(0.3900).assign(commit="abcdef1234", covered=True)
    (covered,) = _sentence(inside, lang)
    assert cat("validation_covered") in covered.text
    assert cat("validation_floor") not in covered.text
    assert _sentence(None, lang) == []


def test_a_folder_without_installed_scores_gives_no_sentence(folder: Path) -> None:
    assert _validation(load_county_data(folder)) is None


def test_a_damaged_scores_file_is_one_line(folder: Path) -> None:
    _scores(0.38).drop(columns=["p05"]).assign(commit="x").to_csv(folder / HINDCAST_FILE)
    with pytest.raises(ReportError, match="lacks the column") as err:
        _validation(load_county_data(folder))
    assert len(str(err.value).splitlines()) == 1


def test_install_writes_the_embedded_countys_rows_outside_the_checksum(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = load_county_data(folder).checksum
    monkeypatch.setattr(data_module, "load_county_data", lambda: load_county_data(folder))
    _install(_scores(0.38), "0123456789abcdef", "2026-12-01 20:00 UTC")
    written = pd.read_csv(folder / HINDCAST_FILE, dtype={"county_code": str})
    assert set(written["county_code"]) == {"141024"} and len(written) == 2
    assert set(written["commit"]) == {"0123456789abcdef"}
    data = load_county_data(folder)
    assert data.checksum == before
    assert _validation(data) is not None
