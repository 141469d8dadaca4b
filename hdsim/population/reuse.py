"""Reusing a synthesized county: the scenarios of one replicate start from the same population.

Scenarios of a replicate share its random streams on purpose (common random numbers), so
their synthesized populations are identical: building the county again for every scenario
repeats the same work (two thirds of a full-scale build). :class:`SynthesisCache` keeps the
populations it synthesized, keyed by what the synthesis depends on (the county data's
checksum, the scale and the state of the synthesis stream before it draws), and gives every
model its own copy together with the stream advanced exactly as the synthesis advances it: a
run built from the cache is the run built from scratch, bit for bit.

Drivers that run several scenarios of one replicate in one process (the main job) pass a
cache to the model; everything else synthesizes as before.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hdsim.data import CountyData
from hdsim.population.synthesis import SyntheticPopulation, synthesize
from hdsim.state.places import Geography
from hdsim.state.tables import ColumnTable

__all__ = ["SynthesisCache", "copy_table"]


def copy_table[T: ColumnTable](table: T) -> T:
    """A deep copy of a column table (every column copied, capacity kept)."""
    clone = object.__new__(type(table))
    clone.__dict__.update(table.__dict__)
    for name in table.COLUMNS:
        setattr(clone, name, table.column(name).copy())
    return clone


@dataclass(frozen=True)
class _Entry:
    population: SyntheticPopulation
    stream_after: Mapping[str, Any]


class SynthesisCache:
    """Synthesized populations of the last ``size`` distinct (data, scale, stream) keys.

    Attributes:
        size: Populations kept (the oldest is dropped first).
        hits: Populations given from the cache.
        misses: Populations synthesized.
    """

    def __init__(self, size: int = 1) -> None:
        """Keep up to ``size`` populations (one is enough for a replicate's scenarios)."""
        if size < 1:
            raise ValueError(f"a synthesis cache keeps at least one population, not {size}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def synthesize(
        self, data: CountyData, geo: Geography, scale: float, rng: np.random.Generator
    ) -> SyntheticPopulation:
        """What :func:`hdsim.population.synthesis.synthesize` returns, reused when it can be.

        Args:
            data: County data.
            geo: Places of the county (built from ``data``).
            scale: Simulated households per real household.
            rng: The synthesis stream; on return it is in the state the synthesis leaves it.

        Returns:
            A population the caller owns (a copy of the cached one).
        """
        key = json.dumps([data.checksum, float(scale), rng.bit_generator.state], default=str)
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            population = synthesize(data, geo, scale, rng)
            entry = _Entry(_copy(population), rng.bit_generator.state)
            self._entries[key] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return population
        self.hits += 1
        self._entries.move_to_end(key)
        rng.bit_generator.state = entry.stream_after
        return _copy(entry.population)


def _copy(population: SyntheticPopulation) -> SyntheticPopulation:
    return SyntheticPopulation(
        persons=copy_table(population.persons),
        households=copy_table(population.households),
        weight=population.weight,
    )
