"""Chinese texts of what the model declares in English: parameter descriptions, units, sources.

The behavioural parameters (:mod:`hdsim.config.behaviour`) declare their description, unit and
source in English. Their Chinese texts are data, kept in ``hdsim/report/parameters_zh.yaml``
keyed by parameter path (``behaviour.<group>.<name>``), with a table of units. The county data
folder's sources are quoted in English in its CSV files; their Chinese texts are in the folder's
own optional ``texts_zh.yaml`` (``sources:``, keyed by the exact source text), since they are
facts of that county.

:func:`parameter_note` builds the note the parameter table shows, in either language;
:func:`missing_parameter_texts` names the declared parameters without a Chinese description
(a test fails on any, naming them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PARAMETER_TEXTS_FILE = Path(__file__).with_name("parameters_zh.yaml")
"""Chinese descriptions and sources of the behavioural parameters, and their units."""

COUNTY_TEXTS_FILE = "texts_zh.yaml"
"""Optional file of a county data folder with the Chinese texts of its sources."""

_FOLDED_SPACE = re.compile(r"(?<=[，；。、：）》”])\s+|\s+(?=[，；。、：（《“])")
"""A space YAML folding left next to Chinese punctuation."""


@dataclass(frozen=True)
class ParameterText:
    """The Chinese texts of one parameter.

    Attributes:
        description: What the parameter is.
        source: Where its value comes from ("" when the parameter declares no source).
    """

    description: str
    source: str = ""


def _clean(text: object) -> str:
    return _FOLDED_SPACE.sub("", str(text or "").strip())


@cache
def _parameter_file() -> dict[str, Any]:
    loaded = yaml.safe_load(PARAMETER_TEXTS_FILE.read_text(encoding="utf-8")) or {}
    return loaded if isinstance(loaded, dict) else {}


def parameter_texts() -> dict[str, ParameterText]:
    """Chinese texts by parameter path (``behaviour.<group>.<name>``)."""
    return dict(_parameter_texts())


@cache
def _parameter_texts() -> dict[str, ParameterText]:
    """:func:`parameter_texts`, made once per process (a report asks for it per parameter)."""
    entries = _parameter_file().get("parameters") or {}
    return {
        str(key): ParameterText(_clean(item.get("description")), _clean(item.get("source")))
        for key, item in entries.items()
        if isinstance(item, dict)
    }


def unit_zh(unit: str) -> str:
    """The Chinese name of a parameter unit (the unit itself when it has none)."""
    units = _parameter_file().get("units") or {}
    return str(units.get(unit, unit))


def missing_parameter_texts() -> list[str]:
    """Paths of declared parameters that have no Chinese description, in declaration order."""
    from hdsim.config.behaviour import parameter_table

    texts = parameter_texts()
    return [
        row["key"]
        for row in parameter_table()
        if row["key"] not in texts or not texts[row["key"]].description
    ]


def parameter_note(row: dict[str, Any], lang: str) -> str:
    """The note of a parameter table row: description, unit and source, in ``lang``.

    Args:
        row: A row of :func:`hdsim.config.behaviour.parameter_table`.
        lang: ``"zh"`` or ``"en"``.

    Returns:
        The note; in Chinese an empty description when the parameter has no Chinese text.
    """
    if lang != "zh":
        source = f"; {row['source']}" if row["source"] else ""
        return f"{row['description']} [{row['unit']}]{source}"
    text = _parameter_texts().get(row["key"])
    if text is None or not text.description:
        return ""
    source = f"；{text.source}" if text.source else ""
    return f"{text.description}（单位：{unit_zh(str(row['unit']))}）{source}"


@cache
def county_sources_zh(directory: Path) -> dict[str, str]:
    """Chinese texts of a county data folder's sources, keyed by the source text.

    Args:
        directory: The county data folder; its ``texts_zh.yaml`` is optional.

    Returns:
        Source text → Chinese text (empty when the folder has no such file).
    """
    path = Path(directory) / COUNTY_TEXTS_FILE
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    sources = loaded.get("sources") if isinstance(loaded, dict) else None
    return {str(k).strip(): _clean(v) for k, v in (sources or {}).items()}


__all__ = [
    "COUNTY_TEXTS_FILE",
    "PARAMETER_TEXTS_FILE",
    "ParameterText",
    "county_sources_zh",
    "missing_parameter_texts",
    "parameter_note",
    "parameter_texts",
    "unit_zh",
]
