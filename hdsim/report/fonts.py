"""A CJK font for report figures and PDFs, installed by pip rather than by the system.

The pip package ``noto-cjk-sans-otc`` ships Noto Sans CJK (SIL Open Font License) as an OpenType
collection. :func:`register_cjk_font` adds it to Matplotlib's font manager and :func:`report_rc`
gives the settings that put its Simplified-Chinese face first in the sans-serif list, so that
Chinese labels render with real glyphs (no "missing from font" boxes) in PNG, SVG and PDF output
alike. Latin text falls back to DejaVu Sans only for glyphs Noto lacks. SVG keeps its text as
text (editable; the PDF sets it in the same font). :func:`web_font_subset` cuts the glyphs a
page uses out of the collection, as a WOFF font, for the HTML report.
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
    from matplotlib import font_manager, ft2font

    path = cjk_font_path()
    manager = font_manager.fontManager
    known = {Path(f.fname).resolve() for f in manager.ttflist}
    if path not in known:
        # only the Simplified-Chinese face: ``addfont`` would read all ten faces of the
        # collection and their alternative names, 2 s of a report's start against 0.1 s
        face = ft2font.FT2Font(str(path), face_index=_collection_index(path))
        manager.ttflist.append(font_manager.ttfFontProperty(face))
        manager._findfont_cached.cache_clear()  # type: ignore[attr-defined]  # as addfont does
    families = {f.name for f in manager.ttflist if Path(f.fname).resolve() == path}
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


SUBSET_EXTRA = " 0123456789.,%–-+()"
"""Characters every subset holds besides the page's own."""

WEB_FONT_FLAVOR = "woff"
"""Container of the HTML page's font subset: WOFF (zlib), not WOFF2 (brotli).

Measured on the main job's page (875 characters, 2026-12-03): WOFF2 at brotli's top quality
was 209 KB and took 2.5-4.5 s to write, WOFF is 236 KB (13 % more) and takes 0.5 s (both
with the same glyphs). Chromium, Firefox, Safari and Edge all read WOFF, and the page no
longer needs the brotli package."""

WEB_FONT_MAGIC = b"wOFF"
"""First four bytes of a WOFF file (how a cached subset is recognised)."""

WEB_FONT_MIME = "font/woff"
"""Media type of the subset in the page's ``@font-face`` data URL."""

CACHE_FILES = 32
"""Font subsets kept in the cache (the least recently used beyond these are removed)."""


def cache_dir() -> Path:
    """Folder of the font-subset cache: ``fonts`` in :func:`hdsim.paths.user_cache_dir`."""
    from hdsim.paths import user_cache_dir

    return user_cache_dir() / "fonts"


def subset_key(chars: str) -> str:
    """Cache key of the subset of ``chars``: the character set, the font file and the tools.

    The font file enters by path, size and modification time, and fontTools by its version,
    so a new font or a new fontTools never reuses a subset made from the old one.
    """
    import hashlib

    import fontTools

    path = cjk_font_path()
    stat = path.stat()
    digest = hashlib.sha256()
    for part in (
        str(path),
        str(stat.st_size),
        str(stat.st_mtime_ns),
        str(fontTools.version),
        f"{WEB_FONT_FLAVOR}-v2",  # v2: default layout features, the face's bounding boxes
        "".join(sorted(set(chars))),
    ):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def subset_chars(text: str) -> str:
    """The characters a subset of ``text`` holds: its own and :data:`SUBSET_EXTRA`, sorted."""
    return "".join(sorted(set(text + SUBSET_EXTRA)))


def subset_path(text: str) -> Path:
    """Where the cached subset of ``text`` is kept (:func:`cache_dir`, :func:`subset_key`)."""
    return cache_dir() / f"{subset_key(subset_chars(text))}.{WEB_FONT_FLAVOR}"


def web_font_subset(text: str, cache: bool = True) -> bytes:
    """A WOFF subset of the CJK face holding the glyphs of ``text`` (fontTools).

    Embedded in the HTML report, it makes the page render without any system CJK font, at a
    fraction of the collection's size. Making it takes 2.5-3.0 s of CPU for the main job's page
    on the 2026-12-03 host (7.7-8.1 s before :func:`_make_subset` kept the default layout
    features, the font's own bounding boxes and zlib), so subsets are cached by
    :func:`subset_key` in :func:`cache_dir`: a report with the same characters (the same job
    reported again, a job like an earlier one) reuses its subset. A cached file that is not a
    WOFF font is ignored and made again; a cache that cannot be written is left alone.

    Args:
        text: Every character the page shows.
        cache: Read and write the cache.

    Returns:
        The WOFF font file.
    """
    chars = subset_chars(text)
    if not cache:
        return _make_subset(chars)
    path = subset_path(text)
    try:
        data = path.read_bytes()
        if data.startswith(WEB_FONT_MAGIC):
            path.touch()
            return data
    except OSError:
        pass
    data = _make_subset(chars)
    try:
        from hdsim.utils.io import atomic_write_bytes

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
        _prune(path.parent)
    except OSError:
        pass
    return data


def _prune(folder: Path) -> None:
    """Remove the least recently used subsets beyond :data:`CACHE_FILES`."""
    files = sorted(
        folder.glob(f"*.{WEB_FONT_FLAVOR}"), key=lambda f: f.stat().st_mtime, reverse=True
    )
    for old in files[CACHE_FILES:]:
        old.unlink(missing_ok=True)


def _make_subset(chars: str) -> bytes:
    """The WOFF subset of the CJK face holding ``chars``.

    Three choices keep it fast (measured on the main job's page, 2026-12-03): fontTools'
    default layout features rather than all of them (``"*"`` also keeps vertical, width and
    Japanese forms a horizontal Chinese page never shows: 1,870 glyphs instead of 1,529);
    the face's own bounding boxes, not ones recomputed from every subset outline (the font's
    box only encloses more, which no browser uses to lay text out); and WOFF
    (:data:`WEB_FONT_FLAVOR`).
    """
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = cjk_font_path()
    font = TTFont(
        str(path), fontNumber=_collection_index(path), recalcTimestamp=False, recalcBBoxes=False
    )
    options = subset.Options()
    options.flavor = WEB_FONT_FLAVOR
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = WEB_FONT_FLAVOR
    font.save(buffer)
    return buffer.getvalue()


__all__ = [
    "CJK_FAMILY",
    "WEB_FAMILY",
    "WEB_FONT_FLAVOR",
    "WEB_FONT_MIME",
    "FontError",
    "cache_dir",
    "cjk_font_path",
    "register_cjk_font",
    "report_rc",
    "subset_chars",
    "subset_key",
    "subset_path",
    "web_font_subset",
]
