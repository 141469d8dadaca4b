"""Reports built from a small real job: sections, numbers, figures, HTML, PDF, Chinese glyphs.

One session-scoped job (2 scenarios x 2 replicates at scale 0.02) is run by the ``hdsim``
command, which builds the Chinese report itself; the English report, a copy with a failed run
and experiment tables, and an experiment-style folder are built from it. Nothing here
re-simulates.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import string
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hdsim.report import ReportError, build_report
from hdsim.report.catalogue import (
    INDICATORS,
    LEVERS,
    MESSAGES,
    SECTORS,
    Catalogue,
    scenario_labels,
)
from hdsim.report.cli import main as report_main

HDSIM = Path(sys.executable).with_name("hdsim")
SCENARIO_NAMES = ("baseline", "hukou_reform")
EXPECTED_SECTIONS = [
    "summary",
    "answer",
    "trajectories",
    "hukou",
    "townships",
    "jobs",
    "migration",
    "policies",
    "costs",
    "rate_split",
    "assumptions",
    "reproducibility",
    "dictionary",
]
TARGET_END = pd.Timestamp("2025-12-31")


@pytest.fixture(scope="session")
def job(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """A small main job run by the ``hdsim`` command (which builds the Chinese report)."""
    out = tmp_path_factory.mktemp("job")
    proc = subprocess.run(
        [
            str(HDSIM),
            "households.scale=0.02",
            "replicates=2",
            "n_jobs=1",
            "progress=false",
            f"compare=[{','.join(SCENARIO_NAMES)}]",
            f"hydra.run.dir={out}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc


@pytest.fixture(scope="session")
def english(job: tuple[Path, subprocess.CompletedProcess]) -> tuple[Path, list[str]]:
    """The English report of the job, and the warnings emitted while building it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = build_report(job[0], lang="en")
    return result.folder, [str(w.message) for w in caught]


