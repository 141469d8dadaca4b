"""Moving households: the one state change that every mechanism moving people shares.

A move updates the household's and its members' place, the flows (residents leaving the old
place arrive at the new one; 'outside' counts as neither), the matrix of households by home
village, tenure (a household owns its dwelling only back home on its homestead, which it
built; elsewhere it rents until it buys, ``hdsim.mechanisms.housing``), and jobs
(a mover far from the employer, or leaving the county, loses the job).
"""

from __future__ import annotations

import numpy as np

from hdsim.state.county import CountyState
from hdsim.state.firms import release
from hdsim.state.housing import Tenure


class Relocation:
    """Moves households and keeps every table that depends on where they live in step.

    Attributes:
        state: The county state it changes.
        far_job_km: Movers living farther than this from their employer lose their job, km.
        last_by_household: Residents moved per household by the last call.
        last_persons: Residents moved in total by the last call.
    """

    def __init__(self, state: CountyState, far_job_km: float) -> None:
        """Bind the relocation to the county state.

        Args:
            state: The county state.
            far_job_km: Distance between new home and employer beyond which a job ends, km.
        """
        self.state = state
        self.far_job_km = far_job_km
        self.last_by_household = np.zeros(0, dtype=np.int64)
        self.last_persons = 0

    def move(self, rows: np.ndarray, dest: np.ndarray) -> np.ndarray:
        """Move households ``rows`` to places ``dest``.

        Args:
            rows: Household rows.
            dest: New place of each household.

        Returns:
            Residents (living members not away) moved per household.
        """
        s = self.state
        h = s.households
        p = s.persons
        rows = np.asarray(rows, dtype=np.int64)
        dest = np.asarray(dest, dtype=np.int64)
        old = h.place[rows].astype(np.int64)
        # every member and the index in rows of its household (rows move at most once each)
        everyone, owner = s.members.members_by_household(rows)
        p.place[everyone] = dest[owner]
        s.residence.recount(everyone)
        present = np.greater(p.alive[everyone], p.away[everyone])  # alive and not away
        members, idx = everyone[present], owner[present]
        per_hh = np.bincount(idx, minlength=rows.size)
        outside = s.geo.outside
        from_in = old != outside
        to_in = dest != outside
        s.flows.add("departures", old[from_in], per_hh[from_in])
        s.flows.add("arrivals", dest[to_in], per_hh[to_in])
        family = ~h.collective[rows]
        origin = h.origin[rows][family]
        np.subtract.at(s.households_by_origin, (origin, old[family]), 1)
        np.add.at(s.households_by_origin, (origin, dest[family]), 1)
        h.place[rows] = dest
        h.months_at_place[rows] = 0
        h.owner[rows] = (dest == h.origin[rows]) & h.homestead[rows]
        h.tenure[rows] = np.where(h.owner[rows], Tenure.SELF_BUILT, Tenure.RENTED)
        if members.size:
            self.drop_far_jobs(members, dest[idx])
            leaving = ~to_in[idx]
            release(p, s.firms, members[leaving])
        self.last_by_household = per_hh
        self.last_persons = int(per_hh.sum())
        return per_hh

    def drop_far_jobs(self, person_rows: np.ndarray, new_places: np.ndarray) -> None:
        """End the jobs of movers whose new home is beyond ``far_job_km`` of the firm."""
        s = self.state
        emp = s.persons.employer[person_rows]
        has = emp >= 0
        far = np.zeros(person_rows.size, dtype=bool)
        far[has] = s.geo.distance[s.firms.place[emp[has]], new_places[has]] > self.far_job_km
        release(s.persons, s.firms, person_rows[far])
