"""The census: where every person is at one moment, kept up to date at the choke points.

Counting residents by place by scanning all ~800,000 persons every month (masks, a gather and
a ``bincount``) was the model's leading kernel. :class:`Residence` keeps the same counts up to
date instead: every state change that can make a person start or stop being resident, move
between places or cross an age limit calls :meth:`Residence.recount` on the persons it changed
(births are picked up as new rows), and only those persons are counted again. The choke points
are the rules of demography (ageing, deaths, departures, returns) and
:class:`hdsim.population.moves.Relocation` (every move of a household); a future mechanism
that changes where people live through them stays counted.

The same recount keeps, for a reader that asks for them, residents of an age band by place
(:meth:`Residence.track_ages`) and residents by place and registration
(:meth:`Residence.track_registration`, the recorder's 人户分离 figures).

:meth:`Residence.census` turns the live counts into a :class:`Census`, the snapshot the
mechanisms read until the next one. :func:`take_census` is the full scan, kept as the
definition the incremental counts are tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdsim.state.tables import PersonTable

LABOUR_AGE = 18
"""Age from which a resident counts as working age."""
STUDENT_AGE = 23
"""Members of collective households below this age are students, not in the labour force."""


@dataclass
class Census:
    """Where every person is at one moment: taken once a month and shared by the mechanisms.

    Attributes:
        person_place: Place of every person (that of the household); a view of the person
            table's ``place`` column.
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


@dataclass
class AgeBand:
    """Residents of an age band by place, kept up to date by :class:`Residence`.

    Attributes:
        low: Youngest age in the band.
        high: Oldest age in the band.
        by_place: Residents aged ``low`` to ``high`` per place (0 for outside).
        member: Whether each person row was last counted in the band.
    """

    low: int
    high: int
    by_place: np.ndarray
    member: np.ndarray


@dataclass
class Registration:
    """Residents by place and by where they are registered, kept up to date by :class:`Residence`.

    Attributes:
        n_townships: Townships of the county (``T``).
        by_place: Residents of each place (rows; 0 for outside) by registration (columns):
            column ``t < T`` registered in township ``t`` of the county; ``T`` born in the
            county without a township of registration (or of an unknown origin); ``T + 1``
            from another county of the province; ``T + 2`` from another province.
    """

    n_townships: int
    by_place: np.ndarray

    def away_from_township(self, township: np.ndarray) -> int:
        """Residents registered in another township of the county than where they live.

        Args:
            township: Township of each place now (-1 where none).
        """
        local = self.by_place[:, : self.n_townships]
        places = np.flatnonzero(township >= 0)
        return int(local.sum() - local[places, township[places]].sum())

    def from_other_counties(self) -> int:
        """Residents from another county of the province."""
        return int(self.by_place[:, self.n_townships + 1].sum())

    def from_other_provinces(self) -> int:
        """Residents from another province."""
        return int(self.by_place[:, self.n_townships + 2].sum())


