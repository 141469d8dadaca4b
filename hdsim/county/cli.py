"""``hdsim-county``: write a county folder from the census tables.

::

    hdsim-county init FOLDER --code 141023 [--from bulletin.yaml] [--force]
    hdsim-county compare [FOLDER]

writes a complete, validated county folder (the files of ``docs/data.md`` and ``ESTIMATES.md``,
the checklist of the estimates to replace first); ``compare`` lists where a folder differs from
its rebuild from the census tables (default: the embedded folder). Bad input prints one line
and exits with status 1; nothing is written then.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hdsim.data.table import DataError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hdsim-county", description="Write a county folder from the census tables."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="write a county folder for a county code")
    init.add_argument("folder", type=Path, help="folder to create")
    init.add_argument("--code", required=True, help="6-digit county code, e.g. 141023")
    init.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=None,
        help="YAML file of your own figures that replace the tables' and the estimates",
    )
    init.add_argument("--force", action="store_true", help="replace an existing folder")
    init.add_argument("--census", type=int, choices=(2020, 2010), default=2020,
                      help="census of t0; 2010 carries what 2010 lacks from --base or the scaffold")
    init.add_argument("--base", type=Path, default=None, help="2020 folder a 2010 folder builds on")
    init.add_argument("--villages-2010", type=int, default=None, help="villages at 2010 if known")
    comp = sub.add_parser("compare", help="compare a folder with its rebuild from the tables")
    comp.add_argument(
        "folder",
        type=Path,
        nargs="?",
        default=None,
        help="county folder (default: the embedded one)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 1 on bad input (one-line message on stderr).
    """
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command == "compare":
        from hdsim.county.compare import compare_text
        from hdsim.data.loader import load_county_data

        try:
            print(compare_text(load_county_data(args.folder)), end="")
        except DataError as exc:
            print(f"hdsim-county: {exc}", file=sys.stderr)
            return 1
        return 0
    from hdsim.county.overrides import read_overrides
    from hdsim.county.scaffold import write_folder
    from hdsim.utils.io import OutputError, check_folder

    start = time.perf_counter()
    try:
        check_folder(Path(args.folder))
        if args.census == 2010:
            from hdsim.county.census2010 import write_folder_2010

            tables = write_folder_2010(args.folder, args.code, args.base, args.force,
                                       args.villages_2010, "given with --villages-2010")
        else:
            tables = write_folder(args.folder, args.code, read_overrides(args.source), args.force)
    except (DataError, OutputError) as exc:
        print(f"hdsim-county: {exc}", file=sys.stderr)
        return 1
    ident = {r["key"]: r["value"] for r in tables["identity"]}
    n_est = sum(1 for rows in tables.values() for r in rows if r["confidence"] == "estimate")
    print(
        f"hdsim-county: wrote {args.folder} for {ident['name_zh']} ({ident['name_en']}): "
        f"{len(tables['townships'])} townships, {len(tables['firms'])} firm groups, "
        f"{n_est} estimated rows (see ESTIMATES.md) in {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
