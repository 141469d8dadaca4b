"""How a report build runs: the garbage collector's settings it changes are restored."""

from __future__ import annotations

import gc

from hdsim.report.build import fewer_collections
from hdsim.report.helper import GC_THRESHOLD


def test_fewer_collections_restores_the_collector_it_changes() -> None:
    """Inside a build the youngest generation is collected every GC_THRESHOLD allocations;
    afterwards the caller's thresholds are back, also when the build fails."""
    before = gc.get_threshold()
    assert before[0] != GC_THRESHOLD
    with fewer_collections():
        assert gc.get_threshold() == (GC_THRESHOLD, *before[1:])
    assert gc.get_threshold() == before
    try:
        with fewer_collections():
            raise RuntimeError("a failed build")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
