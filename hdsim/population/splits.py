"""Forming households: persons leave theirs to found a new one, or join an existing one.

A marriage founds a household of two persons who leave their parents' households; a child of
school age and a carer, or a worker alone, split off from their household to live in town
(陪读, 两栖). :func:`split_off` creates all the new households of one step in one vectorized
operation; :func:`join` moves persons back into existing households (a carer whose child has
finished school, a worker coming home). Both keep every dependent table in step, as
:class:`hdsim.population.moves.Relocation` does for whole households:

- ``PersonTable.household`` and ``PersonTable.place`` (the invariant ``Relocation`` documents:
  a person's place is its household's place) and the member index;
- the flows: a resident whose place changes departs from the old place and arrives at the new
  one (and counts among the month's moves to the county city, seats or villages), so that
  ``residents(t+1) = residents(t) + births - deaths + arrivals - departures`` still holds for
  every place;
- the matrix of family households by home village (a new household occupies a dwelling);
- jobs: a person now living farther than ``Relocation.far_job_km`` from the employer, or
  outside the county, loses the job.

A new household keeps a link to the household it came from (``origin_household``) and says how
it formed (``formed_by``, a :class:`Formation`). It has the home village and the registration
of that household but no farmland or homestead of its own (contracted land stays with the
original household: 增人不增地), so it owns no dwelling.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from hdsim.population.moves import Relocation
from hdsim.state.firms import release
from hdsim.state.housing import Tenure
from hdsim.state.places import PlaceKind

__all__ = ["Formation", "join", "split_off"]


class Formation(IntEnum):
    """How a household came to exist (``HouseholdTable.formed_by``)."""

    CENSUS = 0
    MARRIAGE = 1
    SCHOOL = 2
    WORK = 3


def split_off(
    relocation: Relocation,
    persons: np.ndarray,
    group: np.ndarray,
    source: np.ndarray,
    place: np.ndarray,
    formation: Formation,
) -> np.ndarray:
    """Create one new household per group of persons, at a given place.

    Args:
        relocation: The relocation of the model (its state is changed; its job rule applies).
        persons: Person rows that leave their households.
        group: For each person, which new household (0..k-1) it founds or joins.
        source: For each new household, the household it splits off from (its link, home
            village and registration).
        place: For each new household, where it lives.
        formation: Why the households form (the same for all of them).

    Returns:
        The rows of the new households, in group order.

    Raises:
        ValueError: ``group`` does not number the new households 0..k-1, every one of them
            with at least one person, or the arrays disagree in length.
    """
    s = relocation.state
    h = s.households
    persons = np.asarray(persons, dtype=np.int64)
    group = np.asarray(group, dtype=np.int64)
    source = np.asarray(source, dtype=np.int64)
    place = np.asarray(place, dtype=np.int64)
    k = source.size
    if persons.size != group.size or place.size != k:
        raise ValueError(
            f"split_off: {persons.size} persons with {group.size} groups, "
            f"{k} sources with {place.size} places: give one group per person and one source "
            "and place per group"
        )
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    counts = np.bincount(group, minlength=k) if group.min() >= 0 else np.zeros(0)
    if counts.size != k or (counts == 0).any():
        raise ValueError(f"split_off: groups must number {k} non-empty households 0..{k - 1}")
    rows = h.append(k)
    new = np.arange(rows.start, rows.stop, dtype=np.int64)
    s.members.add_households(k)
    h.place[new] = place
    h.origin[new] = h.origin[source]
    h.hukou_urban[new] = h.hukou_urban[source]
    h.origin_household[new] = source
    h.formed_by[new] = int(formation)
    h.collective[new] = False
    h.farmland_mu[new] = 0.0
    h.homestead[new] = False
    h.owner[new] = False
    h.tenure[new] = Tenure.RENTED
    h.months_at_place[new] = 0
    np.add.at(s.households_by_origin, (h.origin[new].astype(np.int64), place), 1)
    _reassign(relocation, persons, new[group])
    return new


def join(relocation: Relocation, persons: np.ndarray, households: np.ndarray) -> None:
    """Move persons into existing households, to the place where those live.

    Args:
        relocation: The relocation of the model.
        persons: Person rows that change household.
        households: The household each person joins.
    """
    persons = np.asarray(persons, dtype=np.int64)
    households = np.asarray(households, dtype=np.int64)
    if persons.size != households.size:
        raise ValueError(
            f"join: {persons.size} persons and {households.size} households: give one "
            "household per person"
        )
    if persons.size:
        _reassign(relocation, persons, households)


def _reassign(relocation: Relocation, persons: np.ndarray, households: np.ndarray) -> None:
    """Write the new household and place of ``persons`` and keep flows, index and jobs in step."""
    s = relocation.state
    p = s.persons
    outside = s.geo.outside
    old = p.place[persons].astype(np.int64)
    new = s.households.place[households].astype(np.int64)
    p.household[persons] = households
    p.place[persons] = new
    s.members.reassign(persons)
    s.residence.recount(persons)
    resident = p.alive[persons] & ~p.away[persons]
    changed = resident & (old != new)
    leaving = changed & (old != outside)
    arriving = changed & (new != outside)
    s.flows.add("departures", old[leaving])
    s.flows.add("arrivals", new[arriving])
    kind = s.geo.kind[new[arriving]]
    mig = s.flows.migration
    mig["moves_to_county_city"] += float(np.count_nonzero(kind == PlaceKind.COUNTY_CITY))
    mig["moves_to_seats"] += float(np.count_nonzero(kind == PlaceKind.SEAT))
    mig["moves_to_villages"] += float(np.count_nonzero(kind == PlaceKind.VILLAGE))
    if changed.any():
        relocation.drop_far_jobs(persons[changed], new[changed])
        release(p, s.firms, persons[changed & (new == outside)])
