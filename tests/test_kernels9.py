"""Round 9 of the kernels: each cheaper computation gives what the one it replaced gave.

Every rewritten kernel is held equal to the formula it replaced, on the cases where the two
could part (ties, places that do not fit an int64 key, empty inputs).
"""

from __future__ import annotations

import numpy as np
import pytest

from hdsim.mechanisms.labour import KEY_BITS, order_by_place_then_key


@pytest.mark.parametrize("n_places", [1, 382, 1 << (63 - KEY_BITS), 5000])
def test_one_sort_of_the_combined_key_gives_the_lexsort_order(n_places: int) -> None:
    rng = np.random.default_rng(n_places)
    for size in (0, 1, 2, 500, 20_000):
        place = rng.integers(0, n_places, size).astype(np.intp)
        key = rng.random(size)
        expected = np.lexsort((key, place))
        assert np.array_equal(order_by_place_then_key(place, key, n_places), expected)


def test_tied_draws_keep_the_stable_lexsort_order() -> None:
    rng = np.random.default_rng(1)
    place = rng.integers(0, 4, 3000).astype(np.intp)
    key = rng.integers(0, 5, 3000) / 8.0  # many equal draws in every place
    assert np.unique(place * 8 + key * 8).size < place.size  # the case is exercised
    assert np.array_equal(order_by_place_then_key(place, key, 4), np.lexsort((key, place)))
