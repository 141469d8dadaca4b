"""Returners' repeated logit draws, drawn in one pass, follow the law of drawing round by round."""

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


def expected_shares(weight: np.ndarray, alt: np.ndarray, max_draws: int) -> dict[int, float]:
    """Each place's probability after up to ``max_draws`` draws of one row's logit."""
    out = weight[alt == OUT].sum()
    total = weight.sum()
    stays = (out / total) ** max_draws
    shares = {OUT: stays}
    inside = total - out
    for place in np.unique(alt[alt != OUT]):
        shares[int(place)] = (1 - stays) * weight[alt == place].sum() / inside
    return shares


@pytest.mark.parametrize("stay,max_draws", [(0.9, 50), (0.95, 5), (0.7, 50), (0.99, 20)])
def test_one_pass_and_round_by_round_draws_land_as_the_repeated_logit_says(stay, max_draws):
    """Both ways give each place its probability: (1 - q**D) x its share of the county's weight."""
    state = small_state()
    rows = 20_000
    alt = np.tile(np.array([OUT, V1, CITY, SEAT, OUT]), (rows, 1))
    weight = np.tile(
        np.array([stay, 0.3, 0.5, 0.2, 0.0]) * [1, 1 - stay, 1 - stay, 1 - stay, 1], (rows, 1)
    )
    want = expected_shares(weight[0], alt[0], max_draws)
    picked, placed = location_of(state, seed=11).draw_until_in_county(alt, weight, max_draws)
    one_pass = np.where(placed, picked, OUT)
    assert np.array_equal(placed, one_pass != OUT)
    looped = round_by_round(location_of(state, seed=12), alt, weight, max_draws)
    for dest in (one_pass, looped):
        for place, share in want.items():
            seen = np.mean(dest == place)
            sd = np.sqrt(share * (1 - share) / rows)
            assert abs(seen - share) < 5 * sd + 1e-9, (place, seen, share)


def test_rows_that_can_only_stay_outside_never_leave_and_closed_places_are_never_drawn():
    state = small_state()
    rows = 4_000
    alt = np.tile(np.array([OUT, V1, CITY, SEAT, OUT]), (rows, 1))
    weight = np.tile(np.array([0.8, 0.1, 0.1, 0.1, 0.0]), (rows, 1))
    weight[: rows // 2, 1:] = 0.0  # the first half can only stay outside
    weight[rows // 2 :, 3] = 0.0  # the second half cannot choose the seat
    picked, placed = location_of(state, seed=3).draw_until_in_county(alt, weight, 50)
    assert not placed[: rows // 2].any()
    assert (picked[: rows // 2] == OUT).all()
    assert set(np.unique(picked[placed])) <= {V1, CITY}
    assert placed[rows // 2 :].mean() > 0.99  # 1 - 0.8**50 of them leave


def test_the_same_stream_gives_the_same_places():
    state = small_state()
    rng = np.random.default_rng(4)
    alt = np.tile(np.array([OUT, V1, CITY, SEAT, OUT]), (500, 1))
    weight = rng.random(alt.shape)
    a = location_of(state, seed=9).draw_until_in_county(alt, weight, 50)
    b = location_of(state, seed=9).draw_until_in_county(alt, weight, 50)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
