"""Report sections after the main results: experiment panels, assumptions and reproducibility.

The experiment panels (sensitivity, PRIM boxes, target seeking, calibration and back-test) appear
when the folder holds the optional tables named in
:data:`hdsim.report.inputs.OPTIONAL_TABLES`; a table lacking a required column gives a one-line
note in the report instead of a panel. The assumptions section lists every input figure of the
county data with its source and confidence (estimates marked) and every behavioural parameter
with its status; the reproducibility section lists versions, config hashes, seeds, the command
line and the data checksum recorded in the runs' ``provenance.json``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hdsim.report import figures as fg
from hdsim.report.document import FigureBlock, Paragraph, Section, Table
from hdsim.report.inputs import OPTIONAL_TABLES
from hdsim.report.sections import Context

MAX_SENSITIVITY_GROUPS = 4
"""Outputs drawn from each sensitivity table."""


ESTIMATED: tuple[str, ...] = ("estimate", "assumption")
"""Confidences and statuses marked as estimates."""


def _bad_columns(ctx: Context, name: str) -> Paragraph | None:
    table = ctx.inputs.optional[name]
    missing = [c for c in OPTIONAL_TABLES[name] if c not in table.columns]
    if not missing:
        return None
    file = ctx.inputs.optional_files[name].name
    return Paragraph(ctx.cat("optional_bad", file=file, columns=", ".join(missing)))


def _num(ctx: Context, value: object) -> str:
    try:
        return ctx.cat.number(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


SENSITIVITY_SPECS: dict[str, tuple[str, list[tuple[str, str, str | None]]]] = {
    "sensitivity_sobol": (
        "fig_sobol",
        [("S1", "legend_s1", "S1_conf"), ("ST", "legend_st", "ST_conf")],
    ),
    "sensitivity_morris": ("fig_morris", [("mu_star", "legend_mu_star", "mu_star_conf")]),
    "sensitivity_rank": ("fig_rank", [("spearman_rho", "legend_rho", None)]),
}
"""Per sensitivity table: figure title key and (column, legend key, half-width column) bars."""

SENSITIVITY_HEADS: dict[str, str] = {
    "S1": "col_s1",
    "S1_conf": "col_s1_conf",
    "ST": "col_st",
    "ST_conf": "col_st_conf",
    "mu_star": "col_mu_star",
    "mu_star_conf": "col_mu_star_conf",
    "sigma": "col_sigma",
    "spearman_rho": "col_rho",
    "p_value": "col_p_value",
}


def section_sensitivity(ctx: Context) -> Section | None:
    """Sobol (S1, ST), Morris (mu*) or rank-correlation bars per output, when present."""
    names = [n for n in SENSITIVITY_SPECS if n in ctx.inputs.optional]
    if not names:
        return None
    cat = ctx.cat
    blocks: list = []
    for name in names:
        bad = _bad_columns(ctx, name)
        if bad:
            blocks.append(bad)
            continue
        title_key, bars = SENSITIVITY_SPECS[name]
        table = ctx.inputs.optional[name]
        for output, rows in list(table.groupby("output", sort=False))[:MAX_SENSITIVITY_GROUPS]:
            label = cat.indicator(str(output))
            method = cat(f"method_{name.removeprefix('sensitivity_')}")
            blocks.append(Paragraph(cat("sensitivity_intro", output=label, method=method)))
            params = [str(p) for p in rows["parameter"]]
            series = [
                (
                    cat(legend),
                    rows[col].to_numpy(float),
                    rows[conf].to_numpy(float) if conf and conf in rows.columns else None,
                )
                for col, legend, conf in bars
            ]
            if not all(np.isnan(v).all() for _, v, _ in series):
                title = cat(title_key, output=label)
                blocks.append(
                    FigureBlock(
                        f"{name}_{output}",
                        title,
                        partial(fg.draw_index_bars, parameters=params, series=series, title=title),
                        size=(8.0, 1.3 + 0.28 * len(params)),
                    )
                )
            cols = [c for c in SENSITIVITY_HEADS if c in rows.columns]
            blocks.append(
                Table(
                    f"{name}_{output}",
                    "",
                    [cat("col_parameter"), *[cat(SENSITIVITY_HEADS[c]) for c in cols]],
                    [
                        [p, *[_num(ctx, v) for v in r]]
                        for p, r in zip(params, rows[cols].itertuples(index=False), strict=True)
                    ],
                )
            )
    return Section("sensitivity", cat("sec_sensitivity"), blocks)


def section_prim(ctx: Context) -> Section | None:
    """The PRIM box: restricted parameter ranges with coverage and density, when present."""
    if "prim_boxes" not in ctx.inputs.optional:
        return None
    cat = ctx.cat
    bad = _bad_columns(ctx, "prim_boxes")
    if bad:
        return Section("prim", cat("sec_prim"), [bad])
    table = ctx.inputs.optional["prim_boxes"]
    if table.empty:
        return Section("prim", cat("sec_prim"), [Paragraph(cat("prim_empty", target=ctx.target))])
    if "restricted" in table.columns and table["restricted"].astype(bool).any():
        table = table[table["restricted"].astype(bool)]
    blocks: list = [Paragraph(cat("prim_intro", target=ctx.target))]
    if {"sample_low", "sample_high"} <= set(table.columns):
        span = (table["sample_high"] - table["sample_low"]).replace(0, np.nan)
        scaled = pd.DataFrame(
            {
                "box": table["box"],
                "parameter": table["parameter"].astype(str),
                "lo": ((table["low"] - table["sample_low"]) / span).clip(0, 1).fillna(0),
                "hi": ((table["high"] - table["sample_low"]) / span).clip(0, 1).fillna(1),
            }
        )
        blocks.append(
            FigureBlock(
                "prim",
                cat("fig_prim"),
                partial(fg.draw_boxes, boxes=scaled, box_label=cat("col_box")),
                size=(8.0, 1.3 + 0.35 * scaled["parameter"].nunique()),
            )
        )
    rows = [
        [
            str(r["box"]),
            str(r["parameter"]),
            _num(ctx, r["low"]),
            _num(ctx, r["high"]),
            cat.pct(float(r["coverage"]), 0),
            cat.pct(float(r["density"]), 0),
        ]
        for r in table.to_dict("records")
    ]
    keys = ("col_box", "col_parameter", "col_lower", "col_upper", "col_coverage", "col_density")
    blocks.append(Table("prim", "", [cat(k) for k in keys], rows))
    return Section("prim", cat("sec_prim"), blocks)


def section_target(ctx: Context) -> Section | None:
    """Smallest lever value reaching each probability level, when ``target_seeking`` is present."""
    if "target_seeking" not in ctx.inputs.optional:
        return None
    cat = ctx.cat
    bad = _bad_columns(ctx, "target_seeking")
    if bad:
        return Section("target", cat("sec_target"), [bad])
    table = ctx.inputs.optional["target_seeking"]
    rows = []
    for r in table.to_dict("records"):
        value = r.get("value")
        reached = str(r.get("status", "")).startswith("reached")
        missing = value is None or (isinstance(value, float) and np.isnan(value))
        needed = _num(ctx, value) if reached and not missing else cat("not_reachable")
        p = r.get("p_reach_at_value")
        span = (
            f"{_num(ctx, r['range_low'])}–{_num(ctx, r['range_high'])}"
            if "range_low" in r and "range_high" in r
            else "–"
        )
        rows.append(
            [
                str(r["lever"]),
                cat.pct(float(r["level"]), 0),
                needed,
                cat.pct(float(p), 0) if p is not None and not pd.isna(p) else "–",
                span,
            ]
        )
    columns = [cat(k) for k in ("col_lever", "col_level", "col_intensity", "col_p_at", "col_range")]
    intro = Paragraph(cat("target_intro", target=ctx.target, target_year=ctx.h.target_year))
    return Section("target", cat("sec_target"), [intro, Table("target_seeking", "", columns, rows)])


def section_calibration(ctx: Context) -> Section | None:
    """Simulated against observed values of the calibration fit and back-test, when present."""
    names = [n for n in ("fit", "backtest") if n in ctx.inputs.optional]
    if not names:
        return None
    cat = ctx.cat
    blocks: list = []
    frames = []
    for name in names:
        bad = _bad_columns(ctx, name)
        if bad:
            blocks.append(bad)
            continue
        frame = ctx.inputs.optional[name].copy()
        if name == "backtest" and "held_out" in frame.columns:
            frame = frame[frame["held_out"].astype(bool)]
            frame["role"] = cat("role_backtest")
        else:
            frame["role"] = cat("role_calibration")
        frames.append(frame)
    if not frames:
        return Section("calibration", cat("sec_calibration"), blocks)
    table = pd.concat(frames, ignore_index=True)
    table = table[table["observed"].notna()]
    table["date"] = pd.to_datetime(table["date"])
    rows = [
        [
            cat.date(r["date"]),
            cat.indicator(str(r["indicator"])),
            _num(ctx, r["observed"]),
            _num(ctx, r["sim_mean"]),
            f"{_num(ctx, r.get('sim_p05'))}–{_num(ctx, r.get('sim_p95'))}"
            if "sim_p05" in r
            else "–",
            str(r["role"]),
        ]
        for r in table.to_dict("records")
    ]
    keys = (
        "col_date",
        "col_indicator",
        "col_observed",
        "col_simulated",
        "col_interval",
        "col_role",
    )
    blocks.append(Paragraph(cat("calibration_intro")))
    if len(table):
        titles = {str(i): cat.indicator(str(i)) for i in table["indicator"].unique()}
        panels = int(np.ceil(table["indicator"].nunique() / 2))
        blocks.append(
            FigureBlock(
                "calibration",
                cat("fig_calibration"),
                partial(
                    fg.draw_calibration,
                    table=table,
                    titles=titles,
                    legend=(cat("col_simulated"), cat("col_observed")),
                ),
                size=(8.0, 2.6 * min(panels, 4) + 0.5),
            )
        )
    blocks.append(Table("calibration", "", [cat(k) for k in keys], rows))
    return Section("calibration", cat("sec_calibration"), blocks)


# --------------------------------------------------------------------------------------------
# Assumptions and data
# --------------------------------------------------------------------------------------------


def parameter_rows(
    behaviour: dict[str, Any],
    run_dirs: Iterable[Path] = (),
    lang: str = "en",
    configs: Iterable[dict[str, Any]] | None = None,
) -> list[tuple[str, Any, str, str]]:
    """Behavioural parameters the runs used, with their declared status, unit and source.

    The values are read from the runs' ``config.yaml`` (each the effective configuration of its
    run: posterior draw and the user's overrides applied), not from the composed defaults. A
    parameter that differs across runs (drawn per replicate) shows its median and range.

    Args:
        behaviour: The ``behaviour`` section of a config, used when no run folder has one.
        run_dirs: Folders of the completed runs.
        lang: Language of the notes (Chinese texts from :mod:`hdsim.report.texts`).
        configs: The runs' configurations when already read (``run_dirs`` is then unused).

    Returns:
        (group.name, value, status, note) for every declared parameter
        (:func:`hdsim.config.behaviour.parameter_table`), the note giving its description,
        unit and source.
    """
    import statistics

    import yaml

    from hdsim.config.behaviour import parameter_table
    from hdsim.report.texts import parameter_note

    if configs is None:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        configs = [
            yaml.load((Path(run) / "config.yaml").read_text(encoding="utf-8"), Loader=loader)
            or {}
            for run in run_dirs
            if (Path(run) / "config.yaml").is_file()
        ]
    sections = [cfg.get("behaviour") or {} for cfg in configs]
    sections = sections or [behaviour]
    out = []
    for row in parameter_table():
        group, name = row["key"].removeprefix("behaviour.").split(".", 1)
        seen = [(sec.get(group) or {}).get(name, row["value"]) for sec in sections]
        value: Any = seen[0]
        numbers = [float(v) for v in seen if isinstance(v, int | float)]
        if len(set(map(repr, seen))) > 1 and len(numbers) == len(seen):
            mid = statistics.median(numbers)
            value = f"{mid:.4g} [{min(numbers):.4g}-{max(numbers):.4g}]"
        out.append((f"{group}.{name}", value, row["status"], parameter_note(row, lang)))
    return out


def section_assumptions(ctx: Context) -> Section:
    """Every input figure with source and confidence, estimates marked; parameters' status."""
    cat = ctx.cat
    data = ctx.inputs.data
    prov = data.provenance()
    star = cat("estimate_mark")
    blocks: list = [
        Paragraph(cat("assumptions_intro")),
        Paragraph(
            cat("assumptions_data_dir", path=str(data.directory), checksum=data.checksum[:16])
        ),
    ]
    if ctx.inputs.data_note:
        blocks.append(Paragraph(cat(ctx.inputs.data_note)))
    blocks += _plan_and_lender(ctx)
    counts = prov.groupby(["file", "confidence"], sort=False).size().unstack(fill_value=0)
    levels = [c for c in ("official", "quoted", "derived", "estimate") if c in counts.columns]
    levels += [c for c in counts.columns if c not in levels]
    blocks.append(
        Table(
            "input_counts",
            cat("assumptions_counts"),
            [
                cat("col_file"),
                *[cat(f"confidence_{c}") if f"confidence_{c}" in _keys(ctx) else c for c in levels],
                cat("col_count"),
            ],
            [
                [f, *[str(int(counts.at[f, c])) for c in levels], str(int(counts.loc[f].sum()))]
                for f in counts.index
            ],
        )
    )

    def conf(c: str) -> str:
        return cat(f"confidence_{c}") if f"confidence_{c}" in _keys(ctx) else c

    rows = [
        [
            r.file,
            str(r.row),
            str(r.entity),
            r.field,
            _value(r.value),
            conf(r.confidence),
            star if r.confidence in ESTIMATED else "",
            ctx.source(str(r.source), str(r.file)),
            ctx.source(str(r.note), str(r.file)) if str(r.note) else "",
        ]
        for r in prov.itertuples()
    ]
    columns = [
        cat(k)
        for k in (
            "col_file",
            "col_row",
            "col_entity",
            "col_field",
            "col_value",
            "col_confidence",
            "col_estimated",
            "col_source",
            "col_note",
        )
    ]
    blocks.append(Table("inputs", cat("assumptions_figures"), columns, rows, where="web"))
    key_rows = [
        [*r[:7], r[7]]
        for r, p in zip(rows, prov.itertuples(), strict=True)
        if p.file in ("county.csv", "observations.csv")
    ]
    blocks.append(
        Table("key_inputs", cat("assumptions_figures"), columns[:8], key_rows, where="pdf")
    )
    blocks.append(Paragraph(cat("pdf_full_list", n=len(prov), file="inputs.csv"), where="pdf"))
    behaviour = ctx.inputs.config.get("behaviour") or {}
    params = parameter_rows(
        behaviour, lang=cat.lang, configs=list(ctx.inputs.run_configs.values())
    )
    blocks.append(
        Table(
            "parameters",
            cat("assumptions_parameters"),
            [
                cat("col_parameter"),
                cat("col_value"),
                cat("col_status"),
                cat("col_estimated"),
                cat("col_note"),
            ],
            [
                [
                    name,
                    _value(v),
                    cat(f"status_{s}"),
                    star if s in ESTIMATED else "",
                    note,
                ]
                for name, v, s, note in params
            ],
        )
    )
    return Section("assumptions", cat("sec_assumptions"), blocks)


