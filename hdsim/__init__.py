"""hdsim: an agent-based simulator of county urbanization, calibrated on Hongtong County (洪洞县).

The package is organised as a picture of the model:

- ``hdsim.data``: embedded county data, its schema and validation.
- ``hdsim.population``: the synthetic population (columnar person and household tables).
- ``hdsim.model``: the Mesa model and its agents (``Household``, ``Firm``, ``Township``).
- ``hdsim.mechanisms``: one module per behavioural or institutional mechanism.
- ``hdsim.policies``: policy levers switched on through Mesa's event scheduling.
- ``hdsim.config``: structured-config dataclasses validated on load.
- ``hdsim.run`` / ``hdsim.cli``: running replicates, writing outputs, the ``hdsim`` command.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hdsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
