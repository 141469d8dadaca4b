"""The plan is the county's: read from the active county folder, a template for a new county.

The embedded county's action plan is its folder's ``plan.yaml``; ``hdsim-county init`` writes a
template of the provincial plan type named for the new county, mapped to the same levers and
naming nothing of the embedded county; a broken plan file stops every reader with one line
that says where and how to fix it; the run says when a county's plan is still the template.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hdsim.county.scaffold import write_folder
from hdsim.data import EMBEDDED_DIR, load_county_data
from hdsim.data.plan import PLAN_FILE, PlanError, validate_plan
from hdsim.policies.catalogue import (
    load_plan,
    measures,
    plan_notice,
    plan_path,
    plan_title,
    problems,
)
from hdsim.report.policy_docs import main as policy_docs_main

YONGHE = "141032"


@pytest.fixture(scope="module")
def yonghe(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plan") / "yonghe"
    write_folder(folder, YONGHE)
    return folder


def _embedded_words() -> re.Pattern[str]:
    """Names of the embedded county and its townships (read from its folder)."""
    data = load_county_data()
    words = [data.name("name_zh"), data.name("name_zh")[:-1], data.name("name_en").split()[0]]
    words += [n[:-1] for n in data.townships["name_zh"] if len(n) >= 3]
    return re.compile("|".join(re.escape(w) for w in words))


def test_embedded_plan_lives_in_the_embedded_county_folder() -> None:
    """The default plan is the embedded folder's plan.yaml, and no plan file is left in the
    engine's policies package."""
    assert plan_path() == EMBEDDED_DIR / PLAN_FILE
    assert not list((Path(__file__).resolve().parents[1] / "hdsim/policies").glob("*.yaml"))
    assert load_county_data().name("name_zh") in plan_title()
    assert not load_plan()["plan"].get("template", False)
    assert plan_notice() is None


def test_scaffolded_county_gets_a_template_named_for_it(yonghe) -> None:
    """The template names the new county, is marked as a template, names nothing of the
    embedded county, and maps every measure of the embedded plan to the same levers."""
    plan = load_plan(yonghe)
    name = load_county_data(yonghe).name("name_zh")
    assert name in plan["plan"]["title_zh"] and plan["plan"]["template"] is True
    assert problems(plan) == []  # every declared lever represents a measure
    text = plan_path(yonghe).read_text(encoding="utf-8")
    hit = _embedded_words().search(text)
    assert hit is None, hit
    embedded = {m["id"]: m.get("levers", []) for m in measures(load_plan())}
    template = {m["id"]: m.get("levers", []) for m in measures(plan)}
    assert template == embedded
    names = [[a["name_zh"] for a in p["actions"]] for p in (plan, load_plan())]
    assert names[0] == names[1]  # the seven actions of the provincial plan type
    assert "template" in (plan_notice(yonghe) or "")


def _mutations() -> list[tuple[str, object, str]]:
    """(label, change of the plan, words the one-line message must hold)."""

    def lever(p):
        p["actions"][1]["measures"][0]["levers"] = ["no_such_lever"]

    def title(p):
        del p["plan"]["title_zh"]

    def dup(p):
        p["actions"][0]["measures"][1]["id"] = p["actions"][0]["measures"][0]["id"]

    def reason(p):
        m = p["actions"][2]["measures"][0]
        m["levers"] = []
        m.pop("out_of_scope_zh", None)
        m.pop("out_of_scope_en", None)

    def number(p):
        p["actions"][0]["measures"][0]["id"] = 1.1

    def unknown(p):
        p["actions"][0]["measures"][0]["lever"] = ["schools"]

    def half(p):
        p["actions"][0]["measures"][1]["note_zh"] = "只有中文"
        p["actions"][0]["measures"][1].pop("note_en", None)

    return [
        ("unknown lever", lever, "'no_such_lever' is not a lever of hdsim"),
        ("no title", title, "key 'title_zh' is missing"),
        ("duplicate id", dup, "used twice"),
        ("no lever, no reason", reason, "no lever and no reason"),
        ("unquoted id", number, "quote it"),
        ("misspelt key", unknown, "unknown key 'lever'"),
        ("half a note", half, "give both note_zh and note_en"),
    ]


