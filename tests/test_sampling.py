"""Thinned Bernoulli draws (:func:`hdsim.mechanisms.sampling.rare_events`) are exact."""

from __future__ import annotations

import numpy as np

from hdsim.mechanisms.sampling import rare_events


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
