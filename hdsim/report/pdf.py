"""The report as an A4 PDF, drawn with Matplotlib only (``PdfPages``, no system packages).

Layout, deterministic so that the page count follows from the document:

- page 1: title, subtitle, meta lines and contents;
- for each section, its text (heading, paragraphs, tables) flowed over as many pages as it needs,
  tables split between pages with their header repeated;
- then each of the section's figures on a page of its own, drawn as a vector sub-figure, with
  its caption.

Text is laid out by measuring characters (CJK characters one em wide, others about half) and
wrapped or, in table cells, shortened with an ellipsis. Blocks marked ``where="web"`` (the very
long input table) are left out; ``where="pdf"`` blocks are only here.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from hdsim.report.document import Document, FigureBlock, Paragraph, Table

PAGE_W, PAGE_H = 8.27, 11.69
"""A4 in inches."""

MARGIN = 0.6
"""Page margin, inches."""

BODY_PT = 9.0
HEADING_PT = 13.0
TABLE_PT_CHOICES = (7.5, 7.0, 6.5, 6.0)
LINE = 1.45
ROW = 1.55
NARROW_EM = 0.56
"""Width of a non-CJK character in ems (Noto Sans averages a little over half an em)."""


def text_width_em(text: str) -> float:
    """Approximate width of ``text`` in ems of its font size."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else NARROW_EM for ch in text)


