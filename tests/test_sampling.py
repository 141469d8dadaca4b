"""Thinned Bernoulli draws (:func:`hdsim.mechanisms.sampling.rare_events`) are exact."""

from __future__ import annotations

import numpy as np
import pytest

from hdsim.mechanisms.sampling import GAP_WALK_LIMIT, bernoulli_rows, rare_events


def test_an_event_of_probability_one_fires_for_every_row():
    rng = np.random.default_rng(1)
    rows = rare_events(10_000, 1.0, lambda r: np.ones(r.size), rng)
    assert np.array_equal(rows, np.arange(10_000))


def test_the_expected_count_matches_the_sum_of_probabilities_within_a_binomial_bound():
    rng = np.random.default_rng(2)
    n = 50_000
    p = np.where(np.arange(n) % 2 == 0, 0.3, 0.05)  # half the rows at the bound, half below
    total, trials = 0, 20
    for _ in range(trials):
        rows = rare_events(n, 0.3, lambda r: p[r], rng)
        assert np.array_equal(rows, np.unique(rows))
        total += rows.size
    expected = trials * p.sum()
    sd = np.sqrt(trials * (p * (1 - p)).sum())
    assert abs(total - expected) < 4 * sd


def test_each_row_fires_with_its_own_probability():
    rng = np.random.default_rng(3)
    n, trials = 200, 2_000
    p = np.linspace(0.0, 0.5, n)
    hits = np.zeros(n)
    for _ in range(trials):
        hits[rare_events(n, 0.5, lambda r: p[r], rng)] += 1
    sd = np.sqrt(trials * p * (1 - p)) + 1e-9
    assert (np.abs(hits - trials * p) < 5 * sd + 1).all()
    assert hits[0] == 0  # a row not at risk never fires


@pytest.mark.parametrize("p", [0.001, 0.03, 0.2, GAP_WALK_LIMIT + 0.05, 0.9])
def test_bernoulli_rows_chooses_each_row_independently_with_its_probability(p):
    """Both ways of drawing (gaps below the limit, uniforms above) give Bernoulli(p) rows."""
    rng = np.random.default_rng(7)
    n, trials = 300, 4_000
    hits = np.zeros(n)
    pairs = 0  # rows 0 and 1 chosen together: p**2 if independent
    for _ in range(trials):
        rows = bernoulli_rows(n, p, rng)
        assert rows.dtype == np.int64
        assert np.array_equal(rows, np.unique(rows))  # sorted, no repeats
        assert rows.size == 0 or (rows[0] >= 0 and rows[-1] < n)
        hits[rows] += 1
        pairs += rows.size >= 2 and rows[0] == 0 and rows[1] == 1
    sd = np.sqrt(trials * p * (1 - p))
    assert (np.abs(hits - trials * p) < 5 * sd + 1).all()
    assert abs(hits.sum() - n * trials * p) < 5 * np.sqrt(n) * sd + 1
    assert abs(pairs - trials * p * p) < 5 * np.sqrt(trials * p * p) + 2


def test_bernoulli_rows_are_the_same_for_the_same_stream():
    a = bernoulli_rows(100_000, 0.01, np.random.default_rng(5))
    b = bernoulli_rows(100_000, 0.01, np.random.default_rng(5))
    assert np.array_equal(a, b)
    assert np.array_equal(bernoulli_rows(50, 1.0, np.random.default_rng(1)), np.arange(50))
