"""The report as a document (sections of paragraphs, tables, figures) and its HTML/Markdown forms.

Sections are built once (:mod:`hdsim.report.sections`) and written in every format from the same
:class:`Document`, so the HTML, Markdown and PDF reports say the same thing. A figure block holds
a drawing function rather than a finished image: it is drawn at its own size for PNG and SVG
files and again inside an A4 page for the PDF (:mod:`hdsim.report.typeset`).

- HTML is one self-contained file: CSS inline, figures embedded as base64 PNG, no link to any
  other file.
- Markdown references its figures as PNG files beside it (``figures/<key>.png``) and links the
  SVG version of each.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from matplotlib.figure import Figure, FigureBase

from hdsim.report.catalogue import Catalogue
from hdsim.report.figures import SnappedLayout

WHERE = ("all", "pdf", "web")
"""Where a block appears: every format, only the PDF, or only HTML and Markdown."""


@dataclass
class Paragraph:
    """A paragraph of plain text.

    Attributes:
        text: The text.
        where: ``"all"``, ``"pdf"`` (PDF only) or ``"web"`` (HTML and Markdown only).
        strong: Set in bold (the verdict of the decision summary).
    """

    text: str
    where: str = "all"
    strong: bool = False


@dataclass
class Table:
    """A table of already formatted cells.

    Attributes:
        key: Identifier (HTML ``id`` and manifest key).
        caption: Caption above the table.
        columns: Column headers.
        rows: Cell texts, one list per row.
        where: ``"all"``, ``"pdf"`` or ``"web"`` (very long tables stay in HTML and Markdown).
    """

    key: str
    caption: str
    columns: list[str]
    rows: list[list[str]]
    where: str = "all"


@dataclass
class FigureBlock:
    """A figure: a drawing function and the size it is drawn at.

    Attributes:
        key: Identifier and file stem (``figures/<key>.png``).
        caption: Caption under the figure.
        draw: Draws the figure into a (sub)figure.
        size: Width and height in inches (of the chart, without the source line).
        png: PNG bytes once rendered.
        svg: SVG bytes (text kept as text) once rendered.
    """

    key: str
    caption: str
    draw: Callable[[FigureBase], None]
    size: tuple[float, float] = (8.0, 4.5)
    png: bytes = b""
    svg: bytes = b""

    def figure(self, source: str = "") -> Figure:
        """Draw the figure at its own size, with ``source`` as a line under the chart.

        The source line is inside the image, so a pasted chart keeps its provenance.
        """
        if not source:
            fig = Figure(figsize=self.size, layout=SnappedLayout())
            self.draw(fig)
            return fig
        width, height = self.size
        fig = Figure(figsize=(width, height + SOURCE_LINE_IN), layout=SnappedLayout())
        parts: Any = fig.subfigures(2, 1, height_ratios=(height, SOURCE_LINE_IN), hspace=0)
        chart, foot = parts[0], parts[1]
        self.draw(chart)
        foot.text(0.01, 0.5, source, fontsize=6.5, color="#555", ha="left", va="center")
        return fig


SOURCE_LINE_IN = 0.22
"""Height of the source line under every figure, inches."""

HIRES_DPI = 300
"""Resolution of the optional high-resolution PNG files (``<key>@300dpi.png``)."""


Block = Paragraph | Table | FigureBlock


@dataclass
class Section:
    """A titled part of the report."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def figures(self) -> list[FigureBlock]:
        """The section's figures."""
        return [b for b in self.blocks if isinstance(b, FigureBlock)]

    def tables(self) -> list[Table]:
        """The section's tables."""
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass
class Document:
    """A whole report."""

    title: str
    subtitle: str
    meta: list[str]
    sections: list[Section]
    catalogue: Catalogue
    source: str = ""
    """Source and date line drawn inside every figure."""

    def figures(self) -> list[FigureBlock]:
        """All figures in order."""
        return [f for s in self.sections for f in s.figures()]


