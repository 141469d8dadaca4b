"""Which persons belong to which household, without scanning all persons."""

from __future__ import annotations

import numpy as np

from hdsim.state.tables import PersonTable


class MemberIndex:
    """Index of the person rows of every household.

    Persons never change household, so the index sorts person rows by household once and
    treats rows appended since (births) as a short unsorted tail; it is rebuilt when the tail
    grows long. Looking up the members of k households costs O(members + tail), not O(persons).

    Attributes:
        persons: The indexed person table.
        n_households: Households indexed.
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

    def add_households(self, k: int) -> None:
        """Index ``k`` households appended to the household table, empty for now.

        Their members are persons appended after them (the tail), as births are.
        """
        self.starts = np.r_[self.starts, np.full(k, self.starts[-1])]
        self.n_households += k

    def drop_households(self, k: int) -> None:
        """Forget the last ``k`` households (added since the last rebuild, holding no member).

        The caller has removed them from the household table.
        """
        if k:
            self.starts = self.starts[:-k]
            self.n_households -= k

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