def wrap(text: str, width_pt: float, size_pt: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width_pt`` (whole words; CJK per character)."""
    limit = width_pt / size_pt
    lines: list[str] = []
    line, width = "", 0.0
    tokens: list[str] = []
    word = ""
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WF":
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        elif ch == " ":
            tokens.append(word + " ")
            word = ""
        else:
            word += ch
    if word:
        tokens.append(word)
    for tok in tokens:
        w = text_width_em(tok)
        if width + w > limit and line:
            lines.append(line.rstrip())
            line, width = "", 0.0
        while w > limit:  # a single token wider than the line (a long path or hash)
            cut = _cut(tok, limit)
            lines.append(tok[:cut])
            tok = tok[cut:]
            w = text_width_em(tok)
        line += tok
        width += w
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _cut(text: str, limit_em: float) -> int:
    width = 0.0
    for i, ch in enumerate(text):
        width += text_width_em(ch)
        if width > limit_em:
            return max(i, 1)
    return len(text)


def shorten(text: str, width_pt: float, size_pt: float) -> str:
    """``text`` cut with an ellipsis to fit ``width_pt``."""
    limit = width_pt / size_pt
    if text_width_em(text) <= limit:
        return text
    return text[: _cut(text, limit - 1.0)] + "…"


def fit_columns(natural: list[float], available: float) -> list[float]:
    """Column widths: natural widths, the widest capped at one common width when too wide."""
    if sum(natural) <= available:
        return natural
    lo, hi = 0.0, max(natural)
    for _ in range(40):
        cap = (lo + hi) / 2
        if sum(min(w, cap) for w in natural) > available:
            hi = cap
        else:
            lo = cap
    return [min(w, lo) for w in natural]


# --------------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------------


@dataclass
class Item:
    """One drawable thing on a text page: text at a height, or a rule."""

    kind: str  # "text" | "rule"
    y: float  # points from the top of the content area
    x: float = 0.0  # points from the left margin
    text: str = ""
    size: float = BODY_PT
    weight: str = "normal"
    align: str = "left"
    x2: float = 0.0


@dataclass
class TextPage:
    """A page of flowed text."""

    items: list[Item] = field(default_factory=list)


CONTENT_W = (PAGE_W - 2 * MARGIN) * 72
CONTENT_H = (PAGE_H - 2 * MARGIN) * 72 - 18  # room for the footer


class Flow:
    """Flows headings, paragraphs and tables onto text pages."""

    def __init__(self) -> None:
        self.pages: list[TextPage] = [TextPage()]
        self.y = 0.0

    def need(self, height: float) -> None:
        """Start a new page unless ``height`` points still fit."""
        if self.y + height > CONTENT_H and self.y > 0:
            self.pages.append(TextPage())
            self.y = 0.0

    def add(self, item: Item) -> None:
        """Put ``item`` at the current height."""
        item.y = self.y
        self.pages[-1].items.append(item)

    def heading(self, text: str, size: float = HEADING_PT) -> None:
        """A heading (the CJK font has one weight, so headings differ by size)."""
        self.need(size * 2.6)
        self.add(Item("text", 0, text=text, size=size, weight="normal"))
        self.y += size * 1.9

    def paragraph(self, text: str, size: float = BODY_PT, colour_weight: str = "normal") -> None:
        """A wrapped paragraph."""
        for line in wrap(text, CONTENT_W, size):
            self.need(size * LINE)
            self.add(Item("text", 0, text=line, size=size, weight=colour_weight))
            self.y += size * LINE
        self.y += size * 0.6

    def table(self, table: Table) -> None:
        """A table, split over pages with its header repeated."""
        cells = [table.columns, *table.rows]
        ncol = len(table.columns)
        size = TABLE_PT_CHOICES[-1]
        for size in TABLE_PT_CHOICES:
            natural = [max(text_width_em(r[c]) for r in cells) * size + 6 for c in range(ncol)]
            if sum(natural) <= CONTENT_W:
                break
        natural = [max(text_width_em(r[c]) for r in cells) * size + 6 for c in range(ncol)]
        widths = fit_columns(natural, CONTENT_W)
        lefts = [sum(widths[:c]) for c in range(ncol)]
        row_h = size * ROW
        numeric = [all(_is_number(r[c]) for r in table.rows) and table.rows for c in range(ncol)]

        def row(values: list[str], weight: str) -> None:
            for c, value in enumerate(values):
                text = shorten(value, widths[c] - 6, size)
                if numeric[c]:
                    self.add(
                        Item(
                            "text",
                            0,
                            x=lefts[c] + widths[c] - 3,
                            text=text,
                            size=size,
                            weight=weight,
                            align="right",
                        )
                    )
                else:
                    self.add(Item("text", 0, x=lefts[c] + 3, text=text, size=size, weight=weight))
            self.y += row_h

        def header() -> None:
            self.add(Item("rule", 0, x=0, x2=sum(widths)))
            self.y += 2
            row(table.columns, "normal")
            self.add(Item("rule", 0, x=0, x2=sum(widths)))
            self.y += 2

        if table.caption:
            self.need(BODY_PT * LINE + 2 * row_h + 4)
            self.add(Item("text", 0, text=table.caption, size=BODY_PT, weight="normal"))
            self.y += BODY_PT * LINE
        self.need(2 * row_h + 4)
        header()
        for values in table.rows:
            if self.y + row_h > CONTENT_H:
                self.pages.append(TextPage())
                self.y = 0.0
                header()
            row(values, "normal")
        self.add(Item("rule", 0, x=0, x2=sum(widths)))
        self.y += size * 1.5


def _is_number(text: str) -> bool:
    cleaned = text.replace(",", "").replace("%", "").replace("+", "").replace("–", "").strip()
    try:
        float(cleaned.split(" ")[0])
    except (ValueError, IndexError):
        return False
    return True


@dataclass
class Plan:
    """Pages of a PDF in order: text pages and figure pages (with their section title)."""

    pages: list[TextPage | tuple[str, FigureBlock]]

    @property
    def count(self) -> int:
        """Number of pages."""
        return len(self.pages)


def plan(doc: Document) -> Plan:
    """Lay the document out on pages (see the module docstring)."""
    cat = doc.catalogue
    cover = Flow()
    cover.heading(doc.title, size=18)
    cover.paragraph(doc.subtitle, size=11, colour_weight="normal")
    for line in doc.meta:
        cover.paragraph(line, size=8)
    cover.y += 12
    cover.heading(cat("contents"), size=12)
    for i, section in enumerate(doc.sections, start=1):
        cover.paragraph(f"{i}. {section.title}", size=10)
    pages: list[TextPage | tuple[str, FigureBlock]] = list(cover.pages)
    for i, section in enumerate(doc.sections, start=1):
        flow = Flow()
        flow.heading(f"{i}. {section.title}")
        figures = []
        for block in section.blocks:
            if getattr(block, "where", "all") == "web":
                continue
            if isinstance(block, Paragraph):
                flow.paragraph(block.text)
            elif isinstance(block, Table):
                flow.table(block)
            else:
                figures.append(block)
        pages += flow.pages
        pages += [(f"{i}. {section.title}", fig) for fig in figures]
    return Plan(pages)


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------


def _footer(page: Figure, doc: Document, number: int) -> None:
    page.text(MARGIN / PAGE_W, MARGIN / 2 / PAGE_H, doc.title, fontsize=7, color="#666")
    page.text(
        1 - MARGIN / PAGE_W,
        MARGIN / 2 / PAGE_H,
        doc.catalogue("page", page=number),
        fontsize=7,
        color="#666",
        ha="right",
    )


def _text_page(page: Figure, content: TextPage) -> None:
    top = (PAGE_H - MARGIN) * 72
    left = MARGIN * 72
    trans = page.dpi_scale_trans
    for item in content.items:
        y_in = (top - item.y) / 72
        if item.kind == "rule":
            page.add_artist(
                Line2D(
                    [(left + item.x) / 72, (left + item.x2) / 72],
                    [y_in, y_in],
                    transform=trans,
                    lw=0.5,
                    color="#888",
                )
            )
        else:
            page.text(
                (left + item.x) / 72,
                y_in,
                item.text,
                transform=trans,
                fontsize=item.size,
                fontweight=item.weight,
                ha=item.align,
                va="top",
            )


def _figure_page(page: Figure, doc: Document, title: str, block: FigureBlock, number: int) -> None:
    """A figure page: section title, the figure as a vector sub-figure, its caption."""
    width_in = PAGE_W - 2 * MARGIN
    height_in = min(block.size[1] * width_in / block.size[0], PAGE_H - 2 * MARGIN - 1.6)
    header_in = 0.5
    rest_in = PAGE_H - 2 * MARGIN - header_in - height_in
    grid = page.subfigures(
        4,
        3,
        width_ratios=[MARGIN, width_in, MARGIN],
        height_ratios=[MARGIN, header_in, height_in, rest_in + MARGIN],
        wspace=0,
        hspace=0,
    )
    header, chart, caption = grid[1, 1], grid[2, 1], grid[3, 1]
    rest_in += MARGIN
    header.text(0, 0.5, title, fontsize=HEADING_PT, va="center")
    block.draw(chart)
    label = f"{doc.catalogue('figure')} {number}. {block.caption}"
    lines = wrap(label, width_in * 72, BODY_PT)
    for k, line in enumerate(lines):
        y = 1 - (0.15 + k * BODY_PT * LINE / 72) / rest_in
        caption.text(0, y, line, fontsize=BODY_PT, va="top", color="#333")


def write_pdf(doc: Document, path: Path) -> int:
    """Write the document as a PDF at ``path`` (atomically); return its page count.

    Call inside ``matplotlib.rc_context(report_rc())``.
    """
    from hdsim.utils.io import atomic_write_bytes

    layout = plan(doc)
    buffer = io.BytesIO()
    figure_number = 0
    with PdfPages(
        buffer, metadata={"Title": doc.title, "Creator": "hdsim-report", "CreationDate": None}
    ) as pdf:
        for number, content in enumerate(layout.pages, start=1):
            if isinstance(content, TextPage):
                page = Figure(figsize=(PAGE_W, PAGE_H))
                _text_page(page, content)
            else:
                page = Figure(figsize=(PAGE_W, PAGE_H), layout="constrained")
                figure_number += 1
                title, block = content
                _figure_page(page, doc, title, block, figure_number)
            _footer(page, doc, number)
            pdf.savefig(page)
    atomic_write_bytes(path, buffer.getvalue())
    return layout.count


__all__ = ["Plan", "fit_columns", "plan", "shorten", "text_width_em", "wrap", "write_pdf"]
