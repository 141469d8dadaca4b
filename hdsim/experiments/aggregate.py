"""``hdsim-aggregate``: collect an experiment folder into tidy tables and ensemble statistics.

``hdsim-aggregate multirun/<experiment>/<date_time>`` finds every run folder below the
experiment folder (Hydra job folders of a sweep, or ``runs/<scenario>/rep_<k>`` of a main job),
and writes into ``<folder>/aggregate/`` (names and columns: ``docs/experiments.md``):

- ``runs.parquet``: the tidy county series of every complete run, with columns experiment,
  scenario, one column per factor (levers, uncertainties and settings that vary across runs, or
  that the design samples; the column is the dotted config key), sample_id, replicate, seed,
  date, indicator, value;
- ``run_index.csv``: one row per run folder with its status (complete, failed, incomplete, corrupt),
  factors, seed spawn key, seconds and, for failed runs, the first line of the error;
  ``failures.csv``: the failed and incomplete ones only;
- ``factors.csv``: each factor column, its kind (lever, uncertainty, setting) and whether the
  design samples it;
- ``outcomes.parquet``: one row per complete run: the urbanization rate at the end of the target
  year, whether it reaches the target, the month and year it first does, the hukou rate;
- ``summary.csv``, ``bands.parquet``, ``crossing_years.csv``: ensemble statistics per group
  (scenario and grid factors; the design's sampled factors and replicates are pooled): mean and
  5/25/50/75/95% bands over time, P(reach target by the target year) with a Wilson 95% interval,
  and the distribution of the crossing year;
- for a sampled design: ``design.csv`` and, from :mod:`~hdsim.experiments.sensitivity` and
  :mod:`~hdsim.experiments.discovery`, ``sensitivity_sobol.csv`` or ``sensitivity_morris.csv``,
  ``prim_boxes.csv`` and ``prim_trajectory.csv``;
- ``rate_change.parquet`` and ``rate_split.csv``: every complete run's split of the urban
  count's yearly change into its statistical part (reclassification) and behavioural part
  (births, deaths, moves), with the identity columns of ``runs.parquet``; and per group the
  mean over runs of the rate's change to the end of the target year in points, split the same
  way (when the runs wrote ``rate_change.parquet``);
- ``report.md``: the same in a few tables for a reader.

Failed runs are listed and left out; the others still aggregate. So are damaged ones (status
``corrupt``): a run whose ``county.parquet`` is truncated or unreadable, or whose configuration
file cannot be parsed, is listed in ``failures.csv`` with the reason, and rerunning the job
recomputes it. The command exits with status 1 when runs failed, are incomplete or corrupt
(after writing everything), 2 on bad input or when the outputs cannot be written (one line).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from omegaconf import OmegaConf

from hdsim.config.fields import ConfigError
from hdsim.config.frame import DesignConfig
from hdsim.ensemble import wilson_interval
from hdsim.experiments.design import (
    apply_design,
    behaviour_source,
    design_frame,
    design_row,
    package_intensity_keys,
    parameter_kind,
    probability_basis,
)
from hdsim.experiments.monitor import ERROR, JOB_RECORD
from hdsim.model.config import HdsimConfig, to_config
from hdsim.run import SUCCESS
from hdsim.utils.io import OutputError, atomic_write_parquet, atomic_write_text

BOOKKEEPING_PREFIXES = (
    "replicate",
    "replicates",
    "progress",
    "n_jobs",
    "compare",
    "output.",
    "experiment.",
    "calibration.particle",
    "calibration.checksum",
    "scenario.name",
    "scenario.label_zh",
    "scenario.question",
)
BAND_INDICATORS = (
    "urbanization_rate",
    "hukou_urbanization_rate",
    "resident_population",
    "urban_population",
    "county_city_population",
)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class AggregateError(Exception):
    """The folder cannot be aggregated; the message is one line."""


class DamagedRunError(Exception):
    """A file of a run folder cannot be read; the message is one line naming it."""


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its class name if it has none)."""
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def check_parquet(path: Path) -> None:
    """Check that a Parquet file is whole: its footer and every row group's metadata read.

    Raises:
        DamagedRunError: The file is truncated, empty or not Parquet.
    """
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        for i in range(meta.num_row_groups):
            meta.row_group(i)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        reason = _first_line(exc)
        raise DamagedRunError(f"{path.name} is truncated or not Parquet ({reason})") from None


