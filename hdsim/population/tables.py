"""Columnar tables holding the state of persons and households.

The model keeps household and person state in numpy arrays, one row per person or household,
so each monthly step is a handful of vectorized operations over the whole county. The
``Household`` agent (``hdsim.model.agents``) is a view on one row of :class:`HouseholdTable`.

Tables have spare capacity: births append persons without copying every array each month.
Always slice with ``[: table.n]`` (or use :meth:`ColumnTable.view`) before computing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


class ColumnTable:
    """A set of equally long numpy columns with spare capacity for appending rows.

    Subclasses declare their columns in ``COLUMNS`` (name → dtype) and their default fill values
    in ``DEFAULTS``. Each column is an attribute holding the full-capacity array.
    """

    COLUMNS: ClassVar[dict[str, type | np.dtype]] = {}
    DEFAULTS: ClassVar[dict[str, object]] = {}

    def __init__(self, n: int, capacity: int | None = None) -> None:
        """Allocate ``n`` rows (filled with defaults) and room for ``capacity`` rows.

        Args:
            n: Number of rows in use.
            capacity: Allocated rows; defaults to ``n``.
        """
        self.n = int(n)
        self.capacity = max(int(capacity or n), self.n, 1)
        for name, dtype in self.COLUMNS.items():
            setattr(self, name, np.full(self.capacity, self.DEFAULTS.get(name, 0), dtype=dtype))

    def view(self, name: str) -> np.ndarray:
        """The rows in use of column ``name`` (a view, not a copy)."""
        return getattr(self, name)[: self.n]

    def append(self, k: int) -> slice:
        """Add ``k`` default-filled rows, growing capacity if needed.

        Returns:
            The slice of the new rows.
        """
        needed = self.n + k
        if needed > self.capacity:
            new_cap = max(needed, int(self.capacity * 1.25) + 16)
            for name, dtype in self.COLUMNS.items():
                old = getattr(self, name)
                grown = np.full(new_cap, self.DEFAULTS.get(name, 0), dtype=dtype)
                grown[: self.n] = old[: self.n]
                setattr(self, name, grown)
            self.capacity = new_cap
        rows = slice(self.n, needed)
        self.n = needed
        return rows

    def nbytes(self) -> int:
        """Memory held by the columns, bytes."""
        return sum(getattr(self, name).nbytes for name in self.COLUMNS)


class PersonTable(ColumnTable):
    """One row per person ever simulated (the dead keep their row with ``alive`` false).

    Columns:
        age: Age in completed years.
        birth_month: Calendar month of birth (1-12); a person ages when it comes round.
        female: Sex (True = female).
        household: Row of the person's household in :class:`HouseholdTable`.
        hukou_urban: Holds a non-agricultural (urban) hukou.
        away: Works or lives outside the county while the household stays (counted as
            registered, not as resident).
        alive: Still alive.
        employer: Row of the employing firm in the firm table, -1 if none.
        collective: Member of a collective household (students and workers in dormitories).
        place: Place of the person's household (kept in step with ``HouseholdTable.place`` by
            ``CountyModel.relocate``, so that counting residents needs no gather).
    """

    COLUMNS: ClassVar[dict[str, type | np.dtype]] = {
        "age": np.int16,
        "birth_month": np.int8,
        "female": np.bool_,
        "household": np.int32,
        "hukou_urban": np.bool_,
        "away": np.bool_,
        "alive": np.bool_,
        "employer": np.int32,
        "collective": np.bool_,
        "place": np.int32,
    }
    DEFAULTS: ClassVar[dict[str, object]] = {"alive": True, "employer": -1, "birth_month": 1}


class HouseholdTable(ColumnTable):
    """One row per household (family or collective).

    Columns:
        place: Place where the household lives (``Geography.outside`` if it left the county).
        origin: Home village (where its farmland and homestead are); urban-born households
            have their own place as origin.
        farmland_mu: Contracted farmland, mu.
        homestead: Holds a rural homestead (宅基地).
        collective: A collective household (集体户: dormitories, barracks); it does not move.
        months_at_place: Months since the household last moved.
        owner: Owns its dwelling at its current place.
        hukou_urban: The household's registration (户口簿) is urban (non-agricultural).
    """

    COLUMNS: ClassVar[dict[str, type | np.dtype]] = {
        "place": np.int32,
        "origin": np.int32,
        "farmland_mu": np.float32,
        "homestead": np.bool_,
        "collective": np.bool_,
        "months_at_place": np.int16,
        "owner": np.bool_,
        "hukou_urban": np.bool_,
    }
    DEFAULTS: ClassVar[dict[str, object]] = {}


class MemberIndex:
    """Which persons belong to which household, without scanning all persons.

    Persons never change household, so the index sorts person rows by household once and
    treats rows appended since (births) as a short unsorted tail; it is rebuilt when the tail
    grows long. Looking up the members of k households costs O(members + tail), not O(persons).
    """

    REBUILD_TAIL = 20_000

    def __init__(self, persons: PersonTable, n_households: int) -> None:
        """Index the current persons of ``n_households`` households."""
        self.persons = persons
        self.n_households = n_households
        self.rebuild()

    def rebuild(self) -> None:
        """Sort all current person rows by household."""
        n = self.persons.n
        hh = self.persons.household[:n]
        self.order = np.argsort(hh, kind="stable").astype(np.int64)
        self.starts = np.searchsorted(hh[self.order], np.arange(self.n_households + 1))
        self.n_indexed = n

    def members(self, rows: np.ndarray) -> np.ndarray:
        """Person rows (living or not, resident or away) of households ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.persons.n - self.n_indexed > self.REBUILD_TAIL:
            self.rebuild()
        lo = self.starts[rows]
        lens = self.starts[rows + 1] - lo
        total = int(lens.sum())
        offsets = np.repeat(lo - (np.cumsum(lens) - lens), lens) + np.arange(total)
        indexed = self.order[offsets]
        tail = np.arange(self.n_indexed, self.persons.n)
        if tail.size == 0:
            return indexed
        wanted = np.zeros(self.n_households, dtype=bool)
        wanted[rows] = True
        return np.concatenate([indexed, tail[wanted[self.persons.household[tail]]]])


