"""Start-up of the ``hdsim`` command: what its processes compose and import (issue 16).

Properties checked, none of them a timing: a single job's configuration is composed once (it
was three times), ``--cfg job`` and the one-line errors compose once and load neither pandas nor
Mesa, the parent of the main job never imports Mesa (only its workers run models), nothing in
``hdsim/conf`` sets ``hydra.mode`` (what lets a single job skip Hydra's probe of it), deferred
modules load on first use only and whole (once, even when a submodule is imported first), a bad
value still ends a single job in one line before its folder exists, and
``hdsim-assumptions``' arm configurations equal the OmegaConf construction they replace.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hdsim.paths import require_config_dir

TINY = ["households.scale=0.01", "horizon.end_year=2021"]

PROBE = """
import atexit, json, sys
from hydra._internal.config_loader_impl import ConfigLoaderImpl

calls = []
load = ConfigLoaderImpl.load_configuration


def counted(self, *args, **kwargs):
    calls.append(str(kwargs.get("run_mode", args[2] if len(args) > 2 else "")))
    return load(self, *args, **kwargs)


ConfigLoaderImpl.load_configuration = counted


def report():
    real = lambda name: name in sys.modules and type(sys.modules[name]).__name__ == "module"
    out = {{
        "compositions": len(calls),
        "loaded": sorted(m for m in ("mesa", "pandas", "scipy", "networkx") if real(m)),
    }}
    with open({report!r}, "w") as f:
        json.dump(out, f)


atexit.register(report)
sys.argv = ["hdsim", *{argv!r}]
from hdsim.cli import main

main()
"""


def probe(tmp_path: Path, *argv: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    """Run ``hdsim ARGV`` in a fresh process; its compositions and the heavy modules it loaded."""
    report = tmp_path / "probe.json"
    code = PROBE.format(report=str(report), argv=list(argv))
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    return run, json.loads(report.read_text()) if report.is_file() else {}


def test_a_single_job_composes_its_configuration_once(tmp_path):
    folder = tmp_path / "one"
    run, seen = probe(
        tmp_path,
        "scenario=baseline",
        "replicate=0",
        "output.report=false",
        *TINY,
        f"hydra.run.dir={folder}",
    )
    assert run.returncode == 0, run.stderr
    assert (folder / "_SUCCESS").is_file()
    assert seen["compositions"] == 1  # was 3: the pre-flight, Hydra's mode probe, Hydra's run
    assert "scipy" not in seen["loaded"] and "networkx" not in seen["loaded"]  # Mesa's spaces
    assert "mesa" in seen["loaded"]  # the run builds its model in this process


def test_cfg_job_composes_once_and_loads_neither_pandas_nor_mesa(tmp_path):
    run, seen = probe(tmp_path, "--cfg", "job", "scenario=hukou_reform")
    assert run.returncode == 0, run.stderr
    assert "name: hukou_reform" in run.stdout
    assert seen == {"compositions": 1, "loaded": []}


def test_the_parent_of_the_main_job_never_imports_mesa(tmp_path):
    folder = tmp_path / "job"
    run, seen = probe(
        tmp_path,
        "output.report=false",
        "replicates=2",
        "compare=[baseline,hukou_reform]",
        "n_jobs=2",
        "progress=false",
        *TINY,
        f"hydra.run.dir={folder}",
    )
    assert run.returncode == 0, run.stderr
    assert (folder / "summary.csv").is_file()
    assert seen["compositions"] >= 1
    assert "mesa" not in seen["loaded"]  # its workers run the models


def test_a_bad_value_is_one_line_before_the_single_jobs_folder_exists(tmp_path):
    folder = tmp_path / "never"
    run, seen = probe(tmp_path, "replicate=0", "households.scale=-1", f"hydra.run.dir={folder}")
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "households.scale" in lines[0] and "range" in lines[0]
    assert not folder.exists()
    assert seen["compositions"] == 1


@pytest.mark.parametrize(
    "overrides",
    [[]]
    + [[f"+experiment={p.stem}"] for p in sorted((require_config_dir() / "experiment").glob("*"))],
    ids=lambda o: o[0] if o else "hdsim",
)
def test_no_config_file_sets_hydras_run_mode(overrides):
    """A single job skips Hydra's probe of ``hydra.mode``: no file may set it."""
    from hydra import compose, initialize_config_dir

    from hdsim.model.config import register_configs

    register_configs()
    with initialize_config_dir(config_dir=str(require_config_dir()), version_base="1.3"):
        cfg = compose(config_name="hdsim", overrides=overrides, return_hydra_config=True)
    assert cfg.hydra.mode is None


