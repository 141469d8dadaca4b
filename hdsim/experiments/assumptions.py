"""``hdsim-assumptions``: the assumption each policy's gain rests on most.

A policy's gain (its end-of-target-year resident urbanization rate minus the baseline's, paired
by replicate) is computed with the model as configured, then again with one assumption at a
time set low and high: a magnitude of one of the scenario's levers (jobs, quality points,
dwellings at intensity 1), halved and doubled, or a behaviour parameter that is a judgement
(the utilities of the location choice, the hukou barrier, hiring, conversion, purchase, the
school-closure rule), at its declared uncertainty range or halved and doubled. The assumption
whose two settings move the gain furthest apart (the *swing*) is the one the gain rests on most.

Every arm runs replicates ``0..R-1`` with the same seeds, hence the same random streams and the
same posterior particles (common random numbers): a behaviour arm reruns the baseline with the
same change, so that its gain is still a paired difference. A lever arm changes only its
scenario. A scenario with more than ``group_levers_above`` levers (the whole plan) varies each
lever's magnitudes together, so the answer names a lever; a smaller one varies each magnitude.

Outputs in ``--out`` (default ``assumptions/<date_time>``): ``assumptions.csv`` (one row per
scenario and assumption: values tried, gain at each, swing, rank), ``assumptions.md`` (per
scenario, the three assumptions with the largest swing, in Chinese and English), and every run
in ``runs/<arm>/rep_<r>`` (resumable: the same command with the same ``--out`` reuses them).
The settings are data: ``hdsim/experiments/assumptions.yaml``.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import hashlib
import sys
import time
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from omegaconf import OmegaConf

from hdsim.calibration.effective import with_overrides
from hdsim.composition import compose
from hdsim.config.fields import ConfigError
from hdsim.config.policies import Lever
from hdsim.experiments.design import schema_field
from hdsim.experiments.target import init_worker, interrupted, run_rates, split_overrides
from hdsim.model.config import HdsimConfig, to_config
from hdsim.run import sharing_groups
from hdsim.utils.io import OutputError, atomic_write_text, check_folder
from hdsim.utils.pool import process_pool, stop_pool

__all__ = ["SETTINGS", "Arm", "Assumption", "assumptions_of", "main", "run_assumptions"]

SETTINGS: Path = Path(__file__).with_suffix(".yaml")
"""The default settings (replicates, scale, factor, behaviour parameters)."""

_BASE_FIELDS = frozenset(f.name for f in dataclasses.fields(Lever))

ARMS_PER_TASK = 8
"""Arms of one replicate a task runs together at most: they simulate the months before their
levers once (``hdsim.run.run_scenarios``); smaller tasks keep every worker busy to the end."""


@dataclass(frozen=True)
class Assumption:
    """One assumption tried low and high.

    Attributes:
        key: What is changed: a dotted config key, or ``scenario.policies.<lever>`` for all the
            lever's magnitudes together.
        kind: ``lever`` (a lever's magnitude or magnitudes) or ``behaviour``.
        status: What the value rests on (``assumption``, ``estimate``, ``unmarked``...).
        settings: ``{"low": {key: value}, "high": {key: value}}``: the overrides of each arm.
        label: Short text for the tables (the key, with the values tried).
    """

    key: str
    kind: str
    status: str
    settings: dict[str, dict[str, float]]
    label: str


@dataclass(frozen=True)
class Arm:
    """One configuration run for every replicate.

    Attributes:
        name: Folder name of the arm's runs.
        scenario: Scenario the arm runs.
        changes: Config keys set, with their values.
    """

    name: str
    scenario: str
    changes: tuple[tuple[str, float], ...]


def _status(f: dataclasses.Field[Any]) -> str:
    """What a lever field's value rests on, from its metadata or its help text."""
    status = f.metadata.get("status")
    if status:
        return str(status)
    help_text = str(f.metadata.get("help", "")).lower()
    for word in ("assumption", "estimate", "literature", "official"):
        if word in help_text:
            return word
    return "unmarked"


def _clip(value: float, bounds: tuple[float | None, float | None], integer: bool) -> float:
    lo, hi = bounds
    if lo is not None:
        value = max(value, lo)
    if hi is not None:
        value = min(value, hi)
    return round(value) if integer else float(value)


def _low_high(value: float, f: dataclasses.Field[Any], factor: float) -> tuple[float, float] | None:
    """The values an assumption is tried at, or None when halving/doubling changes nothing."""
    info = f.metadata.get("parameter")
    integer = isinstance(value, int) and not isinstance(value, bool)
    if info is not None and info.uncertainty is not None:
        low, high = (float(v) for v in info.uncertainty)
    else:
        bounds = f.metadata.get("bounds", (None, None))
        low = _clip(value / factor, bounds, integer)
        high = _clip(value * factor, bounds, integer)
    if low == high or value == 0:
        return None
    return low, high


def _fmt(v: float) -> str:
    return f"{v:g}"


def lever_magnitudes(cfg: HdsimConfig, lever: str) -> Iterator[tuple[str, float, Any]]:
    """The magnitude fields of a switched-on lever: dotted key, value, dataclass field."""
    config = getattr(cfg.scenario.policies, lever)
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name in _BASE_FIELDS or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        yield f"scenario.policies.{lever}.{f.name}", value, f


def assumptions_of(
    cfg: HdsimConfig, behaviour: list[str], factor: float, group_levers_above: int
) -> list[Assumption]:
    """The assumptions tried for the scenario of ``cfg`` (its levers' and the behaviour's).

    Raises:
        ConfigError: A behaviour key names no parameter.
    """
    out: list[Assumption] = []
    levers = [
        name
        for name, lever in vars(cfg.scenario.policies).items()
        if getattr(lever, "intensity", 0) and lever.is_on()
    ]
    grouped = len(levers) > group_levers_above
    for lever in levers:
        fields = [(k, v, f, _low_high(v, f, factor)) for k, v, f in lever_magnitudes(cfg, lever)]
        fields = [row for row in fields if row[3] is not None]
        if not fields:
            continue
        if grouped:
            low = {k: lh[0] for k, _, _, lh in fields if lh}
            high = {k: lh[1] for k, _, _, lh in fields if lh}
            statuses = sorted({_status(f) for _, _, f, _ in fields})
            out.append(
                Assumption(
                    f"scenario.policies.{lever}",
                    "lever",
                    "/".join(statuses),
                    {"low": low, "high": high},
                    f"{lever}: magnitudes ÷{factor:g} / ×{factor:g}",
                )
            )
            continue
        for key, value, f, lh in fields:
            assert lh is not None
            out.append(
                Assumption(
                    key,
                    "lever",
                    _status(f),
                    {"low": {key: lh[0]}, "high": {key: lh[1]}},
                    f"{key.removeprefix('scenario.policies.')} {_fmt(value)} → "
                    f"{_fmt(lh[0])} / {_fmt(lh[1])}",
                )
            )
    for name in behaviour:
        key = f"behaviour.{name}"
        try:
            f = schema_field(key)
        except ConfigError as exc:
            raise ConfigError(
                f"behaviour '{name}' is not a numeric behaviour parameter (write it dotted "
                "under behaviour, e.g. location.beta_income; list: docs/parameters.md)"
            ) from exc
        value = OmegaConf.select(OmegaConf.structured(cfg), key)
        lh = _low_high(value, f, factor)
        if lh is None:
            continue
        info = f.metadata.get("parameter")
        out.append(
            Assumption(
                key,
                "behaviour",
                info.status if info else "unmarked",
                {"low": {key: lh[0]}, "high": {key: lh[1]}},
                f"{name} {_fmt(value)} → {_fmt(lh[0])} / {_fmt(lh[1])}",
            )
        )
    return out


def arm_config(
    base: HdsimConfig, changes: tuple[tuple[str, float], ...], typed: HdsimConfig | None = None
) -> HdsimConfig:
    """``base`` with the arm's keys set (behaviour keys recorded as the user's overrides).

    A changed arm may overspend the yearly budget (``allow_over_budget``): the question is what
    the gain rests on with the spending as planned, not whether the budget line holds.

    The arm is a copy of ``base`` as the schema types it (``typed``: :func:`typed_base` of
    ``base``, which a caller making many arms of one base passes in) with its keys set as
    OmegaConf would set them (:func:`_set_key`), then validated: the configuration the per-arm
    ``OmegaConf.structured`` round trip gave (``tests/test_startup.py`` holds them equal), in a
    few milliseconds instead of about 0.13 s (two conversions per arm).
    """
    if not changes:
        return base
    conf = copy.deepcopy(typed if typed is not None else typed_base(base))
    _set_key(conf, "scenario.policies.budget.allow_over_budget", True)
    for key, value in changes:
        _set_key(conf, key, value)
    new = to_config(conf)
    return with_overrides(new, [f"{k}={v}" for k, v in changes if k.startswith("behaviour.")])


def typed_base(base: HdsimConfig) -> HdsimConfig:
    """``base`` through the schema (``OmegaConf.structured``, then back to dataclasses).

    The round trip gives each value the type the schema declares, as the per-arm conversion
    did; the arms of one base copy its result instead of converting again.
    """
    return to_config(OmegaConf.structured(base))


def _set_key(conf: HdsimConfig, key: str, value: Any) -> None:
    """Set a dotted key of a dataclass tree in place, converting as OmegaConf's update does.

    A float field takes an int as a float; an int or bool field takes only its own type.

    Raises:
        ConfigError: The key names no field, or the value does not fit its type.
    """
    *path, leaf = key.split(".")
    node: Any = conf
    for part in path:
        node = getattr(node, part, None)
        if node is None or not dataclasses.is_dataclass(node):
            raise ConfigError(f"{key}: no such key of the configuration")
    hints = typing.get_type_hints(type(node))
    if leaf not in hints:
        raise ConfigError(f"{key}: no such key of the configuration")
    kind = hints[leaf]
    kinds = set(typing.get_args(kind)) - {type(None)} or {kind}
    if float in kinds and isinstance(value, int | float) and not isinstance(value, bool):
        value = float(value)
    elif not any(isinstance(k, type) and type(value) is k for k in kinds):
        raise ConfigError(f"{key}={value!r}: not of type {kind}")
    setattr(node, leaf, value)


def _arm_name(scenario: str, changes: tuple[tuple[str, float], ...]) -> str:
    if not changes:
        return scenario
    parts = [
        f"{k.removeprefix('scenario.policies.').removeprefix('behaviour.')}={_fmt(v)}"
        for k, v in changes
    ]
    name = f"{scenario}@{','.join(parts)}"
    if len(name) > 120:  # a lever's magnitudes together: name the lever and the direction
        lever = changes[0][0].split(".")[2]
        name = f"{scenario}@{lever}@{hashlib.sha256(name.encode()).hexdigest()[:10]}"
    return name.replace("/", "_")


def plan_arms(
    scenarios: dict[str, HdsimConfig], baseline: str, found: dict[str, list[Assumption]]
) -> list[Arm]:
    """Every distinct arm: the scenarios as configured, and each assumption's low and high."""
    arms: dict[str, Arm] = {}

    def add(scenario: str, changes: dict[str, float]) -> None:
        items = tuple(sorted(changes.items()))
        arm = Arm(_arm_name(scenario, items), scenario, items)
        arms.setdefault(arm.name, arm)

    add(baseline, {})
    for name in scenarios:
        add(name, {})
        for a in found[name]:
            for side in ("low", "high"):
                add(name, a.settings[side])
                if a.kind == "behaviour":
                    add(baseline, a.settings[side])
    return list(arms.values())


def run_assumptions(
    overrides: list[str],
    scenarios: list[str] | None,
    settings: dict[str, Any],
    out: Path,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Run every arm, write the tables, return the assumption table (module docstring).

    Raises:
        ConfigError: A bad override, scenario or behaviour key.
    """
    started = time.perf_counter()
    scale = float(settings["scale"])
    items = [f"households.scale={scale}", *overrides]
    base = compose(overrides=items)
    baseline = "baseline"
    names = scenarios or [s for s in base.compare if s != baseline]
    if not names:
        raise ConfigError("no policy scenario to analyse: give --scenarios NAME [NAME ...]")
    configs = {name: compose(name, items) for name in [baseline, *names]}
    found = {
        name: assumptions_of(
            configs[name],
            list(settings["behaviour"]),
            float(settings["factor"]),
            int(settings["group_levers_above"]),
        )
        for name in names
    }
    arms = plan_arms({n: configs[n] for n in names}, baseline, found)
    replicates = int(settings["replicates"])
    typed = {name: typed_base(cfg) for name, cfg in configs.items()}  # once per scenario
    arm_configs = [
        arm_config(configs[arm.scenario], arm.changes, typed[arm.scenario]) for arm in arms
    ]
    groups = sharing_groups(arm_configs, ARMS_PER_TASK)
    tasks = [
        ([(arm_configs[a], out / "runs" / arms[a].name / f"rep_{r:03d}") for a in group], r)
        for r in range(replicates)
        for group in groups
    ]
    n_runs = len(arms) * replicates
    print(
        f"hdsim-assumptions: {len(arms)} arms x {replicates} replicates = {n_runs} runs "
        f"at scale {scale}",
        flush=True,
    )
    if n_jobs == 1:
        init_worker(base.data.dir)
        done = [run_rates(*t) for t in tasks]
    else:
        pool = process_pool(n_jobs, init_worker, (base.data.dir,))
        try:
            done = list(pool.map(run_rates, *zip(*tasks, strict=True), chunksize=1))
        except BaseException:  # Ctrl-C or a failed run: end the workers now, keep finished runs
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)
    rates = np.empty((replicates, len(arms)))
    for t, group_rates in enumerate(done):  # tasks run replicate by replicate, group by group
        rates[t // len(groups), groups[t % len(groups)]] = group_rates
    by_arm: dict[str, np.ndarray] = {}
    for arm_index, arm in enumerate(arms):
        by_arm[arm.name] = rates[:, arm_index]
    table = _table(arms, found, baseline, by_arm, replicates, scale)
    atomic_write_text(out / "assumptions.csv", table.to_csv(index=False))
    seconds = time.perf_counter() - started
    atomic_write_text(
        out / "assumptions.md",
        _markdown(table, base, replicates, scale, float(settings["factor"]), n_runs, seconds),
    )
    return table


def _gain(by_arm: dict[str, np.ndarray], scen: str, base: str) -> tuple[float, float]:
    d = by_arm[scen] - by_arm[base]
    se = float(d.std(ddof=1) / np.sqrt(d.size)) if d.size > 1 else float("nan")
    return float(d.mean()), se


def _table(
    arms: list[Arm],
    found: dict[str, list[Assumption]],
    baseline: str,
    by_arm: dict[str, np.ndarray],
    replicates: int,
    scale: float,
) -> pd.DataFrame:
    names = {(a.scenario, a.changes): a.name for a in arms}

    def arm(scenario: str, changes: dict[str, float]) -> str:
        return names[(scenario, tuple(sorted(changes.items())))]

    rows = []
    for scen, assumptions in found.items():
        gain, gain_se = _gain(by_arm, arm(scen, {}), arm(baseline, {}))
        for a in assumptions:
            sides = {}
            for side in ("low", "high"):
                b = arm(baseline, a.settings[side]) if a.kind == "behaviour" else arm(baseline, {})
                sides[side] = _gain(by_arm, arm(scen, a.settings[side]), b)
            rows.append(
                {
                    "scenario": scen,
                    "assumption": a.key,
                    "kind": a.kind,
                    "status": a.status,
                    "label": a.label,
                    "gain": gain,
                    "gain_se": gain_se,
                    "gain_low": sides["low"][0],
                    "gain_low_se": sides["low"][1],
                    "gain_high": sides["high"][0],
                    "gain_high_se": sides["high"][1],
                    "swing": abs(sides["high"][0] - sides["low"][0]),
                    "replicates": replicates,
                    "scale": scale,
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["rank"] = table.groupby("scenario")["swing"].rank(ascending=False, method="first")
    table["rank"] = table["rank"].astype(int)
    return table.sort_values(["scenario", "rank"], kind="stable").reset_index(drop=True)


def _pp(v: float) -> str:
    return f"{v * 100:+.2f}"


def _markdown(
    table: pd.DataFrame,
    cfg: HdsimConfig,
    replicates: int,
    scale: float,
    factor: float,
    runs: int,
    seconds: float,
) -> str:
    h = cfg.horizon
    lines = [
        "# 政策增益最依赖的假设 / The assumption each policy's gain rests on most\n\n",
        f"Gain = the scenario's resident urbanization rate at end {h.target_year} minus the "
        f"baseline's, in percentage points, mean ± se over {replicates} paired replicates "
        f"(common random numbers, behaviour drawn from the posterior), scale {scale}. Each "
        f"assumption is tried low and high (÷{factor:g} and ×{factor:g}, or its declared "
        "uncertainty range); swing = |gain high − gain low|.\n\n",
        "| 情景 scenario | 增益 gain (pp) | 最依赖的假设 assumption (values tried) | 依据 status | "
        "低 → 增益 gain low | 高 → 增益 gain high | swing |\n|---|---|---|---|---|---|---|\n",
    ]
    for scen, rows in table.groupby("scenario", sort=False):
        for r in rows.head(3).itertuples():
            lines.append(
                f"| {scen} | {_pp(r.gain)} ± {r.gain_se * 100:.2f} | {r.label} | {r.status} | "
                f"{_pp(r.gain_low)} ± {r.gain_low_se * 100:.2f} | "
                f"{_pp(r.gain_high)} ± {r.gain_high_se * 100:.2f} | {r.swing * 100:.2f} |\n"
            )
    lines.append(f"\n{runs} runs in {seconds:.0f} s. All rows: `assumptions.csv`.\n")
    return "".join(lines)


def load_settings(path: Path | None = None, **changes: Any) -> dict[str, Any]:
    """The settings of :data:`SETTINGS` (or ``path``) with the command line's changes.

    Raises:
        ConfigError: The file cannot be read, or a value is out of range.
    """
    path = path or SETTINGS
    try:
        settings = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the settings {path}: {exc}") from exc
    settings.update({k: v for k, v in changes.items() if v is not None})
    if int(settings["replicates"]) < 2:
        raise ConfigError("--replicates must be at least 2 (a gain's se needs two pairs)")
    if not 0 < float(settings["scale"]) <= 4:
        raise ConfigError(f"--scale must be in (0, 4], not {settings['scale']}")
    if not float(settings["factor"]) > 1:
        raise ConfigError(f"--factor must be above 1, not {settings['factor']}")
    return settings


VALUE_OPTIONS: frozenset[str] = frozenset(
    {"--replicates", "--scale", "--factor", "--settings", "--jobs", "--out"}
)
"""Options whose next argument is their value (never an override)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hdsim-assumptions``."""
    parser = argparse.ArgumentParser(
        prog="hdsim-assumptions",
        description="Which assumption each policy's gain rests on most: every lever magnitude "
        "and listed behaviour parameter tried low and high, gains paired by replicate. Extra "
        "arguments are hdsim config overrides.",
    )
    parser.add_argument(
        "--scenarios",
        nargs="+",
        default=None,
        metavar="NAME",
        help="policy scenarios (default: the main job's compare list)",
    )
    parser.add_argument(
        "--replicates",
        type=int,
        default=None,
        help="replicates per arm (default: assumptions.yaml, 3)",
    )
    parser.add_argument(
        "--scale", type=float, default=None, help="households.scale of every run (default: 0.1)"
    )
    parser.add_argument(
        "--factor",
        type=float,
        default=None,
        help="try each assumption at value/factor and value*factor (default: 2)",
    )
    parser.add_argument(
        "--behaviour",
        nargs="+",
        default=None,
        metavar="KEY",
        help="behaviour parameters to try (dotted under behaviour)",
    )
    parser.add_argument(
        "--settings",
        type=Path,
        default=None,
        help="a settings file in the form of hdsim/experiments/assumptions.yaml",
    )
    parser.add_argument("--jobs", type=int, default=1, help="processes (-1 = one per core)")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: assumptions/<date>_<time>)"
    )
    parser.add_argument("overrides", nargs="*", help="e.g. horizon.target_year=2030")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Console entry point of ``hdsim-assumptions``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    options, overrides = split_overrides(argv, VALUE_OPTIONS)
    args = build_parser().parse_args(options)
    out = args.out or Path("assumptions") / time.strftime("%Y-%m-%d_%H-%M-%S")
    try:
        check_folder(out)  # before the first arm runs
        settings = load_settings(
            args.settings,
            replicates=args.replicates,
            scale=args.scale,
            factor=args.factor,
            behaviour=args.behaviour,
        )
        run_assumptions([*args.overrides, *overrides], args.scenarios, settings, out, args.jobs)
    except (ConfigError, OutputError) as exc:
        print(f"hdsim-assumptions: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        interrupted("hdsim-assumptions", out, "runs/*/rep_*/_SUCCESS", argv)
    print((out / "assumptions.md").read_text(encoding="utf-8"))
    print(f"hdsim-assumptions: outputs in {out}")


if __name__ == "__main__":
    main()
