"""The census: where every person is at one moment, taken once a month."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdsim.state.tables import PersonTable


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
