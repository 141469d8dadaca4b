"""Where hdsim finds its configuration folders (``configs/``, ``scenarios/``, ``experiments/``).

The folders sit at the top of the source tree, beside the ``hdsim`` package, and ``configs/``
links ``scenario`` → ``../scenarios`` and ``experiment`` → ``../experiments`` so that Hydra sees
them as config groups. hdsim is installed in editable mode (``make setup``), so the paths are
found from any working directory.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
CONFIG_DIR = PROJECT_DIR / "configs"
SCENARIO_DIR = PROJECT_DIR / "scenarios"
EXPERIMENT_DIR = PROJECT_DIR / "experiments"


def require_config_dir() -> Path:
    """The primary config folder, or a one-line error if the install cannot see it.

    Raises:
        FileNotFoundError: hdsim was installed without its source tree.
    """
    if not (CONFIG_DIR / "hdsim.yaml").exists():
        raise FileNotFoundError(
            f"hdsim's configs were not found at {CONFIG_DIR}; install hdsim from its source "
            "tree in editable mode ('make setup' or 'pip install -e .')"
        )
    return CONFIG_DIR