@dataclass
class RunRecord:
    """What the aggregator knows about one run folder.

    Attributes:
        path: The run folder.
        status: ``complete``, ``failed``, ``incomplete`` or ``corrupt``.
        flat: The configuration flattened to dotted keys (design row applied).
        error: First line of the error of a failed run.
        info: Extra fields from ``provenance.json`` and ``job.json``.
    """

    path: Path
    status: str
    flat: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    info: dict[str, Any] = field(default_factory=dict)


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """A nested dict flattened to dotted keys; lists and empty dicts become JSON strings."""
    if isinstance(tree, dict) and tree:
        out: dict[str, Any] = {}
        for k, v in tree.items():
            out |= flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(tree, (list, dict)):
        return {prefix: json.dumps(tree, ensure_ascii=False)}
    return {prefix: tree}


def find_run_dirs(root: Path) -> list[Path]:
    """Run folders below ``root`` (a folder that holds other run folders is a container)."""
    candidates = {p.parent for name in (SUCCESS, ERROR, JOB_RECORD) for p in root.rglob(name)}
    candidates |= {p.parent.parent for p in root.rglob(".hydra/overrides.yaml")}
    candidates = {c for c in candidates if "aggregate" not in c.relative_to(root).parts}
    runs = [c for c in candidates if not any(o != c and c in o.parents for o in candidates)]
    return sorted(runs)


def _read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping, or :class:`DamagedRunError` naming the file if it cannot be parsed."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DamagedRunError(f"{path.name} cannot be read ({_first_line(exc)})") from None
    return data if isinstance(data, dict) else {}


def _load_config(run_dir: Path) -> dict[str, Any]:
    """The run's configuration, flattened to dotted keys, with its design row written in.

    A complete run's ``config.yaml`` holds the row's values as lever intensities; the row is
    added under its own keys (a ``package.*`` factor has no key in the config), and a failed
    job has only Hydra's ``.hydra/config.yaml``. Plain YAML is read (no
    schema validation: ~0.3 s per run saved, and runs of other hdsim versions still read).
    """
    for name in ("config.yaml", ".hydra/config.yaml"):
        path = run_dir / name
        if not path.exists():
            continue
        raw = _read_yaml(path)
        flat = flatten(raw)
        exp = raw.get("experiment") or {}
        if exp.get("sample_id") is not None:  # also names package.* factors
            with contextlib.suppress(ConfigError, TypeError, ValueError):
                spec = DesignConfig(**(exp.get("design") or {}))
                flat |= design_row(spec, int(exp["sample_id"]))
        return flat
    return {}


def validated_config(run_dir: Path) -> HdsimConfig | None:
    """The run's validated config (None if this version of hdsim cannot read it)."""
    path = run_dir / "config.yaml"
    try:
        return apply_design(to_config(OmegaConf.load(path)))
    except (ConfigError, ValueError, OSError):
        return None


