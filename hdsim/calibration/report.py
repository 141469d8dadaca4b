"""The calibration report: Markdown tables and charts written into the calibration's job folder.

``report.md`` gathers what a reader of the calibration needs: the county, the targets and the
ones skipped, the budget and tolerance schedule, the fit to every target, the back-test
(prediction of the held-out publication), the point estimate's check, the posterior predictive
check (every target, end-2022 figures first, against runs that draw from the new posterior),
the fitted baseline at the end of the target year, the prior-versus-posterior table, the
comparators, and why the model differs from them.

The sections named in :data:`GENERATED_SECTIONS` are also what ``docs/calibration.md`` shows:
``hdsim-calibrate --doc docs/calibration.md`` replaces the text between the markers
:data:`DOC_BEGIN` and :data:`DOC_END` with them (:func:`refresh_doc`), so the doc's tables are
exactly the report's.
Charts: ``comparators.png`` (the methods and the model's band) and ``posterior.png`` (prior
range and posterior sample of every parameter).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hdsim.calibration.priors import Prior

UNITS_PERCENT = {"urbanization_rate"}
GENERATED_SECTIONS: tuple[str, ...] = (
    "Posterior predictive check",
    "Prior versus posterior (identifiability)",
)
"""Report sections copied into the documentation's generated region."""
DOC_BEGIN = "<!-- hdsim-calibrate: generated tables begin -->"
"""Marker line opening the generated region of a Markdown file."""
DOC_END = "<!-- hdsim-calibrate: generated tables end -->"
"""Marker line closing it."""


def _fmt(value: float, indicator: str, statistic: str) -> str:
    """A target value in readable units."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if statistic == "level" and indicator in UNITS_PERCENT:
        return f"{100 * value:.2f}%"
    if statistic == "level":
        return f"{value:,.0f}"
    if statistic == "per_1000":
        return f"{value:.2f}‰"
    if statistic == "change" and indicator in UNITS_PERCENT:
        return f"{100 * value:+.2f} pts/yr"
    if statistic == "change":  # a count's yearly change (e.g. residents registered elsewhere)
        return f"{value:+,.0f}/yr"
    return f"{100 * value:+.2f}%/yr"


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a GitHub Markdown table (values already formatted as text)."""
    head = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def targets_markdown(table: pd.DataFrame, held_out: bool = False) -> str:
    """A predictive table (:func:`~hdsim.calibration.backtest.predictive_table`) as Markdown."""
    rows = []
    for r in table.itertuples(index=False):
        fmt = lambda v, r=r: _fmt(v, r.indicator, r.statistic)  # noqa: E731
        observed = f"[{fmt(r.lo)}, {fmt(r.hi)}]" if r.kind == "bound" else fmt(r.observed)
        row = {
            "target": r.id,
            "kind": r.kind + (" (held out)" if held_out and r.held_out else ""),
            "observed": observed,
            "simulated mean [5%-95%]": f"{fmt(r.sim_mean)} [{fmt(r.sim_p05)} – {fmt(r.sim_p95)}]",
            "error": fmt(r.error)
            if r.statistic != "level" or r.indicator in UNITS_PERCENT
            else f"{r.error:+,.0f} ({100 * r.relative_error:+.2f}%)",
            "z": f"{r.z:+.2f}",
        }
        rows.append(row)
    return markdown_table(pd.DataFrame(rows))


def identifiability_markdown(table: pd.DataFrame) -> str:
    """The prior-versus-posterior table as Markdown."""
    rows = [
        {
            "parameter": r.parameter,
            "prior (5%-95%)": f"{r.prior_p05:.4g} – {r.prior_p95:.4g} ({r.prior})",
            "posterior median [5%-95%]": (
                f"{r.post_median:.4g} [{r.post_p05:.4g} – {r.post_p95:.4g}]"
            ),
            "point (yaml)": f"{getattr(r, 'point', np.nan):.4g}",
            "width ratio": f"{r.width_ratio:.2f}",
            "status": r.status,
        }
        for r in table.itertuples(index=False)
    ]
    return markdown_table(pd.DataFrame(rows))


def comparators_markdown(wide: pd.DataFrame) -> str:
    """Year-end rates of every method as Markdown (percent)."""
    frame = wide.copy()
    frame.index = [d.year for d in frame.index]
    out = frame.map(lambda v: f"{100 * v:.2f}%" if pd.notna(v) else "")
    out.insert(0, "year end", out.index)
    return markdown_table(out.reset_index(drop=True))


