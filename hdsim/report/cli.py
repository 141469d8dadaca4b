"""The ``hdsim-report`` command: build a report from a run, job or experiment folder.

Usage::

    hdsim-report FOLDER [--lang zh|en] [--format html,md,pdf] [--out DIR] [--headline FILE]

Chinese is the default language and all three formats are written by default, into
``FOLDER/report/<lang>/``. The command prints the path of the main report file. A folder with no
hdsim output, an unknown language or format end the command with one line on stderr and exit
status 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from hdsim.report.build import FORMATS, build_report
from hdsim.report.catalogue import LANGUAGES
from hdsim.report.fonts import FontError
from hdsim.report.inputs import ReportError


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"hdsim-report: error: {message}", file=sys.stderr)
        sys.exit(2)


def parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    p = _Parser(
        prog="hdsim-report",
        description="Build a report (HTML, Markdown, PDF) from hdsim outputs; never re-simulates.",
    )
    p.add_argument(
        "folder",
        help="run folder (county.parquet), job folder (runs/) or experiment folder",
    )
    p.add_argument(
        "--lang", choices=LANGUAGES, default=LANGUAGES[0], help="report language (default: zh)"
    )
    p.add_argument(
        "--format",
        default=",".join(FORMATS),
        help="comma-separated formats among html, md, pdf (default: all)",
    )
    p.add_argument("--out", default=None, help="output folder (default: FOLDER/report/LANG)")
    p.add_argument(
        "--headline",
        default=None,
        help="also save the headline fan chart to this file (.png or .svg)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``hdsim-report``; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=DeprecationWarning)
            result = build_report(args.folder, args.lang, args.format, args.out, args.headline)
    except (ReportError, FontError) as exc:
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