def _plan_and_lender(ctx: Context) -> list[Paragraph]:
    """The plan the levers follow (``plan.yaml``) and whose behaviour the runs borrowed."""
    from hdsim.data.table import DataError
    from hdsim.policies.catalogue import load_plan, plan_path

    cat = ctx.cat
    out = []
    directory = ctx.inputs.data.directory
    if not plan_path(directory).is_file():
        out.append(Paragraph(cat("assumptions_plan_missing")))
    else:
        try:
            plan = load_plan(directory)["plan"]
        except DataError:
            plan = None
        if plan is not None:
            key = "assumptions_plan_template" if plan.get("template") else "assumptions_plan"
            out.append(Paragraph(cat(key, title=plan[f"title_{cat.lang}"])))
    lenders = _distinct(
        [p.get("calibration") or {} for p in ctx.inputs.provenance], "borrowed_from"
    )
    if lenders:
        joined = ("、" if cat.lang == "zh" else ", ").join(lenders)
        out.append(Paragraph(cat("assumptions_borrowed", county=joined)))
    return out


def _keys(ctx: Context) -> set[str]:
    from hdsim.report.catalogue import MESSAGES

    return set(MESSAGES[ctx.cat.lang])


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1000 else f"{value:g}"
    return str(value)


# --------------------------------------------------------------------------------------------
# Reproducibility
# --------------------------------------------------------------------------------------------


