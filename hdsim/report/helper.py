"""A helper process that draws figures and makes the font subset while the report is built.

Drawing the figures (PNG and SVG, about 4 s for the main job) and subsetting the CJK font for
the HTML page (about 2 s when not cached) are the slow parts of a report, and they are
independent of each other. On a machine with two cores or more, :class:`Helper` starts one
worker process of :func:`hdsim.utils.pool.process_pool` as the build begins, so that its
imports overlap with the reading of the outputs; then the worker takes figures one at a time
from the front of the list while this process draws from the back, until none are left
(:meth:`Helper.drawer`), and makes the font subset while this process writes the Markdown,
the PDF and the workbook.

The images are the same bytes wherever a figure is drawn and whatever was drawn before it:
the worker draws inside the same ``report_rc()`` settings with the same font, and warnings it
records are re-emitted here. Which process draws which figure depends on timing, and each
process has its own history (modules imported, figures drawn, memory allocated); the layout
solver's results depended on that history in their last bits (it orders variables by memory
address), which changed a few antialiased pixels (CI: 7 pixels of ``migration.png`` by one
level, in 3 of 20 helped builds of the main job). Figures are therefore laid out by
:class:`hdsim.report.figures.SnappedLayout`, which rounds the layout to a grid of 1e-6 of the
figure; every later step of drawing is the same arithmetic on the same numbers in either
process. What remains is the chance that the solver's two results fall on either side of a
rounding boundary, about 1e-9 per coordinate. If the worker cannot start or fails,
everything is drawn here, as without a helper.
"""

from __future__ import annotations

import os
import warnings
from collections import deque
from concurrent.futures import Executor, Future
from typing import Any

from hdsim.report.document import Drawn, FigureBlock, draw_here

MIN_FIGURES = 3
"""Fewer figures than this are drawn here (a worker's start would cost more than it saves)."""


def _warm() -> None:
    """Worker initializer: import what drawing and subsetting need, register the font."""
    import fontTools.subset  # noqa: F401

    import hdsim.report.figures
    import hdsim.report.summary  # noqa: F401
    from hdsim.report.fonts import report_rc

    report_rc()


def _draw(block: FigureBlock, source: str, svg: bool, hires: bool) -> Drawn:
    """Worker task: draw one figure, with the warnings it emits recorded."""
    import matplotlib

    from hdsim.report.fonts import report_rc

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with matplotlib.rc_context(report_rc()):  # type: ignore[arg-type]
            drawn = draw_here([block], source, svg, hires)[block.key]
    drawn.warnings = tuple(str(w.message) for w in caught)
    return drawn


def _subset(text: str) -> bytes:
    """Worker task: the WOFF2 subset of ``text`` (cached as in the main process)."""
    from hdsim.report.fonts import woff2_subset

    return woff2_subset(text)


def worth_a_helper(figures: int | None = None) -> bool:
    """Whether a helper process pays: two cores or more (and enough figures, when known)."""
    if (os.cpu_count() or 1) < 2:
        return False
    return figures is None or figures >= MIN_FIGURES


class Helper:
    """One worker process drawing figures and subsetting the font beside this process."""

    def __init__(self) -> None:
        """Start the worker now, so that its imports overlap with the caller's work."""
        from hdsim.utils.pool import process_pool, start_workers

        self.pool: Executor | None = None
        self._font: Future[bytes] | None = None
        try:
            self.pool = process_pool(1, initializer=_warm)
            start_workers(self.pool, 1)
        except Exception:  # no worker: everything is done in this process
            self.pool = None

    def start_font(self, text: str) -> None:
        """Have the worker make the font subset of ``text``, after its figures.

        fontTools run before a figure changes the low digits of the SVG's clip ids.
        """
        if self.pool is not None:
            try:
                self._font = self.pool.submit(_subset, text)
            except Exception:
                self._font = None

    def font(self, text: str) -> bytes:
        """The font subset of ``text``: the worker's, or made here if it failed."""
        if self._font is not None:
            try:
                return self._font.result()
            except Exception:
                pass
        from hdsim.report.fonts import woff2_subset

        return woff2_subset(text)

    def drawer(
        self, blocks: list[FigureBlock], source: str, svg: bool, hires: bool
    ) -> dict[str, Drawn]:
        """Draw ``blocks``: the worker takes them from the front, this process from the back.

        A :data:`hdsim.report.document.Drawer`.
        """
        import time

        if self.pool is None or len(blocks) < MIN_FIGURES:
            return draw_here(blocks, source, svg, hires)
        queue = deque(blocks)
        out: dict[str, Drawn] = {}
        pending: tuple[FigureBlock, Future[Drawn]] | None = None
        while queue or pending is not None:
            if pending is not None and pending[1].done():
                block, future = pending
                pending = None
                try:
                    out[block.key] = future.result()
                except Exception:  # drawn here instead
                    out.update(draw_here([block], source, svg, hires))
            if pending is None and queue:
                block = queue.popleft()
                try:
                    pending = (block, self.pool.submit(_draw, block, source, svg, hires))
                except Exception:
                    out.update(draw_here([block], source, svg, hires))
                continue
            if queue:
                block = queue.pop()
                out.update(draw_here([block], source, svg, hires))
            elif pending is not None:
                time.sleep(0.005)
        for drawn in out.values():
            for message in drawn.warnings:
                warnings.warn(message, UserWarning, stacklevel=2)
        return out

    def close(self) -> None:
        """Stop the worker."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["MIN_FIGURES", "Helper", "worth_a_helper"]
