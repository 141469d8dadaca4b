"""Which persons belong to which household, without scanning all persons."""

from __future__ import annotations

import numpy as np

from hdsim.state.tables import PersonTable


def row_dtype(n: int) -> type[np.signedinteger]:
    """The narrowest integer type (int32, else int64) that holds person rows below ``n``.

    The sorted rows are the index's one array as long as the person table: stored as int32 they
    are half the bytes to move at every merge and every lookup (and stay below the 4 MB from
    which a fresh array is backed by huge pages, each zeroed on first touch).
    """
    return np.int32 if n <= np.iinfo(np.int32).max else np.int64


def stable_order(household: np.ndarray) -> np.ndarray:
    """``np.argsort(household, kind="stable")`` as ``row_dtype`` rows, by one unstable sort.

    The key ``household * 2**32 + row`` is distinct for every row and sorts as (household,
    row) does, so any sort of it gives the stable order: numpy's vectorised sort of int64 keys
    takes ~7 ms on 770,000 shuffled rows, its stable argsort (a merge sort) ~60 ms.

    Args:
        household: Household of each row (int32 or narrower; -1 allowed).

    Returns:
        The rows in the stable order.
    """
    n = household.size
    if n >= 1 << 32 or household.dtype.itemsize > 4:
        return np.argsort(household, kind="stable").astype(row_dtype(n))
    key = household.astype(np.int64)
    key <<= 32
    key |= np.arange(n, dtype=np.int64)
    key.sort()
    key &= 0xFFFFFFFF
    return key.astype(row_dtype(n))


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of an integer array by one sort (a tenth of its time on ~1,000).

    Args:
        values: Integers.

    Returns:
        The distinct values, ascending.
    """
    out = np.sort(values)
    if out.size > 1:
        distinct = out[1:] != out[:-1]
        if not distinct.all():
            out = out[np.concatenate(([True], distinct))]
    return out


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
        self.order: np.ndarray = np.zeros(0, dtype=np.int32)
        self._starts = np.zeros(n_households + 1, dtype=np.int64)
        self._n_starts = n_households + 1
        self.moved = np.zeros(0, dtype=np.int64)
        self._indexed_household = np.zeros(0, dtype=persons.household.dtype)
        self.rebuild()

    def rebuild(self) -> None:
        """Sort all current person rows by household (stable: by household, then row).

        The first index sorts every row; later ones keep the sorted rows that did not change
        household and merge the tail (sorted the same way) into them, which gives the order
        and starts a full stable sort would, in a fraction of its time (``tests/test_members.py``).
        """
        n = self.persons.n
        hh = self.persons.household[:n]
        k = self.n_households
        tail = np.arange(self.n_indexed, n)
        if self.moved.size:
            tail = np.concatenate([self.moved, tail])  # moved rows precede the appended: ascending
        fresh = (
            self.n_indexed == 0
            or self.starts.size > k + 1
            or (tail.size > 0 and (hh[tail].min() < 0 or hh[tail].max() >= k))
        )
        if fresh:
            self.order = stable_order(hh)
            self.starts = np.searchsorted(hh[self.order], np.arange(k + 1))
        elif tail.size or self.starts.size != k + 1:
            self._merge(hh, tail)
        self.n_indexed = n
        self.stale = np.zeros(n, dtype=bool)
        self.moved = np.zeros(0, dtype=np.int64)
        if self._indexed_household.size < n:  # a buffer with room for the rows appended next
            self._indexed_household = np.empty(self.persons.capacity, dtype=hh.dtype)
        self._indexed_household[:n] = hh  # where a row that moves later is found in order

    def _merge(self, hh: np.ndarray, tail: np.ndarray) -> None:
        """Merge the ``tail`` rows (ascending) into the index; drop the rows that moved.

        Every household's indexed rows are one segment of :attr:`order` (between its
        :attr:`starts`), ascending; a tail row goes into its household's segment before the
        kept rows above it. The new order is written in one pass (the kept rows gathered into
        the places the tail rows leave free: what ``np.insert(np.delete(order, gone), at,
        tail)`` gives, without its intermediate copy of every row), and the starts are the old
        ones shifted by the rows removed and added before each household (no per-household
        counts).
        """
        k = self.n_households
        order, starts = self.order, self.starts
        if starts.size < k + 1:  # households counted in without add_households: empty so far
            starts = np.r_[starts, np.full(k + 1 - starts.size, starts[-1])]
        if self.moved.size:
            gone = self._positions(self.moved, order, starts)  # of the moved rows, ascending
        else:
            gone = np.zeros(0, dtype=np.int64)
        tail = tail[np.argsort(hh[tail], kind="stable")]
        home = hh[tail].astype(np.int64)
        lo = starts[home] - np.searchsorted(gone, starts[home])
        size = starts[home + 1] - np.searchsorted(gone, starts[home + 1]) - lo
        # kept rows of the household that come before each tail row (rows ascending within);
        # a position among the kept rows is that in ``order`` plus the rows gone before it
        at = np.repeat(lo - (np.cumsum(size) - size), size) + np.arange(int(size.sum()))
        at += np.searchsorted(gone - np.arange(gone.size), at, side="right")
        below = order[at] < np.repeat(tail, size)
        before = np.bincount(np.repeat(np.arange(tail.size), size), below, tail.size)
        # where np.insert puts each tail row: its index among the kept rows plus its rank
        into = lo + before.astype(np.int64)
        into[np.argsort(into, kind="stable")] += np.arange(into.size)
        dtype = np.promote_types(order.dtype, row_dtype(hh.size))
        merged = np.empty(order.size - gone.size + tail.size, dtype=dtype)
        free = np.ones(merged.size, dtype=bool)
        free[into] = False
        keep = np.ones(order.size, dtype=bool)
        keep[gone] = False
        merged[free] = order[keep]
        merged[into] = tail
        self.order = merged
        shift = np.zeros(k + 1, dtype=np.int64)  # rows added less rows removed, by household
        np.add.at(shift, home + 1, 1)
        np.subtract.at(shift, np.searchsorted(starts, gone, side="right"), 1)
        first = int(starts[0])
        np.cumsum(shift, out=shift)  # the new starts, in place: no temporary of every start
        shift += starts[: k + 1]
        if first:
            shift -= first
        self.starts = shift

    def _positions(self, rows: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Positions in ``order`` of indexed ``rows``, ascending.

        Each row is looked for in the segment of the household it had when indexed (a few
        positions), not by a gather of every row's flag (~1.5 ms at full scale).
        """
        old = self._indexed_household[rows].astype(np.int64)
        if old.size and old.min() < 0:  # rows indexed without a household: scan
            return np.flatnonzero(self.stale[order])
        lo = starts[old]
        size = starts[old + 1] - lo
        at = np.repeat(lo - (np.cumsum(size) - size), size) + np.arange(int(size.sum()))
        return np.sort(at[order[at] == np.repeat(rows, size)])

    @property
    def starts(self) -> np.ndarray:
        """Where each household's indexed rows begin in :attr:`order` (and, last, the end).

        A view of a buffer with spare room, so that households appended between rebuilds
        (:meth:`add_households`, ~4 times a month) cost O(k), not a copy of every start.
        """
        return self._starts[: self._n_starts]

    @starts.setter
    def starts(self, value: np.ndarray) -> None:
        self._n_starts = int(value.size)
        if self._n_starts > self._starts.size or np.may_share_memory(value, self._starts):
            self._starts = np.empty(
                self._n_starts + max(1024, self._n_starts // 16), dtype=np.int64
            )
        self._starts[: self._n_starts] = value

    def reassign(self, person_rows: np.ndarray) -> None:
        """Note that persons ``person_rows`` changed household (after ``household`` is written)."""
        rows = np.asarray(person_rows, dtype=np.int64)
        rows = rows[rows < self.n_indexed]
        if rows.size == 0:
            return
        self.stale[rows] = True
        self.moved = sorted_unique(np.concatenate([self.moved, rows]))

    def add_households(self, k: int) -> None:
        """Index ``k`` households appended to the household table, empty for now.

        Their members are persons appended after them (the tail), as births are.
        """
        n = self._n_starts
        if n + k > self._starts.size:  # a buffer with room again
            grown = np.empty(n + k + max(1024, n // 16), dtype=np.int64)
            grown[:n] = self._starts[:n]
            self._starts = grown
        self._starts[n : n + k] = self._starts[n - 1]
        self._n_starts = n + k
        self.n_households += k

    def drop_households(self, k: int) -> None:
        """Forget the last ``k`` households (added since the last rebuild, holding no member).

        The caller has removed them from the household table.
        """
        if k:
            self._n_starts -= k
            self.n_households -= k

    def tail_size(self, extra: int = 0) -> int:
        """Rows a lookup scans unsorted (appended or moved since the rebuild), plus ``extra``."""
        return self.persons.n - self.n_indexed + self.moved.size + extra

    def reserve(self, k: int) -> None:
        """Rebuild now if appending ``k`` person rows would make the next lookup rebuild.

        A caller that appends rows and re-points their household afterwards (without
        :meth:`reassign`, since tail rows are not indexed) calls this first, so that no lookup
        in between sorts the new rows under their provisional household.
        """
        if self.tail_size(k) > self.REBUILD_TAIL:
            self.rebuild()

    def members(self, rows: np.ndarray, refresh: bool = True) -> np.ndarray:
        """Person rows (living or not, resident or away) of households ``rows``.

        Args:
            rows: Household rows.
            refresh: Rebuild the index first when its tail has grown long. A reader that must
                not change the order later lookups return (the recorder) passes False.
        """
        return self._lookup(np.asarray(rows, dtype=np.int64), refresh, owners=False)[0]

    def members_by_household(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The members of households ``rows`` (as :meth:`members`) and whose each one is.

        Args:
            rows: Household rows, each at most once.

        Returns:
            The person rows :meth:`members` returns, in its order, and for each the index in
            ``rows`` of its household (from the index's segments, not a gather of households).
        """
        members, owner = self._lookup(np.asarray(rows, dtype=np.int64), True, owners=True)
        assert owner is not None
        return members, owner

    def _lookup(
        self, rows: np.ndarray, refresh: bool, owners: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Members of households ``rows`` and, if ``owners``, the index in ``rows`` of each."""
        if refresh and self.tail_size() > self.REBUILD_TAIL:
            self.rebuild()
        lo = self.starts[rows]
        lens = self.starts[rows + 1] - lo
        total = int(lens.sum())
        offsets = np.repeat(lo - (np.cumsum(lens) - lens), lens) + np.arange(total)
        indexed = self.order[offsets]
        owner = np.repeat(np.arange(rows.size), lens) if owners else None
        if self.moved.size:
            current = ~self.stale[indexed]
            indexed = indexed[current]
            if owner is not None:
                owner = owner[current]
        tail = np.arange(self.n_indexed, self.persons.n)
        if self.moved.size:
            tail = np.concatenate([self.moved, tail])
        if tail.size == 0:
            return indexed.astype(np.int64), owner  # person rows as int64, as every lookup
        wanted = np.zeros(self.n_households, dtype=bool)
        wanted[rows] = True
        home = self.persons.household[tail]
        found = wanted[home]
        if owner is not None:
            local = np.empty(self.n_households, dtype=np.int64)  # read only at the rows
            local[rows] = np.arange(rows.size)
            owner = np.concatenate([owner, local[home[found]]])
        return np.concatenate([indexed, tail[found]]), owner