def _distinct(records: list[dict[str, Any]], key: str) -> list[str]:
    return [str(v) for v in dict.fromkeys(r.get(key) for r in records) if v is not None]


def section_reproducibility(ctx: Context) -> Section:
    """Versions, config hashes, seeds, command line and data checksum of the runs."""
    cat = ctx.cat
    prov = ctx.inputs.provenance
    rows: list[list[str]] = []
    rows.append([cat("repro_hdsim"), ", ".join(_distinct(prov, "hdsim_version")) or "–"])
    versions = dict.fromkeys(
        f"{p.get('python_version')} / {p.get('mesa_version')} / {p.get('numpy_version')}"
        for p in prov
    )
    rows.append([cat("repro_versions"), ", ".join(versions) or "–"])
    hashes: dict[str, list[str]] = {}
    for p in prov:
        hashes.setdefault(str(p.get("scenario")), [])
        if p.get("config_hash") not in hashes[str(p.get("scenario"))]:
            hashes[str(p.get("scenario"))].append(str(p.get("config_hash")))
    for scenario, values in hashes.items():
        rows.append([cat("repro_config_hash", scenario=ctx.label(scenario)), ", ".join(values)])
    rows.append(
        [
            cat("repro_seed"),
            ", ".join(_distinct(prov, "seed_entropy")) or str(ctx.inputs.config.get("seed", "–")),
        ]
    )
    reps = sorted({int(p["replicate"]) for p in prov if p.get("replicate") is not None})
    rows.append([cat("repro_replicates"), _ranges(reps)])
    scale = (ctx.inputs.config.get("households") or {}).get("scale")
    rows.append([cat("repro_scale"), str(scale) if scale is not None else "–"])
    for command in _distinct(prov, "command_line")[:3]:
        rows.append([cat("repro_command"), command])
    if ctx.inputs.overrides:
        rows.append([cat("repro_overrides"), " ".join(ctx.inputs.overrides)])
    rows.append(
        [
            cat("repro_checksum"),
            ", ".join(_distinct(prov, "data_checksum")) or ctx.inputs.data.checksum,
        ]
    )
    rows.append(
        [
            cat("repro_data_dir"),
            ", ".join(_distinct(prov, "data_dir")) or str(ctx.inputs.data.directory),
        ]
    )
    written = sorted(_distinct(prov, "written_at"))
    if written:
        rows.append(
            [
                cat("repro_written"),
                f"{written[0]} – {written[-1]}" if len(written) > 1 else written[0],
            ]
        )
    table = Table("reproducibility", "", [cat("repro_item"), cat("repro_value")], rows)
    return Section(
        "reproducibility", cat("sec_reproducibility"), [Paragraph(cat("repro_intro")), table]
    )


def _ranges(values: list[int]) -> str:
    if not values:
        return "–"
    parts, start, prev = [], values[0], values[0]
    for v in [*values[1:], None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
        if v is not None:
            start = prev = v
    return ", ".join(parts)


__all__ = [
    "parameter_rows",
    "section_assumptions",
    "section_calibration",
    "section_prim",
    "section_reproducibility",
    "section_sensitivity",
    "section_target",
]
