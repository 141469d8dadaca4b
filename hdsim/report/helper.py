"""A helper process that draws figures, compiles the PDF and makes the font subset.

Drawing the figures (PNG and SVG, about 4.4 s of CPU for the main job), compiling the PDF
(0.6 s) and subsetting the CJK font for the HTML page (about 2 s when not cached) are the slow
parts of a report. On a machine with two cores or more, :class:`Helper` starts one worker process
of :func:`hdsim.utils.pool.process_pool` as the build begins, so that its imports (only the
drawing modules) overlap with the reading of the outputs. Then:

- each section's figures are handed to the worker as soon as the section is built
  (:meth:`Helper.submit`): the worker draws them one at a time from the front of the queue while
  this process builds the rest of the document;
- once the document is built, this process draws the figures still queued from the back until
  none are left (:meth:`Helper.drawer`);
- the worker makes the font subset and compiles the PDF (:meth:`Helper.start_pdf`) while this
  process writes the Markdown, the workbook and the HTML page.

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
import threading
import warnings
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdsim.report.document import Drawn, FigureBlock, FigureDone, draw_here

GC_THRESHOLD = 50_000
"""Allocations between two collections of Python's youngest generation during a report build
(the default is 700), in both processes. A report allocates millions of small objects that live
on (parsed YAML, Matplotlib artists), and each collection walks the young ones again: 5–10 % of
the build's CPU time. Garbage with reference cycles is still collected, a little later."""

MIN_FIGURES = 3
"""A helper is not worth its start for fewer figures than this (:func:`worth_a_helper`)."""


def _warm() -> None:
    """Worker initializer: import what drawing needs, register the font.

    Only the modules of the drawing functions (``hdsim.report`` imports its modules when
    used): the worker is ready before the first section is built.
    """
    import gc

    import hdsim.report.figures
    import hdsim.report.summary
    import hdsim.report.townships  # noqa: F401
    from hdsim.report.fonts import report_rc

    report_rc()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])  # as in fewer_collections


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
    """Worker task: the WOFF subset of ``text`` (cached as in the main process)."""
    from hdsim.report.fonts import web_font_subset

    return web_font_subset(text)


def _compile(folder: str) -> bytes:
    """Worker task: the PDF of the Typst source in ``folder``."""
    from hdsim.report.typeset import compile_folder

    pdf = compile_folder(Path(folder))
    assert isinstance(pdf, bytes)
    return pdf


@dataclass(frozen=True)
class _Task:
    """A figure to draw with its settings (identity of the block, not its contents)."""

    block: FigureBlock = field(hash=False, compare=False)
    source: str
    svg: bool
    hires: bool
    key: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.block.key)


def worth_a_helper(figures: int | None = None) -> bool:
    """Whether a helper process pays: two cores or more (and enough figures, when known)."""
    if (os.cpu_count() or 1) < 2:
        return False
    return figures is None or figures >= MIN_FIGURES


