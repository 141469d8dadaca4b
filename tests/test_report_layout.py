"""Report figures are laid out and rendered the same whatever the process drew before them.

Matplotlib's constrained layout solves with kiwisolver, which orders variables by their memory
addresses, so the last bits of a layout used to depend on the process's allocation history
(CI: 7 pixels of ``migration.png`` differed between a build with a helper process and one
without). These tests draw one figure repeatedly in one process, with the heap disturbed in
between, and in two orders with another figure.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import partial

import kiwisolver
import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from hdsim.report import figures as fg
from hdsim.report.document import FigureBlock, draw_block
from hdsim.report.fonts import report_rc

DRAWS = 8
"""Draws of the same figure per test (3 layouts in 20 draws before the fix)."""


def _panels_block(seed: int) -> FigureBlock:
    """A small-multiples figure like the report's migration figure (six panels, two lines)."""
    rng = np.random.default_rng(seed)
    years = pd.Index(range(2021, 2026), name="year")
    panels = [
        (
            f"流动 {i}",
            pd.DataFrame(
                {"baseline": rng.uniform(1e3, 9e3, 5), "other": rng.uniform(1e3, 9e3, 5)},
                index=years,
            ),
            "人/年",
        )
        for i in range(6)
    ]
    draw = partial(
        fg.draw_panels,
        panels=panels,
        labels={"baseline": "基准", "other": "方案"},
        colours={},
        cols=3,
    )
    return FigureBlock(f"panels{seed}", "caption", draw, size=(6.0, 4.0))


def _positions(fig: Figure) -> str:
    """Every axes' position, exactly (repr of the floats)."""
    return repr([tuple(ax.get_position().bounds) for ax in fig.get_axes()])


@pytest.fixture(autouse=True)
def _report_rc() -> Iterator[None]:
    with matplotlib.rc_context(report_rc()):  # type: ignore[arg-type]
        yield


def test_layout_of_a_figure_does_not_depend_on_what_the_process_allocated_before() -> None:
    """The same figure laid out DRAWS times, with solver variables made and half of them freed
    between the draws (moving the addresses kiwisolver orders by), gets the same axes
    positions to the last bit every time (before the fix this caught 2 layouts in 8 draws in
    1 run of 3; the next test fails every time without the rounding)."""
    block = _panels_block(1)
    rng = np.random.default_rng(0)
    held: list[list[kiwisolver.Variable]] = []
    layouts = set()
    for _ in range(DRAWS):
        made = [kiwisolver.Variable() for _ in range(200)]
        held.append([v for v, keep in zip(made, rng.random(200) < 0.5, strict=True) if keep])
        del made  # the freed half leaves holes the layout's own variables fill
        fig = block.figure("source line")
        fig.savefig(io.BytesIO(), format="png", dpi=60)
        layouts.add(_positions(fig))
    assert len(layouts) == 1, f"{len(layouts)} different layouts in {DRAWS} draws"


@pytest.mark.parametrize("ulps", [1, -2, 4])
def test_layout_and_png_do_not_change_when_the_solver_moves_positions_by_a_few_ulps(
    ulps: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The solver's last-bit noise (modelled: every axes' position nudged by ``ulps`` units in
    the last place after the constrained layout, as another allocation order gives) changes
    neither the laid-out axes positions nor the PNG bytes of a figure."""
    import matplotlib.layout_engine as engine

    block = _panels_block(5)

    def draw() -> tuple[str, bytes]:
        fig = block.figure("source")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return _positions(fig), buffer.getvalue()

    exact = draw()
    solve = getattr(engine, "do_constrained_layout")  # noqa: B009  # not in the type stubs

    def noisy(fig: Figure, *args: object, **kwargs: object) -> object:
        out = solve(fig, *args, **kwargs)
        for ax in fig.get_axes():
            points = ax.get_position(original=False).get_points()
            for _ in range(abs(ulps)):
                points = np.nextafter(points, np.inf if ulps > 0 else -np.inf)
            ax._set_position(Bbox(points), which="both")  # type: ignore[attr-defined]
        return out

    monkeypatch.setattr(engine, "do_constrained_layout", noisy)
    assert draw() == exact


def test_png_bytes_do_not_depend_on_the_order_figures_are_drawn_in() -> None:
    """Two figures drawn in one process in both orders give the same PNG bytes each."""
    first, second = _panels_block(2), _panels_block(3)
    forward = {b.key: draw_block(b, "source", False, False).png for b in (first, second)}
    backward = {b.key: draw_block(b, "source", False, False).png for b in (second, first)}
    assert forward == backward


def test_snapped_layout_puts_every_position_on_the_grid() -> None:
    """After the layout, sub-figure boxes and axes positions are multiples of LAYOUT_GRID
    (the rounding that makes the layout independent of the solver's last bits)."""
    fig = _panels_block(4).figure("source line")
    fig.savefig(io.BytesIO(), format="png", dpi=60)
    values = [v for ax in fig.get_axes() for v in ax.get_position().bounds[:2]]
    values += [v for sub in fig.subfigs for v in sub.bbox_relative.get_points().ravel()]
    steps = np.asarray(values) / fg.LAYOUT_GRID
    assert np.allclose(steps, np.round(steps), rtol=0, atol=1e-6)
