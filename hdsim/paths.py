"""Where hdsim finds its configuration folders, inside the installed package, and its cache.

``hdsim/conf/`` holds the primary config (``hdsim.yaml``) and its groups: ``scenario/`` (the
scenario library), ``experiment/`` (sweeps), ``behaviour/`` (calibrated point values) and
``hydra/launcher/``. They ship with the package, so a plain ``pip install`` gives a working
``hdsim`` from any directory. What hdsim keeps between processes (the report's font subsets,
the built config schema) lives in the user's cache folder, :func:`user_cache_dir`.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG_DIR = PACKAGE_DIR / "conf"
SCENARIO_DIR = CONFIG_DIR / "scenario"
EXPERIMENT_DIR = CONFIG_DIR / "experiment"
BEHAVIOUR_DIR = CONFIG_DIR / "behaviour"

CACHE_VARIABLE = "HDSIM_CACHE_DIR"
"""Environment variable naming hdsim's cache folder (default: the user's, see below)."""


def user_cache_dir() -> Path:
    """The cache folder: ``HDSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/hdsim`` (``~/.cache/hdsim``).

    Everything in it can be deleted at any time: it is rebuilt when needed.
    """
    import os

    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hdsim"


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
