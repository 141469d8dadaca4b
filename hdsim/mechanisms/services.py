"""Public services: quality follows crowding, and village schools close as pupils leave.

:class:`PublicServiceQuality` changes the services part of
:class:`hdsim.state.services.ServiceState` every month:

- **Users.** A school's users are its pupils (resident children of ``pupil_age_min`` to
  ``pupil_age_max``); health and elderly care serve every resident. Seats and the county city
  are pools of their own; the villages of a township share one pool (``ServiceState.pool``).
- **Quality follows crowding, not emptiness.** With ``c`` the capacity relative to t0 and
  ``u`` the users per t0 user of the pool::

      quality = base * (min(c, crowding_cap) * min(1 / u, 1)) ** congestion + policy boost

  clipped to [0, 1]. More users than at t0 lower quality; fewer users do not raise it (a school
  does not improve because children leave); capacity that policy adds raises it up to
  ``crowding_cap``.
- **Consolidation (撤点并校).** Every September (the school year), a village school whose
  enrolment, in real pupils, is below ``school_closure_pupils`` closes for good. Its pupils
  then attend the school of their township's seat, whose users (and crowding) rise; the
  village's school quality, as families weigh it, becomes the seat school's quality times
  ``closed_school_access`` (daily commute or boarding). Quality a lever adds to a closed
  village school is not counted: levers act on the schools that exist. Schools already below
  the threshold at the census count as closed from the start (consolidation began in 2001):
  their pupils attend the seat's school at t0, so there is no closure step in 2021.

Housing and the built-up area are :mod:`hdsim.mechanisms.townships`.
"""

from __future__ import annotations

import numpy as np

from hdsim.config.behaviour import TownshipParams
from hdsim.state.county import CountyState
from hdsim.state.places import PlaceKind
from hdsim.state.services import SERVICES

__all__ = ["SCHOOL_YEAR_MONTH", "SERVICES", "PublicServiceQuality"]

SCHOOL_YEAR_MONTH = 9
"""Calendar month in which the school year starts (schools close before it)."""


class PublicServiceQuality:
    """Monthly response of service quality to users, and yearly school consolidation.

    Attributes:
        state: The county state (services, persons, the census, the clock).
        params: Township parameters (congestion, crowding cap, school ages and closure).
        villages: Places that are villages.
        seat_pool: Service pool of the seat of each place's township (where its pupils go
            when its school closes).
        pupils0: Pupils per school pool at t0 (simulated persons).
        pupils: Resident pupils by place, kept up to date by ``state.residence``.
    """

    def __init__(self, state: CountyState, params: TownshipParams) -> None:
        """Bind the mechanism to the state and count the pupils of every school at t0."""
        self.state = state
        self.params = params
        geo = state.geo
        ts = state.services
        self.villages = geo.kind == PlaceKind.VILLAGE
        seat = np.where(geo.township >= 0, geo.seat_of[np.maximum(geo.township, 0)], geo.outside)
        self.seat_pool = ts.pool[seat]
        self.pupils = state.residence.track_ages(params.pupil_age_min, params.pupil_age_max)
        pupils = self.pupils_by_place()
        self.close_small_schools(pupils)
        self.pupils0 = self.pool_pupils(pupils)
        self.update(pupils)

    # -- users ---------------------------------------------------------------------------------

    def pupils_by_place(self) -> np.ndarray:
        """Resident pupils living at each place now (simulated persons).

        Kept up to date by the residence counts (``state.residence``, an age band of
        ``pupil_age_min`` to ``pupil_age_max``) at every move, death, departure, return and
        birthday, instead of a scan of every person each month; equal to that scan
        (``tests/test_kernels.py``).
        """
        return self.state.residence.band_now(self.pupils)

    def pool_pupils(self, pupils: np.ndarray) -> np.ndarray:
        """Pupils per school pool: those of a closed village school count at their seat's."""
        ts = self.state.services
        pool = np.where(ts.school_open, ts.pool, self.seat_pool)
        return np.bincount(pool, weights=pupils, minlength=ts.n_pools)

    # -- the monthly step ----------------------------------------------------------------------

    def step(self) -> None:
        """Close small village schools in September, then update every service's quality."""
        pupils = self.pupils_by_place()
        if self.state.clock.calendar_month == SCHOOL_YEAR_MONTH:
            self.close_small_schools(pupils)
        self.update(pupils)

    def update(self, pupils: np.ndarray) -> None:
        """Set every service's quality from its users now.

        Args:
            pupils: Resident pupils by place (simulated persons).
        """
        st = self.state
        ts = st.services
        users = {
            "school": (self.pool_pupils(pupils), self.pupils0),
            "health": (ts.pool_users(st.census.residents_by_place), ts.users0),
            "elderly_care": (ts.pool_users(st.census.residents_by_place), ts.users0),
        }
        for s in SERVICES:
            now, then = users[s]
            ts.quality[s] = self.quality(s, now[ts.pool], then[ts.pool])
        closed = ~ts.school_open
        if closed.any():
            seat_quality = ts.quality["school"][st.geo.seat_of[st.geo.township[closed]]]
            ts.quality["school"][closed] = seat_quality * self.params.closed_school_access

    def quality(self, service: str, users: np.ndarray, users0: np.ndarray) -> np.ndarray:
        """Quality of ``service`` at every place given its pool's users now and at t0.

        Args:
            service: One of :data:`SERVICES`.
            users: Users of each place's pool now.
            users0: Users of each place's pool at t0.

        Returns:
            Quality by place, in [0, 1].
        """
        ts = self.state.services
        p = self.params
        cap0 = ts.capacity0[service]
        finite = np.isfinite(cap0) & (cap0 > 0)
        capacity = np.ones_like(cap0)
        capacity[finite] = ts.capacity[service][finite] / cap0[finite]
        crowding = np.where(users > users0, users0 / np.maximum(users, 1e-9), 1.0)
        ratio = np.minimum(capacity, p.crowding_cap) * crowding
        q = ts.quality_base[service] * np.minimum(ratio, p.crowding_cap) ** p.congestion
        return np.clip(q + ts.quality_boost[service], 0.0, 1.0)

    def close_small_schools(self, pupils: np.ndarray) -> np.ndarray:
        """Close the open village schools enrolling fewer real pupils than the threshold.

        Args:
            pupils: Resident pupils by place (simulated persons).

        Returns:
            Places whose school closed now.
        """
        st = self.state
        ts = st.services
        small = pupils * st.weight < self.params.school_closure_pupils
        closing = np.flatnonzero(self.villages & ts.school_open & small)
        ts.school_open[closing] = False
        return closing

    def closed_village_schools(self) -> int:
        """Village schools closed so far."""
        return int(np.count_nonzero(self.villages & ~self.state.services.school_open))
