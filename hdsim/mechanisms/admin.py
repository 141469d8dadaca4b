"""Administrative changes when they happened: 撤乡设镇 (乡 → 镇 upgrades) and township mergers.

A county folder's ``admin_changes.csv`` dates each change of its township-level units after the
census (e.g. from the differences between the NBS code lists of 2020 and 2021).
``townships.csv`` describes the units as they stood at the census, so the model starts from the
census's classification and :class:`AdministrativeChanges` applies each change in the month of
its date, as the ``admin`` step of :data:`hdsim.model.model.STEPS`:

- ``upgrade``: the township becomes a town (镇); its seat's urban-rural code changes from 210
  (乡中心区, rural) to 121 (镇中心区, urban), so its residents count as urban from that month on,
  without anybody moving. The unit keeps the code and name of ``townships.csv`` in the model
  (the identifiers levers and outputs use); the new ones are in the change.
- ``merger``: the units merged into the township are already one row of ``townships.csv``; the
  change is recorded and changes no urban-rural code (the merged units of the data are 乡 with
  rural seats; a merger involving a 镇 must be given as an upgrade too).

A change dated before the first simulated month is already part of the census state and is
not applied again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hdsim.state.county import CountyState
from hdsim.state.places import PlaceKind
from hdsim.utils.calendar import month_number

TOWN_SEAT_CODE = 121
"""Urban-rural code of a town's seat (镇中心区)."""


@dataclass(frozen=True)
class AdminChange:
    """One dated change of a township-level unit.

    Attributes:
        month: Absolute month number of the change's date (``hdsim.utils.calendar``).
        kind: ``upgrade`` or ``merger``.
        township: Township index in the model.
        to_name_zh: Name of the unit after the change.
        date: The change's date, ISO ``YYYY-MM-DD``.
    """

    month: int
    kind: str
    township: int
    to_name_zh: str
    date: str


class AdministrativeChanges:
    """Applies the dated administrative changes of the county folder, month by month.

    Args:
        state: The county state (geography and clock).
        changes: ``admin_changes.csv`` as loaded (``CountyData.admin_changes``).

    Attributes:
        pending: Changes not applied yet, in date order.
        applied: Changes applied so far, in the order applied.
        upgraded: Number of 乡 → 镇 upgrades applied (statistical, not a policy lever).
    """

    def __init__(self, state: CountyState, changes: pd.DataFrame) -> None:
        self.state = state
        start = month_number(state.clock.start)
        self.pending: list[AdminChange] = []
        self.applied: list[AdminChange] = []
        self.upgraded = 0
        for r in changes.itertuples(index=False):
            date = pd.Timestamp(r.date)
            change = AdminChange(
                month=date.year * 12 + date.month - 1,
                kind=str(r.kind),
                township=state.geo.township_index(str(r.township_code)),
                to_name_zh=str(r.to_name_zh),
                date=date.date().isoformat(),
            )
            if change.month >= start:
                self.pending.append(change)
        self.pending.sort(key=lambda c: (c.month, c.township))

    @property
    def current_month(self) -> int:
        """Absolute number of the month the current step simulates."""
        clock = self.state.clock
        return month_number(clock.start) + max(clock.steps - 1, 0)

    def apply(self, change: AdminChange) -> None:
        """Apply one change to the geography now.

        Args:
            change: The change.
        """
        geo = self.state.geo
        t = change.township
        if change.kind == "upgrade" and not geo.township_is_town[t]:
            seat = int(geo.seat_of[t])
            if geo.kind[seat] == PlaceKind.SEAT:
                geo.reclassify(seat, TOWN_SEAT_CODE)
            geo.township_is_town[t] = True
            self.upgraded += 1
        self.applied.append(change)

    def step(self) -> None:
        """Apply every pending change dated in or before the current month."""
        now = self.current_month
        while self.pending and self.pending[0].month <= now:
            self.apply(self.pending.pop(0))