def test_deferred_spaces_load_on_first_use_and_whole():
    code = (
        "import inspect, sys\n"
        "from hdsim.cli import DEFERRED_MODULES\n"
        "from hdsim.utils.deferred import defer\n"
        "defer(DEFERRED_MODULES)\n"
        "import hdsim.model.model\n"
        "inspect.getmodule(defer)\n"  # asks every module for __file__
        "print('BEFORE', sorted(m for m in ('scipy', 'networkx') if m in sys.modules))\n"
        "import mesa\n"
        "from mesa.discrete_space import OrthogonalMooreGrid\n"
        "from mesa.space import MultiGrid\n"
        "space = mesa.experimental.continuous_space.ContinuousSpace\n"
        "print('AFTER', type(sys.modules['mesa.discrete_space']).__name__,\n"
        "      mesa.discrete_space is sys.modules['mesa.discrete_space'],\n"
        "      OrthogonalMooreGrid.__module__, MultiGrid.__module__, space.__module__)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "BEFORE []" in run.stdout
    assert (
        "AFTER module True mesa.discrete_space.grid mesa.space "
        "mesa.experimental.continuous_space.continuous_space"
    ) in run.stdout


def test_a_deferred_package_imported_by_a_submodule_first_loads_once():
    """``import pandas.api.types`` before pandas is used: one copy of every module, real specs,
    and the globals that held the stand-in point at the real package."""
    code = (
        "import importlib.util, sys\n"
        "from hdsim.utils.deferred import defer, is_deferred\n"
        "assert defer(['pandas']) == ['pandas']\n"
        "import pandas as pd\n"
        "held = type(pd).__name__\n"
        "found = importlib.util.find_spec('pandas') is not None\n"
        "import pandas.api.types as types\n"
        "import pandas.core.frame as frame\n"
        "real = sys.modules['pandas']\n"
        "print('HELD', held, found, is_deferred('pandas'), type(pd).__name__, pd is real,\n"
        "      frame.DataFrame is real.DataFrame, types is real.api.types,\n"
        "      type(types.__spec__.loader).__name__)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "HELD DeferredModule True False module True True True SourceFileLoader" in run.stdout


def test_one_line_errors_load_neither_pandas_nor_mesa(tmp_path):
    for bad in ("households.scale=abc", "households.scale=-1"):
        run, seen = probe(tmp_path, bad)
        assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1
        assert seen == {"compositions": 1, "loaded": []}, bad


def structured_arm_config(base, changes):
    """An arm through OmegaConf, as ``hdsim-assumptions`` built each one before (the reference
    the copied arms are held to)."""
    from omegaconf import OmegaConf

    from hdsim.calibration.effective import with_overrides
    from hdsim.model.config import to_config

    if not changes:
        return base
    conf = OmegaConf.structured(base)
    OmegaConf.update(conf, "scenario.policies.budget.allow_over_budget", True, merge=False)
    for key, value in changes:
        OmegaConf.update(conf, key, value, merge=False)
    new = to_config(conf)
    return with_overrides(new, [f"{k}={v}" for k, v in changes if k.startswith("behaviour.")])


def test_arm_configs_equal_the_structured_construction():
    """The copied arms are the configurations the per-arm OmegaConf round trip gave."""
    from hdsim.composition import compose
    from hdsim.experiments.assumptions import arm_config, assumptions_of, plan_arms, typed_base

    items = ["households.scale=0.02", "horizon.end_year=2021", "horizon.target_year=2021"]
    names = ["hukou_reform", "seven_actions"]
    configs = {n: compose(n, items) for n in ["baseline", *names]}
    behaviour = ["location.beta_hukou", "labour.hire_efficiency", "townships.school_closure_pupils"]
    found = {n: assumptions_of(configs[n], behaviour, 2.0, 3) for n in names}
    arms = plan_arms({n: configs[n] for n in names}, "baseline", found)
    typed = {n: typed_base(c) for n, c in configs.items()}
    assert len(arms) > 20
    for arm in arms:
        old = structured_arm_config(configs[arm.scenario], arm.changes)
        new = arm_config(configs[arm.scenario], arm.changes, typed[arm.scenario])
        assert new == old and repr(new) == repr(old), arm.name  # repr: 2 and 2.0 differ
    assert all(repr(typed[n]) == repr(configs[n]) for n in configs)
    base = configs["hukou_reform"]
    before = repr(base)
    arm_config(base, arms[-1].changes)
    assert repr(base) == before  # an arm is a copy: its base is left as it was


def test_an_arm_key_of_the_wrong_type_is_refused_as_omegaconf_refused_it():
    from hdsim.composition import compose
    from hdsim.config.fields import ConfigError
    from hdsim.experiments.assumptions import arm_config

    cfg = compose("baseline", ["households.scale=0.02"])
    with pytest.raises(ConfigError, match="not of type"):
        arm_config(cfg, (("replicates", 2.5),))  # an int field
    with pytest.raises(Exception, match="replicates"):
        structured_arm_config(cfg, (("replicates", 2.5),))
    a, b = (
        arm_config(cfg, (("horizon.target_rate", 1),)),
        structured_arm_config(cfg, (("horizon.target_rate", 1),)),
    )
    assert repr(a) == repr(b) and isinstance(a.horizon.target_rate, float)  # an int as a float
    with pytest.raises(ConfigError, match="no such key"):
        arm_config(cfg, (("behaviour.location.beta_nothing", 1.0),))
