"""Reports built from hdsim outputs: bilingual HTML, Markdown and PDF with planners' figures.

- :mod:`~hdsim.report.inputs`: find and read a run, job or experiment folder;
- :mod:`~hdsim.report.analysis`: the numbers of each section, from tidy outputs only;
- :mod:`~hdsim.report.catalogue`: every label, one message catalogue per language (zh, en);
- :mod:`~hdsim.report.fonts`: the pip-installed CJK font for figures and PDF;
- :mod:`~hdsim.report.figures`: the figures;
- :mod:`~hdsim.report.sections` / :mod:`~hdsim.report.appendix`: the sections;
- :mod:`~hdsim.report.document` / :mod:`~hdsim.report.typeset`: HTML, Markdown and PDF output;
- :mod:`~hdsim.report.build`: :func:`build_report`, used by ``hdsim-report`` and the main job.

The names below are imported when first used, so that a process which needs one module (the
report's helper process draws figures) does not import every section of the report.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hdsim.report.build import FORMATS, ReportResult, build_report
    from hdsim.report.inputs import ReportError

_HOMES = {
    "FORMATS": "hdsim.report.build",
    "ReportResult": "hdsim.report.build",
    "build_report": "hdsim.report.build",
    "ReportError": "hdsim.report.inputs",
}
"""Module of each public name."""


def __getattr__(name: str) -> Any:
    """Import ``FORMATS``, ``ReportError``, ``ReportResult`` and ``build_report`` when used."""
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'hdsim.report' has no attribute {name!r}")


__all__ = ["FORMATS", "ReportError", "ReportResult", "build_report"]
