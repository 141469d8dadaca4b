"""``hdsim-hindcast``: start at the 2010 census, predict the 2020 census, score every method.

::

    hdsim-hindcast [--counties CODE,CODE,...] [--scale 0.05] [--draws 96] [-j 1]
                   [--out outputs/hindcast] [--doc docs/validation.md]

For each county (default: ``counties`` of ``hindcast.yaml``): its folder at the 2010 census (a
shipped folder under ``hdsim/data`` whose code is the county's and whose t0 is 2010, else one
built on the fly from the tables as ``hdsim-county init --census 2010`` builds it), the
hindcast of :mod:`hdsim.hindcast.pipeline`, and the scores. Writes ``OUT/hindcast.csv`` (one
row per county, figure and method) and ``OUT/hindcast.json`` (command, commit, date,
settings, per-county ESS and fit); ``--doc`` also replaces the generated table of the
validation note (every figure but the 36 pyramid shares, which stay in the CSV; the pyramid
appears as its dissimilarity index, with the trend benchmarks marked "no pyramid"). Bad input:
one line, exit status 2, nothing written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hdsim.hindcast.structure import DISSIMILARITY, PYRAMID_FIGURES

BEGIN = "<!-- hdsim-hindcast: generated tables begin -->"
END = "<!-- hdsim-hindcast: generated tables end -->"

CENSUS_YEAR: int = 2010
"""Census year of the start folders."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hdsim-hindcast",
        description="Hindcast 2010 -> 2020 with the 2020 census held out, scored.",
    )
    p.add_argument("--counties", default=None, help="comma-separated county codes")
    p.add_argument("--scale", type=float, default=None, help="households per real household")
    p.add_argument("--draws", type=int, default=None, help="prior draws per county")
    p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (-1: all cores)")
    p.add_argument("--out", type=Path, default=Path("outputs/hindcast"), help="output folder")
    p.add_argument("--doc", type=Path, default=None, help="note whose generated table to refresh")
    p.add_argument(
        "--install",
        action="store_true",
        help="also write the embedded county's rows, with the commit and date, into its "
        "folder's calibration/hindcast.csv (the report's page 1 quotes them)",
    )
    return p


def _commit() -> str:
    """The git commit of the code (``-dirty`` when ``hdsim/`` has uncommitted changes)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
            cwd=Path(__file__).resolve().parent,
        )
        dirty = subprocess.run(
            ["git", "diff", "--quiet", "HEAD", "--", ":(top)hdsim"],
            cwd=Path(__file__).resolve().parent,
        ).returncode
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _folder(code: str, work: Path) -> Path:
    from hdsim.county.census2010 import write_folder_2010
    from hdsim.data import EMBEDDED_DIR, load_county_data

    shipped_folders = [p for p in EMBEDDED_DIR.parent.iterdir() if (p / "identity.csv").is_file()]
    for shipped in sorted(shipped_folders):
        data = load_county_data(shipped)
        year = int(data.county.loc["family_households_2020", "year"])
        if data.name("code") == code and year == CENSUS_YEAR:
            return shipped
    folder = work / code
    write_folder_2010(folder, code, force=True)
    return folder


def _fmt(value: float, unit: str) -> str:
    if unit == "points":
        return f"{value:.2f}"
    if unit == "fraction":
        return f"{value * 100:.2f}%"
    if unit == "persons" and abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3f}"


def table_markdown(frame: pd.DataFrame, summaries: list[dict[str, Any]]) -> str:
    """The validation note's generated tables: per county, each figure by method."""
    lines: list[str] = []
    for s in summaries:
        code = s["county_code"]
        sub = frame[frame["county_code"] == code]
        lines += [
            f"### {s['county']} ({code}): 2010 census {s['residents_2010']:,} residents",
            "",
            f"{s['draws']} prior draws at scale {s['scale']}, effective sample size "
            f"{s['ess']:.1f}. Fit on figures independent of the 2020 census:",
            "",
            "| target | observed | prior mean | posterior mean |",
            "|---|---|---|---|",
        ]
        for t in s["targets"]:
            obs = t["observed"] if isinstance(t["observed"], str) else f"{t['observed']:.4g}"
            lines.append(
                f"| {t['target']} | {obs} | {t['prior_mean']:.4g} | {t['posterior_mean']:.4g} |"
            )
        lines += [
            "",
            "| figure | 2020 census | method | forecast [90% interval] | covered | CRPS |",
            "|---|---|---|---|---|---|",
        ]
        for _, r in sub.iterrows():
            if r["figure"] in PYRAMID_FIGURES:
                continue
            u = r["unit"]
            band = (
                f"{_fmt(r['estimate'], u)} [{_fmt(r['p05'], u)} – {_fmt(r['p95'], u)}]"
                if r["p05"] != r["p95"]
                else f"{_fmt(r['estimate'], u)} (point)"
            )
            lines.append(
                f"| {r['figure']} | {_fmt(r['observed_2020'], u)} | {r['method']} | {band} | "
                f"{'yes' if r['covered'] else 'no'} | {_fmt(r['crps'], u)} |"
            )
        lines += ["", *_structure_lines(sub, s), ""]
    return "\n".join(lines)


