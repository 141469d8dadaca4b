"""The ``hdsim-report`` command: build a report from a run, job or experiment folder.

Usage::

    hdsim-report FOLDER [--lang zh|en] [--format html,md,pdf] [--out DIR] [--headline FILE]
                 [--hires] [--quiet]

Chinese is the default language and all three formats are written by default, into
``FOLDER/report/<lang>/``. The command prints the path of the main report file. A folder with no
hdsim output, an unknown language or format end the command with one line on stderr and exit
status 2. Each stage of the build prints one line on stderr (``--quiet`` turns them off).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from hdsim.report.catalogue import LANGUAGES


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"hdsim-report: error: {message}", file=sys.stderr)
        sys.exit(2)


def parser() -> argparse.ArgumentParser:
    """The command's argument parser (every option with its help text)."""
    from hdsim.report.build import FORMATS

    p = _Parser(
        prog="hdsim-report",
        description=(
            "Build a report (HTML, Markdown, PDF, Excel workbook) from hdsim outputs; it reads "
            "what the runs wrote and never re-simulates."
        ),
        epilog="Example: hdsim-report outputs/2025-01-01/10-00-00 --lang en --hires",
    )
    p.add_argument(
        "folder",
        help="run folder (county.parquet), job folder (runs/) or experiment folder",
    )
    p.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=LANGUAGES[0],
        help="report language: zh (Chinese, for planners) or en (default: zh)",
    )
    p.add_argument(
        "--format",
        default=",".join(FORMATS),
        metavar="LIST",
        help="comma-separated formats among html, md, pdf; report.xlsx, inputs.csv and "
        "summary.csv are always written (default: html,md,pdf)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="folder of the report files (default: FOLDER/report/LANG)",
    )
    p.add_argument(
        "--headline",
        default=None,
        metavar="FILE",
        help="also save the headline fan chart to FILE (.png or .svg)",
    )
    p.add_argument(
        "--hires",
        action="store_true",
        help="also write every figure as a 300 dpi PNG (figures/<key>@300dpi.png, beside the "
        "150 dpi PNG and the SVG) for print; implies the figure files of the md format",
    )
    p.add_argument(
        "--quiet",
        action="store_true",
        help="print no progress lines on stderr (by default one line per stage)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``hdsim-report``; returns the exit status.

    The report's modules are imported here, after the clock of the progress lines starts, so
    that their seconds count from the command's start.
    """
    started = time.perf_counter()
    args = parser().parse_args(argv)
    from hdsim.report.build import build_report, stderr_progress
    from hdsim.report.fonts import FontError
    from hdsim.report.inputs import ReportError
    from hdsim.utils.io import OutputError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=DeprecationWarning)
            result = build_report(
                args.folder,
                args.lang,
                args.format,
                args.out,
                args.headline,
                hires=args.hires,
                progress=None if args.quiet else stderr_progress(started=started),
            )
    except (ReportError, FontError, OutputError) as exc:
        print(f"hdsim-report: error: {exc}", file=sys.stderr)
        return 2
    for run in result.failed_runs:
        print(f"hdsim-report: missing or failed run: {run}", file=sys.stderr)
    if result.headline:
        print(f"hdsim-report: headline figure: {result.headline}")
    print(f"hdsim-report: report: {result.main_file}")
    return 0


def run() -> None:
    """Console-script wrapper that exits with :func:`main`'s status."""
    sys.exit(main())


__all__ = ["main", "parser", "run"]
