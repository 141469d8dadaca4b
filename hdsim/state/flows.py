"""Person flows of the current month, per place, plus county-level migration counters.

Flows are counted per place during the step, so that for every township and settlement type
``residents(t+1) = residents(t) + births - deaths + arrivals - departures`` holds exactly,
arrivals and departures including moves between places of one township.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FLOW_NAMES = ("births", "deaths", "arrivals", "departures")


@dataclass
class Flows:
    """Person flows of the current month, per place, plus county-level migration counters.

    Attributes:
        births: Births to residents, per place.
        deaths: Deaths of residents, per place.
        arrivals: Residents arriving at each place (moves, returns from outside).
        departures: Residents leaving each place (moves, leaving the county).
        migration: County-level counters (persons) by kind of move.
    """

    n_places: int
    births: np.ndarray = field(init=False)
    deaths: np.ndarray = field(init=False)
    arrivals: np.ndarray = field(init=False)
    departures: np.ndarray = field(init=False)
    migration: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Zero all counters at the start of a month."""
        for name in FLOW_NAMES:
            setattr(self, name, np.zeros(self.n_places, dtype=np.int64))
        self.migration = {
            "leave_county_individuals": 0.0,
            "leave_county_households": 0.0,
            "return_individuals": 0.0,
            "return_households": 0.0,
            "moves_to_county_city": 0.0,
            "moves_to_seats": 0.0,
            "moves_to_villages": 0.0,
            "hukou_conversions": 0.0,
            "in_migrants": 0.0,
            "housing_purchases": 0.0,
            "housing_turned_away": 0.0,
        }

    def add(self, name: str, places: np.ndarray, counts: np.ndarray | None = None) -> None:
        """Add persons to flow ``name`` at ``places`` (one entry per person, or with counts)."""
        arr = getattr(self, name)
        arr += np.bincount(places, weights=counts, minlength=self.n_places).astype(np.int64)
