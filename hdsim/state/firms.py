"""Firms: one row per firm (a real firm or a sector aggregate at one place), and their names."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from hdsim.state.places import Geography, PlaceKind
from hdsim.state.tables import ColumnTable, PersonTable


class FirmTable(ColumnTable):
    """One row per firm; ``Firm`` agents are views on its rows.

    Attributes:
        place: Place where the jobs are.
        sector: Index into :data:`hdsim.data.schema.SECTORS`.
        target: Workforce the firm wants now (simulated persons).
        growth: Trend growth of the target per year.
        policy_jobs: Extra target added by policies, simulated persons.
        wage: Monthly wage, yuan.
        chain_leader: One of the chain leaders (链主) named in the plan.
        zone: Located in a development-zone park.
        employed: Current employees (simulated persons), kept up to date by :func:`employ`
            and :func:`release`.
        names: Display name of each firm (row order).
    """

    place: NDArray[np.int32]
    sector: NDArray[np.int8]
    target: NDArray[np.float64]
    growth: NDArray[np.float64]
    policy_jobs: NDArray[np.float64]
    wage: NDArray[np.float64]
    chain_leader: NDArray[np.bool_]
    zone: NDArray[np.bool_]
    employed: NDArray[np.int64]

    DEFAULTS: ClassVar[dict[str, object]] = {}

    def __init__(self, n: int, capacity: int | None = None) -> None:
        """Allocate ``n`` firms and room for ``capacity``, without names yet."""
        super().__init__(n, capacity)
        self.names: list[str] = []

    def add(
        self, name: str, place: int, sector: int, wage: float, growth: float, policy_jobs: float
    ) -> int:
        """Append a firm (e.g. a supplier spawned by a chain leader) with no target yet.

        Returns:
            The new firm's row.
        """
        row = self.append(1).start
        self.place[row] = place
        self.sector[row] = sector
        self.target[row] = 0.0
        self.growth[row] = growth
        self.policy_jobs[row] = policy_jobs
        self.wage[row] = wage
        self.chain_leader[row] = False
        self.names.append(name)
        return row

    def employees(self) -> np.ndarray:
        """Current employees of every firm in use (simulated persons)."""
        return self.employed[: self.n]


def employ(
    persons: PersonTable, firms: FirmTable, person_rows: np.ndarray, firm_rows: np.ndarray
) -> None:
    """Give persons ``person_rows`` jobs at firms ``firm_rows`` (one firm per person)."""
    persons.employer[person_rows] = firm_rows
    firms.employed += np.bincount(firm_rows, minlength=firms.capacity)


def release(persons: PersonTable, firms: FirmTable, person_rows: np.ndarray) -> None:
    """End the jobs of ``person_rows`` (those without a job are left as they are)."""
    emp = persons.employer[person_rows]
    held = emp >= 0
    if held.any():
        firms.employed -= np.bincount(emp[held], minlength=firms.capacity)
        persons.employer[person_rows[held]] = -1


def firm_place(geo: Geography, township_code: str, location: str) -> int:
    """Place of a firm given its township and location kind (county_city, seat, zone, village).

    A village firm sits in the middle village (in table order) of its township.
    """
    t = geo.township_index(township_code)
    if location == "county_city":
        return geo.county_city
    if location in ("seat", "zone"):
        return int(geo.seat_of[t])
    villages = np.flatnonzero((geo.township == t) & (geo.kind == PlaceKind.VILLAGE))
    return int(villages[villages.size // 2]) if villages.size else int(geo.seat_of[t])
