"""The recorder: it turns the model's state each month into tidy indicator series.

Two tables come out of a run, both tidy (one value per row):

- county series: ``date, indicator, value``: resident and hukou urbanization rates, population
  by settlement type, the county city, births, deaths, migration flows (in-migrants, housing
  purchases and households turned away by the housing market included), jobs by sector,
  housing price and vacancy of the county city, reclassified villages and upgraded townships,
  marriages and split households, the mean consider rate of the family households (the base
  moving hazard times their life events' relative risks);
- township series: ``date, township_code, township, settlement, indicator, value``: residents,
  urban residents, births, deaths, arrivals and departures by township and settlement type.

The hukou urbanization rate is the official 户籍人口城镇化率: persons holding an urban
(non-agricultural or town-registered) hukou over the registered population (户籍人口, the persons
whose hukou is registered in the county, wherever they live), the indicator of
《国家新型城镇化规划（2014—2020年）》 (专栏1) that NBS bulletins publish next to the resident
rate (e.g. 2019: 44.38% against 60.60%). Residents registered in another county or province
(``PersonTable.hukou_township < 0``) are in the denominator of the resident rate only; members
away from the county are in the registered population only.

A third table splits every month's change of the urban count into its statistical part (persons
who became urban or rural because their place's code changed or their village merged: the
statistical layer, ``hdsim.mechanisms.classification``, the county city's growth and the
administrative changes) and its behavioural part (births, deaths, arrivals and departures at
urban places), by year, township and settlement type: :meth:`Recorder.rate_change_frame`.

A fourth gives the code lists themselves: the urban-rural code of every village, seat and the
county city at the census day, at each yearly cut-off and at the end, with the village it is
merged into and its residents (:meth:`Recorder.code_list_frame`), so that each village's code by
year can be read, and edited into a county folder's ``village_codes.csv``.

Flows are counted per place during the step (:class:`hdsim.state.flows.Flows`), so that for
every township and settlement type ``residents(t+1) = residents(t) + births - deaths +
arrivals - departures`` holds exactly, arrivals and departures including moves between places
of one township. All values are in real persons (simulated persons times the population weight).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hdsim.policies.outputs import policy_indicators
from hdsim.state.places import SETTLEMENT_NAMES, URBAN_CODES, PlaceKind

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel


class Recorder:
    """Collects the monthly indicators of a model into lists of tidy rows."""

    def __init__(self, model: CountyModel) -> None:
        """Prepare per-place lookups of ``model``'s geography."""
        self.model = model
        geo = model.geo
        self._settlement = geo.settlement()
        self._county_rows: list[tuple[str, str, float]] = []
        self._township_rows: list[np.ndarray] = []
        self._dates: list[str] = []
        self._urban_rows: list[np.ndarray] = []
        self._code_lists: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
        self._last_residents: np.ndarray | None = None
        # residents by place and registration, kept up to date by every recount from now on
        model.state.residence.track_registration(geo.n_townships)

    def record(self) -> None:
        """Record the indicators of the current month."""
        m = self.model
        geo = m.geo
        w = m.weight
        date = m.date_label
        census = m.take_census()
        residents = census.residents_by_place.copy()
        residents[geo.outside] = 0
        urban = geo.urban
        total = residents.sum()
        urban_total = residents[urban].sum()
        n = m.persons.n
        alive = m.persons.alive[:n]
        # 户籍人口: persons registered in the county wherever they live (away members included,
        # in-migrants registered in another county or province excluded)
        in_county = m.persons.hukou_township[:n] >= 0
        in_county &= alive
        registered = np.count_nonzero(in_county)
        in_county &= m.persons.hukou_urban[:n]  # now: registered in the county, urban hukou
        hukou_urban = np.count_nonzero(in_county)
        kind = geo.kind
        values: dict[str, float] = {
            "resident_population": total * w,
            "urban_population": urban_total * w,
            "urbanization_rate": urban_total / max(int(total), 1),
            "registered_population": registered * w,
            "hukou_urbanization_rate": hukou_urban / max(int(registered), 1),
            "county_city_population": residents[geo.county_city] * w,
            "seat_population": residents[kind == PlaceKind.SEAT].sum() * w,
            "urban_seat_population": residents[(kind == PlaceKind.SEAT) & urban].sum() * w,
            "urban_village_population": residents[(kind == PlaceKind.VILLAGE) & urban].sum() * w,
            "rural_population": (total - urban_total) * w,
            "away_persons": np.count_nonzero(alive & m.persons.away[:n]) * w,
            **self._registration(),
            "households_outside": np.count_nonzero(
                m.households.place[: m.households.n] == geo.outside
            )
            * w,
            "births": m.flows.births.sum() * w,
            "deaths": m.flows.deaths.sum() * w,
            "reclassified_villages": float(m.state.services.reclassified),
            "upgraded_townships": float(m.state.services.upgraded),
            "county_city_housing_price": float(m.state.housing.price[geo.county_city]),
            "county_city_vacancy": float(
                m.state.housing.vacancy_rate(m.state.family_households_by_place())[geo.county_city]
            ),
            "county_city_builtup_km2": float(m.state.services.builtup_km2),
            "county_city_school_quality": float(
                m.state.services.quality["school"][geo.county_city]
            ),
            "village_school_quality": float(
                np.mean(m.state.services.quality["school"][geo.villages])
            ),
            "consider_rate": m.location.mean_consider_rate(),
        }
        for key, val in m.flows.migration.items():
            values[key] = val * w
        values.update(m.labour.indicators())
        values.update({key: val * w for key, val in m.family.indicators().items()})
        values.update(policy_indicators(m))
        for key, val in values.items():
            self._county_rows.append((date, key, float(val)))
        self._dates.append(date)
        self._urban_rows.append(urban.copy())
        cutoff = m.state.clock.calendar_month == int(m.params.classification.cutoff_month)
        if not self._code_lists or (cutoff and m.steps > 0) or m.steps >= m.n_steps:
            self._code_lists.append((date, geo.code.copy(), geo.merged_into.copy(), residents))
        self._township_rows.append(
            np.stack(
                [
                    residents,
                    np.where(urban, residents, 0),
                    m.flows.births,
                    m.flows.deaths,
                    m.flows.arrivals,
                    m.flows.departures,
                ]
            )
        )

    def rate_change_frame(self) -> pd.DataFrame:
        """The change of the urban count split into its statistical and behavioural parts.

        For every month and place, with ``r`` its residents and ``u`` whether its code is urban
        at the start (0) and end (1) of the month: ``u1 r1 - u0 r0 = (u1 - u0) r0 + u1 (r1 -
        r0)``; the first term is statistical (the place's code changed under its residents,
        component ``reclassification``), the second behavioural, itself ``u1 (births - deaths
        + arrivals - departures)`` (the flows identity of every place). Summed over places the
        parts add up exactly to the month's change of the urban count.

        Returns:
            Tidy rows ``year, township_code, township, settlement, part, component, unit,
            value``: persons (real) by calendar year of the month's end, township and
            settlement type for the components ``reclassification`` (part ``statistical``) and
            ``births``, ``deaths``, ``arrivals``, ``departures`` (part ``behavioural``, signed
            as they change the urban count); plus county rows (``township_code`` ``all``,
            unit ``rate``: a change of the rate as a fraction, 0.01 = one percentage point)
            splitting the change of the urbanization rate: ``statistical`` =
            the month's reclassified persons over its end-of-month residents, ``behavioural``
            the rest of the rate's change (the flows and the change of the denominator).
        """
        m = self.model
        geo = m.geo
        w = m.weight
        cols = ["year", "township_code", "township", "settlement", "part", "component",
                "unit", "value"]  # fmt: skip
        if len(self._dates) < 2:
            return pd.DataFrame(columns=cols)
        blocks = np.stack(self._township_rows)  # month, series, place
        urban = np.stack(self._urban_rows).astype(float)
        res = blocks[:, 0, :]
        u0, u1 = urban[:-1], urban[1:]
        parts = {
            "reclassification": (u1 - u0) * res[:-1],
            "births": u1 * blocks[1:, 2, :],
            "deaths": -u1 * blocks[1:, 3, :],
            "arrivals": u1 * blocks[1:, 4, :],
            "departures": -u1 * blocks[1:, 5, :],
        }
        years = np.array([int(d[:4]) for d in self._dates[1:]])
        in_county = np.flatnonzero(geo.kind != PlaceKind.OUTSIDE)
        group = geo.township[in_county].astype(np.int64) * 4 + geo.kind[in_county]
        uniq, inv = np.unique(group, return_inverse=True)
        n = uniq.size
        code = np.asarray(geo.township_codes, dtype=object)[uniq // 4]
        town = np.asarray(geo.township_names, dtype=object)[uniq // 4]
        settlement = np.array([SETTLEMENT_NAMES[PlaceKind(k)] for k in uniq % 4], dtype=object)
        # the columns are gathered block by block and made into one frame at the end (one
        # frame per block and a concat cost 56 ms a run at 0.1x, a tenth of a run's recording)
        columns: dict[str, list[np.ndarray]] = {c: [] for c in cols}

        def block(year: int, size: int, **values: Any) -> None:
            columns["year"].append(np.full(size, year, dtype=np.int64))
            for key, val in values.items():
                columns[key].append(
                    val if isinstance(val, np.ndarray) else np.full(size, val, dtype=object)
                )

        for year in np.unique(years):
            months = years == year
            for component, values in parts.items():
                by_place = values[months][:, in_county].sum(axis=0)
                sums = np.bincount(inv, weights=by_place, minlength=n) * w
                part = "statistical" if component == "reclassification" else "behavioural"
                block(int(year), n, township_code=code, township=town, settlement=settlement,
                      part=part, component=component, unit="persons", value=sums)  # fmt: skip
        total = res.sum(axis=1)
        urban_count = (urban * res).sum(axis=1)
        rate = urban_count / np.maximum(total, 1)
        stat_points = parts["reclassification"].sum(axis=1) / np.maximum(total[1:], 1)
        change = np.diff(rate)
        for year in np.unique(years):
            months = years == year
            stat = float(stat_points[months].sum())
            for part, value in (("statistical", stat),
                                ("behavioural", float(change[months].sum()) - stat)):
                block(int(year), 1, township_code="all", township="all", settlement="all",
                      part=part, component="reclassification" if part == "statistical"
                      else "behaviour", unit="rate", value=np.array([value]))  # fmt: skip
        return pd.DataFrame({c: np.concatenate(columns[c]) for c in cols})

    def _registration(self) -> dict[str, float]:
        """Residents registered elsewhere (人户分离), as the census counts them.

        From the residents by place and registration that every recount keeps up to date
        (:meth:`hdsim.state.census.Residence.track_registration`), not a scan of every person:
        a resident of the county is away from its hukou township when it is registered in
        another township of the county than that of its place now.

        Returns:
            Residents registered in another township of the county, in another county of the
            province, and in another province (real persons).
        """
        m = self.model
        reg = m.state.residence.registration_now()
        w = m.weight
        return {
            "residents_away_from_hukou_township": float(
                reg.away_from_township(m.geo.township) * w
            ),
            "residents_from_other_counties_of_province": float(reg.from_other_counties() * w),
            "residents_from_other_provinces": float(reg.from_other_provinces() * w),
        }

    def code_list_frame(self) -> pd.DataFrame:
        """The urban-rural code of every place in each code list the run made (tidy).

        One list at the census day, one at each yearly cut-off (the end of the month
        ``classification.cutoff_month``, after that month's reclassification) and one at the
        end of the run. Columns: ``date, township_code, township, settlement, village`` (the
        1-based rank of a village among its township's villages in the model's order, as in a
        county folder's ``village_codes.csv``; 0 for a seat or the county city), ``code``,
        ``urban``, ``administrative_village`` (the rank of the village it is merged into, its
        own rank if it is an administrative village itself) and ``residents`` (real persons).
        """
        m = self.model
        geo = m.geo
        places = np.flatnonzero(geo.kind != PlaceKind.OUTSIDE)
        village = geo.kind[places] == PlaceKind.VILLAGE
        rank = geo.village_ranks()
        codes = np.asarray(geo.township_codes, dtype=object)[geo.township[places]]
        towns = np.asarray(geo.township_names, dtype=object)[geo.township[places]]
        settlement = self._settlement[places]
        frames = []
        for date, code, merged_into, residents in self._code_lists:
            frames.append(
                pd.DataFrame(
                    {
                        "date": date,
                        "township_code": codes,
                        "township": towns,
                        "settlement": settlement,
                        "village": rank[places],
                        "code": code[places].astype(np.int64),
                        "urban": np.isin(code[places], list(URBAN_CODES)),
                        "administrative_village": np.where(
                            village, rank[merged_into[places]], 0
                        ),
                        "residents": residents[places] * m.weight,
                    }
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        frame["date"] = pd.to_datetime(frame["date"])
        return frame

    def county_frame(self) -> pd.DataFrame:
        """County indicators as a tidy frame: date, indicator, value."""
        df = pd.DataFrame(self._county_rows, columns=["date", "indicator", "value"])
        df["date"] = pd.to_datetime(df["date"])
        return df

    def county_wide(self) -> pd.DataFrame:
        """County indicators with one column per indicator and one row per month."""
        return self.county_frame().pivot(index="date", columns="indicator", values="value")

    def township_frame(self) -> pd.DataFrame:
        """Township series: date, township_code, township, settlement, indicator, value.

        Places are summed by township and settlement type (village, seat, county_city).
        """
        m = self.model
        geo = m.geo
        in_county = geo.kind != PlaceKind.OUTSIDE
        tship = geo.township[in_county].astype(np.int64)
        settle = np.array([int(k) for k in geo.kind[in_county]])
        group = tship * 4 + settle
        uniq, inv = np.unique(group, return_inverse=True)
        names = ["residents", "urban_residents", "births", "deaths", "arrivals", "departures"]
        # one weighted count for all months and series: each sum adds the same places in the
        # same order as a count per month would, so the values are the same to the bit
        blocks = np.stack(self._township_rows)[:, :, in_county]
        d, k, g = blocks.shape[0], blocks.shape[1], uniq.size
        key = (np.arange(d * k)[:, None] * g + inv[None, :]).ravel()
        sums = np.bincount(key, weights=blocks.reshape(-1), minlength=d * k * g).reshape(d, k, g)
        sums = sums * m.weight
        wide = pd.DataFrame(sums.transpose(0, 2, 1).reshape(d * g, k), columns=names)
        wide["date"] = np.repeat(np.asarray(self._dates, dtype=object), g)
        wide["group"] = np.tile(uniq, d)
        codes = np.asarray(geo.township_codes, dtype=object)
        towns = np.asarray(geo.township_names, dtype=object)
        settlements = np.asarray([SETTLEMENT_NAMES[kind] for kind in PlaceKind], dtype=object)
        wide["township_code"] = codes[wide["group"].to_numpy() // 4]
        wide["township"] = towns[wide["group"].to_numpy() // 4]
        wide["settlement"] = settlements[wide["group"].to_numpy() % 4]
        tidy = wide.drop(columns="group").melt(
            id_vars=["date", "township_code", "township", "settlement"],
            var_name="indicator",
            value_name="value",
        )
        tidy["date"] = pd.to_datetime(tidy["date"])
        return tidy