def comparators_chart(
    table: pd.DataFrame, path: Path, target_rate: float, county: str = "county"
) -> None:
    """Line chart of the comparators with the model's 5-95% band, saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for method, part in table.groupby("method", sort=False):
        if method == "observed":
            ax.scatter(part["date"], 100 * part["rate"], color="black", zorder=5, label=method)
            continue
        line = ax.plot(part["date"], 100 * part["rate"], marker=".", label=method)[0]
        if part["p05"].notna().any():
            ax.fill_between(
                part["date"],
                100 * part["p05"],
                100 * part["p95"],
                color=line.get_color(),
                alpha=0.2,
            )
    ax.axhline(100 * target_rate, color="grey", linestyle="--", linewidth=1, label="plan target")
    ax.set_ylabel("resident urbanization rate, %")
    ax.set_title(f"{county}: model baseline versus extrapolations")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def posterior_chart(prior: Prior, natural: np.ndarray, weights: np.ndarray, path: Path) -> None:
    """Histogram of each parameter's posterior over its prior range, saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 4
    rows = int(np.ceil(prior.dim / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for j, name in enumerate(prior.names):
        ax = axes[j // cols][j % cols]
        lo, hi = prior.lo[j], prior.hi[j]
        bins = np.geomspace(lo, hi, 16) if prior.log[j] else np.linspace(lo, hi, 16)
        ax.hist(natural[:, j], bins=bins, weights=weights, density=True, alpha=0.7)
        ax.axhline(1.0 / (hi - lo) if not prior.log[j] else np.nan, color="grey", linestyle="--")
        if prior.log[j]:
            ax.set_xscale("log")
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    for k in range(prior.dim, rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def why_models_differ(wide: pd.DataFrame, target_year: int, drivers: pd.DataFrame) -> str:
    """Compare the model's baseline with the extrapolations, with the model's own numbers.

    Args:
        wide: Year-end rates by method (:func:`~hdsim.calibration.comparators.wide_comparison`).
        target_year: Year of the plan's target.
        drivers: The model's pace and flows by period
            (:func:`~hdsim.calibration.comparators.baseline_drivers`), first period 2021-22.
    """
    date = pd.Timestamp(f"{target_year}-12-31")
    model_cols = [c for c in wide.columns if c.startswith("hdsim")]
    if date not in wide.index or not model_cols or drivers.empty:
        return ""
    row = wide.loc[date]
    model = row[model_cols[0]]
    others = row.drop(model_cols)
    spread = ", ".join(f"{k} {100 * v:.1f}%" for k, v in others.items())
    table = drivers.set_index("period")
    first, later = table.iloc[0], table.iloc[1:]
    net = table["leave_county_individuals"] - table["return_individuals"]
    natural = table["births"] - table["deaths"]
    first_date = wide.index[0]
    slope = (others.iloc[0] - wide.loc[first_date, others.index[0]]) / (date.year - first_date.year)
    slows = bool((later["pace_points"] < first["pace_points"] - 0.02).any())
    lines = [
        f"At the end of {target_year} the model's baseline gives {100 * model:.1f}%, against "
        f"{spread}. Fitted to the observed points, the three extrapolations share one slope "
        f"(about {100 * slope:.2f} points a year) and part only decades later, where the "
        "logistic curve bends towards its ceiling and the UN method's growth difference "
        "converges to its norm.",
        f"The model's pace is not extrapolated but produced by its mechanisms: "
        f"{first['pace_points']:.2f} points a year in {table.index[0]} (the fit balances the "
        "end-2022 figures against the other targets), then "
        + ", ".join(f"{r.pace_points:.2f} in {p}" for p, r in later.iterrows())
        + ".",
        "What changes underneath, per year (persons): net departures of individuals "
        + " → ".join(f"{v:,.0f}" for v in net)
        + ", because returns grow with the number of people away and bring them back to their "
        "home places, mostly villages; natural change "
        + " → ".join(f"{v:+,.0f}" for v in natural)
        + " as births fall and the old rural population dies (deaths fall mostly on villages, "
        "which raises the urban share); moves to the county city "
        + " → ".join(f"{v:,.0f}" for v in table["moves_to_county_city"])
        + " (housing prices enter the choice; whether the stock binds is the model's output, "
        "not assumed here); villages absorbed by the county city "
        + " → ".join(f"{v:.1f}" for v in table.get("villages_reclassified", pd.Series(dtype=float)))
        + (
            ". As net out-migration of the young fades, the model's pace slows below a straight "
            "line"
            if slows
            else ". The model's pace holds near its 2021-22 level"
        )
        + "; the posterior band shows how much of the difference the data can distinguish.",
    ]
    return " ".join(lines) + "\n\n" + markdown_table(drivers.round(2)) + "\n"


def write_report(path: Path, sections: dict[str, Any]) -> str:
    """Assemble ``report.md`` from named sections (already formatted Markdown) and write it.

    Args:
        path: File to write (atomically).
        sections: Title → Markdown body, in order.

    Returns:
        The report text.
    """
    from hdsim.utils.io import atomic_write_text

    parts = ["# hdsim calibration report\n"]
    for title, body in sections.items():
        if body:
            parts.append(f"## {title}\n\n{body}")
    text = "\n".join(parts)
    atomic_write_text(path, text)
    return text


def refresh_doc(path: Path, sections: dict[str, str]) -> str:
    """Replace the generated region of a Markdown file with ``sections`` (title → Markdown).

    The region lies between the lines :data:`DOC_BEGIN` and :data:`DOC_END`; everything else
    is kept. Each section becomes a level-3 heading and its body.

    Args:
        path: The Markdown file (e.g. ``docs/calibration.md``).
        sections: Report sections to copy, in order.

    Returns:
        The new text (also written to ``path`` atomically).

    Raises:
        CalibrationError: The file is missing or lacks the two markers (one line).
    """
    from hdsim.calibration.targets import CalibrationError
    from hdsim.utils.io import atomic_write_text

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalibrationError(f"--doc {path}: cannot be read ({exc.strerror})") from None
    if DOC_BEGIN not in text or DOC_END not in text:
        raise CalibrationError(
            f"--doc {path}: no generated region; add the lines {DOC_BEGIN} and {DOC_END}"
        )
    head, rest = text.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    body = "\n".join(f"### {title}\n\n{md.rstrip()}\n" for title, md in sections.items())
    new = f"{head}{DOC_BEGIN}\n\n{body}\n{DOC_END}{tail}"
    atomic_write_text(path, new)
    return new
