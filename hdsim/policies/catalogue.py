"""The policy catalogue: the plan's actions and measures → levers, and ``docs/policies.md``.

``hdsim/policies/catalogue.yaml`` holds only the plan: the 7 actions and 33 measures of the
county's action plan and its 4 safeguards, each pointing to the lever(s) that represent it or
saying why it is out of scope. Each lever describes itself in its module
(:class:`hdsim.policies.registry.LeverSpec`: action, names, mechanism, the indicator it moves
and in which direction, expected outcome, evidence, and its config dataclass with magnitudes
and costs). :func:`problems` checks the catalogue against the registry; :func:`render` writes
the bilingual ``docs/policies.md`` from the catalogue, the registry and the scenario files
(intensity and timing in ``seven_actions``, the scenario library)::

    .venv/bin/python -m hdsim.policies.catalogue            # rewrite docs/policies.md
    .venv/bin/python -m hdsim.policies.catalogue --check    # exit 1 if it is out of date
"""

from __future__ import annotations

import dataclasses
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from hdsim.config.frame import HorizonConfig
from hdsim.config.policies import Lever, PoliciesBase
from hdsim.model.scenarios import available_scenarios, load_scenario
from hdsim.paths import SCENARIO_DIR
from hdsim.policies.budget import yearly_plan
from hdsim.policies.registry import LeverSpec, lever_specs

CATALOGUE = Path(__file__).with_name("catalogue.yaml")
DOC = Path(__file__).resolve().parents[2] / "docs" / "policies.md"
"""Generated in the source tree (a developer step: ``python -m hdsim.policies.catalogue``)."""
PLAN = "seven_actions"
NUMERALS = "一二三四五六七"
FIRST_YEAR = int(HorizonConfig().start[:4])
TARGET_YEAR = HorizonConfig().target_year
DIRECTIONS = {"up": ("↑", "rises"), "down": ("↓", "falls")}


@cache
def load_catalogue(path: Path = CATALOGUE) -> dict[str, Any]:
    """The catalogue as plain data."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def lever_actions() -> dict[str, int | str]:
    """Lever name → the number (1-7) of the plan's action it belongs to (or ``safeguard``)."""
    return {name: spec.action for name, spec in lever_specs().items()}


def lever_fields() -> dict[str, type[Lever]]:
    """Lever name → its config dataclass, for every registered lever."""
    return {name: spec.config for name, spec in lever_specs().items()}


def lever_info(spec: LeverSpec) -> dict[str, Any]:
    """The declaration of a lever as plain data (the keys of :class:`LeverSpec`)."""
    return {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}


