"""``hdsim-target``: the smallest lever intensity at which P(reach the target) attains a level.

For one lever (``--lever scenario.policies.hukou_reform.intensity``) or for a policy package
scaled by one factor (``--package``: every lever the scenario switches on, intensity times the
factor), the search evaluates candidate values with the same replicates, hence the same random
streams (common random numbers: a candidate differs from another only by the lever). The
probability of reaching the target rate by the end of the target year is the share of replicates
that do, with a Wilson 95% interval.

Search: evaluate the top of the range; a level that is not reached there is reported as "not
reachable within the lever's range". Otherwise evaluate the bottom, then bisect between the
highest value known to fall short and the lowest value known to reach the level until the bracket
is narrower than ``--tolerance``; the answer is the upper end of the bracket. With common random
numbers each replicate's outcome is, in practice, monotone in the intensity, so the estimated
probability is too; a non-monotone pair of candidates is flagged in the output.

Outputs in ``--out`` (default ``target/<date_time>``): ``target_seeking.csv`` (one row per
level), ``target_candidates.csv`` (every candidate evaluated), ``target.md``, and the runs of
each candidate in ``candidates/<value>/`` (resumable: rerunning with the same ``--out`` skips
complete runs).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from hdsim.calibration.effective import effective_config
from hdsim.composition import compose
from hdsim.config.fields import ConfigError
from hdsim.data import CountyData, load_county_data
from hdsim.ensemble import wilson_interval
from hdsim.experiments.design import package_levers, schema_field
from hdsim.model.config import HdsimConfig, to_config
from hdsim.run import run_and_write, run_and_write_scenarios
from hdsim.utils.io import OutputError, atomic_write_text, check_folder
from hdsim.utils.pool import process_pool, stop_pool, worker_count

INTENSITY_MAX = 2.0


@dataclass
class Evaluation:
    """The replicates of one candidate value.

    Attributes:
        value: Lever intensity (or package factor).
        reached: Number of replicates reaching the target.
        runs: Number of replicates.
        rate_mean: Mean urbanization rate at the end of the target year.
        rate_p05: Its 5% quantile over replicates.
        rate_p95: Its 95% quantile over replicates.
    """

    value: float
    reached: int
    runs: int
    rate_mean: float = float("nan")
    rate_p05: float = float("nan")
    rate_p95: float = float("nan")

    @property
    def p_reach(self) -> float:
        """Share of replicates reaching the target."""
        return self.reached / self.runs if self.runs else float("nan")


@dataclass
class Threshold:
    """Answer of the search for one probability level.

    Attributes:
        level: Probability level sought.
        status: ``reached``, ``reached at the bottom of the range`` or ``not reachable within
            the lever's range``.
        value: Smallest value found reaching the level (None if not reachable).
        bracket_low: Highest value evaluated that falls short (None if none).
        bracket_high: Lowest value evaluated that reaches the level (None if none).
    """

    level: float
    status: str
    value: float | None
    bracket_low: float | None
    bracket_high: float | None


def find_thresholds(
    evaluate: Callable[[float], Evaluation],
    low: float,
    high: float,
    levels: list[float],
    tolerance: float,
) -> tuple[list[Threshold], dict[float, Evaluation]]:
    """Smallest value in ``[low, high]`` at which the estimated P(reach) attains each level.

    Args:
        evaluate: Runs the replicates of one value (with common random numbers).
        low: Bottom of the lever's range.
        high: Top of the lever's range.
        levels: Probability levels (e.g. 0.5, 0.8).
        tolerance: Width of the final bracket.

    Returns:
        One answer per level, and every evaluation made (by value).
    """
    cache: dict[float, Evaluation] = {}

    def p(x: float) -> float:
        x = round(float(x), 10)
        if x not in cache:
            cache[x] = evaluate(x)
        return cache[x].p_reach

    out = []
    for level in sorted(levels):
        if p(high) < level:
            out.append(Threshold(level, "not reachable within the lever's range", None, high, None))
            continue
        if p(low) >= level:
            out.append(Threshold(level, "reached at the bottom of the range", low, None, low))
            continue
        short = max((x for x, e in cache.items() if e.p_reach < level), default=low)
        reach = min((x for x, e in cache.items() if e.p_reach >= level and x > short), default=high)
        while reach - short > tolerance:
            mid = (short + reach) / 2
            if p(mid) >= level:
                reach = mid
            else:
                short = mid
        out.append(Threshold(level, "reached", reach, short, reach))
    return out, cache


def candidate_config(cfg: HdsimConfig, lever: str | None, value: float) -> HdsimConfig:
    """``cfg`` with the lever set to ``value`` (or the package scaled by ``value``)."""
    conf = OmegaConf.structured(cfg)
    keys = {lever: value} if lever else {k: v * value for k, v in package_levers(cfg).items()}
    for key, v in keys.items():
        OmegaConf.update(conf, key, v, merge=False)
    new = to_config(conf)
    label = lever.rsplit(".", 2)[-2] if lever else "package"
    return replace(
        new, scenario=replace(new.scenario, name=f"{cfg.scenario.name}@{label}={value:.4f}")
    )


_WORKER_DATA: CountyData | None = None


def init_worker(data_dir: str | None) -> None:
    """Load the county data once in a worker (or in the parent when it runs serially)."""
    global _WORKER_DATA
    _WORKER_DATA = load_county_data(data_dir)


def run_rate(cfg: HdsimConfig, replicate: int, run_dir: Path) -> float:
    """Run (or reuse) one replicate; its rate at the end of the target year."""
    county = run_and_write(effective_config(cfg, replicate), replicate, run_dir, _WORKER_DATA)
    return _target_year_rate(county, cfg)


def run_rates(runs: list[tuple[HdsimConfig, Path]], replicate: int) -> list[float]:
    """Run (or reuse) replicate ``replicate`` of several configs, sharing their first months.

    The configs' months before any of their levers acts are simulated once
    (:func:`hdsim.run.run_and_write_scenarios`); each run's files are those of its own run.

    Returns:
        The rate at the end of the target year of each run, in the order of ``runs``.
    """
    eff = [(effective_config(cfg, replicate), run_dir) for cfg, run_dir in runs]
    frames = run_and_write_scenarios(eff, replicate, _WORKER_DATA)
    return [_target_year_rate(county, cfg) for county, (cfg, _) in zip(frames, runs, strict=True)]


def _target_year_rate(county: pd.DataFrame, cfg: HdsimConfig) -> float:
    """The urbanization rate of a run's county series at the end of ``cfg``'s target year."""
    end = pd.Timestamp(f"{cfg.horizon.target_year}-12-31")
    rate = county[(county["indicator"] == "urbanization_rate") & (county["date"] == end)]
    return float(rate["value"].iloc[0])


def make_evaluator(
    cfg: HdsimConfig, lever: str | None, replicates: int, out: Path, pool: Executor | None
) -> Callable[[float], Evaluation]:
    """An ``evaluate`` function running replicates ``0..replicates-1`` of a candidate.

    Every candidate uses the same replicate numbers, hence the same random streams.
    """
    h = cfg.horizon

    def evaluate(value: float) -> Evaluation:
        cand = candidate_config(cfg, lever, value)
        root = out / "candidates" / f"{value:.4f}"
        dirs = [root / f"rep_{r:03d}" for r in range(replicates)]
        if pool is None:
            rates = [run_rate(cand, r, d) for r, d in enumerate(dirs)]
        else:
            rates = list(pool.map(run_rate, [cand] * replicates, range(replicates), dirs))
        rate = pd.Series(rates)
        reached = int((rate >= h.target_rate).sum())
        print(
            f"hdsim-target: {value:.4f}: P(reach)={reached}/{len(rate)}, "
            f"mean rate {rate.mean():.2%}",
            flush=True,
        )
        return Evaluation(
            value, reached, len(rate), rate.mean(), rate.quantile(0.05), rate.quantile(0.95)
        )

    return evaluate


def tables(
    answers: list[Threshold], cache: dict[float, Evaluation], label: str, low: float, high: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The answer table (one row per level) and the candidate table."""
    cand = pd.DataFrame(
        [
            {
                "value": e.value,
                "runs": e.runs,
                "reached": e.reached,
                "p_reach": e.p_reach,
                "p_reach_lo": wilson_interval(e.reached, e.runs)[0],
                "p_reach_hi": wilson_interval(e.reached, e.runs)[1],
                "rate_mean": e.rate_mean,
                "rate_p05": e.rate_p05,
                "rate_p95": e.rate_p95,
            }
            for e in sorted(cache.values(), key=lambda e: e.value)
        ]
    )
    cand.insert(0, "lever", label)
    cand["monotone_ok"] = cand["p_reach"].cummax().eq(cand["p_reach"])
    rows = []
    for a in answers:
        at = cache.get(round(a.value, 10)) if a.value is not None else cache.get(round(high, 10))
        lo, hi = wilson_interval(at.reached, at.runs) if at else (np.nan, np.nan)
        rows.append(
            {
                "lever": label,
                "level": a.level,
                "status": a.status,
                "value": a.value,
                "bracket_low": a.bracket_low,
                "bracket_high": a.bracket_high,
                "p_reach_at_value": at.p_reach if at else np.nan,
                "p_reach_lo": lo,
                "p_reach_hi": hi,
                "range_low": low,
                "range_high": high,
                "replicates": at.runs if at else np.nan,
            }
        )
    return pd.DataFrame(rows), cand