class Helper:
    """One worker process drawing figures, compiling the PDF and subsetting the font.

    Figures are handed over as soon as their section is built (:meth:`submit`), so the worker
    draws while this process builds the rest of the document; it takes them from the front,
    one at a time (each finished figure hands it the next), and :meth:`drawer` draws the rest
    here from the back. :meth:`start_pdf` has the worker compile the PDF while this process
    writes the workbook.
    """

    def __init__(self) -> None:
        """Start the worker now, so that its imports overlap with the caller's work."""
        from hdsim.utils.pool import process_pool, start_workers

        self.pool: Executor | None = None
        self._font: Future[bytes] | None = None
        self._pdf: Future[bytes] | None = None
        self._lock = threading.Lock()
        self._queue: deque[_Task] = deque()
        self._running: dict[_Task, Future[Drawn]] = {}
        self._busy = False
        try:
            self.pool = process_pool(1, initializer=_warm)
            start_workers(self.pool, 1)
        except Exception:  # no worker: everything is done in this process
            self.pool = None

    def submit(self, blocks: list[FigureBlock], source: str, svg: bool, hires: bool) -> None:
        """Queue ``blocks`` for the worker now (drawn with these settings by :meth:`drawer`)."""
        if self.pool is None:
            return
        with self._lock:
            self._queue.extend(_Task(b, source, svg, hires) for b in blocks)
        self._feed()

    def _feed(self, _finished: Future[Drawn] | None = None) -> None:
        """Hand the worker the front figure when it has none (also its done-callback)."""
        with self._lock:
            if _finished is not None:
                self._busy = False
            if self._busy or not self._queue or self.pool is None:
                return
            task = self._queue.popleft()
            self._busy = True
        try:
            future = self.pool.submit(_draw, task.block, task.source, task.svg, task.hires)
        except Exception:  # drawn here by drawer
            with self._lock:
                self._queue.appendleft(task)
                self._busy = False
                self.pool = None
            return
        with self._lock:
            self._running[task] = future
        future.add_done_callback(self._feed)

    def _take_back(self) -> _Task | None:
        """The figure at the back of the worker's queue, taken away from it (None: empty)."""
        with self._lock:
            return self._queue.pop() if self._queue else None

    def _offload(self, task: Callable[..., bytes], *args: Any) -> Future[bytes] | None:
        """``task(*args)`` submitted to the worker (None: there is none, or it refused)."""
        if self.pool is None:
            return None
        try:
            return self.pool.submit(task, *args)
        except Exception:
            return None

    @staticmethod
    def _taken(future: Future[bytes] | None) -> bytes | None:
        """The worker's result of ``future`` (None: not offloaded, or it failed there)."""
        if future is None:
            return None
        try:
            return future.result()
        except Exception:
            return None

    def start_font(self, text: str) -> None:
        """Have the worker make the font subset of ``text``, after its figures."""
        self._font = self._offload(_subset, text)

    def font(self, text: str) -> bytes:
        """The font subset of ``text``: the worker's, or made here if it failed."""
        made = self._taken(self._font)
        if made is not None:
            return made
        from hdsim.report.fonts import web_font_subset

        return web_font_subset(text)

    def start_pdf(self, folder: Path) -> None:
        """Have the worker compile the Typst source in ``folder`` (:func:`typeset.prepare`)."""
        self._pdf = self._offload(_compile, str(folder))

    def pdf(self, folder: Path) -> bytes:
        """The PDF of ``folder``'s source: the worker's, or compiled here if it failed."""
        made = self._taken(self._pdf)
        if made is not None:
            return made
        from hdsim.report.typeset import compile_folder

        pdf = compile_folder(folder)
        assert isinstance(pdf, bytes)
        return pdf

    def drawer(
        self,
        blocks: list[FigureBlock],
        source: str,
        svg: bool,
        hires: bool,
        done: FigureDone | None = None,
    ) -> dict[str, Drawn]:
        """Draw ``blocks``: the worker takes them from the front, this process from the back.

        Blocks not yet handed over by :meth:`submit` are queued first. A
        :class:`hdsim.report.document.Drawer` (``done`` hears of a worker's figure when this
        process takes it).
        """
        if self.pool is None and not self._running:
            return draw_here(blocks, source, svg, hires, done)
        wanted = [_Task(b, source, svg, hires) for b in blocks]
        with self._lock:
            known = set(self._queue) | set(self._running)
        self.submit([t.block for t in wanted if t not in known], source, svg, hires)
        if self.pool is None:  # the worker could not be reached
            return draw_here(blocks, source, svg, hires, done)
        out: dict[str, Drawn] = {}
        while (task := self._take_back()) is not None:
            out.update(draw_here([task.block], task.source, task.svg, task.hires, done))
        for task in wanted:
            if task.block.key in out:
                continue
            future = self._running.get(task)
            try:
                if future is None:
                    raise LookupError(task.block.key)
                out[task.block.key] = future.result()
                if done is not None:
                    done(task.block.key)
            except Exception:  # drawn here instead
                out.update(draw_here([task.block], source, svg, hires, done))
        for key in [b.key for b in blocks]:
            for message in out[key].warnings:
                warnings.warn(message, UserWarning, stacklevel=2)
        return {b.key: out[b.key] for b in blocks}

    def close(self) -> None:
        """Stop the worker."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["GC_THRESHOLD", "MIN_FIGURES", "Helper", "worth_a_helper"]