def _structure_lines(sub: pd.DataFrame, summary: dict[str, Any]) -> list[str]:
    """The pyramid's index by method (trend methods: no pyramid) and the estimator's t0 error."""
    di = sub[sub["figure"] == DISSIMILARITY].set_index("method")
    parts = []
    for method in dict.fromkeys(sub["method"]):
        if method in di.index:
            r = di.loc[method]
            band = "" if r["p05"] == r["p95"] else f" [{r['p05']:.2f} – {r['p95']:.2f}]"
            parts.append(f"{method} {r['estimate']:.2f}{band}")
        else:
            parts.append(f"{method}: no pyramid")
    lines = [
        "Age-sex pyramid (36 shares of five-year groups by sex in `docs/hindcast.csv`), "
        "dissimilarity index against the 2020 census in points (census 0): "
        + "; ".join(parts) + ". The trend methods forecast no household types either.",
    ]
    err = summary.get("estimator_t0_error")
    if err:
        shown = ", ".join(f"{k.removesuffix('_share')} {v:+.2f}" for k, v in err.items())
        lines += [
            "",
            f"Household-type estimator (generation gap {summary['generation_gap']:g} years) on "
            f"the runs' t0 populations against the 2010 census, points: {shown}; the "
            "generation shares above are the 2010 census's plus the estimated change.",
        ]
    return lines


def _replace_doc(path: Path, text: str) -> None:
    from hdsim.utils.io import atomic_write_text

    doc = path.read_text(encoding="utf-8")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    atomic_write_text(path, f"{head}{BEGIN}\n\n{text}\n{END}{tail}")


def _install(frame: pd.DataFrame, commit: str, date: str) -> None:
    """Write the embedded county's scores into its folder (``calibration/hindcast.csv``)."""
    from hdsim.data import load_county_data
    from hdsim.data.loader import HINDCAST_FILE
    from hdsim.utils.io import atomic_write_csv

    data = load_county_data()
    code = str(data.identity.set_index("key").loc["code", "value"])
    mine = frame[frame["county_code"].astype(str) == code]
    if mine.empty:
        print(f"hdsim-hindcast: --install: the embedded county ({code}) was not among the "
              "counties; nothing installed", file=sys.stderr)
        return
    atomic_write_csv(data.directory / HINDCAST_FILE, mine.assign(commit=commit, made=date))
    print(f"hdsim-hindcast: installed {len(mine)} rows into {data.directory / HINDCAST_FILE}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Returns:
        0 on success, 2 on bad input or an output that cannot be written (one line on stderr).
    """
    from hdsim.utils.io import OutputError

    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except OutputError as exc:
        print(f"hdsim-hindcast: error: {exc}", file=sys.stderr)
        return 2


def _main(argv: list[str]) -> int:
    """:func:`main` with output errors left to it."""
    args = _parser().parse_args(argv)
    from hdsim.config.fields import ConfigError
    from hdsim.data.table import DataError
    from hdsim.hindcast.pipeline import hindcast_county, load_settings
    from hdsim.utils.io import atomic_write_csv, atomic_write_text, check_folder, make_folder

    check_folder(args.out)  # now, not after the runs that would fill it

    settings = load_settings()
    listed = args.counties if args.counties is not None else str(settings["counties"])
    codes = [c.strip() for c in listed.split(",") if c.strip()]
    bad = [c for c in codes if len(c) != 6 or not c.isdigit()]
    if not codes or bad:
        print(f"hdsim-hindcast: --counties: {bad or 'none'} not 6-digit county codes; give "
              "e.g. --counties 141023,141032", file=sys.stderr)
        return 2
    if args.doc is not None:
        text = args.doc.read_text(encoding="utf-8") if args.doc.is_file() else ""
        if BEGIN not in text or END not in text:
            print(f"hdsim-hindcast: --doc {args.doc}: no file with the '{BEGIN}' and '{END}' "
                  "markers; add them where the tables go", file=sys.stderr)
            return 2
    commit = _commit()  # the code that runs, before anything else is committed
    frames, summaries = [], []
    try:
        with tempfile.TemporaryDirectory(prefix="hdsim-hindcast-") as work:
            for code in codes:
                folder = _folder(code, Path(work))
                frame, summary = hindcast_county(
                    folder, code, settings, args.scale, args.draws, args.jobs
                )
                frames.append(frame)
                summaries.append(summary)
                print(f"hdsim-hindcast: {summary['county']} ({code}) done, ESS "
                      f"{summary['ess']:.1f}", file=sys.stderr)
    except (DataError, ConfigError, ValueError) as exc:
        print(f"hdsim-hindcast: {exc}", file=sys.stderr)
        return 2
    frame = pd.concat(frames, ignore_index=True)
    command = "hdsim-hindcast " + " ".join(argv)
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    record: dict[str, Any] = {
        "command": command,
        "commit": commit,
        "date": date,
        "settings": settings,
        "counties": summaries,
    }
    make_folder(args.out)
    atomic_write_csv(args.out / "hindcast.csv", frame)
    atomic_write_text(args.out / "hindcast.json", json.dumps(record, ensure_ascii=False,
                                                              indent=2, default=str))
    if args.install:
        _install(frame, commit, date)
    if args.doc is not None:
        header = f"Made by `{command}` at commit `{commit[:12]}` on {date}.\n\n"
        _replace_doc(args.doc, header + table_markdown(frame, summaries))
    print(f"hdsim-hindcast: wrote {args.out / 'hindcast.csv'} ({len(frame)} rows)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