def measures(catalogue: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """All measures of the plan's actions, in order."""
    cat = catalogue or load_catalogue()
    return [m for action in cat["actions"] for m in action["measures"]]


def problems(catalogue: dict[str, Any] | None = None) -> list[str]:
    """Inconsistencies between the catalogue and the lever registry (empty when none)."""
    cat = catalogue or load_catalogue()
    specs = lever_specs()
    out = []
    for m in measures(cat):
        for name in m.get("levers", []):
            if name not in specs:
                out.append(f"measure {m['id']} names lever '{name}', which no module declares")
        if not m.get("levers") and not (m.get("out_of_scope_en") and m.get("out_of_scope_zh")):
            out.append(f"measure {m['id']} has no lever and no out-of-scope reason")
    for s in cat.get("safeguards", []):
        if not (s.get("out_of_scope_en") and s.get("out_of_scope_zh")):
            out.append(f"safeguard {s['id']} gives no reason in both languages")
    used = {n for m in measures(cat) for n in m.get("levers", [])}
    for name, spec in specs.items():
        if name not in used and not spec.legacy:
            out.append(f"lever '{name}' represents no measure: add it to a measure's levers")
    return out


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _timing(lever: Lever) -> str:
    if not lever.is_on():
        return "off 关闭"
    extra = f", codes {', '.join(lever.codes)}" if hasattr(lever, "codes") else ""
    return (
        f"{lever.intensity:g} from {lever.start}, ramp {lever.ramp_months} months{extra} · "
        f"强度 {lever.intensity:g}，{lever.start} 起，{lever.ramp_months} 个月到位"
    )


def _cost(lever: Lever) -> str:
    parts = []
    if lever.cost_yi:
        per = " per township 每个乡" if hasattr(lever, "codes") else ""
        parts.append(f"{lever.cost_yi:g}亿元 capital 投资{per}")
    if lever.running_yi:
        parts.append(f"{lever.running_yi:g}亿元/yr running 年运行")
    return " + ".join(parts) if parts else "none 无"


def _lever_line(name: str, info: dict[str, Any], plan: PoliciesBase) -> str:
    lever = plan.lever(name)
    arrow = DIRECTIONS[info["direction"]][0]
    return (
        f"  - [`{name}`](#lever-{name.replace('_', '-')}) {info['name_zh']} — "
        f"{info['mechanism_zh']} / {info['mechanism_en']} "
        f"Indicator 指标 `{info['indicator']}` {arrow}. "
        f"In seven_actions 全面实施情景: {_timing(lever)}. "
        f"Cost at intensity 1 单位成本: {_cost(info['config']())}. "
        f"Evidence 依据: {info['evidence_zh']} / {info['evidence_en']}"
    )


def _first_comment(path: Path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").strip())
    text = " ".join(lines)
    return text.split("?")[0] + "?" if "?" in text else text


def render(catalogue: dict[str, Any] | None = None) -> str:
    """The text of ``docs/policies.md`` (from ``catalogue``, by default the shipped one)."""
    cat = catalogue or load_catalogue()
    info = {name: lever_info(spec) for name, spec in lever_specs().items()}
    plan = load_scenario(PLAN).policies
    defaults = type(plan)()
    out: list[str] = []
    add = out.append
    add("# 政策目录 · Policy catalogue\n")
    add(
        "<!-- Generated by `.venv/bin/python -m hdsim.policies.catalogue` from "
        "hdsim/policies/catalogue.yaml, the lever modules hdsim/policies/*.py and "
        "hdsim/conf/scenario/; "
        "edit those, not this file. -->\n"
    )
    add(
        f"{cat['plan']['title_zh']}共七大行动、33项具体措施和4项保障措施。"
        "本目录列出每项措施在模型中由哪个（些）政策杠杆表示、作用机制、在 `seven_actions`（七大行动"
        "全面实施）情景中的默认强度和时间、幅度依据及成本；不构成模型机制的内容说明原因，或以实施效率"
        "系数表示。所有幅度和成本均为估计或假设（注明依据），应以县里掌握的数据替换。\n"
    )
    add(
        f"{cat['plan']['title_en']} has seven actions, 33 measures and 4 safeguards. For every "
        "measure this catalogue gives the lever(s) that represent it in the model, the "
        "mechanism, the default intensity and timing in the `seven_actions` scenario, the "
        "evidence behind the magnitude, and the cost; measures that are not mechanisms say "
        "why, or are represented by the implementation-efficiency factor. Magnitudes and costs "
        "are estimates or assumptions (each says which), to be replaced by the county's own "
        "figures. Set a lever in a scenario file or on the command line, e.g. "
        "`hdsim scenario=seven_actions scenario.policies.schools.intensity=1.5`.\n"
    )
    add("## 总览 · Overview\n")
    add("| 措施 Measure | 杠杆 Levers | seven_actions |")
    add("|---|---|---|")
    for action in cat["actions"]:
        for m in action["measures"]:
            levers = ", ".join(f"`{n}`" for n in m.get("levers", [])) or "—"
            if m.get("efficiency"):
                levers += " + efficiency 实施效率"
            on = [n for n in m.get("levers", []) if plan.lever(n).is_on()]
            state = "on 实施" if on else ("efficiency" if m.get("efficiency") else "—")
            short = m["name_zh"] if len(m["name_zh"]) <= 30 else m["name_zh"][:28] + "…"
            add(f"| {m['id']} {short} | {levers} | {state} |")
    add("")
    for action in cat["actions"]:
        num = NUMERALS[action["id"] - 1]
        add(f"## 行动{num} {action['name_zh']} · Action {action['id']}: {action['name_en']}\n")
        for m in action["measures"]:
            add(f"### {m['id']} {m['name_zh']}\n")
            add(f"*{m['name_en']}*\n")
            if m.get("levers"):
                add("- 杠杆 Levers:")
                for name in m["levers"]:
                    add(_lever_line(name, info[name], plan))
            if m.get("note_zh"):
                add(f"- 说明 Note: {m['note_zh']} / {m['note_en']}")
            if m.get("out_of_scope_zh"):
                add(f"- 不纳入模型 Out of scope: {m['out_of_scope_zh']} / {m['out_of_scope_en']}")
            if m.get("efficiency"):
                add(
                    "- 实施效率 Implementation efficiency: `policies.implementation_efficiency` "
                    f"(default {defaults.implementation_efficiency:g}) scales every lever's "
                    "effect, not its cost · 按比例缩放所有杠杆的效果，不改变成本。"
                )
            add("")
    add("## 保障措施 · Safeguards\n")
    for s in cat["safeguards"]:
        kind = "efficiency 实施效率" if s.get("efficiency") else "out of scope 不纳入"
        add(
            f"- **{s['id']} {s['name_zh']}** ({s['name_en']}; {kind}): "
            f"{s['out_of_scope_zh']} / {s['out_of_scope_en']}"
        )
    add("")
    add(_lever_reference(info, plan))
    add(_budget_section(plan))
    add(_scenario_section())
    return "\n".join(out).rstrip() + "\n"


def _value(v: object) -> str:
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return f"{v:g}" if isinstance(v, float) else str(v)


def _lever_reference(info: dict[str, dict[str, Any]], plan: PoliciesBase) -> str:
    out = ["## 杠杆参考 · Lever reference\n"]
    out.append(
        "Common fields 通用字段: `start` (YYYY-MM), `intensity` (0 = off, 1 = as the plan "
        "reads), `ramp_months` (effect and capital spending phase in linearly), `cost_yi` "
        "(capital cost at intensity 1, 亿元), `running_yi` (亿元 a year at intensity 1). "
        "Indicator 指标: the county-series indicator the lever moves against the baseline with "
        "the same seeds (checked by tests/test_policies.py).\n"
    )
    classes = lever_fields()
    for name, cls in classes.items():
        entry = info[name]
        arrow, verb = DIRECTIONS[entry["direction"]]
        legacy = " (legacy 旧版)" if entry.get("legacy") else ""
        out.append(f'<a id="lever-{name.replace("_", "-")}"></a>\n')
        out.append(f"### `{name}` {entry['name_zh']}{legacy} — action {entry['action']}\n")
        out.append(f"- 机制 Mechanism: {entry['mechanism_zh']} / {entry['mechanism_en']}")
        out.append(f"- 指标 Indicator: `{entry['indicator']}` {arrow} ({verb})")
        out.append(f"- 预期 Expected outcome: {entry['outcome_zh']} / {entry['outcome_en']}")
        out.append(f"- 依据 Evidence: {entry['evidence_zh']} / {entry['evidence_en']}")
        out.append(f"- seven_actions: {_timing(plan.lever(name))}\n")
        out.append("| parameter | default | seven_actions | meaning |")
        out.append("|---|---|---|---|")
        default = cls()
        for f in dataclasses.fields(cls):
            if f.name in ("start", "intensity") and name != "township_upgrade":
                continue
            d = getattr(default, f.name)
            p = getattr(plan.lever(name), f.name)
            help_text = f.metadata.get("help", "").replace("|", "/")
            out.append(f"| `{f.name}` | {_value(d)} | {_value(p)} | {help_text} |")
        out.append("")
    return "\n".join(out)


def _budget_section(plan: PoliciesBase) -> str:
    table = yearly_plan(plan)
    b = plan.budget
    f = plan.investment_financing
    out = [
        "## 预算 · Budget\n",
        "每个杠杆的投资成本在 `ramp_months` 内均匀支出，运行成本自起始月起每年支出，"
        "均乘以强度（乡改镇按个数计）。年度预算线 = `budget.yearly_yi` + 投融资机制的 "
        "`extra_yearly_yi` × 强度。任一年计划支出超过预算线时，情景被拒绝并给出一行错误信息，"
        "除非设置 `budget.allow_over_budget=true`。运行结果的县级序列包含 `spending_<杠杆>`、"
        "`spending_total` 和 `budget_line_yi`（亿元/月）；"
        "`hdsim.policies.budget.cost_effectiveness` 计算相对基准情景每亿元带来的城镇化率提升。\n",
        "A lever's capital cost is spent evenly over its `ramp_months`, its running cost every "
        "year from its start, both times its intensity (乡→镇 upgrades: per township). The "
        "yearly budget line is `budget.yearly_yi` plus `extra_yearly_yi` x intensity of "
        "`investment_financing`. A scenario whose planned spending exceeds the line in any year "
        "is rejected with a one-line error unless `budget.allow_over_budget=true`. Runs record "
        "`spending_<lever>`, `spending_total` and `budget_line_yi` (亿元 per month) in the county "
        "series; `hdsim.policies.budget.cost_effectiveness` gives urbanization gained per 亿元 "
        "against the baseline.\n",
        f"Defaults 默认: `budget.yearly_yi` = {b.yearly_yi:g}亿元; `investment_financing."
        f"extra_yearly_yi` = {f.extra_yearly_yi:g}亿元 at intensity 1.\n",
        f"Planned spending of `{PLAN}` by year (亿元) · 全面实施情景分年计划支出（亿元）:\n",
        "| year 年 | spending 支出 | budget line 预算线 | largest levers 主要杠杆 |",
        "|---|---|---|---|",
    ]
    for year, row in table.iterrows():
        top = row.drop(["total", "budget"]).sort_values(ascending=False).head(4)
        levers = ", ".join(f"{k} {v:.1f}" for k, v in top.items() if v > 0)
        out.append(f"| {year} | {row['total']:.2f} | {row['budget']:.2f} | {levers} |")
    out.append("")
    return "\n".join(out)


def _scenario_section() -> str:
    out = [
        "## 情景库 · Scenario library\n",
        "Run one with `hdsim scenario=<name>`, or compare several with "
        "`hdsim 'compare=[baseline,<name>,...]'`. 每个情景文件第一行注释说明其回答的问题。\n",
        f"| scenario | question 问题 | levers on 启用杠杆 | cost to {TARGET_YEAR} 成本 (亿元) |",
        "|---|---|---|---|",
    ]
    for name in available_scenarios():
        scenario = load_scenario(name)
        on = [n for n, lv in scenario.policies.levers().items() if lv.is_on()]
        table = yearly_plan(scenario.policies, range(FIRST_YEAR, TARGET_YEAR + 1))
        cost = float(table["total"].sum())
        question = _first_comment(SCENARIO_DIR / f"{name}.yaml").removeprefix("Question: ")
        out.append(f"| `{name}` | {question} | {len(on)} | {cost:.1f} |")
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/policies.md`` (or, with ``--check``, report whether it is up to date)."""
    from hdsim.utils.io import atomic_write_text

    args = sys.argv[1:] if argv is None else argv
    issues = problems()
    if issues:
        print("hdsim.policies.catalogue: error: " + "; ".join(issues), file=sys.stderr)
        return 2
    text = render()
    if "--check" in args:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is out of date: run python -m hdsim.policies.catalogue", file=sys.stderr)
            return 1
        return 0
    atomic_write_text(DOC, text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
