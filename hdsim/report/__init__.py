"""Reports built from hdsim outputs: bilingual HTML, Markdown and PDF with planners' figures.

- :mod:`~hdsim.report.inputs`: find and read a run, job or experiment folder;
- :mod:`~hdsim.report.analysis`: the numbers of each section, from tidy outputs only;
- :mod:`~hdsim.report.catalogue`: every label, one message catalogue per language (zh, en);
- :mod:`~hdsim.report.fonts`: the pip-installed CJK font for figures and PDF;
- :mod:`~hdsim.report.figures`: the figures;
- :mod:`~hdsim.report.sections` / :mod:`~hdsim.report.appendix`: the sections;
- :mod:`~hdsim.report.document` / :mod:`~hdsim.report.typeset`: HTML, Markdown and PDF output;
- :mod:`~hdsim.report.build`: :func:`build_report`, used by ``hdsim-report`` and the main job.
"""

from hdsim.report.build import FORMATS, ReportResult, build_report
from hdsim.report.inputs import ReportError

__all__ = ["FORMATS", "ReportError", "ReportResult", "build_report"]
