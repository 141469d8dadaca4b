"""Which persons belong to which household, without scanning all persons."""

from __future__ import annotations

import numpy as np

from hdsim.state.tables import PersonTable


class MemberIndex:
    """Index of the person rows of every household.

    The index sorts person rows by household once and treats the rows appended since (births)
    and the persons who changed household since (:meth:`reassign`: a marriage, a split) as a
    short unsorted tail; it is rebuilt when the tail grows long. Looking up the members of k
    households costs O(members + tail), not O(persons). Households added since the last
    rebuild (:meth:`add_households`) have no indexed members, only tail ones.

    Attributes:
        persons: The indexed person table.
        n_households: Households indexed.
    """

    REBUILD_TAIL = 20_000

    def __init__(self, persons: PersonTable, n_households: int) -> None:
        """Index the current persons of ``n_households`` households."""
        self.persons = persons
        self.n_households = n_households
        self.n_indexed = 0
        self.rebuild()

    def rebuild(self) -> None:
        """Sort all current person rows by household (stable: by household, then row).

        The first index sorts every row; later ones keep the sorted rows that did not change
        household and merge the tail into them (sorted the same way), which gives the same
        order as sorting every row again in a fraction of the time.
        """
        n = self.persons.n
        hh = self.persons.household[:n]
        if self.n_indexed == 0:
            self.order = np.argsort(hh, kind="stable").astype(np.int64)
        else:
            self.order = self._merged_order(hh)
        self.starts = self._starts(hh)
        self.n_indexed = n
        self.stale = np.zeros(n, dtype=bool)
        self.moved = np.zeros(0, dtype=np.int64)

    def _merged_order(self, hh: np.ndarray) -> np.ndarray:
        """The stable order of rows by household ``hh``: the indexed rows plus the tail."""
        kept = self.order[~self.stale[self.order]] if self.moved.size else self.order
        tail = np.arange(self.n_indexed, hh.size)
        if self.moved.size:
            tail = np.r_[self.moved, tail]  # moved rows precede the appended ones: ascending
        if tail.size == 0:
            return kept
        tail = tail[np.argsort(hh[tail], kind="stable")]
        key_kept = hh[kept].astype(np.int64) * hh.size + kept
        key_tail = hh[tail].astype(np.int64) * hh.size + tail
        return np.insert(kept, np.searchsorted(key_kept, key_tail), tail)

    def _starts(self, hh: np.ndarray) -> np.ndarray:
        """First position in :attr:`order` of each household's rows, and the end (``n + 1``).

        Equal to ``searchsorted(hh[order], arange(n_households + 1))``, counted instead.
        """
        k = self.n_households
        if hh.size and hh[self.order[0]] < 0:
            return np.searchsorted(hh[self.order], np.arange(k + 1))
        counts = np.bincount(hh, minlength=k)[:k]
        starts = np.zeros(k + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        return starts

    def reassign(self, person_rows: np.ndarray) -> None:
        """Note that persons ``person_rows`` changed household (after ``household`` is written)."""
        rows = np.asarray(person_rows, dtype=np.int64)
        rows = rows[rows < self.n_indexed]
        if rows.size == 0:
            return
        self.stale[rows] = True
        self.moved = np.unique(np.r_[self.moved, rows])

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

    def members(self, rows: np.ndarray, refresh: bool = True) -> np.ndarray:
        """Person rows (living or not, resident or away) of households ``rows``.

        Args:
            rows: Household rows.
            refresh: Rebuild the index first when its tail has grown long. A reader that must
                not change the order later lookups return (the recorder) passes False.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if refresh and self.persons.n - self.n_indexed + self.moved.size > self.REBUILD_TAIL:
            self.rebuild()
        lo = self.starts[rows]
        lens = self.starts[rows + 1] - lo
        total = int(lens.sum())
        offsets = np.repeat(lo - (np.cumsum(lens) - lens), lens) + np.arange(total)
        indexed = self.order[offsets]
        if self.moved.size:
            indexed = indexed[~self.stale[indexed]]
        tail = np.arange(self.n_indexed, self.persons.n)
        if self.moved.size:
            tail = np.r_[self.moved, tail]
        if tail.size == 0:
            return indexed
        wanted = np.zeros(self.n_households, dtype=bool)
        wanted[rows] = True
        return np.concatenate([indexed, tail[wanted[self.persons.household[tail]]]])
