"""The zh report's texts that are data: parameter descriptions, units, county sources, wording.

These tests need no job: they read the declared parameters, the shipped text files and the
embedded county data folder.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from hdsim.config.behaviour import parameter_table
from hdsim.report.catalogue import Catalogue
from hdsim.report.texts import (
    county_sources_zh,
    missing_parameter_texts,
    parameter_note,
    parameter_texts,
    unit_zh,
)

LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_./:%-])[A-Za-z]{3,}(?![A-Za-z0-9_./%-])")
"""An English word outside codes, file names and URLs."""

ALLOWED = {"ABC", "hdsim", "calibrate", "log"}
"""Latin words a Chinese parameter text may hold (names of tools and functions)."""


def _strip_urls(text: str) -> str:
    return re.sub(r"(https?://|github\.com/)\S+", " ", text)


def test_every_declared_parameter_has_a_chinese_description() -> None:
    """Each parameter of hdsim/config/behaviour.py has a Chinese description in
    hdsim/report/parameters_zh.yaml (the message names every missing key), and the file names
    no parameter that is not declared."""
    missing = missing_parameter_texts()
    assert not missing, (
        f"add a Chinese description to hdsim/report/parameters_zh.yaml for: {', '.join(missing)}"
    )
    declared = {row["key"] for row in parameter_table()}
    stale = sorted(set(parameter_texts()) - declared)
    assert not stale, f"hdsim/report/parameters_zh.yaml names undeclared parameters: {stale}"


def test_chinese_parameter_texts_hold_no_english_word_and_every_unit_is_translated() -> None:
    """Descriptions, sources and units shown in the zh parameter table are Chinese (codes,
    units of measure and tool names aside); a declared source has its Chinese text."""
    texts = parameter_texts()
    for row in parameter_table():
        note = parameter_note(row, "zh")
        assert note, row["key"]
        words = set(LATIN_WORD.findall(_strip_urls(note))) - ALLOWED
        assert not words, (row["key"], note, words)
        if row["source"]:
            assert texts[row["key"]].source, f"{row['key']}: its source has no Chinese text"
        assert unit_zh(str(row["unit"])) != row["unit"] or not re.search(
            r"[A-Za-z]{3,}", str(row["unit"])
        ), f"unit '{row['unit']}' of {row['key']} has no Chinese name"


def test_english_note_is_the_declared_metadata() -> None:
    """The en note is the declared description, unit and source, unchanged."""
    row = next(r for r in parameter_table() if r["source"])
    assert parameter_note(row, "en") == f"{row['description']} [{row['unit']}]; {row['source']}"


def test_every_source_of_the_embedded_county_has_a_chinese_text() -> None:
    """Every source cited by the embedded county folder has a Chinese text in its
    texts_zh.yaml, with no English word left outside URLs and codes."""
    from hdsim.data import load_county_data

    data = load_county_data()
    sources = {str(s).strip() for s in data.provenance()["source"] if str(s).strip()}
    texts = county_sources_zh(data.directory)
    missing = sorted(sources - set(texts))
    assert not missing, missing
    for source in sources:
        words = set(LATIN_WORD.findall(_strip_urls(texts[source])))
        assert not words, (texts[source], words)


def test_every_english_source_and_note_of_the_embedded_county_has_a_chinese_text() -> None:
    """Every ``source`` and ``note`` text of the embedded county folder's CSV files that the zh
    report would not quote as it stands (it holds an English word, Catalogue.source_text) has
    its Chinese text in the folder's texts_zh.yaml, keyed by the text as Context.source looks
    it up (stripped); the message names the first few missing."""
    from hdsim.data import EMBEDDED_DIR

    cat = Catalogue("zh")
    texts = county_sources_zh(EMBEDDED_DIR)
    missing: dict[str, str] = {}
    for path in sorted(EMBEDDED_DIR.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in ("source", "note"):
            if column not in frame:
                continue
            for value in frame[column]:
                text = str(value).strip()
                if text and text not in texts and cat.source_text(text, path.name) != text:
                    missing.setdefault(text, f"{path.name}:{column}")
    first = "; ".join(f"{where}: {text[:80]!r}" for text, where in list(missing.items())[:5])
    assert not missing, (
        f"{len(missing)} English source/note texts of {EMBEDDED_DIR.name} have no entry under "
        f"sources: in its texts_zh.yaml, e.g. {first}"
    )


def test_zh_source_falls_back_to_a_pointer_when_the_folder_has_no_text(tmp_path) -> None:
    """A folder without texts_zh.yaml gives no translations, so the zh report points to the
    file (Catalogue.source_text) instead of quoting English."""
    assert county_sources_zh(tmp_path) == {}
    cat = Catalogue("zh")
    assert cat.source_text("a source in English", "county.csv") == cat(
        "source_see", file="county.csv"
    )
    assert cat.source_text("洪洞县统计局", "county.csv") == "洪洞县统计局"


@pytest.mark.parametrize(
    ("mean", "lo", "hi", "expected"),
    [
        (5.7, 4.0, 7.0, "平均5.7个（各次模拟4–7个）"),
        (6.0, 6.0, 6.0, "各次模拟均为6个"),
        (0.0, 0.0, 0.0, "各次模拟中均没有"),
    ],
)
def test_a_mean_count_of_villages_reads_with_its_range(
    mean: float, lo: float, hi: float, expected: str
) -> None:
    """A mean of whole villages is written with the range of the runs, not as "5.7个村庄"."""
    from hdsim.report.townships import _mean_range

    assert _mean_range(mean, lo, hi, Catalogue("zh")) == expected


def test_township_profile_conserves_residents_and_finds_the_county_city() -> None:
    """township_profile: a township's residents are the sum of its settlement types, its rate
    is urban over residents, village change is relative, and the township holding the county
    city is flagged."""
    from hdsim.report.analysis import township_profile

    rows = []
    for date, scale in (("2020-11-01", 1.0), ("2025-12-31", 1.5)):
        for code, settlement, residents, urban in (
            ("a", "county_city", 100.0, 100.0),
            ("a", "village", 50.0, 0.0),
            ("b", "seat", 20.0, 20.0),
            ("b", "village", 80.0, 0.0),
        ):
            village = settlement == "village"
            for indicator, value in (
                ("residents", residents * (0.5 if village and scale > 1 else scale)),
                ("urban_residents", urban * scale),
            ):
                rows.append(
                    {
                        "scenario": "baseline",
                        "replicate": 0,
                        "date": pd.Timestamp(date),
                        "township_code": code,
                        "township": code.upper(),
                        "settlement": settlement,
                        "indicator": indicator,
                        "value": value,
                    }
                )
    out = township_profile(pd.DataFrame(rows), pd.Timestamp("2025-12-31")).set_index(
        "township_code"
    )
    assert out.loc["a", "county_city"] and not out.loc["b", "county_city"]
    assert out.loc["a", "rate_start"] == pytest.approx(100 / 150)
    assert out.loc["b", "rate_end"] == pytest.approx(30 / (30 + 40))
    assert out.loc["b", "village_change"] == pytest.approx(-0.5)
    assert out.loc["a", "urban_change"] == pytest.approx(50.0)
