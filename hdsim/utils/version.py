"""The installed hdsim version, read from the package metadata.

Every layer may record the version (run provenance, calibration metadata, reports) without
importing the top-level ``hdsim`` package, which sits in the highest layer.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

UNKNOWN_VERSION = "0.0.0+unknown"
"""Version reported when hdsim runs from a source tree that was never installed."""


def hdsim_version() -> str:
    """The version of the installed ``hdsim`` distribution, or :data:`UNKNOWN_VERSION`."""
    try:
        return version("hdsim")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return UNKNOWN_VERSION


__version__ = hdsim_version()
"""The version, computed once at import."""