@pytest.mark.parametrize(("label", "change", "words"), _mutations(), ids=lambda x: str(x)[:20])
def test_broken_plan_stops_its_reader_in_one_line(tmp_path, label, change, words) -> None:
    """Every reader of the folder's plan gets one line naming the file and the fix."""
    plan = copy.deepcopy(load_plan())
    change(plan)
    (tmp_path / PLAN_FILE).write_text(yaml.safe_dump(plan, allow_unicode=True), "utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(tmp_path)
    message = str(err.value)
    assert message.startswith(PLAN_FILE) and "\n" not in message
    assert words in message, message
    if label != "unknown lever":  # the layout alone, as the data layer checks it
        with pytest.raises(PlanError):
            validate_plan(plan)


def test_schema_cli_rejects_a_broken_plan_and_plan_notice_raises(yonghe, tmp_path) -> None:
    """``python -m hdsim.data.schema`` checks plan.yaml too; a run's plan check raises."""
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(yonghe, folder)
    (folder / PLAN_FILE).write_text("plan: [unclosed\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "hdsim.data.schema", str(folder)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stdout.strip().startswith("plan.yaml: not valid YAML at line")
    with pytest.raises(PlanError):
        plan_notice(folder)
    (folder / PLAN_FILE).unlink()
    assert "is missing" in (plan_notice(folder) or "")


def test_policy_docs_of_a_scaffolded_county_name_that_county(yonghe, tmp_path) -> None:
    """``policy_docs --data`` writes the county's own catalogue from its plan, not the embedded."""
    out = tmp_path / "policies.md"
    assert policy_docs_main(["--data", str(yonghe), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert plan_title(yonghe) in text and "template" in text
    assert f"{len(measures(load_plan(yonghe)))}项具体措施" in text
    hit = _embedded_words().search(text)
    assert hit is None, hit


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_names_the_county_plan_and_whose_behaviour_it_borrows(yonghe, lang) -> None:
    """The report's assumptions appendix names the active county's plan (saying it is still the
    template) and the county whose behaviour the runs borrowed; the embedded county's own plan
    is named without either remark."""
    from types import SimpleNamespace

    from hdsim.report.appendix import _plan_and_lender
    from hdsim.report.catalogue import Catalogue

    cat = Catalogue(lang)
    lender = load_county_data().name("name_zh")
    ctx = SimpleNamespace(
        cat=cat,
        inputs=SimpleNamespace(
            data=load_county_data(yonghe),
            provenance=[{"calibration": {"borrowed_from": lender}}] * 2,
        ),
    )
    texts = [p.text for p in _plan_and_lender(ctx)]  # type: ignore[arg-type]
    title = load_plan(yonghe)["plan"][f"title_{lang}"]
    assert texts == [
        cat("assumptions_plan_template", title=title),
        cat("assumptions_borrowed", county=lender),
    ]
    own = SimpleNamespace(cat=cat, inputs=SimpleNamespace(data=load_county_data(), provenance=[]))
    assert [p.text for p in _plan_and_lender(own)] == [  # type: ignore[arg-type]
        cat("assumptions_plan", title=plan_title(lang=lang))
    ]


def test_rewriting_a_folder_keeps_an_edited_plan_and_renews_a_template(yonghe, tmp_path) -> None:
    """``hdsim-county init --force`` keeps a plan the user has edited (no ``template: true``)
    byte for byte, and writes an unedited template again."""
    import shutil

    folder = tmp_path / "yh"
    shutil.copytree(yonghe, folder)
    plan = copy.deepcopy(load_plan(folder))
    plan["plan"].pop("template")
    plan["plan"]["title_zh"] = "《永和县推进以县城为重要载体的城镇化建设行动方案》"
    edited = yaml.safe_dump(plan, allow_unicode=True)
    plan_path(folder).write_text(edited, encoding="utf-8")
    write_folder(folder, YONGHE, force=True)
    assert plan_path(folder).read_text(encoding="utf-8") == edited
    assert plan_notice(folder) is None
    template = plan_path(yonghe).read_text(encoding="utf-8")
    write_folder(yonghe, YONGHE, force=True)
    assert plan_path(yonghe).read_text(encoding="utf-8") == template