def read_run(run_dir: Path) -> RunRecord:
    """Status, configuration and records of one run folder.

    A run is complete when its ``_SUCCESS`` marker and county series exist (the marker is
    written last); whether it matches the current config is the business of resuming, not of
    aggregating. A complete run whose series or configuration cannot be read is ``corrupt``.
    """
    try:
        flat = _load_config(run_dir)
        damage = ""
    except DamagedRunError as exc:
        flat, damage = {}, str(exc)
    info: dict[str, Any] = {}
    for name in ("provenance.json", JOB_RECORD):
        path = run_dir / name
        if path.exists():
            with contextlib.suppress(ValueError, OSError):
                record = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(record, dict):
                    info |= {f"{name.split('.')[0]}_{k}": v for k, v in record.items()}
    if (run_dir / SUCCESS).exists() and (run_dir / "county.parquet").exists():
        status, error = "complete", ""
        try:
            check_parquet(run_dir / "county.parquet")
        except DamagedRunError as exc:
            damage = str(exc)
        if damage:
            status, error = "corrupt", f"{damage}; rerun the job to recompute it"
    elif (run_dir / ERROR).exists():
        status = "failed"
        text = (run_dir / ERROR).read_bytes().decode("utf-8", errors="replace")
        lines = [ln for ln in text.splitlines() if ln.strip()]
        error = lines[0][:500] if lines else "failed (empty error record)"
    else:
        status, error = "incomplete", "no _SUCCESS marker (interrupted, or still running)"
    return RunRecord(run_dir, status, flat, error, info)


def _bookkeeping(key: str) -> bool:
    return any(key == p or key.startswith(p) for p in BOOKKEEPING_PREFIXES)


def _drawn_keys(records: list[RunRecord]) -> set[str]:
    """Behaviour keys the runs' posterior draws set (``config.yaml`` holds effective values)."""
    from hdsim.calibration.posterior import read_posterior

    files = {
        r.flat.get("calibration.file")
        for r in records
        if str(r.flat.get("calibration.use")) == "posterior"
    }
    mine: set[str] = set()
    for r in records:
        mine |= {str(k) for k in r.flat.get("calibration.overrides") or []}
    keys: set[str] = set()
    for file in files:
        with contextlib.suppress(ConfigError):
            keys |= {f"behaviour.{n}" for n in read_posterior(file).names}
    return keys - mine


def drawn_behaviour(records: list[RunRecord]) -> pd.DataFrame:
    """The behaviour each complete run drew from the posterior.

    Returns:
        Columns scenario, sample_id, replicate and one per drawn key; empty when no run drew
        from a posterior.
    """
    keys = sorted(_drawn_keys(records))
    rows = [
        {
            "scenario": r.flat.get("scenario.name", ""),
            "sample_id": r.flat.get("experiment.sample_id"),
            "replicate": r.info.get("provenance_replicate", r.flat.get("replicate")),
        }
        | {k: r.flat.get(k) for k in keys}
        for r in records
        if r.status == "complete" and str(r.flat.get("calibration.use")) == "posterior"
    ]
    frame = pd.DataFrame(rows, columns=["scenario", "sample_id", "replicate", *keys])
    frame["sample_id"] = frame["sample_id"].astype("Int64")
    return frame


def factor_table(records: list[RunRecord]) -> pd.DataFrame:
    """Factors of an experiment: keys that vary across runs, and the design's parameters.

    Lever intensities that a ``package.*`` factor of the design sets are not factors of their
    own (the package factor is): they would otherwise split the summary into one group per row.
    """
    prefix = "experiment.design.parameters."
    design_keys: list[str] = []
    for r in records:
        if r.flat.get("experiment.design.method", "none") != "none":
            design_keys = [k[len(prefix) :] for k in r.flat if k.startswith(prefix)]
            break
    values: dict[str, set[str]] = {}
    for r in records:
        for k, v in r.flat.items():
            values.setdefault(k, set()).add(repr(v))
    derived = package_intensity_keys(design_keys)  # set by a package.* factor, not a factor
    derived |= _drawn_keys(records)  # the posterior draw of each run, not a factor either
    varying = [
        k for k, vs in values.items() if len(vs) > 1 and not _bookkeeping(k) and k not in derived
    ]
    keys = design_keys + [k for k in sorted(varying) if k not in design_keys]
    return pd.DataFrame(
        {
            "factor": keys,
            "kind": [parameter_kind(k) for k in keys],
            "in_design": [k in design_keys for k in keys],
        }
    )