@dataclass
class Drawn:
    """The images of one figure.

    Attributes:
        png: PNG bytes (150 dpi).
        svg: SVG bytes, text kept as text ("" when not asked for).
        hires: 300 dpi PNG bytes ("" when not asked for).
        warnings: Messages of the warnings drawing it emitted (re-emitted by the caller when
            it was drawn in another process).
    """

    png: bytes
    svg: bytes = b""
    hires: bytes = b""
    warnings: tuple[str, ...] = ()


SVG_HASH_ID = re.compile(rb"\b([mp])([0-9a-f]{10})\b")
"""Matplotlib's hashed ids of clip paths (``p…``) and markers (``m…``) in an SVG."""


def stable_svg_ids(svg: bytes) -> bytes:
    """``svg`` with Matplotlib's hashed clip-path and marker ids numbered in order of use.

    Matplotlib names a clip rectangle by a hash of its float bounds, so bounds equal to six
    decimals but not to the last bit (the same figure drawn after other figures in another
    process) gave different ids and different files; numbered ids depend only on the drawing.
    (The bounds themselves are now rounded by :class:`hdsim.report.figures.SnappedLayout`;
    the numbering stays, so ids never depend on the bounds' last bits.)
    """
    names: dict[bytes, bytes] = {}

    def rename(match: re.Match[bytes]) -> bytes:
        key = match.group(0)
        if key not in names:
            kind = b"clip" if match.group(1) == b"p" else b"marker"
            names[key] = kind + str(len(names) + 1).encode()
        return names[key]

    return SVG_HASH_ID.sub(rename, svg)


def draw_block(block: FigureBlock, source: str, svg: bool, hires: bool) -> Drawn:
    """Draw one figure (``source`` inside the image): PNG, and optionally SVG and 300 dpi PNG.

    Call inside ``matplotlib.rc_context(report_rc())``. The constrained layout is computed
    by the first save; the later saves keep it instead of computing it again (a quarter of the
    figures' time), so all images share one layout.
    """
    import matplotlib

    fig = block.figure(source)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    fig.set_layout_engine("none")
    vector = b""
    if svg:
        out = io.BytesIO()
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": block.key}):
            fig.savefig(out, format="svg", metadata={"Date": None})
        vector = stable_svg_ids(out.getvalue())
    fine = b""
    if hires:
        big = io.BytesIO()
        fig.savefig(big, format="png", dpi=HIRES_DPI)
        fine = big.getvalue()
    return Drawn(buffer.getvalue(), vector, fine)


FigureDone = Callable[[str], None]
"""Told the key of each figure as soon as it is drawn (the report's progress)."""


class Drawer(Protocol):
    """Draws figure blocks (source line, SVG wanted, 300 dpi wanted) into images by key."""

    def __call__(
        self,
        blocks: list[FigureBlock],
        source: str,
        svg: bool,
        hires: bool,
        done: FigureDone | None = None,
    ) -> dict[str, Drawn]:
        """Draw ``blocks``, telling ``done`` each key as its figure is ready."""
        ...


def draw_here(
    blocks: list[FigureBlock], source: str, svg: bool, hires: bool, done: FigureDone | None = None
) -> dict[str, Drawn]:
    """:class:`Drawer` drawing every block in this process."""
    out = {}
    for b in blocks:
        out[b.key] = draw_block(b, source, svg, hires)
        if done is not None:
            done(b.key)
    return out


