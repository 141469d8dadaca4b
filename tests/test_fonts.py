"""The HTML report's font subset: what it holds, that it is the same bytes each time, its cache.

The subset is what lets ``report.html`` show Chinese on a machine without any CJK font (the
browser test in ``test_report.py`` loads it in chromium); these tests check the file itself.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from hdsim.report import fonts

TEXT = "洪洞县城镇化率 55% 常住人口"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty subset cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return fonts.cache_dir()


def test_subset_is_a_woff_font_with_every_character_of_the_text() -> None:
    """The file is WOFF and its character map covers the text and the extra characters, so no
    character of the page falls back to a system font."""
    data = fonts.web_font_subset(TEXT, cache=False)
    assert data.startswith(fonts.WEB_FONT_MAGIC)
    font = TTFont(io.BytesIO(data))
    assert font.flavor == fonts.WEB_FONT_FLAVOR
    cmap = font.getBestCmap()
    missing = [c for c in set(TEXT + fonts.SUBSET_EXTRA) if c.strip() and ord(c) not in cmap]
    assert missing == []
    assert len(font.getGlyphOrder()) < 200  # the text's glyphs, not the 65,535 of the face


def test_subset_is_the_same_bytes_each_time() -> None:
    """Reproducibility: two subsets of the same characters, made afresh, are identical (no
    timestamp, no dict order), so a report's HTML is the same file on every build."""
    assert fonts.web_font_subset(TEXT, cache=False) == fonts.web_font_subset(TEXT, cache=False)


def test_cache_is_reused_and_a_damaged_entry_is_made_again(cache: Path) -> None:
    """A subset is written to the cache and read back as the same bytes; a cached file that is
    not a WOFF font (cut short, overwritten) is not used but replaced by a good one."""
    made = fonts.web_font_subset(TEXT)
    entry = fonts.subset_path(TEXT)
    assert entry.parent == cache and entry.suffix == ".woff"
    assert entry.read_bytes() == made
    entry.write_bytes(b"not a font")
    assert fonts.web_font_subset(TEXT) == made
    assert entry.read_bytes() == made


def test_cache_key_changes_with_the_characters() -> None:
    """A page with one character more never gets the subset of the page without it."""
    assert fonts.subset_key("城镇化") != fonts.subset_key("城镇化率")
    assert fonts.subset_key("化镇城") == fonts.subset_key("城镇化")