def run_index(records: list[RunRecord], root: Path, factors: list[str]) -> pd.DataFrame:
    """One row per run folder: status, identity, factors, cost, error."""
    rows = []
    for r in records:
        row: dict[str, Any] = {
            "run": str(r.path.relative_to(root)) if r.path != root else ".",
            "status": r.status,
            "experiment": r.flat.get("experiment.name", ""),
            "scenario": r.flat.get("scenario.name", ""),
        }
        row |= {k: r.flat.get(k) for k in factors}
        row |= {
            "sample_id": r.flat.get("experiment.sample_id"),
            "replicate": r.info.get("provenance_replicate", r.flat.get("replicate")),
            "seed": r.flat.get("seed"),
            "seed_spawn_key": json.dumps(r.info.get("provenance_seed_spawn_key")),
            "seconds": r.info.get("provenance_seconds"),
            "resumed": r.info.get("job_resumed"),
            "peak_rss_mb": r.info.get("job_peak_rss_mb"),
            "error": r.error,
        }
        rows.append(row)
    return pd.DataFrame(rows)


def _with_identity(
    records: list[RunRecord], index: pd.DataFrame, factors: list[str], file: str
) -> list[pd.DataFrame]:
    """Each complete run's ``file`` with the experiment's identity columns in front.

    Runs without the file are left out; a file damaged after the check is skipped, and said.
    """
    frames = []
    for r, row in zip(records, index.itertuples(), strict=True):
        if r.status != "complete" or not (r.path / file).is_file():
            continue
        try:
            table = pd.read_parquet(r.path / file)
        except (OSError, ValueError) as exc:
            print(f"hdsim-aggregate: skipped {r.path / file}: {_first_line(exc)}", file=sys.stderr)
            continue
        ident = {"experiment": row.experiment, "scenario": row.scenario}
        ident |= {k: r.flat.get(k) for k in factors}
        ident |= {"sample_id": r.flat.get("experiment.sample_id")}
        front = pd.DataFrame(ident, index=table.index)
        table = table.drop(columns=[c for c in ("scenario",) if c in table.columns])
        frames.append(pd.concat([front, table], axis=1))
    return frames


