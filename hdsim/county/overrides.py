"""A user's own figures for a county folder: the ``--from bulletin.yaml`` file.

Figures a county's bulletin (or a planner) gives replace the census tables' and the scaffold's
estimates before the other estimates are derived from them; each replaced row cites the file's
``source`` and is marked ``official``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from hdsim.data.table import DataError

TOWNSHIP_COLUMNS: tuple[str, ...] = ("population_2020", "distance_km", "industry_share")
"""Township figures a ``--from`` file may give."""


@dataclass
class Overrides:
    """A user's own figures, from ``--from bulletin.yaml``.

    Attributes:
        source: The document the figures come from (cited in every row they replace).
        county: ``county.csv`` key -> value.
        identity: ``identity.csv`` key -> value (e.g. ``name_en``).
        townships: Township code -> column -> value (``population_2020``, ``distance_km``,
            ``industry_share``: share of the town's jobs in industry, ranks specialised towns).
    """

    source: str = ""
    county: dict[str, float] = field(default_factory=dict)
    identity: dict[str, str] = field(default_factory=dict)
    townships: dict[str, dict[str, float]] = field(default_factory=dict)


def read_overrides(path: Path | None) -> Overrides:
    """Read a ``--from`` file.

    The file is YAML with ``source`` (required: title, publisher, date, URL of the document)
    and any of ``county`` (key: value), ``identity`` (key: text) and ``townships``
    (code: {population_2020: N, distance_km: D, industry_share: S})::

        source: "襄汾县第七次全国人口普查公报 (襄汾县统计局, 2021-06), https://..."
        county: {county_city_population_2020: 98000, target_urbanization_rate: 0.6}
        townships: {"141023101": {population_2020: 41000, distance_km: 12}}

    Args:
        path: The file, or None for no overrides.

    Returns:
        The overrides.

    Raises:
        DataError: One line if the file is missing, not YAML or of the wrong shape.
    """
    if path is None:
        return Overrides()
    f = str(path)
    if not Path(path).is_file():
        raise DataError(f"{f}: --from file not found; give the path of your bulletin YAML")
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"{f}: not valid YAML ({exc}); fix the syntax") from None
    if not isinstance(raw, dict) or not str(raw.get("source") or "").strip():
        raise DataError(
            f"{f}: no 'source'; add source: \"<title> (<publisher>, <date>), <URL>\" at the top"
        )
    unknown = set(raw) - {"source", "county", "identity", "townships"}
    if unknown:
        raise DataError(
            f"{f}: unknown section {sorted(unknown)[0]!r}; use source, county, identity, townships"
        )
    try:
        county = {str(k): float(v) for k, v in (raw.get("county") or {}).items()}
        identity = {str(k): str(v) for k, v in (raw.get("identity") or {}).items()}
        towns = {
            str(code): {str(k): float(v) for k, v in cols.items()}
            for code, cols in (raw.get("townships") or {}).items()
        }
    except (AttributeError, TypeError, ValueError) as exc:
        raise DataError(
            f"{f}: a value is not a number or a section is not a mapping ({exc}); write "
            "key: number under county and townships"
        ) from None
    for cols in towns.values():
        bad = set(cols) - set(TOWNSHIP_COLUMNS)
        if bad:
            raise DataError(
                f"{f}: township column {sorted(bad)[0]!r} cannot be given; use "
                f"{', '.join(TOWNSHIP_COLUMNS)}"
            )
        share = cols.get("industry_share", 0.0)
        if not 0.0 <= share <= 1.0:
            raise DataError(f"{f}: industry_share {share} is not a fraction; give 0..1")
    return Overrides(str(raw["source"]).strip(), county, identity, towns)
