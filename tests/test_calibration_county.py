"""Each county calibrated on its own figures (issue 13 item 3, issue 14 item 3).

A small real county (永和县, 49,946 residents in 2020) is built from the census tables through
``hdsim-county init``. Its targets are derived from its own ``observations.csv`` (the decade's
pace of residents when nothing later is known; a later bulletin row replaces it, so the two
never contradict each other); ``hdsim-calibrate data.dir=FOLDER`` writes the posterior into
the folder with the command and the data checksum; a run on a county without its own
posterior says whose behaviour it borrows (stdout and ``provenance.json``) or refuses under
``calibration.strict``; a posterior fitted on other data is named stale. Budgets are toys
(scale 0.02, a dozen runs to end 2022).
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hdsim.calibration.effective import effective_config
from hdsim.calibration.observed import derive_targets, targets_csv, targets_for
from hdsim.calibration.pipeline import CalibrationRequest, calibrate
from hdsim.calibration.posterior import POSTERIOR_FILE, check_calibration, read_posterior
from hdsim.calibration.simulator import project_config
from hdsim.calibration.smc import SMCSettings
from hdsim.calibration.targets import TARGETS_FILE, CalibrationError, load_targets
from hdsim.county.cli import main as county_main
from hdsim.data import EMBEDDED_DIR, load_county_data
from hdsim.paths import CONFIG_DIR
from hdsim.run import calibration_record

CODE = "141032"
"""永和县: a small mountain county, so a calibration run takes a fraction of a second."""
HDSIM = str(Path(sys.executable).with_name("hdsim"))


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    """A county folder made from the census tables (no calibration of its own)."""
    root = tmp_path_factory.mktemp("county")
    assert county_main(["init", str(root / CODE), "--code", CODE]) == 0
    return root / CODE


def _copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def _lender() -> str:
    return load_county_data().name("name_zh")


def test_census_only_county_fits_the_decade_pace_and_vital_rates_and_checks_its_t0_state(county):
    """From the census tables alone: t0 levels are checks; the decade's yearly pace (with the
    error model's discrepancy term) and the first year's birth and death rates are fitted;
    written as a targets file they load back to the same targets."""
    data = load_county_data(county)
    targets = derive_targets(data, "2020-11")
    by_id = {t.id: t for t in targets.targets}
    obs = data.observations.set_index(["date", "indicator"])["value"]
    p10 = obs[("2010-11-01", "resident_population")]
    p20 = obs[("2020-11-01", "resident_population")]
    pace = by_id["decade_pace_2010_2020"]
    years = (pace.start - pace.start.replace(year=2010)).days / 365.25
    assert pace.kind == "point" and pace.value == pytest.approx((p20 / p10) ** (1 / years) - 1)
    assert pace.sd == pytest.approx(math.hypot(pace.error_sd, pace.discrepancy))
    assert pace.discrepancy > pace.error_sd > 0
    assert by_id["population_2020"].kind == "check" and by_id["rate_2020"].kind == "check"
    assert [t.id for t in targets.fitted.targets] == [
        "decade_pace_2010_2020",
        "birth_rate_2021",
        "death_rate_2021",
    ]
    path = county.parent / "derived.csv"
    path.write_text(targets_csv(targets), encoding="utf-8")
    again = load_targets(path)
    assert [(t.id, t.kind) for t in again.targets] == [(t.id, t.kind) for t in targets.targets]
    for a, b in zip(again.targets, targets.targets, strict=True):
        assert (a.value, a.sd) == pytest.approx((b.value, b.sd), rel=1e-9)


def test_a_later_bulletin_row_is_fitted_and_the_decade_pace_only_checked(county, tmp_path):
    """A user's 2022 residents row becomes a point target, and the 2010s pace, which would
    contradict it, becomes a check: the derived targets never fit both."""
    folder = _copy(county, tmp_path)
    with (folder / "observations.csv").open("a", encoding="utf-8") as fh:
        fh.write("2022-12-31,resident_population,48500,persons,county bulletin 2022,quoted,\n")
    targets, origin = targets_for(load_county_data(folder), "2020-11")
    kinds = {t.id: t.kind for t in targets.targets}
    assert kinds["population_2022"] == "point"
    assert kinds["decade_pace_2010_2020"] == "check"
    assert "observations.csv" in origin


def test_the_embedded_county_keeps_its_curated_targets_without_contradictions():
    """The embedded county's own targets file wins over derivation; its decade pace is not
    fitted (it contradicts the 2022 bulletin), its 2019 vital rates are rebased on the census
    population (deaths above the bulletin's 5.91 per mille), and the estimated 2022 rate has a
    discrepancy term."""
    targets, origin = targets_for(load_county_data(), "2020-11")
    assert origin == str(TARGETS_FILE)
    by_id = {t.id: t for t in targets.targets}
    assert by_id["decline_pace_2010_2020"].kind == "check"
    assert by_id["death_rate_2019"].value > 5.91 * 1.1
    assert (
        by_id["rate_2022"].discrepancy > 0 and by_id["rate_2022"].sd > by_id["rate_2022"].error_sd
    )


def test_vital_targets_are_the_province_rates_standardised_to_the_county(county):
    """Without the county's own births and deaths, its first-year rates are Shanxi's crude
    rates over the window times the county's age-structure ratio, with the estimation error,
    the run noise at the calibration scale and the method stated in the target's note."""
    from hdsim.county.census import census_row
    from hdsim.county.vital import estimate, rates

    data = load_county_data(county)
    by_id = {t.id: t for t in derive_targets(data, "2020-11", scale=0.05).targets}
    shanxi = rates()
    for e, flow, column in zip(
        estimate(census_row(CODE)),
        ("births", "deaths"),
        ("birth_rate_permille", "death_rate_permille"),
        strict=True,
    ):
        window = 2 * float(shanxi[("14", 2020)][column]) + 10 * float(shanxi[("14", 2021)][column])
        assert e.flow == flow and e.reference == pytest.approx(window / 12)
        assert e.value == pytest.approx(e.reference * e.ratio, abs=0.005)
        t = by_id[f"{flow[:-1]}_rate_2021"]
        assert (t.kind, t.statistic, t.indicator) == ("point", "per_1000", flow)
        assert (t.start, t.date) == (pd.Timestamp("2020-11-01"), pd.Timestamp("2021-10-31"))
        assert t.value == pytest.approx(e.value)
        noise = math.sqrt(1000 * t.value / (data.figure("resident_population_2020") * 0.05))
        assert t.error_sd == pytest.approx(math.hypot(e.relative_sd * t.value, noise))
        assert "indirect standardisation" in t.note and "Error model" in t.note


def test_an_older_age_structure_raises_the_estimated_death_rate_and_lowers_births():
    """Direction of the standardisation: the same county aged by five years (every group
    shifted up one) gets a higher death rate and a lower birth rate estimate."""
    from hdsim.county.census import census_row
    from hdsim.county.vital import estimate

    c = census_row(CODE)
    older = dataclasses.replace(
        c,
        male=(0, *c.male[:-2], c.male[-2] + c.male[-1]),
        female=(0, *c.female[:-2], c.female[-2] + c.female[-1]),
    )
    young, old = estimate(c), estimate(older)
    assert old[1].value > young[1].value  # deaths
    assert old[0].value < young[0].value  # births


def test_the_embedded_county_curated_vital_rates_follow_from_its_bulletin_counts():
    """The derivation, applied to the embedded county's own county.csv (the 2019 bulletin's
    births and deaths, rebased on the census-consistent population and carried by China's
    rates), gives the curated targets of its targets.csv to 0.01 per mille."""
    data = load_county_data()
    derived = {t.id: t for t in derive_targets(data, "2020-11").targets}
    curated = {t.id: t for t in load_targets(TARGETS_FILE).targets}
    assert derived["birth_rate_2021"].value == pytest.approx(
        curated["birth_rate_2019"].value, abs=0.01
    )
    assert derived["death_rate_2021"].value == pytest.approx(
        curated["death_rate_2019"].value, abs=0.01
    )
    assert "pre-census bulletin count" in derived["birth_rate_2021"].note


def test_the_standardised_estimate_agrees_with_the_embedded_county_within_its_stated_error():
    """Validation of the method where the county's own counts are known: the province's rates
    standardised to the embedded county's age structure (what a county without a bulletin
    gets) lie within their stated relative error of its curated targets (from its bulletin)."""
    from hdsim.county.census import census_row
    from hdsim.county.vital import estimate

    curated = {t.id: t.value for t in load_targets(TARGETS_FILE).targets}
    births, deaths = estimate(census_row(load_county_data().name("code")))
    for e, key in ((births, "birth_rate_2019"), (deaths, "death_rate_2019")):
        assert abs(e.value - curated[key]) <= e.relative_sd * curated[key], (e.value, key)


def test_census_births_in_a_bulletin_file_replace_the_estimate(tmp_path):
    """births_2020/deaths_2020 given with --from (the census count of the year before the
    census day) are written as official keys and become the targets' first method."""
    from hdsim.county.overrides import read_overrides
    from hdsim.county.scaffold import write_folder

    bulletin = tmp_path / "bulletin.yaml"
    bulletin.write_text(
        'source: "永和县第七次全国人口普查公报 (永和县统计局, 2021)"\n'
        "county: {births_2020: 420, deaths_2020: 390}\n",
        encoding="utf-8",
    )
    write_folder(tmp_path / "yh", CODE, read_overrides(bulletin))
    data = load_county_data(tmp_path / "yh")
    assert data.county.at["births_2020", "confidence"] == "official"
    assert data.county.at["births_2020", "year"] == 2020
    by_id = {t.id: t for t in derive_targets(data, "2020-11").targets}
    births = by_id["birth_rate_2021"]
    assert "census count of the year before" in births.note
    # 420 births over about 50,600 residents in mid-2020, carried by China 2021/2020
    assert births.value == pytest.approx(1000 * 420 / 50600 * 7.52 / 8.52, rel=0.01)


@pytest.fixture(scope="module")
def calibrated(county, tmp_path_factory) -> dict:
    """A toy calibration of the county (12 runs at scale 0.02), installed into a copy."""
    root = tmp_path_factory.mktemp("calibrated")
    folder = root / CODE
    shutil.copytree(county, folder)
    yaml = root / "behaviour.yaml"
    shutil.copy(CONFIG_DIR / "behaviour" / "hongtong.yaml", yaml)
    tiny = SMCSettings(particles=4, first=6, per_generation=4, generations=1)
    request = CalibrationRequest(
        out_dir=root / "job",
        overrides=[f"data.dir={folder}"],
        scale=0.02,
        settings=tiny,
        backtest=False,
        check_replicates=1,
        predictive_replicates=2,
        comparator_end_year=2023,
        force=True,
        behaviour_file=yaml,
    )
    lines: list[str] = []
    outcome = calibrate(request, say=lines.append)
    return {"folder": folder, "yaml": yaml, "outcome": outcome, "lines": lines, "job": root}


def test_calibrating_a_county_writes_its_posterior_into_its_folder(calibrated):
    """The posterior goes to FOLDER/calibration/ with the county, the data checksum and the
    command that made it; the embedded county's behaviour YAML is left alone."""
    folder = calibrated["folder"]
    post = read_posterior(folder / "calibration" / "posterior.csv")
    meta = post.meta
    assert meta["county"]["code"] == CODE
    assert meta["data_checksum"] == load_county_data(folder).checksum
    assert meta["command"].startswith("hdsim-calibrate")
    assert meta["fitted_targets"] == ["decade_pace_2010_2020", "birth_rate_2021", "death_rate_2021"]
    assert meta["simulations"] == 6 + 4
    assert (
        calibrated["yaml"].read_text() == (CONFIG_DIR / "behaviour" / "hongtong.yaml").read_text()
    )
    ppc = pd.read_csv(calibrated["job"] / "job" / "predictive_check.csv")
    assert ppc.loc[0, "id"] == "decade_pace_2010_2020"  # the first fitted figure
    assert ppc["sim_p05"].le(ppc["sim_p95"]).all()
    report = (calibrated["job"] / "job" / "report.md").read_text(encoding="utf-8")
    assert "### " not in report and "## Posterior predictive check" in report
    assert "## Prior versus posterior (identifiability)" in report


def test_a_run_on_a_calibrated_county_draws_its_own_posterior(calibrated):
    cfg = project_config([f"data.dir={calibrated['folder']}"])
    eff = effective_config(cfg, 0)
    own = read_posterior(calibrated["folder"] / "calibration" / "posterior.csv")
    assert eff.calibration.borrowed_from is None
    assert eff.calibration.checksum == own.checksum[:16]
    assert calibration_record(eff)["borrowed_from"] is None


def test_a_county_without_its_own_posterior_borrows_it_and_records_whose(county):
    """No FOLDER/calibration/posterior.csv: the draw comes from the embedded county's, the
    effective configuration and the provenance record name that county; strict refuses."""
    cfg = project_config([f"data.dir={county}"])
    eff = effective_config(cfg, 0)
    assert eff.calibration.borrowed_from == _lender()
    assert calibration_record(eff)["borrowed_from"] == _lender()
    strict = dataclasses.replace(cfg, calibration=dataclasses.replace(cfg.calibration, strict=True))
    with pytest.raises(CalibrationError) as err:
        effective_config(strict, 0)
    assert "\n" not in str(err.value) and "not fitted here" in str(err.value)


def test_the_embedded_county_never_borrows():
    eff = effective_config(project_config([f"data.dir={EMBEDDED_DIR}"]), 0)
    assert eff.calibration.borrowed_from is None


def test_a_posterior_fitted_on_other_data_is_named_stale(calibrated, tmp_path):
    """Changed county data after the calibration: one line naming the data checksums;
    strict refuses it."""
    folder = _copy(calibrated["folder"], tmp_path)
    with (folder / "observations.csv").open("a", encoding="utf-8") as fh:
        fh.write("2022-12-31,resident_population,48500,persons,county bulletin 2022,quoted,\n")
    cfg = project_config([f"data.dir={folder}"])
    source = check_calibration(cfg)
    assert source is not None and source.stale and "other data" in source.stale
    strict = dataclasses.replace(cfg, calibration=dataclasses.replace(cfg.calibration, strict=True))
    with pytest.raises(CalibrationError):
        check_calibration(strict)


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    tiny = [
        "households.scale=0.02",
        "horizon.end_year=2021",
        "horizon.target_year=2021",
        "replicates=2",
        "compare=[baseline]",
        "n_jobs=2",
        "progress=false",
        "output.report=false",
    ]
    return subprocess.run(
        [HDSIM, *tiny, *args, f"hydra.run.dir={cwd / 'out'}"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_hdsim_command_says_once_whose_behaviour_it_borrows(county, tmp_path):
    """Two replicates in two worker processes: the notice is one line of the job's output,
    and each run's provenance.json holds calibration.borrowed_from."""
    proc = _run([f"data.dir={county}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    notice = f"behaviour borrowed from {_lender()}, not fitted here"
    assert (proc.stdout + proc.stderr).count(notice) == 1
    records = sorted((tmp_path / "out" / "runs").rglob("provenance.json"))
    assert len(records) == 2
    for record in records:
        assert json.loads(record.read_text())["calibration"]["borrowed_from"] == _lender()


def test_strict_calibration_refuses_a_borrowed_posterior_before_any_run(county, tmp_path):
    proc = _run([f"data.dir={county}", "calibration.strict=true"], tmp_path)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "not fitted here" in lines[0]
    assert not list((tmp_path / "out").rglob("*.parquet"))


def test_a_named_posterior_fitted_on_another_county_counts_as_borrowed(county):
    """calibration.file pointing at the embedded county's posterior: its record names that
    county, so a run on this county still says whose behaviour it borrows."""
    cfg = project_config([f"data.dir={county}", f"calibration.file={POSTERIOR_FILE}"])
    assert effective_config(cfg, 0).calibration.borrowed_from == _lender()
    same = project_config([f"calibration.file={POSTERIOR_FILE}"])
    assert effective_config(same, 0).calibration.borrowed_from is None
