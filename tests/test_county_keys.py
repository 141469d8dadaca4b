"""Every required county key is read by the model, and docs/data.md says who reads each key.

A required key that no code reads is a burden on every new county for nothing (issue 13): the
test finds, for each key of :data:`REQUIRED_COUNTY_KEYS`, a reader outside the schema and the
scaffold, and checks that the required-key table of ``docs/data.md`` lists exactly those keys
and that the page names every optional key, so the doc cannot drift from the schema.
"""

from __future__ import annotations

import re
from pathlib import Path

from hdsim.data.spec import OPTIONAL_COUNTY_KEYS, REQUIRED_COUNTY_KEYS

ROOT = Path(__file__).resolve().parents[1]
NOT_READERS = ("hdsim/data/spec.py", "hdsim/data/schema.py", "hdsim/county/")
"""Files that declare or write keys (the schema, the scaffold) rather than read them."""


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_every_required_county_key_has_a_reader_outside_the_schema_and_scaffold() -> None:
    sources = {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for p in (ROOT / "hdsim").rglob("*.py")
        if not str(p.relative_to(ROOT)).startswith(NOT_READERS)
    }
    unread = [
        key
        for key in REQUIRED_COUNTY_KEYS
        if not any(re.search(rf"\b{key}\b", text) for text in sources.values())
    ]
    assert unread == [], f"required keys no code reads (make them optional): {unread}"


def test_docs_required_key_table_lists_exactly_the_required_keys() -> None:
    page = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    table = _section(page, "**Required keys**", "**Census-state keys")
    rows = [ln for ln in table.splitlines() if ln.startswith("| `")]
    documented = {k for ln in rows for k in re.findall(r"`([a-z0-9_]+)`", ln.split("|")[1])}
    assert documented == set(REQUIRED_COUNTY_KEYS)
    for ln in rows:
        assert ln.rstrip("|").split("|")[-1].strip(), f"no reader named: {ln}"


def test_docs_name_every_optional_county_key() -> None:
    page = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    county = _section(page, "## 1. `county.csv`", "## 2. ")
    missing = [k for k in OPTIONAL_COUNTY_KEYS if f"`{k}`" not in county]
    assert missing == []