def render_figures(
    doc: Document,
    folder: Path | None,
    formats: tuple[str, ...],
    svg: bool = False,
    drawer: Drawer = draw_here,
    done: FigureDone | None = None,
) -> dict[str, list[Path]]:
    """Draw every figure (with the document's source line) to bytes and, optionally, files.

    Call inside ``matplotlib.rc_context(report_rc())``. SVG keeps its text as text
    (``svg.fonttype: none``), so labels stay editable in a drawing program.

    Args:
        doc: The document; each figure block's ``png`` (and ``svg``) is filled in.
        folder: Where to write ``<key>.png`` / ``<key>.svg`` / ``<key>@300dpi.png``, or None.
        formats: File formats to write (``"png"``, ``"svg"``, ``"hires"``).
        svg: Keep the SVG bytes even when no file is written (the PDF uses them).
        drawer: Draws the blocks (here, or shared with a helper process:
            :mod:`hdsim.report.helper`).
        done: Told each figure's key as soon as it is drawn (progress).

    Returns:
        Files written per figure key.
    """
    from hdsim.utils.io import atomic_write_bytes

    want_svg = svg or (folder is not None and "svg" in formats)
    want_hires = folder is not None and "hires" in formats
    drawn = drawer(doc.figures(), doc.source, want_svg, want_hires, done)
    written: dict[str, list[Path]] = {}
    for block in doc.figures():
        images = drawn[block.key]
        block.png, block.svg = images.png, images.svg
        written[block.key] = []
        if folder is None:
            continue
        for fmt in formats:
            if fmt == "png":
                path, payload = folder / f"{block.key}.png", images.png
            elif fmt == "svg":
                path, payload = folder / f"{block.key}.svg", images.svg
            else:
                path, payload = folder / f"{block.key}@{HIRES_DPI}dpi.png", images.hires
            atomic_write_bytes(path, payload)
            written[block.key].append(path)
    return written


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

CSS = """
body{font-family:"hdsim CJK","Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",
sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.6;color:#1d1d1f}
.tbl{max-width:100%;overflow-x:auto}
.tbl table{max-width:100%}td,th{overflow-wrap:anywhere}
td:first-child{width:6em}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;
margin-top:2.2rem}.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.85rem}
th,td{border:1px solid #d0d0d0;padding:.25rem .5rem;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;white-space:nowrap}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}
figure{margin:1rem 0}figure img{max-width:100%;height:auto}
figcaption{color:#444;font-size:.9rem}nav ol{columns:2}
details summary{cursor:pointer;color:#0b5cad}
"""


def _numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace("%", "").replace("+", "").replace("−", "-").strip()
    try:
        float(stripped.split(" ")[0])
    except ValueError:
        return False
    return True


def _html_table(table: Table, number: int, cat: Catalogue) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        cells = "".join(
            f'<td class="num">{esc(c)}</td>' if _numeric(c) else f"<td>{esc(c)}</td>" for c in row
        )
        body.append(f"<tr>{cells}</tr>")
    rows = "\n".join(body)
    caption = f"{cat('table')} {number}. {table.caption}" if table.caption else ""
    out = (
        f'<div class="tbl"><table id="{esc(table.key)}"><caption>{esc(caption)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody></table></div>"
    )
    if len(table.rows) > 60:
        out = f"<details><summary>{esc(caption)} ({len(table.rows)})</summary>\n{out}\n</details>"
    return out


