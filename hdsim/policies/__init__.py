"""Policy levers switched on through Mesa's event scheduling; their costs and catalogue.

The names below are loaded on first use, so that light modules of the package (the budget
check, the recorder's policy indicators) can be imported without the whole model.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["LEVERS", "Policy", "build_policies"]


def __getattr__(name: str) -> Any:
    """Load ``LEVERS``, ``Policy`` and ``build_policies`` lazily."""
    if name in __all__:
        return getattr(import_module("hdsim.policies.levers"), name)
    raise AttributeError(f"module 'hdsim.policies' has no attribute {name!r}")
