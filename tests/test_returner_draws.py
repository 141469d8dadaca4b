"""Returners' repeated logit draws done in blocks equal the round-by-round draws, draw for draw."""

from __future__ import annotations

import numpy as np
import pytest
from test_mechanisms import CITY, OUT, SEAT, V1, location_of, small_state


def round_by_round(chooser, alt: np.ndarray, weight: np.ndarray, max_draws: int) -> np.ndarray:
    """The returners' loop as it was: draw the rows still outside again, one round a call."""
    dest = np.full(alt.shape[0], OUT)
    pending = np.arange(alt.shape[0])
    for _ in range(max_draws):
        if pending.size == 0:
            break
        picked = chooser.draw(alt[pending], weight[pending])
        chosen = picked != OUT
        dest[pending[chosen]] = picked[chosen]
        pending = pending[~chosen]
    return dest


@pytest.mark.parametrize(
    "rows,stay", [(1, 0.9), (7, 0.95), (40, 0.7), (40, 1.0), (3, 0.0), (900, 0.97)]
)
def test_block_draws_give_the_same_places_and_leave_the_stream_where_the_rounds_do(rows, stay):
    """Same choices, and the next number drawn after them is the same (reproducibility)."""
    state = small_state()
    rng = np.random.default_rng(rows)
    alt = np.tile(np.array([OUT, V1, CITY, SEAT, OUT]), (rows, 1))
    weight = rng.random(alt.shape) * (1.0 - stay)
    weight[:, 0] = stay  # staying outside; the last column is closed
    weight[:, -1] = 0.0
    weight[rows // 2 :, 3] = 0.0  # some rows cannot choose the seat
    old = location_of(state, seed=11)
    new = location_of(state, seed=11)
    expected = round_by_round(old, alt, weight, 50)
    picked, placed = new.draw_until_in_county(alt, weight, 50)
    np.testing.assert_array_equal(np.where(placed, picked, OUT), expected)
    np.testing.assert_array_equal(placed, expected != OUT)
    assert old.rng.random() == new.rng.random()
    if stay == 1.0:
        assert not placed.any()  # a row that can only stay outside never leaves