def render_html(doc: Document, font: bytes | None = None) -> str:
    """The report as one self-contained HTML page (figures must be rendered first).

    Args:
        doc: The document.
        font: The WOFF subset of the page's characters (:func:`page_text`), when already
            made; made here otherwise.
    """
    esc = html.escape
    cat = doc.catalogue
    lang = "zh-CN" if cat.lang == "zh" else "en"
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(doc.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        f"<h1>{esc(doc.title)}</h1>\n<p><strong>{esc(doc.subtitle)}</strong></p>",
        "\n".join(f'<p class="meta">{esc(m)}</p>' for m in doc.meta),
        f"<nav><h2>{esc(cat('contents'))}</h2><ol>"
        + "".join(f'<li><a href="#{s.key}">{esc(s.title)}</a></li>' for s in doc.sections)
        + "</ol></nav>",
    ]
    n_table = n_fig = 0
    for section in doc.sections:
        parts.append(f'<section id="{section.key}">\n<h2>{esc(section.title)}</h2>')
        for block in section.blocks:
            if getattr(block, "where", "all") == "pdf":
                continue
            if isinstance(block, Paragraph):
                text = esc(block.text)
                parts.append(f"<p><b>{text}</b></p>" if block.strong else f"<p>{text}</p>")
            elif isinstance(block, Table):
                n_table += 1
                parts.append(_html_table(block, n_table, cat))
            else:
                n_fig += 1
                data = base64.b64encode(block.png).decode("ascii")
                parts.append(
                    f'<figure id="fig-{block.key}"><img alt="{esc(block.caption)}" '
                    f'src="data:image/png;base64,{data}">\n'
                    f"<figcaption>{esc(cat('figure'))} {n_fig}. {esc(block.caption)}</figcaption>"
                    "</figure>"
                )
        parts.append("</section>")
    parts.append("</body>\n</html>\n")
    page = "\n".join(parts)
    if font is None:
        from hdsim.report.fonts import web_font_subset

        font = web_font_subset(_visible_text(page))
    return page if not font else page.replace("<style>", f"<style>{_font_face(font)}", 1)


def _visible_text(page: str) -> str:
    """The characters an HTML page shows (tags and embedded data left out)."""
    import re

    return html.unescape(re.sub(r"<[^>]+>|data:[^\"]+", " ", page))


def page_text(doc: Document) -> str:
    """The characters the HTML page of ``doc`` shows (known before its figures are drawn)."""
    return _visible_text(render_html(doc, font=b""))


def _font_face(subset: bytes) -> str:
    """CSS ``@font-face`` embedding the WOFF subset of the CJK font with the page's glyphs."""
    from hdsim.report.fonts import WEB_FAMILY, WEB_FONT_FLAVOR, WEB_FONT_MIME

    font = base64.b64encode(subset).decode("ascii")
    return (
        f'@font-face{{font-family:"{WEB_FAMILY}";font-display:block;'
        f'src:url(data:{WEB_FONT_MIME};base64,{font}) format("{WEB_FONT_FLAVOR}")}}\n'
    )


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table, number: int, cat: Catalogue) -> str:
    lines = []
    if table.caption:
        lines.append(f"*{cat('table')} {number}. {table.caption}*\n")
    lines.append("| " + " | ".join(_md_cell(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def render_markdown(doc: Document, figure_dir: str = "figures") -> str:
    """The report as Markdown, with figures referenced as ``<figure_dir>/<key>.png``/``.svg``."""
    cat = doc.catalogue
    parts = [f"# {doc.title}", f"**{doc.subtitle}**", *[f"*{m}*" for m in doc.meta]]
    parts.append(f"## {cat('contents')}")
    parts.append(
        "\n".join(f"{i}. [{s.title}](#{s.key})" for i, s in enumerate(doc.sections, start=1))
    )
    n_table = n_fig = 0
    for section in doc.sections:
        parts.append(f'<a id="{section.key}"></a>\n\n## {section.title}')
        for block in section.blocks:
            if getattr(block, "where", "all") == "pdf":
                continue
            if isinstance(block, Paragraph):
                parts.append(f"**{block.text}**" if block.strong else block.text)
            elif isinstance(block, Table):
                n_table += 1
                parts.append(_md_table(block, n_table, cat))
            else:
                n_fig += 1
                png = f"{figure_dir}/{block.key}.png"
                svg = f"{figure_dir}/{block.key}.svg"
                parts.append(
                    f"![{block.caption}]({png})\n\n"
                    f"*{cat('figure')} {n_fig}. {block.caption}* ([{cat('svg_link')}]({svg}))"
                )
    return "\n\n".join(parts) + "\n"


__all__ = [
    "Block",
    "Document",
    "Drawer",
    "Drawn",
    "FigureBlock",
    "FigureDone",
    "Paragraph",
    "Section",
    "Table",
    "draw_block",
    "draw_here",
    "page_text",
    "render_figures",
    "render_html",
    "render_markdown",
]