def take_census(persons: PersonTable, n_places: int, outside: int, retirement_age: int) -> Census:
    """Count where everybody lives now by scanning every person.

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
    # in-place boolean algebra: this runs over ~800,000 persons
    resident = place != outside
    resident &= persons.alive[:n]
    resident &= ~persons.away[:n]
    age = persons.age[:n]
    working = age >= LABOUR_AGE
    working &= age < retirement_age
    key = place[resident].astype(np.intp)
    key <<= 1
    key += working[resident]
    counts = np.bincount(key, minlength=2 * n_places).reshape(n_places, 2)
    labour_force = working
    labour_force &= resident
    labour_force &= ~(persons.collective[:n] & (age < STUDENT_AGE))
    return Census(
        person_place=place,
        resident=resident,
        residents_by_place=counts.sum(axis=1),
        working_by_place=counts[:, 1],
        labour_force=labour_force,
    )


class Residence:
    """Residents and working-age residents by place, kept up to date person by person.

    For every person it remembers where the person was last counted (``counted_place``, -1 when
    not resident) and whether as working age, so that counting a person again removes the old
    contribution before adding the new one: :meth:`recount` may be called on any persons, any
    number of times, and the counts stay those of a full scan.

    Attributes:
        persons: The person table it counts.
        n_places: Number of places (outside included).
        outside: Place index of "outside the county".
        retirement_age: Age at which workers leave firm jobs.
        residents_by_place: Resident persons per place now.
        working_by_place: Residents aged 18 to retirement per place now.
        seen: Person rows counted so far (rows appended later, births, are counted at the
            next census).
        registration: Residents by place and registration (:meth:`track_registration`), or
            None while nobody reads it.
    """

    def __init__(
        self, persons: PersonTable, n_places: int, outside: int, retirement_age: int
    ) -> None:
        """Count every person once (a full scan) and remember how each was counted.

        Args:
            persons: Person table.
            n_places: Number of places (outside included).
            outside: Place index of "outside the county".
            retirement_age: Age at which workers leave firm jobs.
        """
        self.persons = persons
        self.n_places = n_places
        self.outside = outside
        self.retirement_age = retirement_age
        full = take_census(persons, n_places, outside, retirement_age)
        n = persons.n
        cap = persons.capacity
        self._resident = np.zeros(cap, dtype=bool)
        self._labour_force = np.zeros(cap, dtype=bool)
        self._place = np.full(cap, -1, dtype=np.int32)
        self._working = np.zeros(cap, dtype=bool)
        self._resident[:n] = full.resident
        self._labour_force[:n] = full.labour_force
        self._place[:n] = np.where(full.resident, full.person_place, -1)
        age = persons.age[:n]
        self._working[:n] = full.resident & (age >= LABOUR_AGE) & (age < retirement_age)
        self.residents_by_place = full.residents_by_place.astype(np.int64)
        self.working_by_place = full.working_by_place.astype(np.int64)
        self.seen = n
        self.bands: list[AgeBand] = []
        self.registration: Registration | None = None

    def track_ages(self, low: int, high: int) -> AgeBand:
        """Keep the residents aged ``low`` to ``high`` by place up to date from now on.

        Counted once by a scan of the persons counted so far; afterwards every
        :meth:`recount` and every birthday at ``low`` or ``high + 1`` keeps the count, as for
        residents. Read it with :meth:`band_now`.

        Args:
            low: Youngest age in the band.
            high: Oldest age in the band.

        Returns:
            The band (its ``by_place`` is live).
        """
        n = self.seen
        age = self.persons.age[:n]
        member = np.zeros(self._place.size, dtype=bool)
        member[:n] = self._resident[:n] & (age >= low) & (age <= high)
        by_place = np.bincount(self._place[:n][member[:n]], minlength=self.n_places)
        band = AgeBand(int(low), int(high), by_place.astype(np.int64), member)
        self.bands.append(band)
        return band

    def band_now(self, band: AgeBand) -> np.ndarray:
        """Residents of ``band`` by place now, person rows appended since the census included.

        Args:
            band: A band from :meth:`track_ages`.

        Returns:
            A copy of the band's counts (equal to a scan of every person now).
        """
        self._count_appended()
        return band.by_place.copy()

    def track_registration(self, n_townships: int) -> Registration:
        """Keep the residents by place and by where they are registered up to date from now on.

        Counted once by a scan of the persons counted so far; afterwards every :meth:`recount`
        that moves a resident keeps the counts (a person's registration, ``origin`` and
        ``hukou_township``, is written when its row is appended and never changes). Read them
        with :meth:`registration_now`.

        Args:
            n_townships: Townships of the county (``Geography.n_townships``).

        Returns:
            The counts (live).
        """
        n = self.seen
        resident = self._resident[:n]
        key = self._registration_key(np.flatnonzero(resident), n_townships)
        width = n_townships + 3
        flat = self._place[:n][resident].astype(np.int64) * width + key
        counts = np.bincount(flat, minlength=self.n_places * width)
        self.registration = Registration(n_townships, counts.reshape(self.n_places, width))
        return self.registration

    def registration_now(self) -> Registration:
        """The registration counts now, person rows appended since the census included.

        Returns:
            The live counts (equal to a scan of every person now).
        """
        assert self.registration is not None, "call track_registration first"
        self._count_appended()
        return self.registration

    def _registration_key(self, rows: np.ndarray, n_townships: int) -> np.ndarray:
        """Column of :attr:`Registration.by_place` that each person of ``rows`` counts in."""
        p = self.persons
        key = p.hukou_township[rows].astype(np.int64)
        key[key < 0] = n_townships
        origin = p.origin[rows]
        if np.count_nonzero(origin):  # most moves are of persons born in the county
            key[origin != 0] = n_townships
            key[origin == 1] = n_townships + 1
            key[origin == 2] = n_townships + 2
        return key

    def _count_appended(self) -> None:
        """Count the person rows appended since the last count (births, arrivals)."""
        n = self.persons.n
        if n > self.seen:
            self.recount(np.arange(self.seen, n))
        self.seen = n

    def recount(self, rows: np.ndarray) -> None:
        """Count persons ``rows`` again after a change of place, life, absence or age.

        Every count the census keeps (residents, working age, each age band, and the
        registration counts) moves in one pair of ``bincount`` calls: each count has a block
        of bins whose first is a dump bin for "not counted" (place -1), so a person counted the
        same before and after adds to the same bin twice and cancels, with no masks of what
        changed. The counts are integers: any order of adding gives the same counts. Most
        calls are of a few hundred rows, so the fixed cost of each numpy call is what counts.

        Args:
            rows: Person rows (any order; repeated rows are counted once).
        """
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        if self.persons.capacity > self._place.size:
            self._grow()
        if rows.size > 1 and not (rows[1:] > rows[:-1]).all():
            rows = np.sort(rows)  # a row counted twice in one call would shift twice
            repeated = rows[1:] == rows[:-1]
            if np.count_nonzero(repeated):
                rows = rows[np.concatenate(([True], ~repeated))]
        p = self.persons
        place = p.place[rows]
        resident = p.alive[rows] > p.away[rows]  # alive and not away
        resident &= place != self.outside
        age = p.age[rows]
        working = age >= LABOUR_AGE
        working &= age < self.retirement_age
        working &= resident
        labour = working & ~(p.collective[rows] & (age < STUDENT_AGE))
        new_place = np.where(resident, place, -1)
        # one row of bin indices per count, before and after: residents, working age, each age
        # band, then the registration columns; bin 0 of a count's block is "not counted"
        k = self.n_places + 1
        bands = self.bands
        reg = self.registration
        n_counts = 2 + len(bands)
        n_rows = n_counts + (reg is not None)
        before = np.empty((n_rows, rows.size), dtype=np.int64)
        after = np.empty((n_rows, rows.size), dtype=np.int64)
        np.add(self._place[rows], 1, out=before[0])  # place + 1, 0 when not counted
        np.add(new_place, 1, out=after[0])
        np.multiply(before[0], self._working[rows], out=before[1])
        np.multiply(after[0], working, out=after[1])
        inside = []
        for b, band in enumerate(bands, start=2):
            now = (age >= band.low) & (age <= band.high)
            now &= resident
            np.multiply(before[0], band.member[rows], out=before[b])
            np.multiply(after[0], now, out=after[b])
            inside.append(now)
        bins = n_counts * k
        size = bins
        # the registration counts change only with the place (ageing, e.g., leaves them)
        moved = reg if reg is not None and np.count_nonzero(before[0] != after[0]) else None
        if moved is not None:  # bins (place + 1) * width + column, after the counts' blocks
            width = moved.by_place.shape[1]
            key = self._registration_key(rows, moved.n_townships) + bins
            np.multiply(before[0], width, out=before[-1])
            before[-1] += key
            np.multiply(after[0], width, out=after[-1])
            after[-1] += key
            size += k * width
        else:
            before, after = before[:n_counts], after[:n_counts]
        offset = np.arange(n_counts, dtype=np.int64)[:, None] * k
        before[:n_counts] += offset
        after[:n_counts] += offset
        delta = np.bincount(after.ravel(), minlength=size)
        delta -= np.bincount(before.ravel(), minlength=size)
        if moved is not None:
            flat = moved.by_place.reshape(-1)  # a view: the counts change in place
            flat += delta[bins + width :]
        counts = delta[:bins].reshape(n_counts, k)
        self.residents_by_place += counts[0, 1:]
        self.working_by_place += counts[1, 1:]
        for b, band in enumerate(bands, start=2):
            band.by_place += counts[b, 1:]
            band.member[rows] = inside[b - 2]
        self._place[rows] = new_place
        self._working[rows] = working
        self._resident[rows] = resident
        self._labour_force[rows] = labour

    def aged(self, rows: np.ndarray) -> None:
        """Count again those of ``rows``, who have just turned a year older, at an age limit.

        Only a person who has just reached 18, 23, the retirement age or an age band's limit
        (:meth:`track_ages`: ``low`` or ``high + 1``) changes how it is counted, so the rest
        of the month's birthdays (sorted or not) are not counted again.

        Args:
            rows: Person rows whose age has just gone up by one year.
        """
        rows = np.asarray(rows, dtype=np.int64)
        age = self.persons.age[rows]
        limit = (age == LABOUR_AGE) | (age == STUDENT_AGE) | (age == self.retirement_age)
        for band in self.bands:
            limit |= (age == band.low) | (age == band.high + 1)
        self.recount(rows[limit])

    def _grow(self) -> None:
        """Follow the person table's capacity (births append rows)."""
        cap = self.persons.capacity
        if cap > self._place.size:
            for name, fill in (
                ("_resident", False), ("_labour_force", False), ("_place", -1), ("_working", False)
            ):  # fmt: skip
                old = getattr(self, name)
                grown = np.full(cap, fill, dtype=old.dtype)
                grown[: old.size] = old
                setattr(self, name, grown)
            for band in self.bands:
                member = np.zeros(cap, dtype=bool)
                member[: band.member.size] = band.member
                band.member = member

    def census(self) -> Census:
        """The census of now: counts the rows appended since the last one, then snapshots.

        Returns:
            A :class:`Census` equal to :func:`take_census` of the current state.
        """
        self._count_appended()
        n = self.persons.n
        return Census(
            person_place=self.persons.place[:n],
            resident=self._resident[:n].copy(),
            residents_by_place=self.residents_by_place.copy(),
            working_by_place=self.working_by_place.copy(),
            labour_force=self._labour_force[:n].copy(),
        )