def manifest(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


class Page(HTMLParser):
    """Collects ids, references and tables of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for key in ("src", "href"):
            if a.get(key):
                self.refs.append((key, str(a[key])))
        if tag == "table":
            self._table = str(a.get("id"))
            self.tables[self._table] = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._table:
            self.tables[self._table].append(self._row)
        elif tag == "table":
            self._table = None


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def pct(text: str) -> float:
    return float(text.strip().rstrip("%")) / 100


# --------------------------------------------------------------------------------------------


def test_main_job_ends_with_the_report_path(job: tuple[Path, subprocess.CompletedProcess]) -> None:
    """The main job prints where its report is, and the report is there."""
    folder, proc = job
    found = re.search(r"^hdsim: report in (.+)$", proc.stdout, re.MULTILINE)
    assert found, proc.stdout[-1000:]
    path = Path(found.group(1))
    assert path == folder / "report" / "zh" / "report.html"
    assert path.stat().st_size > 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_has_every_expected_section(
    job: tuple[Path, subprocess.CompletedProcess], english: tuple[Path, list[str]], lang: str
) -> None:
    """Every section with data is in the manifest, the HTML and the Markdown, in order."""
    folder = job[0] / "report" / lang
    keys = [s["key"] for s in manifest(folder)["sections"]]
    assert keys == EXPECTED_SECTIONS
    page = parse(folder / "report.html")
    assert set(EXPECTED_SECTIONS) <= page.ids
    md = (folder / "report.md").read_text(encoding="utf-8")
    anchors = re.findall(r'<a id="([a-z_]+)"></a>', md)
    assert anchors == EXPECTED_SECTIONS


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_answer_table_equals_summary_csv(
    job: tuple[Path, subprocess.CompletedProcess], english: tuple[Path, list[str]], lang: str
) -> None:
    """The answer table shows summary.csv's numbers, scenario by scenario."""
    folder = job[0]
    summary = pd.read_csv(folder / "summary.csv", dtype={"year_mean_crosses": str})
    table = parse(folder / "report" / lang / "report.html").tables["answer"]
    header, rows = table[0], table[1:]
    assert len(rows) == len(summary)
    cat = Catalogue(lang)
    for row, ref in zip(rows, summary.itertuples(), strict=True):
        assert row[0] == cat.scenario(ref.scenario)
        assert int(row[1]) == ref.replicates
        assert pct(row[2]) == pytest.approx(ref.rate_mean, abs=5e-5)
        lo, hi = row[3].split("–")
        assert pct(lo) == pytest.approx(ref.rate_p05, abs=5e-5)
        assert pct(hi) == pytest.approx(ref.rate_p95, abs=5e-5)
        assert pct(row[4]) == pytest.approx(ref.p_reach, abs=5e-3)
        assert pct(row[7]) == pytest.approx(ref.hukou_rate_mean, abs=5e-5)
    assert len(header) == 8


def test_policy_effect_equals_paired_difference_in_ensemble(
    job: tuple[Path, subprocess.CompletedProcess], english: tuple[Path, list[str]]
) -> None:
    """The policy table's effect is the mean of scenario minus baseline, replicate by replicate."""
    folder = job[0]
    ens = pd.read_parquet(folder / "ensemble.parquet")
    end = ens[(ens["indicator"] == "urbanization_rate") & (ens["date"] == TARGET_END)]
    wide = end.pivot(index="replicate", columns="scenario", values="value")
    expected = float((wide["hukou_reform"] - wide["baseline"]).mean())
    rows = parse(english[0] / "report.html").tables["policies"][1:]
    assert [r[0] for r in rows] == ["Hukou reform"]
    assert float(rows[0][2]) == pytest.approx(100 * expected, abs=0.005)
    assert int(rows[0][4]) == 2


def test_every_figure_file_exists_and_is_not_empty(english: tuple[Path, list[str]]) -> None:
    """Each figure of the manifest has a non-empty PNG and a well-formed SVG beside the Markdown."""
    folder = english[0]
    figures = manifest(folder)["figures"]
    assert {"headline", "fan", "hukou", "townships", "jobs", "migration", "policies"} <= set(
        figures
    )
    for key, files in figures.items():
        paths = {Path(p).suffix: Path(p) for p in files}
        assert set(paths) == {".png", ".svg"}, key
        assert paths[".png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = paths[".svg"].read_text(encoding="utf-8")
        assert "<svg" in svg and svg.rstrip().endswith("</svg>")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_is_self_contained_and_markdown_references_exist(
    job: tuple[Path, subprocess.CompletedProcess], english: tuple[Path, list[str]], lang: str
) -> None:
    """HTML embeds every image and links only its own anchors; Markdown's files all exist."""
    folder = job[0] / "report" / lang
    page = parse(folder / "report.html")
    images = [v for k, v in page.refs if k == "src"]
    assert len(images) == len(manifest(folder)["figures"])
    assert all(v.startswith("data:image/png;base64,") for v in images)
    for key, value in page.refs:
        if key == "href":
            assert value.startswith("#") and value[1:] in page.ids, value
    md = (folder / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)\)", md)
    assert links
    for link in links:
        target = folder / link
        assert target.is_file() and target.stat().st_size > 0, link


def test_no_range_in_a_pdf_table_breaks_after_its_dash(tmp_path: Path) -> None:
    """Ranges such as "41.93%–44.04%" stay on one line in a typeset table, even beside long
    text cells and long headers that squeeze the automatic columns ("42.39%–" over "44.82%"
    was the defect), and the PDF's text keeps them searchable as typed."""
    from pypdf import PdfReader

    from hdsim.report.catalogue import Catalogue
    from hdsim.report.document import Document, Section, Table
    from hdsim.report.typeset import compile_pdf

    ranges = [f"{41 + k / 7:.2f}%–{44 + k / 3:.2f}%" for k in range(5)]
    names = ["基准情景", "户籍制度改革", "公共服务提标扩面", "特色优势产业培育", "七大行动全面实施"]
    rows = [
        [name, "42.73%", ranges[k], "0%", "+0.05", "1.5", "32.4", "0% / 0% / 6%"]
        for k, name in enumerate(names)
    ]
    columns = ["情景", "2025年末城镇化率（均值）", "5%–95%区间", "达到55%的概率",
               "较基准提高（百分点）", "至2025年末累计投入（亿元）", "每提高1个百分点投入（亿元）",
               "措施持续时到2028/2030/2035年达到55%的概率"]  # fmt: skip
    table = Table("t", "表", columns, rows)  # the decision summary's table, as on page 1
    doc = Document("标题", "副标题", [], [Section("summary", "节", [table])], Catalogue("zh"))
    pdf = compile_pdf(doc)
    assert isinstance(pdf, bytes)
    (tmp_path / "t.pdf").write_bytes(pdf)
    lines = [ln.strip() for p in PdfReader(tmp_path / "t.pdf").pages
             for ln in (p.extract_text() or "").splitlines()]  # fmt: skip
    text = "\n".join(lines)
    for r in ranges:
        assert r in text, r  # whole, on one line, no invisible characters
    assert "0% / 0% / 6%" in text
    assert not [ln for ln in lines if re.search(r"\d%?–$", ln)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_opens_with_the_expected_pages(
    job: tuple[Path, subprocess.CompletedProcess], english: tuple[Path, list[str]], lang: str
) -> None:
    """The typeset PDF has the manifest's page count, each figure caption on exactly one page,
    every section title, selectable text in an embedded font, and no text cut with "…"."""
    from pypdf import PdfReader

    folder = job[0] / "report" / lang
    info = manifest(folder)
    reader = PdfReader(folder / "report.pdf")
    texts = ["".join((p.extract_text() or "").split()) for p in reader.pages]
    n_figures = sum(len(s["figures"]) for s in info["sections"])
    assert len(texts) == info["pdf_pages"]
    assert len(texts) >= 2
    word = Catalogue(lang)("figure")
    figure_pages = set()
    for k in range(1, n_figures + 1):
        pages = [i for i, t in enumerate(texts) if f"{word}{k}." in t]
        assert len(pages) == 1, k
        figure_pages.add(pages[0])
    assert len(figure_pages) < n_figures  # figures share pages (at least two share one)
    joined = "".join(texts)
    for section in info["sections"]:
        assert "".join(section["title"].split()) in joined
    assert "…" not in joined
    fonts = {
        str(f["/BaseFont"])
        for page in reader.pages
        for f in page["/Resources"]["/Font"].values()
        if "/BaseFont" in f.get_object()
    }
    assert any("NotoSansCJK" in f for f in fonts), fonts


def test_chinese_renders_without_missing_glyphs(
    job: tuple[Path, subprocess.CompletedProcess], english: tuple[Path, list[str]]
) -> None:
    """No "missing from font" warning in the Chinese or English report builds; without the
    CJK font the same Chinese label does warn (so the check can fail)."""
    import matplotlib
    from matplotlib.figure import Figure

    from hdsim.report.fonts import report_rc

    assert "missing from font" not in job[1].stderr
    assert not [w for w in english[1] if "missing from font" in w]
    label = Catalogue("zh")("fig_headline", county="县")

    def draw(rc: dict) -> list[str]:
        with warnings.catch_warnings(record=True) as caught, matplotlib.rc_context(rc):
            warnings.simplefilter("always")
            fig = Figure()
            fig.subplots().set_title(label)
            fig.savefig(job[0] / "glyphs.png")
        return [str(w.message) for w in caught if "missing from font" in str(w.message)]

    assert draw(report_rc()) == []
    assert draw({"font.family": ["DejaVu Sans"]})


def test_catalogues_hold_the_same_keys_and_placeholders() -> None:
    """zh and en catalogues have the same messages, each with the same placeholders."""
    assert MESSAGES["zh"].keys() == MESSAGES["en"].keys()
    fields = string.Formatter()
    for key in MESSAGES["zh"]:
        zh = {f for _, f, _, _ in fields.parse(MESSAGES["zh"][key]) if f}
        en = {f for _, f, _, _ in fields.parse(MESSAGES["en"][key]) if f}
        assert zh == en, key
    for table in (scenario_labels(), LEVERS, SECTORS, INDICATORS):
        assert table["zh"].keys() == table["en"].keys()


def test_lever_names_cover_every_policy_lever() -> None:
    """Every lever of the policy schema has a name in both languages (no half translation)."""
    import dataclasses

    from hdsim.model.config import PoliciesConfig

    levers = [
        f.name
        for f in dataclasses.fields(PoliciesConfig)
        if f.default_factory is not dataclasses.MISSING
        and "intensity" in {g.name for g in dataclasses.fields(f.default_factory())}
    ]
    assert levers
    assert set(levers) <= set(LEVERS["zh"])


def test_folder_without_output_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder holding no hdsim output ends with one line on stderr and status 2."""
    (tmp_path / "notes.txt").write_text("nothing here")
    assert report_main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no hdsim output" in err
    assert report_main([str(tmp_path / "absent")]) == 2
    assert report_main([str(tmp_path), "--format", "docx"]) == 2
    with pytest.raises(ReportError):
        build_report(tmp_path)


def test_failed_run_is_listed_and_experiment_tables_add_panels(
    job: tuple[Path, subprocess.CompletedProcess], tmp_path: Path
) -> None:
    """An interrupted job: the failed run is listed, the rest reported; optional tables add
    sensitivity, PRIM, target-seeking and calibration panels, a malformed one a note."""
    folder = tmp_path / "job"
    shutil.copytree(job[0], folder, ignore=shutil.ignore_patterns("report"))
    failed = folder / "runs" / "hukou_reform" / "rep_001"
    (failed / "_SUCCESS").unlink()
    (failed / "_ERROR").write_text("ValueError: the run broke\ntraceback...\n")
    (folder / "ensemble.parquet").unlink()
    (folder / "summary.csv").unlink()
    agg = folder / "aggregate"
    agg.mkdir()
    params = ["behaviour.location.asc_county_city", "scenario.policies.hukou_reform.intensity"]
    pd.DataFrame(
        {
            "output": ["rate_target"] * 2,
            "parameter": params,
            "S1": [0.6, 0.2],
            "S1_conf": [0.05, 0.04],
            "ST": [0.7, 0.3],
            "ST_conf": [0.06, 0.05],
        }
    ).to_csv(agg / "sensitivity_sobol.csv", index=False)
    pd.DataFrame({"output": ["rate_target"], "parameter": params[:1]}).to_csv(
        agg / "sensitivity_morris.csv", index=False
    )
    pd.DataFrame(
        {
            "box": [1, 1],
            "parameter": params,
            "low": [3.5, 1.2],
            "high": [4.0, 2.0],
            "sample_low": [2.0, 0.0],
            "sample_high": [4.0, 2.0],
            "restricted": [True, True],
            "coverage": [0.8, 0.8],
            "density": [0.9, 0.9],
        }
    ).to_csv(agg / "prim_boxes.csv", index=False)
    pd.DataFrame(
        {
            "lever": ["hukou_reform", "hukou_reform"],
            "level": [0.5, 0.8],
            "status": ["reached", "not reachable within the range"],
            "value": [1.4, np.nan],
            "p_reach_at_value": [0.55, 0.3],
            "range_low": [0.0, 0.0],
            "range_high": [2.0, 2.0],
        }
    ).to_csv(folder / "target_seeking.csv", index=False)
    pd.DataFrame(
        {
            "indicator": ["urbanization_rate", "resident_population"],
            "date": ["2022-12-31", "2022-12-31"],
            "observed": [0.415, 626800],
            "sim_mean": [0.414, 627500],
            "sim_p05": [0.41, 620000],
            "sim_p95": [0.42, 635000],
            "held_out": [True, False],
        }
    ).to_csv(folder / "backtest.csv", index=False)

    result = build_report(folder, lang="en", formats="html")
    assert result.failed_runs == [str(failed)]
    info = manifest(result.folder)
    keys = [s["key"] for s in info["sections"]]
    assert keys[:3] == ["summary", "answer", "runs"]
    assert {"sensitivity", "prim", "target", "calibration"} <= set(keys)
    page = parse(result.files["html"])
    assert page.tables["failed_runs"][1] == [
        "runs/hukou_reform/rep_001",
        "failed: ValueError: the run broke",
    ]
    answer = {r[0]: r for r in page.tables["answer"][1:]}
    assert answer["Hukou reform"][1] == "1" and answer["Baseline"][1] == "2"
    html = result.files["html"].read_text(encoding="utf-8")
    assert "sensitivity_morris.csv lacks the columns mu_star" in html
    target = page.tables["target_seeking"][1:]
    assert target[0][2] == "1.4" and target[1][2] == "not reachable within the lever's range"
    assert [r[-1] for r in page.tables["calibration"][1:]] == ["back-test"]
    assert not (result.folder / "report.pdf").exists()


def test_experiment_folder_of_run_folders(
    job: tuple[Path, subprocess.CompletedProcess], tmp_path: Path
) -> None:
    """A sweep-like folder (job folders below it, no runs/) is reported as an experiment."""
    exp = tmp_path / "multirun"
    for k, scenario in enumerate(SCENARIO_NAMES):
        shutil.copytree(job[0] / "runs" / scenario / "rep_000", exp / str(k))
    (exp / "2").mkdir()
    (exp / "2" / ".hydra").mkdir()
    result = build_report(exp, lang="zh", formats="md")
    info = manifest(result.folder)
    assert info["kind"] == "experiment"
    assert info["scenarios"] == list(SCENARIO_NAMES)
    assert info["failed_runs"] == [str(exp / "2")]
    assert (result.folder / "report.md").stat().st_size > 0


# --------------------------------------------------------------------------------------------
# What a leadership meeting needs (issue 12)
# --------------------------------------------------------------------------------------------

ZH_ALLOWED_WORDS = {
    # proper names, codes, units and tools that stay in Latin script in the zh report
    "hdsim", "Python", "Mesa", "numpy", "Excel", "Hydra", "Wilson", "PRIM", "Sobol", "Morris",
    "Spearman", "ABC", "PNG", "SVG", "PDF", "HTML", "CSV", "SHA", "km", "mu", "ST", "pp",
    "hdsim-calibrate", "log",
}  # fmt: skip
"""Latin words the zh report may show besides codes (words with ``_``, ``.`` or digits)."""


def _squeeze(text: str) -> str:
    return "".join(text.split())


def test_pdf_first_page_holds_the_verdict_and_the_summary_numbers(
    job: tuple[Path, subprocess.CompletedProcess],
) -> None:
    """Page 1 of the zh PDF is the decision summary: the bold verdict, and each scenario's
    target-year rate and P(≥ target) equal to summary.csv of the job."""
    from pypdf import PdfReader

    from hdsim.report.inputs import load_inputs
    from hdsim.report.sections import Context
    from hdsim.report.summary import verdict

    folder, _ = job
    page1 = _squeeze(PdfReader(folder / "report" / "zh" / "report.pdf").pages[0].extract_text())
    cat = Catalogue("zh")
    ctx = Context(load_inputs(folder), cat)
    assert _squeeze(cat("sec_summary")) in page1
    assert _squeeze(verdict(ctx)) in page1
    summary = pd.read_csv(folder / "summary.csv")
    for r in summary.itertuples():
        assert _squeeze(cat.scenario(r.scenario)) in page1
        assert cat.pct(r.rate_mean) in page1
        assert f"{cat.pct(r.p_reach, 0)}" in page1
    assert _squeeze(cat("col_year_outlook", target="55%", years="2028/2030/2035")) in page1


def test_outlook_reaches_2035_and_its_probabilities_equal_its_runs(
    job: tuple[Path, subprocess.CompletedProcess],
) -> None:
    """The main job's outlook runs end in 2035; outlook.csv's P for each scenario and year is
    the share of its runs at or above the target at some year end up to that year."""
    folder, _ = job
    out = pd.read_csv(folder / "outlook" / "outlook.csv")
    series = pd.read_parquet(folder / "outlook" / "ensemble.parquet")
    rate = series[series["indicator"] == "urbanization_rate"]
    dates = pd.to_datetime(rate["date"])
    assert dates.max() == pd.Timestamp("2035-12-31")
    ends = rate[(dates.dt.month == 12) & (dates.dt.day == 31)]
    for r in out.itertuples():
        mine = ends[ends["scenario"] == r.scenario]
        upto = mine[pd.to_datetime(mine["date"]).dt.year <= r.year]
        best = upto.groupby("replicate")["value"].max()
        assert r.n == len(best)
        assert r.p == pytest.approx(float((best >= r.target_rate).mean()), abs=1e-12)


def test_zh_html_has_no_english_word_outside_the_allow_list(
    job: tuple[Path, subprocess.CompletedProcess],
) -> None:
    """Every word of the zh HTML's text is Chinese, a code (a data field, a config key, a
    file name), a unit or an allowed proper name."""
    import html as html_lib

    from hdsim.report.inputs import county_name, load_inputs

    inputs = load_inputs(job[0])
    prov = inputs.data.provenance()
    codes = set(prov["field"].astype(str))
    codes |= {w for e in prov["entity"].astype(str) for w in re.findall(r"[A-Za-z]+", e)}
    codes |= {w for o in inputs.overrides for w in re.findall(r"[A-Za-z]+", o)}
    codes |= set(inputs.county["indicator"].astype(str))
    codes |= set(inputs.township["indicator"].astype(str)) if inputs.township is not None else set()
    codes |= {"true", "false", "SeedSequence", county_name(inputs.data, "zh")}
    text = (job[0] / "report" / "zh" / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"https?://\S+", " ", text)  # addresses of sources are codes, not words
    words = re.findall(r"[A-Za-z0-9_./@-]*[A-Za-z]{2,}[A-Za-z0-9_./@-]*", text)
    english = {
        w for w in words if not re.search(r"[_./@0-9]", w) and w not in ZH_ALLOWED_WORDS | codes
    }
    assert not english, sorted(english)[:40]


def test_workbook_opens_and_its_numbers_equal_the_parquet(
    job: tuple[Path, subprocess.CompletedProcess],
) -> None:
    """report.xlsx opens with openpyxl, has Chinese sheet names and headers, and its
    year-end rates equal the means of ensemble.parquet; summary.csv for people has a BOM."""
    import openpyxl

    folder = job[0] / "report" / "zh"
    book = openpyxl.load_workbook(folder / "report.xlsx", read_only=True)
    cat = Catalogue("zh")
    assert cat("sheet_summary") in book.sheetnames
    rows = list(book[cat("sheet_series")].iter_rows(values_only=True))
    head = list(rows[0])
    col = head.index(cat.indicator("urbanization_rate"))
    code, year = head.index(cat("xl_scenario")), head.index(cat("xl_year"))
    series = pd.read_parquet(job[0] / "ensemble.parquet")
    rate = series[series["indicator"] == "urbanization_rate"]
    checked = 0
    for row in rows[1:]:
        at = rate[(rate["scenario"] == row[code]) & (rate["date"] == f"{row[year]}-12-31")]
        assert row[col] == pytest.approx(at["value"].mean(), abs=1e-12)
        checked += 1
    assert checked >= 2 * len(SCENARIO_NAMES)
    assert (folder / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_every_figure_carries_its_source_line(english: tuple[Path, list[str]]) -> None:
    """Every SVG figure holds the source-and-date line as editable text."""
    folder, _ = english
    word = Catalogue("en")("figure_source", county="X", kind="K", runs=0, date="D").split(" ")[0]
    svgs = sorted((folder / "figures").glob("*.svg"))
    assert svgs
    for svg in svgs:
        assert word in svg.read_text(encoding="utf-8"), svg.name


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/bootstrap)")
def test_html_renders_in_chromium_with_the_embedded_font_and_no_overflow(
    job: tuple[Path, subprocess.CompletedProcess], tmp_path: Path
) -> None:
    """With no system font visible to chromium, the zh page's Chinese text uses the embedded
    WOFF subset (document.fonts.check), and no table is wider than its box or the page."""
    playwright = pytest.importorskip("playwright.sync_api")
    from hdsim.report.fonts import WEB_FAMILY

    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><fontconfig><dir>/nonexistent</dir>'
        f"<cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    url = (job[0] / "report" / "zh" / "report.html").as_uri()
    probe = (
        f"() => document.fonts.load('16px \"{WEB_FAMILY}\"', '城镇化率').then(() => "
        f"document.fonts.check('16px \"{WEB_FAMILY}\"', '城镇化率')).catch(e => String(e))"
    )
    overflow = (
        "() => [...document.querySelectorAll('table')].filter(t => {"
        " const box = t.parentElement.getBoundingClientRect(), r = t.getBoundingClientRect();"
        " return r.right > box.right + 1 || r.right > document.body.getBoundingClientRect().right"
        " + 1 }).map(t => t.id)"
    )
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            env={**os.environ, "FONTCONFIG_FILE": str(conf)},
        )
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        for _attempt in range(3):  # chromium sometimes fails a data: URL with NetworkError
            page.goto(url)
            used = page.evaluate(probe)
            if used is True or "NetworkError" not in str(used):
                break
        wide = page.evaluate(overflow)
        browser.close()
    assert used is True, used
    assert wide == []


def test_data_dictionary_covers_every_indicator_of_the_outputs(
    job: tuple[Path, subprocess.CompletedProcess],
) -> None:
    """Every indicator in the job's county and township series (and its outlook) has a unit and
    zh and en labels and definitions in hdsim/report/indicators.yaml."""
    from hdsim.report.dictionary import entry

    names = set(pd.read_parquet(job[0] / "ensemble.parquet")["indicator"].astype(str))
    for path in (job[0] / "runs").rglob("township.parquet"):
        names |= set(pd.read_parquet(path, columns=["indicator"])["indicator"].astype(str))
        break
    missing = sorted(n for n in names if entry(n) is None)
    assert not missing, missing
    for name in names:
        item = entry(name)
        assert item is not None and item.unit and item.zh and item.en and item.def_zh, name


def test_helper_process_gives_the_same_files(
    job: tuple[Path, subprocess.CompletedProcess], tmp_path: Path
) -> None:
    """Figures and HTML are byte-identical whether a helper process draws part of the
    figures (from the moment each section is built), makes the font subset and compiles the PDF
    or this process does it all (the timestamp aside); the PDFs have the same pages and text
    and the workbooks the same cells."""
    code = (
        "import sys; from hdsim.report.build import build_report; "
        "build_report(sys.argv[1], out=sys.argv[2], helper=sys.argv[3] == '1')"
    )
    for name, flag in (("alone", "0"), ("helped", "1")):
        subprocess.run(
            [sys.executable, "-c", code, str(job[0]), str(tmp_path / name), flag],
            check=True,
            timeout=600,
        )
    alone, helped = tmp_path / "alone", tmp_path / "helped"
    figures = sorted(p.name for p in (alone / "figures").iterdir())
    assert figures == sorted(p.name for p in (helped / "figures").iterdir())
    for name in figures:
        assert (alone / "figures" / name).read_bytes() == (helped / "figures" / name).read_bytes()

    def page(folder: Path) -> str:
        text = (folder / "report.html").read_text(encoding="utf-8")
        return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "", text)

    assert page(alone) == page(helped)
    import openpyxl
    from pypdf import PdfReader

    def pdf_text(folder: Path) -> list[str]:
        pages = PdfReader(folder / "report.pdf").pages
        return [re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "", p.extract_text()) for p in pages]

    assert pdf_text(alone) == pdf_text(helped)

    def cells(folder: Path) -> dict[str, list[tuple]]:
        book = openpyxl.load_workbook(folder / "report.xlsx", read_only=True)
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}

    assert cells(alone) == cells(helped)


def test_streamed_workbook_holds_the_cells_dataframe_to_excel_writes(
    job: tuple[Path, subprocess.CompletedProcess], tmp_path: Path
) -> None:
    """report.xlsx, streamed in openpyxl's write-only mode, holds every sheet with the cells
    (values, empty cells, number formats), column widths and frozen header row that
    DataFrame.to_excel writes from the same frames."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    from hdsim.report.inputs import load_inputs
    from hdsim.report.sections import Context
    from hdsim.report.workbook import PERCENT_COLUMNS, SHEETS, _labelled, write_workbook

    ctx = Context(load_inputs(job[0]), Catalogue("zh"))
    streamed = tmp_path / "streamed.xlsx"
    frames = write_workbook(ctx, streamed)
    frames["series"].iloc[0, 3] = np.nan  # an empty cell and an infinity, as to_excel has them
    frames["series"].iloc[1, 3] = np.inf
    streamed.unlink()
    import hdsim.report.workbook as wb

    reference = tmp_path / "to_excel.xlsx"
    with pd.ExcelWriter(reference, engine="openpyxl") as writer:
        for key in [k for k in SHEETS if k in frames]:
            title = ctx.cat(f"sheet_{key}")[:31]
            _labelled(frames[key], ctx).to_excel(writer, sheet_name=title, index=False)
            sheet = writer.sheets[title]
            sheet.freeze_panes = "A2"
            for j, column in enumerate(frames[key].columns, start=1):
                letter = get_column_letter(j)
                width = max(len(str(_labelled(frames[key], ctx).columns[j - 1])), 8)
                sheet.column_dimensions[letter].width = min(40, width * 1.6 + 2)
                fmt = "0.00%" if key == "summary" and column in PERCENT_COLUMNS else None
                if key == "levers" and (isinstance(column, int) or column == "total"):
                    fmt = "0.00"
                for cell in sheet[letter][1:] if fmt else ():
                    cell.number_format = fmt
    original = wb.workbook_frames
    wb.workbook_frames = lambda _ctx: frames  # type: ignore[assignment]
    try:
        write_workbook(ctx, streamed)
    finally:
        wb.workbook_frames = original
    ours, theirs = openpyxl.load_workbook(streamed), openpyxl.load_workbook(reference)
    assert ours.sheetnames == theirs.sheetnames and len(ours.sheetnames) >= 5
    for name in ours.sheetnames:
        a, b = ours[name], theirs[name]
        assert [[(c.value, c.number_format) for c in r] for r in a.iter_rows()] == [
            [(c.value, c.number_format) for c in r] for r in b.iter_rows()
        ], name
        assert a.freeze_panes == b.freeze_panes == "A2"
        widths = {k: d.width for k, d in a.column_dimensions.items()}
        assert widths == {k: d.width for k, d in b.column_dimensions.items()}, name
    series = ours[ctx.cat("sheet_series")]
    assert series.cell(2, 4).value is None and series.cell(3, 4).value == "inf"


def test_report_costs_equal_cost_effectiveness_of_the_whole_series(
    job: tuple[Path, subprocess.CompletedProcess],
) -> None:
    """The report's costs table, computed from the two indicators cost_effectiveness reads,
    equals cost_effectiveness of the whole ensemble (rows, order and numbers)."""
    from hdsim.policies.budget import cost_effectiveness
    from hdsim.report.inputs import load_inputs
    from hdsim.report.sections import Context
    from hdsim.report.summary import costs

    inputs = load_inputs(job[0])
    ours = costs(Context(inputs, Catalogue("en")))
    assert ours is not None and list(ours["scenario"]) == list(SCENARIO_NAMES)
    whole = cost_effectiveness(inputs.county, inputs.horizon.target_year)
    pd.testing.assert_frame_equal(ours, whole)


def test_township_change_equals_the_runs_sums_at_the_two_dates(
    job: tuple[Path, subprocess.CompletedProcess],
) -> None:
    """The township table's change of urban residents is, for every township and scenario,
    the mean over the runs of their sums at the end of the target year minus the census day,
    read straight from the runs' township.parquet files."""
    from hdsim.report.analysis import township_urban_change

    files = sorted((job[0] / "runs").glob("*/rep_*/township.parquet"))
    assert files
    raw = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    raw["date"] = pd.to_datetime(raw["date"])
    start, change = township_urban_change(raw, TARGET_END)
    urban = raw[raw["indicator"] == "urban_residents"]
    first, last = urban["date"].min(), urban["date"][urban["date"] <= TARGET_END].max()
    assert first < last
    sums = urban.groupby(["scenario", "replicate", "date", "township_code"])["value"].sum()
    for scenario in SCENARIO_NAMES:
        for i, code in enumerate(start["township_code"]):
            runs = sums.xs((scenario, code), level=("scenario", "township_code"))
            expected = (
                runs.xs(last, level="date").mean() - runs.xs(first, level="date").mean()
            )
            assert change.at[i, scenario] == pytest.approx(expected, abs=1e-9)


def test_cli_hires_writes_300_dpi_pngs_and_prints_one_line_per_stage(
    job: tuple[Path, subprocess.CompletedProcess], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """--hires writes figures/<key>@300dpi.png (twice the pixels of the 150 dpi PNG) with
    --format html alone; every stage prints one progress line on stderr; --help documents
    every option."""
    from PIL import Image

    out = tmp_path / "hires"
    assert report_main([str(job[0]), "--format", "html", "--out", str(out), "--hires"]) == 0
    err = capsys.readouterr().err
    stage = re.compile(r"hdsim-report: \[\s*\d+\.\d s\]")
    stages = [line for line in err.splitlines() if stage.match(line)]
    assert len(stages) >= 4, err
    assert "reading the outputs" in stages[0], err  # said before the Parquet is read
    pngs = sorted((out / "figures").glob("*@300dpi.png"))
    # the figures, the longest stage, count themselves off one line each, to the last one
    counted = [line for line in stages if re.search(r"figure \d+ of \d+ drawn", line)]
    assert len(counted) == len(pngs) and f"figure {len(pngs)} of {len(pngs)}" in counted[-1]
    assert pngs
    for big in pngs:
        small = big.with_name(big.name.replace("@300dpi", ""))
        assert Image.open(big).size[0] == 2 * Image.open(small).size[0]
    with pytest.raises(SystemExit):
        report_main(["--help"])
    text = capsys.readouterr().out
    for option in ("--lang", "--format", "--out", "--headline", "--hires", "--quiet"):
        assert re.search(rf"{option}\b[^\n]*\n?\s+\S", text), option


def test_lever_spending_sheet_equals_the_parquet(
    job: tuple[Path, subprocess.CompletedProcess],
) -> None:
    """The workbook's per-lever sheet (lever x year, 亿元, zh headers) holds each lever's
    yearly spending: the mean over replicates of the yearly sums of spending_<lever>."""
    import openpyxl

    cat = Catalogue("zh")
    book = openpyxl.load_workbook(job[0] / "report" / "zh" / "report.xlsx", read_only=True)
    rows = list(book[cat("sheet_levers")[:31]].iter_rows(values_only=True))
    head = list(rows[0])
    assert cat("xl_measure") in head and cat("xl_year_column", year=2024) in head
    series = pd.read_parquet(job[0] / "ensemble.parquet")
    checked = 0
    for row in rows[1:]:
        record = dict(zip(head, row, strict=True))
        lever = record[cat("xl_lever")]
        mine = series[
            (series["scenario"] == record[cat("xl_scenario")])
            & (series["indicator"] == f"spending_{lever}")
            & (series["date"].dt.year == 2024)
        ]
        expected = mine.groupby("replicate")["value"].sum().mean()
        assert record[cat("xl_year_column", year=2024)] == pytest.approx(expected, abs=1e-9)
        checked += 1
    assert checked >= 1


def test_rate_split_sheet_adds_up_to_the_change_of_the_urban_population(
    job: tuple[Path, subprocess.CompletedProcess],
) -> None:
    """The workbook's rate-split sheet (zh headers): for every scenario and year its township
    rows, statistical plus behavioural persons, equal the mean over replicates of the change of
    ``urban_population`` in ensemble.parquet (year end over the previous year end, or over the
    census day in the first year), and so does its whole-county row, whose two point columns
    add up to the change of the mean urbanization rate: the split is a decomposition."""
    import openpyxl

    cat = Catalogue("zh")
    book = openpyxl.load_workbook(job[0] / "report" / "zh" / "report.xlsx", read_only=True)
    rows = list(book[cat("sheet_rate_split")].iter_rows(values_only=True))
    width = len(rows[0])  # a streamed row ends at its last value: pad the empty cells back
    sheet = pd.DataFrame([(*r, *(None,) * (width - len(r))) for r in rows[1:]], columns=rows[0])
    whole = sheet[cat("xl_township")] == cat("settlement_all")
    total = sheet[cat("xl_statistical")] + sheet[cat("xl_behavioural")]
    keys = [cat("xl_scenario"), cat("xl_year")]
    by_township = total[~whole].groupby([sheet[k][~whole] for k in keys]).sum()
    county = sheet[whole].set_index(keys)
    series = pd.read_parquet(job[0] / "ensemble.parquet")
    urban = series[series["indicator"] == "urban_population"]
    rate = series[series["indicator"] == "urbanization_rate"]
    checked = 0
    for (scenario, year), value in by_township.items():
        change = {}
        for name, frame in (("urban", urban), ("rate", rate)):
            mine = frame[frame["scenario"] == scenario]
            before = mine[mine["date"] < f"{year}-01-01"]
            first = mine.groupby("replicate")["date"].idxmin()
            start = before.loc[before.groupby("replicate")["date"].idxmax()] if len(before) else (
                mine.loc[first]
            )
            end = mine[mine["date"] == f"{year}-12-31"]
            diff = end.set_index("replicate")["value"] - start.set_index("replicate")["value"]
            change[name] = diff.mean()
        if pd.isna(change["urban"]):
            continue
        assert value == pytest.approx(change["urban"], rel=1e-9, abs=1e-6), (scenario, year)
        row = county.loc[(scenario, year)]
        assert row[cat("xl_statistical")] + row[cat("xl_behavioural")] == pytest.approx(value)
        points = row[cat("xl_statistical_pp")] + row[cat("xl_behavioural_pp")]
        assert points == pytest.approx(100 * change["rate"], abs=1e-9), (scenario, year)
        checked += 1
    assert checked >= 2 * len(SCENARIO_NAMES)
