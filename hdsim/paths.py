"""Where hdsim finds its configuration folders, inside the installed package.

``hdsim/conf/`` holds the primary config (``hdsim.yaml``) and its groups: ``scenario/`` (the
scenario library), ``experiment/`` (sweeps), ``behaviour/`` (calibrated point values) and
``hydra/launcher/``. They ship with the package, so a plain ``pip install`` gives a working
``hdsim`` from any directory.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG_DIR = PACKAGE_DIR / "conf"
SCENARIO_DIR = CONFIG_DIR / "scenario"
EXPERIMENT_DIR = CONFIG_DIR / "experiment"
BEHAVIOUR_DIR = CONFIG_DIR / "behaviour"


def require_config_dir() -> Path:
    """The primary config folder, or a one-line error if the install lost it.

    Raises:
        FileNotFoundError: The package was installed without its data files.
    """
    if not (CONFIG_DIR / "hdsim.yaml").exists():
        raise FileNotFoundError(
            f"hdsim's configs were not found at {CONFIG_DIR}; reinstall hdsim "
            "('make setup' or 'pip install .')"
        )
    return CONFIG_DIR
