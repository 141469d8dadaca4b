"""The ``hdsim-calibrate`` command: re-calibrate the behaviour to the targets with one command.

Typical use, after adding a row for a new bulletin to a county's ``observations.csv`` or
``calibration/targets.csv``::

    hdsim-calibrate                      # the embedded county; install if accepted
    hdsim-calibrate data.dir=FOLDER      # another county: its figures, into FOLDER/calibration/
    hdsim-calibrate --no-install         # the same, only into the job folder
    hdsim-calibrate --quick              # a small budget to try a targets file (never installs)
    hdsim-calibrate --doc docs/calibration.md   # also refresh the doc's generated tables
    hdsim-calibrate behaviour.location.beta_income=1.5   # Hydra overrides of the base config

Outputs go to ``outputs/calibration/<date>/<time>/`` (``report.md`` first). Problems with the
targets, priors or overrides end the command with one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from hdsim.calibration.pipeline import CalibrationRequest, calibrate
from hdsim.calibration.smc import SMCSettings
from hdsim.config.fields import ConfigError
from hdsim.utils.io import OutputError, check_folder


def _positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value <= 8:
        raise argparse.ArgumentTypeError(f"{text} must lie in (0, 8]")
    return value


def parser() -> argparse.ArgumentParser:
    """The command-line parser (every option with one line of help)."""
    p = argparse.ArgumentParser(
        prog="hdsim-calibrate",
        description="Fit hdsim's free behavioural parameters to a county's observed figures "
        "(ABC-SMC), back-test the fit, and store the posterior that scenario runs draw from in "
        "the county folder (data.dir=FOLDER: FOLDER/calibration/; default: the embedded county).",
        epilog="Examples: hdsim-calibrate --quick | hdsim-calibrate data.dir=my_county -j 2 | "
        "hdsim-calibrate --no-install --doc docs/calibration.md. See docs/calibration.md.",
    )
    p.add_argument(
        "overrides",
        nargs="*",
        metavar="key=value",
        help="Hydra overrides of the base config, e.g. data.dir=FOLDER (the county to fit) or "
        "behaviour.labour.wage_growth=0.05",
    )
    p.add_argument(
        "--targets",
        type=Path,
        metavar="CSV",
        help="targets file (default: FOLDER/calibration/targets.csv, else targets derived from "
        "FOLDER/observations.csv)",
    )
    p.add_argument(
        "--priors",
        type=Path,
        metavar="CSV",
        help="priors file (default: hdsim/data/calibration/priors.csv)",
    )
    p.add_argument(
        "--scale",
        type=_positive_float,
        default=0.05,
        help="households simulated per real household in every calibration run (default 0.05)",
    )
    p.add_argument(
        "--particles", type=int, default=100, help="particles kept per generation (default 100)"
    )
    p.add_argument(
        "--first", type=int, default=400, help="prior draws of generation 0 (default 400)"
    )
    p.add_argument(
        "--per-generation",
        type=int,
        default=200,
        help="proposals simulated in each later generation (default 200)",
    )
    p.add_argument(
        "--generations", type=int, default=3, help="generations after the first (default 3)"
    )
    p.add_argument(
        "--no-backtest", action="store_true", help="skip the back-test (the hold-out fit)"
    )
    p.add_argument(
        "--holdout",
        action="append",
        metavar="GROUP",
        help="target group the back-test holds out (repeatable; default: the latest one)",
    )
    p.add_argument(
        "--backtest-generations",
        type=int,
        default=2,
        help="generations after the first of the back-test's fit (default 2)",
    )
    p.add_argument(
        "--backtest-per-generation",
        type=int,
        default=150,
        help="proposals per later generation of the back-test's fit (default 150)",
    )
    p.add_argument(
        "--backtest-particles",
        type=int,
        default=60,
        help="particles kept per generation of the back-test's fit (default 60)",
    )
    p.add_argument(
        "--check-replicates",
        type=int,
        default=10,
        help="runs of the point estimate that check it against the latest figures (default 10)",
    )
    p.add_argument(
        "--predictive-replicates",
        type=int,
        default=40,
        help="posterior-predictive baseline runs (the predictive check; default 40)",
    )
    p.add_argument(
        "--end-year",
        type=int,
        default=2030,
        help="last year of the predictive baseline and the comparators (default 2030)",
    )
    p.add_argument(
        "--seed", type=int, default=20221231, help="base seed of the calibration's model runs"
    )
    p.add_argument(
        "--smc-seed", type=int, default=20240501, help="seed of the sampler's proposals"
    )
    p.add_argument(
        "-j", "--n-jobs", type=int, default=1, help="worker processes (-1 = one per core)"
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="FOLDER",
        help="job folder (default outputs/calibration/<date>/<time>)",
    )
    p.add_argument(
        "--no-install",
        action="store_true",
        help="write only the job folder, not the county folder's calibration/",
    )
    p.add_argument(
        "--force", action="store_true", help="install even if the point estimate check fails"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="tiny budget (about 150 runs) to try a targets file; never installs",
    )
    p.add_argument(
        "--doc",
        type=Path,
        metavar="MARKDOWN",
        help="also refresh the generated tables of this file (e.g. docs/calibration.md)",
    )
    return p


def request_from(args: argparse.Namespace) -> CalibrationRequest:
    """Turn parsed arguments into a :class:`CalibrationRequest`."""
    out = args.out or Path("outputs") / "calibration" / time.strftime("%Y-%m-%d/%H-%M-%S")
    settings = SMCSettings(
        particles=args.particles,
        first=args.first,
        per_generation=args.per_generation,
        generations=args.generations,
        seed=args.smc_seed,
    )
    bt = SMCSettings(
        particles=args.backtest_particles,
        first=args.first,
        per_generation=args.backtest_per_generation,
        generations=args.backtest_generations,
        seed=args.smc_seed + 1,
    )
    request = CalibrationRequest(
        out_dir=out,
        targets_file=args.targets,
        priors_file=args.priors,
        overrides=list(args.overrides),
        scale=args.scale,
        seed=args.seed,
        settings=settings,
        backtest=not args.no_backtest,
        holdout=args.holdout,
        backtest_settings=bt,
        check_replicates=args.check_replicates,
        predictive_replicates=args.predictive_replicates,
        comparator_end_year=args.end_year,
        n_jobs=args.n_jobs,
        install=not args.no_install,
        force=args.force,
        doc_file=args.doc,
    )
    if args.quick:
        request.settings = SMCSettings(particles=20, first=60, per_generation=30, generations=1)
        request.backtest_settings = SMCSettings(
            particles=15, first=60, per_generation=20, generations=1
        )
        request.check_replicates = 3
        request.predictive_replicates = 6
        request.install = False
    request.settings.check()
    if request.backtest:
        request.backtest_settings.check()
    return request


def main(argv: list[str] | None = None) -> None:
    """Console entry point of ``hdsim-calibrate``."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    args = parser().parse_args(argv)
    try:
        request = request_from(args)
        check_folder(request.out_dir)  # before the first of its runs
        outcome = calibrate(request, say=lambda line: print(line, flush=True))
    except (ConfigError, OutputError) as exc:  # CalibrationError is a ConfigError
        print(f"hdsim-calibrate: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except ValueError as exc:
        from hdsim.data import DataError

        if isinstance(exc, DataError):
            print(f"hdsim-calibrate: error: {exc}", file=sys.stderr)
            sys.exit(2)
        raise
    status = "installed into the county folder" if outcome.installed else "not installed"
    if not outcome.accepted:
        status += " (point estimate check FAILED: see report.md)"
    print(f"hdsim-calibrate: {status}; report: {request.out_dir / 'report.md'}", flush=True)
    if request.install and not outcome.accepted and not request.force:
        sys.exit(1)


if __name__ == "__main__":
    main()