def tidy_runs(records: list[RunRecord], index: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """The county series of every complete run with the experiment's identity columns."""
    frames = _with_identity(records, index, factors, "county.parquet")
    if not frames:
        raise AggregateError("no complete run to aggregate")
    tidy = pd.concat(frames, ignore_index=True)
    order = ["experiment", "scenario", *factors, "sample_id", "replicate", "seed", "date"]
    order += ["indicator", "value"]
    tidy = tidy[order + [c for c in tidy.columns if c not in order]]
    for col in ("experiment", "scenario", "indicator"):
        tidy[col] = tidy[col].astype("category")
    tidy["sample_id"] = tidy["sample_id"].astype("Int64")
    return tidy


def rate_split_runs(
    records: list[RunRecord], index: pd.DataFrame, factors: list[str]
) -> pd.DataFrame | None:
    """Every complete run's split of the urban count's change (``rate_change.parquet``).

    Tidy rows with the identity columns of ``runs.parquet`` in front of the run's own
    (replicate, seed, year, township, settlement, part, component, unit, value); None when no
    run wrote a split (runs of an hdsim older than the statistical layer).
    """
    frames = _with_identity(records, index, factors, "rate_change.parquet")
    if not frames:
        return None
    split = pd.concat(frames, ignore_index=True)
    for col in ("experiment", "scenario", "part", "component", "unit"):
        split[col] = split[col].astype("category")
    split["sample_id"] = split["sample_id"].astype("Int64")
    return split


def rate_split_summary(split: pd.DataFrame, groups: list[str], target_year: int) -> pd.DataFrame:
    """Per group, the mean over runs of the rate's change to the end of ``target_year``.

    In percentage points, statistical and behavioural (the county rows of the split).
    """
    county = split[(split["unit"] == "rate") & (split["year"] <= target_year)]
    runs = [*groups, "sample_id", "replicate", "seed"]
    runs = [c for c in dict.fromkeys(runs) if c in county.columns]
    per_run = county.groupby([*runs, "part"], observed=True, dropna=False)["value"].sum()
    wide = per_run.unstack("part").fillna(0.0) * 100.0
    wide = wide.reindex(columns=["statistical", "behavioural"], fill_value=0.0)
    wide["total"] = wide["statistical"] + wide["behavioural"]
    mean = wide.groupby(level=groups, observed=True, dropna=False).mean()
    mean["runs"] = wide.groupby(level=groups, observed=True, dropna=False).size()
    mean.columns = [f"{c}_pp" if c != "runs" else c for c in mean.columns]
    return mean.reset_index()


def run_outcomes(tidy: pd.DataFrame, id_cols: list[str], horizon: Any) -> pd.DataFrame:
    """One row per run: target-year rate, whether it reaches the target, when it first does."""
    end = pd.Timestamp(f"{horizon.target_year}-12-31")
    rate = tidy[tidy["indicator"] == "urbanization_rate"]
    hukou = tidy[(tidy["indicator"] == "hukou_urbanization_rate") & (tidy["date"] == end)]
    keys = [*id_cols, "sample_id", "replicate"]
    at_end = rate[rate["date"] == end].set_index(keys)["value"].rename("rate_target")
    crossed = rate[rate["value"] >= horizon.target_rate]
    first = crossed.groupby(keys, observed=True, dropna=False)["date"].min().rename("crossing_date")
    out = pd.concat([at_end, first], axis=1)
    out["hukou_rate_target"] = hukou.set_index(keys)["value"]
    out = out.reset_index()
    out["reached"] = out["rate_target"] >= horizon.target_rate
    out["crossing_year"] = out["crossing_date"].dt.year.astype("Int64")
    return out


def _group_cols(factors: pd.DataFrame) -> list[str]:
    return ["scenario", *factors.loc[~factors["in_design"], "factor"].tolist()]


def ensemble_bands(tidy: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Mean and quantile bands over time of the main indicators, per group."""
    sub = tidy[tidy["indicator"].isin(BAND_INDICATORS)]
    keys = [*groups, "indicator", "date"]
    g = sub.groupby(keys, observed=True, dropna=False)["value"]
    out = g.agg(n="count", mean="mean")
    for q in QUANTILES:
        out[f"p{round(q * 100):02d}"] = g.quantile(q)
    return out.reset_index()


def ensemble_summary(outcomes: pd.DataFrame, groups: list[str], horizon: Any) -> pd.DataFrame:
    """Per group: rate at the target year, P(reach) with a Wilson interval, crossing years."""
    rows = []
    for key, runs in outcomes.groupby(groups, observed=True, dropna=False, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        k, n = int(runs["reached"].sum()), len(runs)
        lo, hi = wilson_interval(k, n)
        years = runs["crossing_year"].dropna()
        rows.append(
            dict(zip(groups, key, strict=True))
            | {
                "runs": n,
                "rate_mean": runs["rate_target"].mean(),
                "rate_p05": runs["rate_target"].quantile(0.05),
                "rate_p50": runs["rate_target"].quantile(0.5),
                "rate_p95": runs["rate_target"].quantile(0.95),
                "p_reach": k / n,
                "p_reach_lo": lo,
                "p_reach_hi": hi,
                "share_crossing_by_end": len(years) / n,
                "crossing_year_median": float(years.median()) if len(years) else np.nan,
                "hukou_rate_mean": runs["hukou_rate_target"].mean(),
                "target_year": horizon.target_year,
                "target_rate": horizon.target_rate,
            }
        )
    return pd.DataFrame(rows)


def crossing_years(outcomes: pd.DataFrame, groups: list[str], end_year: int) -> pd.DataFrame:
    """Distribution of the year the target is first reached, per group."""
    label = outcomes["crossing_year"].astype("string").fillna(f"not by {end_year}")
    frame = outcomes[groups].assign(crossing_year=label)
    counts = frame.groupby([*groups, "crossing_year"], observed=True, dropna=False).size()
    out = counts.rename("runs").reset_index()
    totals = out.groupby(groups, observed=True, dropna=False)["runs"].transform("sum")
    out["share"] = out["runs"] / totals
    return out


def _markdown(frame: pd.DataFrame, floatfmt: str = ".4g") -> str:
    if frame.empty:
        return "(none)\n"
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = [format(v, floatfmt) if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def aggregate(
    root: Path, out_dir: Path | None = None, prim_threshold: float | None = None
) -> dict[str, Any]:
    """Aggregate the experiment folder ``root``; see the module docstring.

    Args:
        root: Experiment (sweep) folder.
        out_dir: Where to write; ``root/aggregate`` by default.
        prim_threshold: Rate that counts as success for PRIM (default: the target rate).

    Returns:
        Counts of runs by status and the paths written.

    Raises:
        AggregateError: Nothing to aggregate.
    """
    from hdsim.experiments.discovery import discover
    from hdsim.experiments.sensitivity import sensitivity

    root = Path(root)
    if not root.is_dir():
        raise AggregateError(f"{root} is not a folder")
    out = Path(out_dir) if out_dir is not None else root / "aggregate"
    records = [read_run(d) for d in find_run_dirs(root)]
    if not records:
        raise AggregateError(f"no run folders below {root}")
    factors = factor_table(records)
    names = factors["factor"].tolist()
    index = run_index(records, root, names)
    atomic_write_text(out / "run_index.csv", index.to_csv(index=False))
    failures = index[index["status"] != "complete"][["run", "status", "error"]]
    atomic_write_text(out / "failures.csv", failures.to_csv(index=False))
    atomic_write_text(out / "factors.csv", factors.to_csv(index=False))
    tidy = tidy_runs(records, index, names)
    atomic_write_parquet(out / "runs.parquet", tidy)
    cfg = next(
        (c for r in records if r.status == "complete" and (c := validated_config(r.path))),
        None,
    )
    if cfg is None:
        raise AggregateError("no complete run has a configuration this version of hdsim can read")
    h = cfg.horizon
    groups = _group_cols(factors)
    outcomes = run_outcomes(tidy, ["experiment", "scenario", *names], h)
    atomic_write_parquet(out / "outcomes.parquet", outcomes)
    summary = ensemble_summary(outcomes, groups, h)
    source = behaviour_source(cfg)
    summary["basis"] = [probability_basis(int(n), source) for n in summary["runs"]]
    if source == "prior":  # a prior exploration prints no probability of the county
        summary[["p_reach", "p_reach_lo", "p_reach_hi", "share_crossing_by_end"]] = np.nan
    atomic_write_text(out / "summary.csv", summary.to_csv(index=False))
    atomic_write_parquet(out / "bands.parquet", ensemble_bands(tidy, groups))
    crossing = crossing_years(outcomes, groups, h.end_year)
    atomic_write_text(out / "crossing_years.csv", crossing.to_csv(index=False))
    split = rate_split_runs(records, index, names)
    split_summary = None
    if split is not None:
        atomic_write_parquet(out / "rate_change.parquet", split)
        split_summary = rate_split_summary(split, groups, h.target_year)
        atomic_write_text(out / "rate_split.csv", split_summary.to_csv(index=False))
    report = [
        f"# Experiment {cfg.experiment.name or root.name}\n",
        f"Runs: {(index['status'] == 'complete').sum()} complete, "
        f"{(index['status'] == 'failed').sum()} failed, "
        f"{(index['status'] == 'incomplete').sum()} incomplete, "
        f"{(index['status'] == 'corrupt').sum()} corrupt.\n",
    ]
    timing = root / "timing.json"
    if timing.exists():
        t = json.loads(timing.read_text())
        report.append(
            f"Wall time {t.get('elapsed_seconds')} s, {t.get('runs_per_minute')} runs/min "
            f"({t.get('launcher', '').rsplit('.', 1)[-1]}).\n"
        )
    heading = (
        f"Rate at end {h.target_year} per group (prior exploration: no probability)"
        if source == "prior"
        else f"P(≥{h.target_rate:.0%} by end {h.target_year}) per group"
    )
    report += [
        f"\n## {heading}\n\n",
        f"Runs per group: {summary['basis'].iloc[0] if len(summary) else ''}.\n\n",
        _markdown(summary.drop(columns=["basis"])),
    ]
    if split_summary is not None:
        report += [
            f"\n## The rate's change to end {h.target_year}: statistical and behavioural "
            "(percentage points, mean over runs)\n\n",
            "Statistical: places reclassified under their residents (城乡划分, 撤乡设镇, "
            "village mergers); behavioural: births, deaths and moves. Per run in "
            "rate_change.parquet.\n\n",
            _markdown(split_summary),
        ]
    spec = cfg.experiment.design
    if spec.method != "none":
        atomic_write_text(out / "design.csv", design_frame(spec).to_csv(index=False))
        table, note = sensitivity(spec, outcomes, out, drawn_behaviour(records))
        report += ["\n## Sensitivity\n\n", note, "\n\n", _markdown(table)]
        threshold = h.target_rate if prim_threshold is None else prim_threshold
        boxes, note = discover(spec, outcomes, threshold, out)
        report += [f"\n## Scenario discovery (PRIM, rate ≥ {threshold:.1%})\n\n", note]
        report += ["\n\n", _markdown(boxes)]
    if len(failures):
        report += ["\n## Failed or incomplete runs\n\n", _markdown(failures.head(20))]
        if len(failures) > 20:
            report.append(f"\n… and {len(failures) - 20} more: see failures.csv\n")
    atomic_write_text(out / "report.md", "".join(report))
    counts = index["status"].value_counts().to_dict()
    return {"counts": counts, "out_dir": out, "summary": summary}


def main(argv: list[str] | None = None) -> None:
    """Console entry point of ``hdsim-aggregate``."""
    parser = argparse.ArgumentParser(
        prog="hdsim-aggregate",
        description="Collect an experiment folder into tidy tables and ensemble statistics.",
    )
    parser.add_argument("folder", type=Path, help="experiment folder (multirun/<name>/<time>)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (FOLDER/aggregate)")
    parser.add_argument(
        "--prim-threshold",
        type=float,
        default=None,
        help="urbanization rate counted as success by PRIM (default: the target rate)",
    )
    args = parser.parse_args(argv)
    threshold = args.prim_threshold
    if threshold is not None and not (math.isfinite(threshold) and 0 <= threshold <= 1):
        print(
            f"hdsim-aggregate: error: --prim-threshold {threshold} must be a rate in [0, 1]",
            file=sys.stderr,
        )
        sys.exit(2)
    try:
        result = aggregate(args.folder, args.out, threshold)
    except (AggregateError, ConfigError, OutputError) as exc:
        print(f"hdsim-aggregate: error: {exc}", file=sys.stderr)
        sys.exit(2)
    counts = result["counts"]
    print(
        f"hdsim-aggregate: {counts.get('complete', 0)} complete, {counts.get('failed', 0)} "
        f"failed, {counts.get('incomplete', 0)} incomplete, {counts.get('corrupt', 0)} corrupt "
        f"-> {result['out_dir']}"
    )
    if counts.get("failed", 0) or counts.get("incomplete", 0) or counts.get("corrupt", 0):
        print(f"hdsim-aggregate: see {result['out_dir'] / 'failures.csv'}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