@dataclass
class Census:
    """Where every person is at one moment: taken once a month and shared by the mechanisms.

    Attributes:
        person_place: Place of every person (that of the household).
        resident: Persons alive, not away, whose household lives in the county.
        residents_by_place: Resident persons per place (0 for outside).
        working_by_place: Residents aged 18 to retirement per place.
        labour_force: Residents aged 18 to retirement, students in dormitories excluded.
    """

    person_place: np.ndarray
    resident: np.ndarray
    residents_by_place: np.ndarray
    working_by_place: np.ndarray
    labour_force: np.ndarray


def take_census(persons: PersonTable, n_places: int, outside: int, retirement_age: int) -> Census:
    """Count where everybody lives now.

    Args:
        persons: Person table (its ``place`` column must be current).
        n_places: Number of places (outside included).
        outside: Place index of "outside the county".
        retirement_age: Age at which workers leave firm jobs.

    Returns:
        The census of the current state.
    """
    n = persons.n
    place = persons.place[:n]
    # in-place boolean algebra: this runs every month over ~800,000 persons
    resident = place != outside
    resident &= persons.alive[:n]
    resident &= ~persons.away[:n]
    age = persons.age[:n]
    working = age >= 18
    working &= age < retirement_age
    key = place[resident].astype(np.intp)
    key <<= 1
    key += working[resident]
    counts = np.bincount(key, minlength=2 * n_places).reshape(n_places, 2)
    labour_force = working
    labour_force &= resident
    labour_force &= ~(persons.collective[:n] & (age < 23))
    return Census(
        person_place=place,
        resident=resident,
        residents_by_place=counts.sum(axis=1),
        working_by_place=counts[:, 1],
        labour_force=labour_force,
    )
