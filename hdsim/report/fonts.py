"""A CJK font for report figures and PDFs, installed by pip rather than by the system.

The pip package ``noto-cjk-sans-otc`` ships Noto Sans CJK (SIL Open Font License) as an OpenType
collection. :func:`register_cjk_font` adds it to Matplotlib's font manager and :func:`report_rc`
gives the settings that put its Simplified-Chinese face first in the sans-serif list, so that
Chinese labels render with real glyphs (no "missing from font" boxes) in PNG, SVG and PDF output
alike. Latin text falls back to DejaVu Sans only for glyphs Noto lacks. SVG keeps its text as
text (editable; the PDF sets it in the same font). :func:`woff2_subset` cuts the glyphs a page
uses out of the collection for the HTML report.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

logging.getLogger("fontTools").setLevel(logging.WARNING)  # it logs every table it subsets

CJK_FAMILY = "Noto Sans CJK SC"
"""Family name of the Simplified-Chinese face inside the collection."""

FALLBACK_FAMILIES = ("DejaVu Sans",)
"""Families tried after the CJK face, for glyphs it lacks."""


class FontError(RuntimeError):
    """The CJK font is not installed; the message says how to install it."""


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK collection inside the installed pip package.

    Returns:
        The ``.ttc``/``.otc`` file.

    Raises:
        FontError: The package ``noto-cjk-sans-otc`` is missing or holds no font file.
    """
    try:
        import noto_cjk_sans_otc
    except ImportError as exc:
        raise FontError(
            "the CJK font package is missing; install it with "
            "'.venv/bin/pip install noto-cjk-sans-otc' (or 'make setup')"
        ) from exc
    folder = Path(noto_cjk_sans_otc.__file__).resolve().parent
    declared = folder / str(getattr(noto_cjk_sans_otc, "FONT_FILE", ""))
    if declared.is_file():
        return declared
    for pattern in ("*.ttc", "*.otc", "*.otf", "*.ttf"):
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    raise FontError(f"no font file (.ttc/.otc/.otf/.ttf) found in {folder}")


@cache
def register_cjk_font() -> str:
    """Register the CJK font with Matplotlib's font manager (once per process).

    Returns:
        The family name of the Simplified-Chinese face.

    Raises:
        FontError: The font package is missing.
    """
    from matplotlib import font_manager

    path = cjk_font_path()
    known = {Path(f.fname).resolve() for f in font_manager.fontManager.ttflist}
    if path not in known:
        font_manager.fontManager.addfont(str(path))
    families = {f.name for f in font_manager.fontManager.ttflist if Path(f.fname).resolve() == path}
    return CJK_FAMILY if CJK_FAMILY in families else sorted(families)[0]


def report_rc() -> dict[str, Any]:
    """Matplotlib settings of report figures, with the CJK font first.

    Use them as ``with matplotlib.rc_context(report_rc()): ...`` around both the drawing and
    the saving of a figure (fonts are looked up when text is drawn), so that the process's
    global settings stay untouched.

    Returns:
        rcParams overrides.

    Raises:
        FontError: The font package is missing.
    """
    family = register_cjk_font()
    return {
        "font.family": ["sans-serif"],
        "font.sans-serif": [family, *FALLBACK_FAMILIES],
        "axes.unicode_minus": True,
        "pdf.fonttype": 3,
        "svg.fonttype": "none",
        "svg.hashsalt": "hdsim-report",
        "font.size": 9.0,
        "axes.titlesize": 10.0,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 100.0,
        "savefig.dpi": 150.0,
    }


WEB_FAMILY = "hdsim CJK"
"""CSS family name of the font subset embedded in the HTML report."""


@cache
def _collection_index(path: Path) -> int:
    """Index of the Simplified-Chinese face inside the font collection."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    for i, font in enumerate(collection.fonts):
        if font["name"].getDebugName(1) == CJK_FAMILY:
            return i
    return 0


def woff2_subset(text: str) -> bytes:
    """A WOFF2 subset of the CJK face holding the glyphs of ``text`` (fontTools + brotli).

    Embedded in the HTML report, it makes the page render without any system CJK font, at a
    fraction of the collection's size.

    Args:
        text: Every character the page shows.

    Returns:
        The WOFF2 font file.
    """
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = cjk_font_path()
    font = TTFont(str(path), fontNumber=_collection_index(path), recalcTimestamp=False)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + " 0123456789.,%–-+()")
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff2"
    font.save(buffer)
    return buffer.getvalue()


__all__ = [
    "CJK_FAMILY",
    "WEB_FAMILY",
    "FontError",
    "cjk_font_path",
    "register_cjk_font",
    "report_rc",
    "woff2_subset",
]
