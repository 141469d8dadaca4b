"""Family: first marriages found households, children and workers split off to live in town.

Rules, applied every month (``family`` in :data:`hdsim.model.model.STEPS`):

- **Marital status at t0.** A person of age ``a`` and sex ``s`` has married with the
  probability ``1 - S_s(a + 1/2)``, where ``S_s`` is the never-married survival implied by the
  first-marriage hazards below (drawn once, when the mechanism is built).
- **Marriage.** A never-married resident (alive, not away, in a family household in the
  county) marries with the yearly hazard ``h_s(a) = scale_s x h(band of a)`` from the legal
  minimum age to 49 (national shape of the hazard, scaled so that the county's 2020 age
  structure reproduces its census never-married shares). Brides and grooms are drawn apart by
  their own hazards; the smaller number sets the month's marriages and a random part of the
  larger side waits (the marriage squeeze of surplus men), and the couples are paired by rank of
  age. The couple leaves both parents' households and founds a new household at the groom's
  place; a partner living alone is joined by the other instead (the couple takes over that
  household), so that no household is left empty. At most one member of a household marries in
  a month. Every married couple's household then makes its own location choice
  (:class:`hdsim.mechanisms.location.LocationChoice`: stay, the home village, the county city,
  a seat, outside; the housing stock of seats and the county city rations arrivals).
- **陪读.** A family household living in a rural village with a resident child of school age
  (``school_min_age``-``school_max_age``), a carer and at least one more resident member sends
  the child and the carer to town with the yearly probability ``school_split_rate``: to the
  county city (``school_county_city_share``) or else its township's seat, when a dwelling is
  free there. The carer is a mother (a woman 20-49) or a grandparent (50-75), weighted by
  ``school_parent_carer_share``.
- **End of 陪读.** When the youngest member of a 陪读 household is past ``school_max_age``, the
  carer (its oldest member) rejoins the household it came from, if that one still has living
  members in the county; the young person stays in town (a household split for work).
- **两栖.** A village resident aged ``work_min_age``-``work_max_age`` whose household keeps another
  resident member moves to town alone with the yearly probability ``work_split_rate`` (the
  county city with ``work_county_city_share``, else the township's seat), rationed likewise.
- A worker living alone in town stays a household of its own until it marries (the spouse
  then joins it) or moves (the location choice); it does not rejoin the household it left.

Splits and joins go through :mod:`hdsim.population.splits`, which keeps places, flows, the
member index and jobs in step.
"""

from __future__ import annotations

import numpy as np

from hdsim.config.behaviour import FamilyParams
from hdsim.mechanisms.demography import MAX_AGE, monthly
from hdsim.mechanisms.location import LocationChoice
from hdsim.mechanisms.sampling import rare_events
from hdsim.population.moves import Relocation
from hdsim.population.splits import Formation, join, split_off
from hdsim.state.county import CountyState
from hdsim.state.places import PlaceKind

CARER_AGES = (20, 49, 75)
"""A mother carer is 20-49 years old, a grandparent carer 50-75."""
SPLIT = (int(Formation.SCHOOL), int(Formation.WORK))
"""Formations that count as split households (陪读, 两栖)."""


def marriage_hazards(params: FamilyParams) -> np.ndarray:
    """Yearly first-marriage hazard by sex (0 male, 1 female) and single year of age."""
    ages = np.arange(MAX_AGE + 1)
    shape = np.select(
        [ages < 25, ages < 30, ages < 35, ages < 40, ages < 50],
        [
            params.first_marriage_hazard_under_25,
            params.first_marriage_hazard_25_29,
            params.first_marriage_hazard_30_34,
            params.first_marriage_hazard_35_39,
            params.first_marriage_hazard_40_49,
        ],
        default=0.0,
    )
    out = np.zeros((2, MAX_AGE + 1))
    sexes = (
        (params.marriage_min_age_male, params.marriage_scale_male),
        (params.marriage_min_age_female, params.marriage_scale_female),
    )
    for sex, (youngest, scale) in enumerate(sexes):
        out[sex] = np.where(ages >= youngest, np.minimum(scale * shape, 1.0), 0.0)
    return out


