"""Build a report from a run, job or experiment folder: the document, its files, a manifest.

:func:`build_report` reads the folder (:func:`hdsim.report.inputs.load_inputs`), builds one
:class:`~hdsim.report.document.Document` in the chosen language and writes it in every chosen
format into ``<folder>/report/<lang>/`` (or ``out``):

- ``report.html``: one self-contained page, figures embedded;
- ``report.md`` with ``figures/<key>.png`` and ``figures/<key>.svg`` beside it;
- ``report.pdf``: A4 pages (:mod:`hdsim.report.typeset`);
- ``inputs.csv``: every input figure with source and confidence (the full list), and
  ``summary.csv``: the planner's table, both with a byte-order mark for Excel;
- ``report.xlsx``: the Excel workbook (:mod:`hdsim.report.workbook`);
- ``report.json``: manifest of sections, tables, figures, files, PDF page count and the runs
  that were missing or failed.

Every file is written atomically. Nothing is simulated.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

from hdsim.report import appendix, dictionary, rate_split, sections, summary, townships
from hdsim.report.catalogue import Catalogue
from hdsim.report.document import (
    Document,
    FigureBlock,
    Section,
    draw_here,
    page_text,
    render_figures,
    render_html,
    render_markdown,
)
from hdsim.report.fonts import report_rc
from hdsim.report.inputs import ReportError, ReportInputs, load_inputs
from hdsim.report.workbook import write_people_csv, write_workbook
from hdsim.utils.version import __version__

FORMATS: tuple[str, ...] = ("html", "md", "pdf")
"""Report formats, all written by default."""


SECTION_BUILDERS = (
    summary.section_summary,
    sections.section_answer,
    sections.section_runs,
    sections.section_trajectories,
    sections.section_hukou,
    townships.section_townships,
    sections.section_jobs,
    sections.section_migration,
    sections.section_policies,
    summary.section_costs,
    appendix.section_sensitivity,
    appendix.section_prim,
    appendix.section_target,
    appendix.section_calibration,
    rate_split.section_rate_split,
    appendix.section_assumptions,
    appendix.section_reproducibility,
    dictionary.section_dictionary,
)
"""Sections in report order; each returns None when the outputs hold nothing for it."""


@dataclass
class ReportResult:
    """What :func:`build_report` wrote.

    Attributes:
        folder: Folder of the report files.
        files: Report file per format.
        figures: Figure files per figure key (PNG and SVG, when Markdown was asked for).
        pdf_pages: Page count of the PDF, or None when no PDF was written.
        manifest: Path of ``report.json``.
        headline: Path of the headline figure, when asked for.
        failed_runs: Runs that were missing or failed.
    """

    folder: Path
    files: dict[str, Path]
    figures: dict[str, list[Path]]
    pdf_pages: int | None
    manifest: Path
    headline: Path | None = None
    failed_runs: list[str] = field(default_factory=list)

    @property
    def main_file(self) -> Path:
        """The file to open first (HTML when written)."""
        for fmt in FORMATS:
            if fmt in self.files:
                return self.files[fmt]
        return self.manifest


SectionHook = Callable[[Section, str], None]
"""Receives each section as soon as it is built, with the documents' figure source line."""


def build_document(
    inputs: ReportInputs, lang: str = "zh", on_section: SectionHook | None = None
) -> Document:
    """The report of ``inputs`` in language ``lang``.

    Args:
        inputs: What the report is built from.
        lang: ``"zh"`` or ``"en"``.
        on_section: Called with every section as soon as it is built (and the source line
            drawn inside every figure), so that its figures can be drawn while the rest of the
            document is built (:meth:`hdsim.report.helper.Helper.submit`).
    """
    cat = Catalogue(lang)
    ctx = sections.Context(inputs, cat)
    kind = cat(f"kind_{inputs.kind}")
    runs = sum(1 for r in inputs.runs if r.ok)
    source = cat(
        "figure_source", county=ctx.county, kind=kind, runs=runs, date=time.strftime("%Y-%m-%d")
    )
    built = []
    for builder in SECTION_BUILDERS:
        section = builder(ctx)
        if section is not None:
            built.append(section)
            if on_section is not None:
                on_section(section, source)
    return Document(
        title=cat("title", county=ctx.county),
        subtitle=cat(
            "subtitle", kind=kind, target=ctx.target, target_year=inputs.horizon.target_year
        ),
        meta=[
            cat("built_from", folder=inputs.root.name),
            cat("generated", time=time.strftime("%Y-%m-%d %H:%M"), version=__version__),
            cat("workbook_note"),
        ],
        sections=built,
        catalogue=cat,
        source=source,
    )


