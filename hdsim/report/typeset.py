"""The report as an A4 PDF typeset by Typst, with the pip-installed Noto Sans CJK font embedded.

The :class:`~hdsim.report.document.Document` is written as Typst markup (every text as a quoted
Typst string, so no character of the data can be read as markup) and compiled by the ``typst``
Python package, which bundles the Typst compiler: no system package, no system font
(``ignore_system_fonts=True``, only the font folder of ``noto-cjk-sans-otc``). Typst breaks
lines with real glyph metrics, embeds the fonts it uses as subsets (text is selectable and
searchable), flows tables across pages with their header repeated, and keeps each figure with
its caption where the text refers to it.

Layout:

- page 1: the title line and the decision summary (section ``summary``), which is made to fit
  one page so it can be handed over alone;
- page 2: how the report was built and the contents, then the sections one after the other
  (no page is left half empty; a heading never ends a page, a figure is never split);
- figures are the SVG files of :func:`hdsim.report.document.render_figures` (text kept as text,
  set in the same embedded font), scaled to the text width;
- every page has the title and the page number in its footer.

Blocks marked ``where="web"`` are left out; ``where="pdf"`` blocks are only here.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hdsim.report.document import Document, FigureBlock, Paragraph, Section, Table
from hdsim.report.fonts import CJK_FAMILY, cjk_font_path

BODY_PT = 9.5
"""Body text size, points."""

TABLE_PT = 8.0
"""Table text size, points (the decision summary's table uses the body size)."""

MARGIN_CM = 1.8
"""Page margins, cm."""

FIGURE_WIDTH = "92%"
"""Width of a figure relative to the text width (charts are drawn 8 in wide)."""

SUMMARY_KEY = "summary"
"""Key of the section that is page 1."""


def typst_string(text: str) -> str:
    r"""``text`` as a Typst string literal (``\\``, ``"`` and control characters escaped)."""
    out = []
    for ch in str(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 32:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _number_like(text: str) -> bool:
    if text.strip() == "–":
        return True
    stripped = text.replace(",", "").replace("%", "").replace("+", "").replace("−", "-").strip()
    try:
        float(stripped.split(" ")[0].split("–")[0])
    except ValueError:
        return False
    return True


GLYPH_EM = {
    " ": 0.224, ".": 0.278, ",": 0.278, "%": 0.921, "–": 0.536, "-": 0.347,
    "+": 0.555, "−": 0.555, "(": 0.338, ")": 0.338, "/": 0.392,
    **dict.fromkeys("0123456789", 0.555),
}  # fmt: skip
"""Advance widths (em) of the characters of number cells in Noto Sans CJK SC Regular, read
from the font's ``hmtx`` table (1000 units per em) with fontTools."""

OTHER_EM = 0.6
"""Width (em) assumed for a Latin character outside :data:`GLYPH_EM` (the font's mean)."""

HEADER_LINES = 4
"""Most lines a number column's header wraps into before the column widens (lines)."""

CELL_PAD_EM = 1.0
"""Horizontal inset of a cell, both sides together (em; the table's 3 pt inset at 6-7 pt)."""


def _text_em(text: str) -> float:
    """Width of ``text`` in em: :data:`GLYPH_EM`, 1 per CJK character, else :data:`OTHER_EM`."""
    return sum(GLYPH_EM.get(ch, 1.0 if ord(ch) >= 0x2E80 else OTHER_EM) for ch in text)


def _is_range(text: str) -> bool:
    """Whether a number cell could break: a range ("41.93%–44.04%") or a list ("0% / 6%")."""
    return text.strip() != "–" and ("–" in text or " " in text.strip())


def _column_widths(table: Table, numeric: list[bool]) -> str:
    """Typst column widths: a column of number ranges exactly as wide as its widest range.

    Typst shares the page between automatic columns by their content and breaks a range
    after its dash when a column is squeezed ("42.39%–" over "44.82%"). Columns of ranges get
    a fixed width: the widest range from the font's glyph widths, or the header wrapped into
    :data:`HEADER_LINES` lines if that is wider (never narrower than a run such as
    "2028/2030/2035" in it). Every other column stays automatic, so a table without ranges is
    laid out as before. No invisible joiner is used: the PDF's text stays searchable.
    """
    cols = len(numeric)
    specs = []
    for j, is_number in enumerate(numeric):
        body = [str(r[j]) for r in table.rows if j < len(r)]
        if is_number and any(_is_range(c) for c in body):
            number = max(_text_em(c) for c in body)
            title = str(table.columns[j])
            # a header wraps between CJK characters, never inside a run such as "2028/2030"
            runs = re.findall(r"[\x21-\x7e]+", title)
            header = max([_text_em(title) / HEADER_LINES, *(_text_em(r) for r in runs)])
            specs.append(f"{max(number, header) + CELL_PAD_EM:.1f}em")
        else:
            specs.append("auto")
    if all(spec == "auto" for spec in specs):
        return str(cols)
    return "(" + ", ".join(specs) + ")"


def _table(table: Table, number: int, doc: Document, size: float) -> str:
    cat = doc.catalogue
    cols = len(table.columns)
    numeric = [
        all(_number_like(r[j]) for r in table.rows if j < len(r) and r[j]) and bool(table.rows)
        for j in range(cols)
    ]
    align = ", ".join("right" if n else "left" for n in numeric)
    head = ", ".join(f"[*#{typst_string(c)}*]" for c in table.columns)
    body = ",\n    ".join(
        ", ".join(
            f"[#{typst_string(c)}]"
            for j, c in enumerate((list(row) + [""] * cols)[:cols])
        )
        for row in table.rows
    )
    widths = _column_widths(table, numeric)
    caption = f"{cat('table')} {number}. {table.caption}" if table.caption else ""
    out = []
    if caption:
        out.append(f"#block(sticky: true)[#strong({typst_string(caption)})]")
    out.append(
        f"#block(width: 100%)[#set text(size: {size}pt)\n"
        f"#table(columns: {widths}, align: ({align},), stroke: 0.4pt + luma(190),\n"
        f"  inset: (x: 3pt, y: 2.2pt), fill: (_, y) => if y == 0 {{ luma(236) }},\n"
        f"  table.header({head}),\n    {body}{',' if body else ''}\n)]"
    )
    return "\n".join(out)


def _figure(block: FigureBlock, number: int, doc: Document, folder: Path, height: str) -> str:
    name = f"{block.key}.svg"
    (folder / name).write_bytes(block.svg)
    caption = f"{doc.catalogue('figure')} {number}. {block.caption}"
    size = f'width: 100%, height: {height}, fit: "contain"' if height else f"width: {FIGURE_WIDTH}"
    return (
        f"#figure(image({typst_string(name)}, {size}), "
        f"caption: [#{typst_string(caption)}], supplement: none, numbering: none)"
    )


def _blocks(
    section: Section, doc: Document, counters: list[int], folder: Path, summary: bool
) -> list[str]:
    out = []
    for block in section.blocks:
        if getattr(block, "where", "all") == "web":
            continue
        if isinstance(block, Paragraph):
            text = typst_string(block.text)
            out.append(f"#strong({text})" if block.strong else f"#par[#{text}]")
        elif isinstance(block, Table):
            counters[0] += 1
            out.append(_table(block, counters[0], doc, BODY_PT - 0.5 if summary else TABLE_PT))
        else:
            counters[1] += 1
            out.append(_figure(block, counters[1], doc, folder, "7.2cm" if summary else ""))
    return out


def markup(doc: Document, folder: Path) -> str:
    """The Typst source of ``doc``; figure SVGs are written into ``folder`` beside it."""
    cat = doc.catalogue
    lang = "zh" if cat.lang == "zh" else "en"
    title = typst_string(doc.title)
    parts = [
        f'#set document(title: {title}, author: "hdsim-report")',
        f'#set page(paper: "a4", margin: {MARGIN_CM}cm, footer: context [#set text(size: 7pt, '
        f"fill: luma(110))\n#{title} #h(1fr) #counter(page).display()])",
        f'#set text(font: ("{CJK_FAMILY}",), size: {BODY_PT}pt, lang: "{lang}")',
        "#set par(leading: 0.62em, spacing: 0.9em, justify: false)",
        "#set heading(numbering: none)",
        "#show heading.where(level: 1): set text(size: 13pt)",
        "#show heading.where(level: 2): set text(size: 11pt)",
        "#show figure.caption: set text(size: 8pt, fill: luma(60))",
        "#show figure: set block(breakable: false)",
        "#set table(stroke: 0.4pt + luma(190))",
    ]
    counters = [0, 0]
    sections = list(doc.sections)
    summary = next((s for s in sections if s.key == SUMMARY_KEY), None)
    rest = [s for s in sections if s is not summary]
    parts.append(f"#text(size: 15pt, weight: \"bold\")[#{title}]\\")
    parts.append(f"#text(size: 8.5pt, fill: luma(80))[#{typst_string(doc.subtitle)}]")
    if summary is not None:
        parts.append(f"= #{typst_string(summary.title)}")
        parts += _blocks(summary, doc, counters, folder, summary=True)
        parts.append("#pagebreak()")
    parts += [f"#text(size: 7.5pt, fill: luma(90))[#{typst_string(m)}]\\" for m in doc.meta]
    parts.append(f"== #{typst_string(cat('contents'))}")
    parts.append(
        "#enum(tight: true, "
        + ", ".join(f"[#{typst_string(s.title)}]" for s in rest)
        + ")"
    )
    for i, section in enumerate(rest, start=1):
        parts.append(f"= #{typst_string(f'{i}. {section.title}')}")
        parts += _blocks(section, doc, counters, folder, summary=False)
    return "\n\n".join(p for p in parts if p) + "\n"


PAGE_PATTERN = re.compile(rb"/Type\s*/Page(?![s\w])")
"""A page object in the PDF (``/Type /Page``, not ``/Pages``)."""


def page_count(pdf: bytes) -> int:
    """Number of pages of a PDF written by Typst."""
    return len(PAGE_PATTERN.findall(pdf))


SOURCE_FILE = "report.typ"
"""Name of the Typst source inside the folder :func:`prepare` writes."""


def prepare(doc: Document, folder: Path) -> Path:
    """Write the Typst source of ``doc`` and its figure SVGs into ``folder``; return the source.

    The figures must have been rendered, with SVG.
    """
    source = folder / SOURCE_FILE
    source.write_text(markup(doc, folder), encoding="utf-8")
    return source


def compile_folder(
    folder: Path, fmt: str = "pdf", ppi: float | None = None
) -> bytes | list[bytes]:
    """Compile the source :func:`prepare` wrote into ``folder`` (in any process).

    Args:
        folder: Folder holding ``report.typ`` and its figures.
        fmt: ``"pdf"``, or ``"png"`` for page images (one PNG per page, for previews).
        ppi: Resolution of page images.
    """
    import typst

    result = typst.compile(
        str(folder / SOURCE_FILE),
        root=str(folder),
        font_paths=[str(cjk_font_path().parent)],
        ignore_system_fonts=True,
        format="png" if fmt == "png" else "pdf",
        ppi=ppi,
    )
    if isinstance(result, list):
        return [bytes(page) for page in result]
    return bytes(result)


def compile_pdf(doc: Document, fmt: str = "pdf", ppi: float | None = None) -> bytes | list[bytes]:
    """The PDF bytes of ``doc`` (figures must have been rendered, with SVG).

    Args:
        doc: The document.
        fmt: ``"pdf"``, or ``"png"`` for page images (one PNG per page, for previews).
        ppi: Resolution of page images.
    """
    with tempfile.TemporaryDirectory(prefix="hdsim-typst-") as tmp:
        folder = Path(tmp)
        prepare(doc, folder)
        return compile_folder(folder, fmt, ppi)


def write_pdf(doc: Document, path: Path) -> int:
    """Write the document as a PDF at ``path`` (atomically); return its page count."""
    from hdsim.utils.io import atomic_write_bytes

    pdf = compile_pdf(doc)
    assert isinstance(pdf, bytes)
    atomic_write_bytes(path, pdf)
    return page_count(pdf)


__all__ = [
    "SOURCE_FILE",
    "compile_folder",
    "compile_pdf",
    "markup",
    "page_count",
    "prepare",
    "typst_string",
    "write_pdf",
]
