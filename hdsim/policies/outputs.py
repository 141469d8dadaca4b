"""Monthly policy indicators the recorder adds to the county series.

- Spending: ``spending_<lever>`` for every lever (亿元 spent in the month, 0 when off),
  ``spending_total`` and ``budget_line_yi`` (亿元 available in the month).
- State the levers move, so that each lever's documented indicator can be read off the
  outputs: amenity, service quality and dwellings of the county city, seats and villages;
  the county city's infrastructure capacity; the commuting reach from villages to the county
  city; the effective hiring, departure and return rates; the shares of the hukou barrier and
  of land attachment removed.
- Welfare proxies: ``resident_service_quality`` and ``resident_amenity``, the mean service
  quality (school, health, elderly care) and amenity where residents live. They show what the
  village levers buy even when they lower the urbanization rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hdsim.mechanisms.townships import SERVICES

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel


def policy_indicators(model: CountyModel) -> dict[str, float]:
    """The month's spending and policy-state indicators (real persons, 亿元, indices)."""
    m = model
    geo = m.geo
    state = m.policy
    ts = m.state.services
    step = m.steps
    city = geo.county_city
    seats = geo.seats
    villages = geo.villages
    out: dict[str, float] = {}
    total = 0.0
    for name, book in state.spending.items():
        value = float(book[step]) if step < book.size else 0.0
        out[f"spending_{name}"] = value
        total += value
    out["spending_total"] = total
    line = state.budget_line
    out["budget_line_yi"] = float(line[step]) if step < line.size else 0.0

    out["county_city_amenity"] = float(ts.amenity[city])
    out["seat_amenity"] = float(ts.amenity[seats].mean())
    out["village_amenity"] = float(ts.amenity[villages].mean())
    out["county_city_health_quality"] = float(ts.quality["health"][city])
    out["county_city_elderly_care_quality"] = float(ts.quality["elderly_care"][city])
    out["seat_school_quality"] = float(ts.quality["school"][seats].mean())
    out["seat_health_quality"] = float(ts.quality["health"][seats].mean())
    out["village_health_quality"] = float(ts.quality["health"][villages].mean())
    hs = m.state.housing
    out["county_city_housing_units"] = float(hs.units[city] / m.scale)
    out["seat_housing_units"] = float(hs.units[seats].sum() / m.scale)
    out["county_city_service_capacity"] = float(
        sum(ts.capacity[s][city] for s in SERVICES) / m.scale
    )
    out["county_city_infrastructure_capacity"] = float(state.infrastructure_capacity)
    out["village_city_commute_reach"] = float(m.labour.reach[villages, city].mean())
    out["hire_efficiency"] = float(
        min(1.0, m.params.labour.hire_efficiency * state.hire_multiplier)
    )
    out["departure_rate"] = float(m.params.demography.departure_rate * state.departure_multiplier)
    out["return_rate"] = float(m.params.demography.return_rate * state.return_multiplier)
    out["services_by_residence"] = float(state.services_by_residence)
    out["land_rights_kept"] = float(state.land_rights_kept)
    out["hukou_threshold_reduction"] = float(state.threshold_reduction)

    residents = m.census.residents_by_place.astype(np.float64).copy()
    residents[geo.outside] = 0.0
    weight = residents / max(residents.sum(), 1.0)
    quality = sum(ts.quality[s] for s in SERVICES) / len(SERVICES)
    out["resident_service_quality"] = float((weight * quality).sum())
    out["resident_amenity"] = float((weight * ts.amenity).sum())
    return out