def run_target(
    overrides: list[str],
    lever: str | None,
    levels: list[float],
    value_range: tuple[float, float] | None,
    replicates: int,
    tolerance: float,
    out: Path,
    n_jobs: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Search the thresholds and write the tables; see the module docstring.

    Raises:
        ConfigError: Bad lever key, range, levels or override.
    """
    cfg = compose(overrides=overrides)
    if lever is not None:
        f = schema_field(lever)
        lo_b, hi_b = f.metadata["bounds"]
        default = (lo_b, hi_b)
        label = lever
    else:
        base = package_levers(cfg)
        if not base:
            raise ConfigError(
                f"scenario {cfg.scenario.name} switches no lever on: choose a scenario with "
                "levers (e.g. scenario=seven_actions) or a --lever"
            )
        lo_b, hi_b = 0.0, INTENSITY_MAX / max(base.values())
        default = (lo_b, hi_b)
        label = f"package:{cfg.scenario.name}"
    low, high = value_range if value_range is not None else default
    if not (lo_b is None or low >= lo_b) or not (hi_b is None or high <= hi_b) or low >= high:
        raise ConfigError(
            f"--range {low} {high} must be increasing and inside [{lo_b}, {hi_b}] for {label}"
        )
    if not levels or any(not 0 < v <= 1 for v in levels):
        raise ConfigError("--levels must be probabilities in (0, 1]")
    if tolerance <= 0:
        raise ConfigError("--tolerance must be positive")
    started = time.perf_counter()
    workers = worker_count(n_jobs) if n_jobs else 1
    if workers == 1:
        init_worker(cfg.data.dir)
        answers, cache = find_thresholds(
            make_evaluator(cfg, lever, replicates, out, None), low, high, levels, tolerance
        )
    else:
        pool = process_pool(workers, init_worker, (cfg.data.dir,))
        try:
            evaluate = make_evaluator(cfg, lever, replicates, out, pool)
            answers, cache = find_thresholds(evaluate, low, high, levels, tolerance)
        except BaseException:  # Ctrl-C or a failed run: end the workers now, keep finished runs
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)
    answer, cand = tables(answers, cache, label, low, high)
    h = cfg.horizon
    answer["target_rate"] = h.target_rate
    answer["target_year"] = h.target_year
    answer["scale"] = cfg.households.scale
    atomic_write_text(out / "target_seeking.csv", answer.to_csv(index=False))
    atomic_write_text(out / "target_candidates.csv", cand.to_csv(index=False))
    seconds = time.perf_counter() - started
    runs = int(cand["runs"].sum())
    lines = [
        f"# Target seeking: {label}\n\n",
        f"Smallest value in [{low}, {high}] at which P(rate ≥ {h.target_rate:.0%} at end "
        f"{h.target_year}) reaches each level; {replicates} replicates per candidate with "
        f"common random numbers, scale {cfg.households.scale}, tolerance {tolerance}.\n\n",
        "| level | answer | P(reach) at answer [95% CI] |\n|---|---|---|\n",
    ]
    for r in answer.itertuples():
        value = f"{r.value:.3f}" if r.value is not None and not pd.isna(r.value) else "—"
        lines.append(
            f"| {r.level:.2f} | {r.status}: {value} | {r.p_reach_at_value:.2f} "
            f"[{r.p_reach_lo:.2f}-{r.p_reach_hi:.2f}] |\n"
        )
    lines.append(
        f"\n{len(cand)} candidates, {runs} runs, {seconds:.1f} s "
        f"({runs / max(seconds, 1e-9) * 60:.1f} runs/min).\n"
    )
    atomic_write_text(out / "target.md", "".join(lines))
    return answer, cand


VALUE_OPTIONS: frozenset[str] = frozenset(
    {"--lever", "--out", "--replicates", "--tolerance", "--jobs", "--range"}
)
"""Options of ``hdsim-target`` whose next argument is their value (never an override)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hdsim-target`` (every option with its help text)."""
    parser = argparse.ArgumentParser(
        prog="hdsim-target",
        description="Smallest lever intensity (or package factor) at which P(reach target) "
        "attains the given levels. Extra arguments are hdsim config overrides.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--lever", help="dotted key, e.g. scenario.policies.hukou_reform.intensity")
    which.add_argument(
        "--package", action="store_true", help="scale every lever the scenario switches on"
    )
    parser.add_argument(
        "--levels",
        type=float,
        nargs="+",
        default=[0.5, 0.8],
        metavar="P",
        help="probability levels in (0, 1] to find the threshold for (default: 0.5 0.8)",
    )
    parser.add_argument(
        "--range",
        type=float,
        nargs=2,
        default=None,
        metavar=("LOW", "HIGH"),
        help="search interval of the lever value or package factor (default: its whole range)",
    )
    parser.add_argument(
        "--replicates", type=int, default=20, help="replicates per candidate value (default: 20)"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.05,
        help="width of the final bracket, in lever (or factor) units (default: 0.05)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="processes (-1 = one per core)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: target/<date>_<time>)",
    )
    parser.add_argument(
        "overrides", nargs="*", help="e.g. scenario=seven_actions households.scale=0.1"
    )
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse ``hdsim-target``'s command line; ``KEY=VALUE`` overrides may come anywhere.

    ``--levels`` takes any number of values, so argparse alone would swallow the overrides
    written after it (``--levels 0.5 0.8 scenario=hukou_reform``, as the README writes it);
    overrides (``KEY=VALUE`` not given as an option's value) are set aside first.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    options, overrides = split_overrides(argv, VALUE_OPTIONS)
    args = build_parser().parse_args(options)
    args.overrides = [*args.overrides, *overrides]
    return args


def split_overrides(argv: list[str], value_options: frozenset[str]) -> tuple[list[str], list[str]]:
    """A command line's options and its ``KEY=VALUE`` overrides, which may come anywhere.

    An argument with ``=`` that is not an option and not the value of one of
    ``value_options`` is an override, even after an option with any number of values.

    Returns:
        ``(options, overrides)``, each in the command line's order.
    """
    options: list[str] = []
    overrides: list[str] = []
    previous = ""
    for arg in argv:
        if "=" in arg and not arg.startswith("-") and previous not in value_options:
            overrides.append(arg)
        else:
            options.append(arg)
        previous = arg
    return options, overrides


def main(argv: list[str] | None = None) -> None:
    """Console entry point of ``hdsim-target``."""
    args = parse_args(argv)
    out = args.out or Path("target") / time.strftime("%Y-%m-%d_%H-%M-%S")
    if args.replicates < 1:
        print("hdsim-target: error: --replicates must be at least 1", file=sys.stderr)
        sys.exit(2)
    try:
        check_folder(out)  # before the first candidate runs
        run_target(
            args.overrides,
            args.lever,
            args.levels,
            tuple(args.range) if args.range else None,
            args.replicates,
            args.tolerance,
            out,
            args.jobs,
        )
    except (ConfigError, OutputError) as exc:
        print(f"hdsim-target: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        interrupted("hdsim-target", out, "candidates/*/rep_*/_SUCCESS", argv)
    print((out / "target.md").read_text(encoding="utf-8"))
    print(f"hdsim-target: outputs in {out}")


def interrupted(program: str, out: Path, runs: str, argv: list[str] | None) -> NoReturn:
    """Ctrl-C: one line saying what is kept and how to resume; exit status 130.

    The drivers write every run with its completion key, so the same command with the same
    ``--out`` reuses the finished runs and recomputes the rest.

    Args:
        program: The command's name (``hdsim-target``, ``hdsim-assumptions``).
        out: Its output folder.
        runs: Glob, under ``out``, of the finished runs' ``_SUCCESS`` keys.
        argv: The command's arguments (None: ``sys.argv[1:]``); ``--out`` is added when absent.
    """
    done = sum(1 for _ in out.glob(runs))
    args = list(sys.argv[1:] if argv is None else argv)
    if "--out" not in args:
        args += ["--out", str(out)]
    command = shlex.join([program, *args])
    print(
        f"{program}: interrupted; {done} finished run(s) kept in {out}; resume with: {command}",
        file=sys.stderr,
        flush=True,
    )
    sys.exit(130)


if __name__ == "__main__":
    main()
