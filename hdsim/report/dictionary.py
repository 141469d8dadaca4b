"""The data dictionary: unit, Chinese and English label and definition of every indicator.

The dictionary ships with hdsim as ``hdsim/report/indicators.yaml``: explicit entries by
indicator name, and patterns (``spending_<lever>``, ``jobs_<sector>``) that expand with the
catalogue's lever and sector names. :func:`section_dictionary` is the report's appendix that
lists every indicator found in the outputs being reported on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from hdsim.report.document import Paragraph, Section, Table
from hdsim.report.sections import Context

DICTIONARY_FILE = Path(__file__).with_name("indicators.yaml")
"""The data dictionary file."""

UNITS_ZH: dict[str, str] = {"persons": "人", "share": "比例", "index": "指数", "count": "个"}
"""Chinese names of the dictionary's units (others, such as 亿元 or km², are shown as they are)."""


@dataclass(frozen=True)
class Entry:
    """One indicator of the dictionary.

    Attributes:
        name: Indicator name in the outputs.
        unit: Unit code (``persons``, ``share``, ``index``, ``count``) or a unit symbol.
        zh: Chinese label.
        en: English label.
        def_zh: Chinese definition.
        def_en: English definition.
    """

    name: str
    unit: str
    zh: str
    en: str
    def_zh: str
    def_en: str

    def label(self, lang: str) -> str:
        """Label in ``lang``."""
        return self.zh if lang == "zh" else self.en

    def definition(self, lang: str) -> str:
        """Definition in ``lang``."""
        return self.def_zh if lang == "zh" else self.def_en

    def unit_text(self, lang: str) -> str:
        """Unit as shown in ``lang``."""
        return UNITS_ZH.get(self.unit, self.unit) if lang == "zh" else self.unit


@cache
def _raw() -> dict[str, Any]:
    return yaml.safe_load(DICTIONARY_FILE.read_text(encoding="utf-8"))


def entry(
    name: str, lang_names: tuple[dict[str, str], dict[str, str]] | None = None
) -> Entry | None:
    """The dictionary entry of indicator ``name``, or None when it has none.

    Args:
        name: Indicator name.
        lang_names: ``(zh, en)`` display names of levers or sectors for pattern entries; by
            default the catalogue's.
    """
    from hdsim.report.catalogue import SECTORS, lever_names

    raw = _raw()
    if name in raw["indicators"]:
        return Entry(name=name, **{k: str(v) for k, v in raw["indicators"][name].items()})
    for pattern, spec in raw["patterns"].items():
        prefix = pattern.split("<")[0]
        if not name.startswith(prefix):
            continue
        code = name[len(prefix) :]
        table = lever_names() if "<lever>" in pattern else SECTORS
        zh = (lang_names or (table["zh"], table["en"]))[0].get(code, code)
        en = (lang_names or (table["zh"], table["en"]))[1].get(code, code.replace("_", " "))
        return Entry(
            name=name,
            unit=str(spec["unit"]),
            zh=str(spec["zh"]).format(name=zh),
            en=str(spec["en"]).format(name=en),
            def_zh=str(spec["def_zh"]).format(name=zh),
            def_en=str(spec["def_en"]).format(name=en),
        )
    return None


def output_indicators(ctx: Context) -> list[str]:
    """Every indicator in the county and township series, county first, in order of appearance."""
    names = [str(n) for n in pd.unique(ctx.inputs.county["indicator"])]
    if ctx.inputs.township is not None:
        names += [
            str(n) for n in pd.unique(ctx.inputs.township["indicator"]) if str(n) not in names
        ]
    return names


def section_dictionary(ctx: Context) -> Section | None:
    """Appendix: every indicator of the outputs with its label, unit and definition."""
    cat = ctx.cat
    names = output_indicators(ctx)
    if not names:
        return None
    rows = []
    for name in names:
        item = entry(name)
        if item is None:
            rows.append([name, "–", "–", "–"])
        else:
            rows.append(
                [name, item.label(cat.lang), item.unit_text(cat.lang), item.definition(cat.lang)]
            )
    table = Table(
        "dictionary",
        "",
        [cat("col_indicator_code"), cat("col_label"), cat("col_unit"), cat("col_definition")],
        rows,
    )
    return Section("dictionary", cat("sec_dictionary"), [Paragraph(cat("dictionary_intro")), table])


__all__ = ["DICTIONARY_FILE", "Entry", "entry", "output_indicators", "section_dictionary"]