def parse_formats(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Formats from ``"html,md,pdf"`` (or a list); raises ReportError on an unknown one."""
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = tuple(dict.fromkeys(i.strip().lower() for i in items if i.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise ReportError(
            f"unknown format '{unknown[0]}'; use a comma-separated list of {', '.join(FORMATS)}"
        )
    return wanted


def _manifest(doc: Document, inputs: ReportInputs, result: ReportResult) -> dict[str, Any]:
    def section(s: Section) -> dict[str, Any]:
        return {
            "key": s.key,
            "title": s.title,
            "tables": [t.key for t in s.tables()],
            "figures": [f.key for f in s.figures()],
            "pdf_figures": [f.key for f in s.figures() if f.draw is not None],
        }

    return {
        "lang": doc.catalogue.lang,
        "folder": str(inputs.root),
        "kind": inputs.kind,
        "hdsim_version": __version__,
        "scenarios": inputs.scenarios,
        "sections": [section(s) for s in doc.sections],
        "files": {k: str(v) for k, v in result.files.items()},
        "figures": {k: [str(p) for p in v] for k, v in result.figures.items()},
        "pdf_pages": result.pdf_pages,
        "failed_runs": result.failed_runs,
        "headline": str(result.headline) if result.headline else None,
    }


def write_headline(doc: Document, path: Path) -> Path:
    """Save the headline figure (all scenarios' fan chart) to ``path`` (format by its suffix)."""
    import io

    from hdsim.utils.io import atomic_write_bytes

    block: FigureBlock = next(f for f in doc.figures() if f.key == "headline")
    fig = block.figure()
    buffer = io.BytesIO()
    fmt = path.suffix.lstrip(".").lower() or "png"
    fig.savefig(buffer, format=fmt)
    atomic_write_bytes(path, buffer.getvalue())
    return path


Progress = Callable[[str], None]
"""Receives one line per stage of a report build (what is being done now)."""


def stderr_progress(prefix: str = "hdsim-report", started: float | None = None) -> Progress:
    """A progress callback printing ``<prefix>: [<seconds> s] <stage>`` lines on stderr.

    Seconds count from ``started`` (a :func:`time.perf_counter` value; default: now).
    """
    started = time.perf_counter() if started is None else started

    def say(stage: str) -> None:
        print(f"{prefix}: [{time.perf_counter() - started:4.1f} s] {stage}", file=sys.stderr)

    return say


def _quiet(_stage: str) -> None:
    """No progress."""


def _write_pdf(path: Path, pdf: bytes | list[bytes]) -> None:
    """Write the compiled PDF atomically."""
    from hdsim.utils.io import atomic_write_bytes

    assert isinstance(pdf, bytes)
    atomic_write_bytes(path, pdf)


def build_report(
    folder: str | Path,
    lang: str = "zh",
    formats: tuple[str, ...] | str = FORMATS,
    out: str | Path | None = None,
    headline: str | Path | None = None,
    hires: bool = False,
    progress: Progress | None = None,
    helper: bool | None = None,
) -> ReportResult:
    """Build the report of a run, job or experiment folder.

    Args:
        folder: Folder holding hdsim outputs.
        lang: ``"zh"`` (default) or ``"en"``.
        formats: Any of ``html``, ``md``, ``pdf`` (tuple or comma-separated string).
        out: Folder of the report files; default ``<folder>/report/<lang>``.
        headline: Also save the headline figure to this path.
        hires: Also write every figure as a 300 dpi PNG (``figures/<key>@300dpi.png``, beside
            the 150 dpi PNG and the SVG, which are then written even without Markdown).
        progress: Called with one line per stage (:func:`stderr_progress` prints them).
        helper: Draw figures and subset the font partly in a helper process
            (:mod:`hdsim.report.helper`); default: when the machine has two cores or more.
            The files are the same either way.

    Returns:
        What was written.

    Raises:
        ReportError: One-line problem with the folder, the language or the formats.
    """
    say = progress or _quiet
    formats = parse_formats(formats)
    if lang not in ("zh", "en"):
        raise ReportError(f"unknown language '{lang}'; use zh or en")
    from hdsim.report.helper import Helper, worth_a_helper

    use_helper = worth_a_helper() if helper is None else helper
    with fewer_collections(), Helper() if use_helper else nullcontext() as assistant:
        return _build(folder, lang, formats, out, headline, hires, say, assistant)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect Python's youngest generation of garbage less often while a report is built.

    See :data:`hdsim.report.helper.GC_THRESHOLD`; the caller's thresholds are restored on exit.
    """
    import gc

    from hdsim.report.helper import GC_THRESHOLD

    before = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _build(
    folder: str | Path,
    lang: str,
    formats: tuple[str, ...],
    out: str | Path | None,
    headline: str | Path | None,
    hires: bool,
    say: Progress,
    assistant: Any,
) -> ReportResult:
    """:func:`build_report` once the formats are checked (``assistant``: a Helper or None)."""
    from hdsim.utils.io import atomic_write_text, check_folder, make_folder

    if out:
        check_folder(Path(out))  # before the inputs are read: a folder that cannot be fails now
    inputs = load_inputs(folder, progress=say)  # a bad folder fails before any progress line
    target = make_folder(Path(out).expanduser().resolve() if out else inputs.root / "report" / lang)
    files: dict[str, Path] = {}
    pdf_pages = None
    headline_path = None
    figure_dir = target / "figures" if "md" in formats or hires else None
    kinds = ("png", "svg", "hires") if hires else ("png", "svg")
    svg = "pdf" in formats or figure_dir is not None
    hook: SectionHook | None = None
    if assistant is not None:
        # the helper draws each section's figures while the next sections are built
        def hook(section: Section, source: str) -> None:
            assistant.submit(section.figures(), source, svg, hires)

    with matplotlib.rc_context(report_rc()):  # type: ignore[arg-type]
        say(f"building the {lang} document")
        doc = build_document(inputs, lang, on_section=hook)
        say(
            f"drawing {len(doc.figures())} figures"
            + (" (and 300 dpi PNGs)" if hires else "")
            + (" with a helper process" if assistant is not None else "")
        )
        drawer = assistant.drawer if assistant is not None else draw_here
        count = len(doc.figures())
        drawn: list[str] = []

        def done(key: str) -> None:
            drawn.append(key)
            say(f"figure {len(drawn)} of {count} drawn ({key})")

        figures = render_figures(
            doc, figure_dir, kinds, svg="pdf" in formats, drawer=drawer, done=done
        )
        # The font subset is made after every figure is drawn, in either process: fontTools
        # run before a figure changes the low digits of its SVG clip ids, so this order keeps
        # the files the same with or without the helper.
        text = page_text(doc) if "html" in formats else ""
        if assistant is not None and text:
            assistant.start_font(text)
        with tempfile.TemporaryDirectory(prefix="hdsim-typst-") as typst_dir:
            if "pdf" in formats:
                from hdsim.report.typeset import compile_folder, page_count, prepare

                say("typesetting report.pdf" + (" in the helper process" if assistant else ""))
                prepare(doc, Path(typst_dir))
                if assistant is not None:  # compiled there while the workbook is written here
                    assistant.start_pdf(Path(typst_dir))
                else:
                    _write_pdf(target / "report.pdf", compile_folder(Path(typst_dir)))
            if "md" in formats:
                files["md"] = target / "report.md"
                atomic_write_text(files["md"], render_markdown(doc, "figures"))
            if headline:
                headline_path = write_headline(doc, Path(headline).expanduser().resolve())
            say("writing report.xlsx")
            files["xlsx"] = target / "report.xlsx"
            frames = write_workbook(sections.Context(inputs, doc.catalogue), files["xlsx"])
            if "html" in formats:
                say("writing report.html (with its font subset)")
                files["html"] = target / "report.html"
                font = assistant.font(text) if assistant is not None else None
                atomic_write_text(files["html"], render_html(doc, font=font))
            if "pdf" in formats:
                files["pdf"] = target / "report.pdf"
                if assistant is not None:
                    _write_pdf(files["pdf"], assistant.pdf(Path(typst_dir)))
                pdf_pages = page_count(files["pdf"].read_bytes())
    write_people_csv(target / "inputs.csv", frames["inputs"])
    write_people_csv(target / "summary.csv", frames["summary"])
    result = ReportResult(
        folder=target,
        files=files,
        figures=figures,
        pdf_pages=pdf_pages,
        manifest=target / "report.json",
        headline=headline_path,
        failed_runs=[str(r.path) for r in inputs.failed],
    )
    manifest = _manifest(doc, inputs, result)
    atomic_write_text(result.manifest, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return result


__all__ = [
    "FORMATS",
    "Progress",
    "ReportResult",
    "build_document",
    "build_report",
    "fewer_collections",
    "parse_formats",
    "stderr_progress",
    "write_headline",
]