def never_married(hazards: np.ndarray) -> np.ndarray:
    """Share never married at the middle of each year of age, by sex, from yearly hazards."""
    start = np.cumprod(np.c_[np.ones(2), 1.0 - hazards[:, :-1]], axis=1)
    result: np.ndarray = start * np.sqrt(1.0 - hazards)
    return result


class Family:
    """Marriages, 陪读 and workers living alone in town: households that form and split.

    Attributes:
        state: The county state.
        params: Hazards and shares of the family rules.
        rng: The mechanism's own random stream.
        location: The location choice that newly married households make.
        relocation: Moves households and applies the job rule to persons who move.
        hazards: Yearly first-marriage hazard by sex and single year of age.
        counts: This month's events (real households or persons once weighted).
    """

    def __init__(
        self,
        state: CountyState,
        params: FamilyParams,
        rng: np.random.Generator,
        location: LocationChoice,
        relocation: Relocation,
    ) -> None:
        """Draw everybody's marital status at t0 from the hazards.

        Args:
            state: The county state.
            params: Family parameters.
            rng: The mechanism's own random stream.
            location: The location choice (its rule, rationing and move are reused).
            relocation: The relocation of the model.
        """
        self.state = state
        self.params = params
        self.rng = rng
        self.location = location
        self.relocation = relocation
        self.hazards = marriage_hazards(params)
        self._monthly = np.asarray(monthly(self.hazards))
        self.counts: dict[str, float] = {}
        self._reset()
        p = state.persons
        n = p.n
        ever = 1.0 - never_married(self.hazards)[p.female[:n].astype(np.intp), p.age[:n]]
        p.married[:n] = rng.random(n) < ever
        geo = state.geo
        self._rural = (geo.kind == PlaceKind.VILLAGE) & ~geo.urban

    def _reset(self) -> None:
        self.counts = {
            "marriages": 0.0,
            "households_formed": 0.0,
            "married_to_urban": 0.0,
            "school_splits": 0.0,
            "work_splits": 0.0,
            "split_rejoins": 0.0,
        }

    def step(self) -> None:
        """Apply one month of marriages, 陪读 and workers moving to town alone."""
        self._reset()
        self.location.prepare()
        self._marriages()
        self._school_ends()
        self._school_splits()
        self._work_splits()

    # -- helpers -------------------------------------------------------------------------------

    def _living(self, rows: np.ndarray, resident: bool = False) -> np.ndarray:
        """Living (or, with ``resident``, living and not away) members of households ``rows``.

        A household listed twice is counted at each of its positions: two split households
        of one origin household both see its members (a scratch array indexed by household,
        as before 2026-12-02, counted them only at the household's last position, so the
        first split saw an empty home and never rejoined it).
        """
        p = self.state.persons
        households, position = np.unique(rows, return_inverse=True)
        members, idx = self.state.members.members_by_household(households)
        keep = p.alive[members] & ~p.away[members] if resident else p.alive[members]
        return np.bincount(idx[keep], minlength=households.size)[position]

    def _town(self, rows: np.ndarray, city_share: float) -> np.ndarray:
        """A town for each household: the county city with ``city_share``, else its seat."""
        geo = self.state.geo
        here = self.state.households.place[rows].astype(np.int64)
        seat = geo.seat_of[geo.township[here]].astype(np.int64)
        return np.where(self.rng.random(rows.size) < city_share, geo.county_city, seat)

    def _home_ok(self, rows: np.ndarray) -> np.ndarray:
        """Whether each household's origin household has living members in the county."""
        h = self.state.households
        src = h.origin_household[rows].astype(np.int64)
        ok = src >= 0
        alive = np.zeros(rows.size, dtype=np.int64)
        if ok.any():
            alive[ok] = self._living(src[ok])
        return ok & (alive > 0) & (h.place[np.maximum(src, 0)] != self.state.geo.outside)

    # -- marriage ------------------------------------------------------------------------------

    def _marriages(self) -> None:
        s = self.state
        p = s.persons
        h = s.households
        outside = s.geo.outside
        q = self._monthly

        def risk(rows: np.ndarray) -> np.ndarray:
            ok = p.alive[rows] & ~p.away[rows] & ~p.married[rows] & (p.place[rows] != outside)
            ok &= ~h.collective[p.household[rows]]
            return np.where(ok, q[p.female[rows].astype(np.intp), p.age[rows]], 0.0)

        drawn = rare_events(p.n, float(q.max()), risk, self.rng)
        brides = self.rng.permutation(drawn[p.female[drawn]])
        grooms = self.rng.permutation(drawn[~p.female[drawn]])
        k = min(brides.size, grooms.size)
        if k == 0:
            return
        brides = brides[:k][np.argsort(p.age[brides[:k]], kind="stable")]
        grooms = grooms[:k][np.argsort(p.age[grooms[:k]], kind="stable")]
        hb = p.household[brides].astype(np.int64)
        hg = p.household[grooms].astype(np.int64)
        uses = np.bincount(np.r_[hb, hg], minlength=h.n)
        once = (uses[hb] == 1) & (uses[hg] == 1)
        brides, grooms, hb, hg = brides[once], grooms[once], hb[once], hg[once]
        if brides.size == 0:
            return
        p.married[brides] = True
        p.married[grooms] = True
        groom_alone = self._living(hg) == 1
        bride_alone = (self._living(hb) == 1) & ~groom_alone
        found = ~groom_alone & ~bride_alone
        m = int(found.sum())
        new = split_off(
            self.relocation,
            np.r_[grooms[found], brides[found]],
            np.r_[np.arange(m), np.arange(m)],
            hg[found],
            h.place[hg[found]].astype(np.int64),
            Formation.MARRIAGE,
        )
        join(self.relocation, brides[groom_alone], hg[groom_alone])
        join(self.relocation, grooms[bride_alone], hb[bride_alone])
        couples = np.r_[new, hg[groom_alone], hb[bride_alone]]
        h.formed_by[couples] = int(Formation.MARRIAGE)
        loc = self.location
        dest = loc.ration(couples, loc.choose(couples))
        loc.apply(couples, dest)
        self.counts["marriages"] += couples.size
        self.counts["households_formed"] += m
        self.counts["married_to_urban"] += float(s.geo.urban[h.place[couples]].sum())

    # -- 陪读 -----------------------------------------------------------------------------------

    def _school_splits(self) -> None:
        s = self.state
        par = self.params
        p = s.persons
        h = s.households
        rate = float(monthly(par.school_split_rate))
        rural = self._rural

        def risk(rows: np.ndarray) -> np.ndarray:
            ok = ~h.collective[rows] & rural[h.place[rows]]
            return rate * (ok & (h.formed_by[rows] < Formation.SCHOOL))

        rows = rare_events(h.n, rate, risk, self.rng)
        if rows.size == 0:
            return
        members = s.members.members(rows)
        members = members[p.alive[members] & ~p.away[members]]
        local = np.empty(h.n, dtype=np.int64)  # read only at the rows' members
        local[rows] = np.arange(rows.size)
        idx = local[p.household[members]]
        age = p.age[members]
        child_ok = (age >= par.school_min_age) & (age <= par.school_max_age)
        young, middle, old = CARER_AGES
        mother = p.female[members] & (age >= young) & (age <= middle)
        grand = (age > middle) & (age <= old)
        share = par.school_parent_carer_share
        carer_w = np.where(mother, share, 0.0) + np.where(grand, 1.0 - share, 0.0)
        child = self._pick(idx, child_ok.astype(np.float64), rows.size)
        carer = self._pick(idx, carer_w, rows.size)
        size = np.bincount(idx, minlength=rows.size)
        ok = (child >= 0) & (carer >= 0) & (size >= 3)
        rows, child, carer = rows[ok], members[child[ok]], members[carer[ok]]
        if rows.size == 0:
            return
        self._split(rows, np.r_[child, carer], 2, par.school_county_city_share, Formation.SCHOOL)

    def _pick(self, idx: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
        """For each of ``k`` groups, the position of one member drawn by weight (-1: none)."""
        out = np.full(k, -1, dtype=np.int64)
        if idx.size == 0:
            return out
        race = self.rng.standard_exponential(idx.size)
        key = np.full(idx.size, np.inf)
        np.divide(race, weight, out=key, where=weight > 0)
        order = np.lexsort((key, idx))
        first = np.r_[True, idx[order][1:] != idx[order][:-1]]
        best = order[first]
        chosen = np.isfinite(key[best])
        out[idx[best[chosen]]] = best[chosen]
        return out

    def _split(
        self,
        rows: np.ndarray,
        persons: np.ndarray,
        per_household: int,
        city_share: float,
        formation: Formation,
    ) -> None:
        """Split ``persons`` (grouped by household, in blocks) off ``rows`` to a town."""
        loc = self.location
        cur = self.state.households.place[rows].astype(np.int64)
        dest = loc.ration(rows, self._town(rows, city_share))
        moving = dest != cur
        if not moving.any():
            return
        group = np.tile(np.arange(rows.size), per_household)
        keep = np.tile(moving, per_household)
        renumber = np.cumsum(moving) - 1
        split_off(
            self.relocation,
            persons[keep],
            renumber[group[keep]],
            rows[moving],
            dest[moving],
            formation,
        )
        name = "school_splits" if formation == Formation.SCHOOL else "work_splits"
        self.counts[name] += int(moving.sum())

    def _school_ends(self) -> None:
        s = self.state
        p = s.persons
        h = s.households
        rows = np.flatnonzero(
            (h.formed_by[: h.n] == Formation.SCHOOL) & (h.place[: h.n] != s.geo.outside)
        )
        if rows.size == 0:
            return
        members = s.members.members(rows)
        members = members[p.alive[members]]
        local = np.empty(h.n, dtype=np.int64)  # read only at the rows' members
        local[rows] = np.arange(rows.size)
        idx = local[p.household[members]]
        age = p.age[members].astype(np.int64)
        youngest = np.full(rows.size, MAX_AGE + 1, dtype=np.int64)
        np.minimum.at(youngest, idx, age)
        done = youngest > self.params.school_max_age
        if not done.any() or members.size == 0:
            h.formed_by[rows[done]] = int(Formation.WORK)
            return
        order = np.lexsort((-age, idx))
        first = order[np.r_[True, idx[order][1:] != idx[order][:-1]]]
        oldest = np.full(rows.size, -1, dtype=np.int64)
        oldest[idx[first]] = first
        home = self._home_ok(rows) & (oldest >= 0) & done & (youngest <= MAX_AGE)
        back = rows[home]
        join(self.relocation, members[oldest[home]], h.origin_household[back].astype(np.int64))
        h.formed_by[rows[done]] = int(Formation.WORK)
        self.counts["split_rejoins"] += back.size

    # -- 两栖 -----------------------------------------------------------------------------------

    def _work_splits(self) -> None:
        s = self.state
        par = self.params
        p = s.persons
        h = s.households
        outside = s.geo.outside
        rate = float(monthly(par.work_split_rate))
        rural = self._rural

        def risk(rows: np.ndarray) -> np.ndarray:
            age = p.age[rows]
            hh = p.household[rows]
            ok = p.alive[rows] & ~p.away[rows] & (age >= par.work_min_age)
            ok &= (age <= par.work_max_age) & (p.place[rows] != outside)
            ok &= rural[p.place[rows]] & ~h.collective[hh] & (h.formed_by[hh] < Formation.SCHOOL)
            return rate * ok

        workers = rare_events(p.n, rate, risk, self.rng)
        if workers.size == 0:
            return
        hh = p.household[workers].astype(np.int64)
        _, first = np.unique(hh, return_index=True)  # one worker per household moves alone
        workers, hh = workers[first], hh[first]
        stays = self._living(hh, resident=True) >= 2
        workers, hh = workers[stays], hh[stays]
        if workers.size:
            self._split(hh, workers, 1, par.work_county_city_share, Formation.WORK)

    # -- indicators ----------------------------------------------------------------------------

    def indicators(self) -> dict[str, float]:
        """This month's family events and the stock of split households (simulated units)."""
        s = self.state
        p = s.persons
        h = s.households
        rows = np.flatnonzero(np.isin(h.formed_by[: h.n], SPLIT))
        members = s.members.members(rows, refresh=False)  # the split households' persons only
        members = members[p.alive[members] & ~p.away[members]]
        local = np.zeros(h.n, dtype=np.int64)
        local[rows] = np.arange(rows.size)
        resident = np.bincount(local[p.household[members]], minlength=rows.size)
        kind = h.formed_by[rows]
        return {
            **self.counts,
            "split_households": float((resident > 0).sum()),
            "peidu_persons": float(resident[kind == Formation.SCHOOL].sum()),
            "two_place_workers": float(resident[kind == Formation.WORK].sum()),
        }
