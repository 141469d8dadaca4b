"""hdsim: an agent-based simulator of county urbanization (Mesa + Hydra).

The package is organised in layers, lowest first (``tests/test_layers.py`` checks them):

- ``hdsim.utils``, ``hdsim.paths``: calendar, atomic writing, the process pool, the version.
- ``hdsim.data``: embedded county data, its schema and validation.
- ``hdsim.config``: structured-config dataclasses validated on load.
- ``hdsim.population``, ``hdsim.mechanisms``, ``hdsim.policies``: the synthetic population,
  one module per mechanism, the policy levers.
- ``hdsim.model``: the Mesa model, its agents and the root configuration schema.
- ``hdsim.run``: running one effective configuration and writing its outputs.
- ``hdsim.ensemble``, ``hdsim.experiments``, ``hdsim.calibration``: the drivers (main job,
  sweeps and target seeking, calibration); ``hdsim.calibration.effective`` resolves each run.
- ``hdsim.report``: the Chinese report; ``hdsim.cli`` and ``hdsim.api``: the command and the
  Python API re-exported here (``docs/api.md``).

Importing hdsim first pins numpy's and OpenBLAS's processor paths (:mod:`hdsim.utils.numerics`),
so that the same seed gives the same bits on every x86-64-v3 or v4 (AVX2 or AVX-512) machine.
"""

from hdsim.utils.numerics import pin

pin()  # before anything below imports numpy

from hdsim.api import (  # noqa: E402
    CountyModel,
    Ensemble,
    Run,
    compose,
    effective_config,
    load_run_config,
    run_ensemble,
    run_replicate,
)
from hdsim.utils.version import __version__  # noqa: E402

__all__ = [
    "CountyModel",
    "Ensemble",
    "Run",
    "__version__",
    "compose",
    "effective_config",
    "load_run_config",
    "run_ensemble",
    "run_replicate",
]
