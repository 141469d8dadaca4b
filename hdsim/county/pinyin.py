"""A check of the shipped pinyin of county and township names: polyphonic characters.

The pinyin of the shipped code lists was made by a dictionary romaniser, which reads each
character by its commonest reading; place names often keep an older one (a county whose 洞 is
read *tong*, a 蔚 read *yu*). :func:`check_name` flags every character of a name that is in
``tables/pinyin_polyphones.csv`` (characters with another reading in place names) and, when
the whole name is in ``tables/pinyin_readings.csv`` (the small exception table of checked
readings, each with its source), returns the checked reading instead. The scaffold writes
the result into the ``note`` of the identity and township rows, and lists the names still to
check in ``ESTIMATES.md``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from hdsim.county.census import TABLES_DIR

SUFFIXES: tuple[str, ...] = ("街道", "自治县", "县", "市", "区", "旗", "镇", "乡")
"""Endings of unit names that are not romanised into the stem (e.g. 县, 镇, 街道)."""


@dataclass(frozen=True)
class PinyinCheck:
    """The result of checking one name's pinyin.

    Attributes:
        name_zh: The name as in the code list, e.g. ``"新城镇"``.
        shipped: The pinyin stem of the shipped tables.
        pinyin: The stem to use: the checked reading if the name is in the exception table,
            else the shipped one.
        polyphones: ``(character, readings)`` of each polyphonic character of the stem.
        source: Source of the checked reading (empty when the name is not in the table).
    """

    name_zh: str
    shipped: str
    pinyin: str
    polyphones: tuple[tuple[str, str], ...]
    source: str

    @property
    def confirmed(self) -> bool:
        """True if the reading comes from the exception table."""
        return bool(self.source)

    @property
    def needs_check(self) -> bool:
        """True if the name has a polyphonic character and no checked reading."""
        return bool(self.polyphones) and not self.confirmed

    def note(self) -> str:
        """One phrase for a row's ``note``: what was checked, or what to check."""
        chars = ", ".join(f"{ch} ({r})" for ch, r in self.polyphones)
        if self.confirmed:
            fixed = "" if self.pinyin == self.shipped else f" (romaniser gave {self.shipped})"
            return f"pinyin {self.pinyin}{fixed} checked: {self.source}"
        if self.polyphones:
            return f"check pinyin {self.pinyin}: polyphonic {chars}"
        return ""


@lru_cache(maxsize=1)
def polyphones() -> dict[str, str]:
    """Character -> its readings (``|``-joined) from ``tables/pinyin_polyphones.csv``."""
    with (TABLES_DIR / "pinyin_polyphones.csv").open(encoding="utf-8") as fh:
        return {r["char"]: r["readings"] for r in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def checked_readings() -> dict[str, tuple[str, str]]:
    """Name -> (checked pinyin stem, source) from ``tables/pinyin_readings.csv``."""
    with (TABLES_DIR / "pinyin_readings.csv").open(encoding="utf-8") as fh:
        return {r["name_zh"]: (r["name_pinyin"], r["source"]) for r in csv.DictReader(fh)}


def stem(name_zh: str) -> str:
    """The name without its unit ending (``"新城镇"`` -> ``"新城"``); 1-character stems keep it."""
    for suffix in SUFFIXES:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix) + 1:
            return name_zh[: -len(suffix)]
    return name_zh


def check_name(name_zh: str, name_pinyin: str) -> PinyinCheck:
    """Check a name's shipped pinyin against the polyphone and exception tables.

    Args:
        name_zh: The name as in the code list (with its ending, e.g. ``县``).
        name_pinyin: The shipped pinyin stem.

    Returns:
        The check, with the reading to use.
    """
    table = polyphones()
    found = tuple((ch, table[ch]) for ch in dict.fromkeys(stem(name_zh)) if ch in table)
    pinyin, source = checked_readings().get(name_zh, (name_pinyin, ""))
    return PinyinCheck(name_zh, name_pinyin, pinyin, found, source)
