"""Deferred imports: a module that loads when it is first used, not when it is imported.

A process pays for every module its imports bring, used or not: Mesa imports its spaces (SciPy,
NetworkX) though hdsim has none, and the config schema's modules import pandas though composing
and checking a configuration uses none of it. :func:`defer` puts a stand-in
(:class:`DeferredModule`) in ``sys.modules`` for such a module before anything imports it; the
first attribute asked of the stand-in imports the real module in its place and rebinds the
module globals that held the stand-in (``pd``, ``discrete_space``), so that from then on the
process holds the real module as if it had been imported at once.

Three things keep the stand-in faithful:

- it carries the real module's spec, so ``importlib.util.find_spec`` still finds the package;
- ``__file__`` and ``__cached__`` are missing rather than a cause to load (``inspect.getmodule``,
  which Mesa calls on import, asks every module in ``sys.modules`` for ``__file__``);
- a submodule imported before the package is used (``import pandas.api.types``) loads the
  package first, and :class:`_LoadedFinder` hands the import system the submodule the package
  itself imported meanwhile instead of a second copy.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["DeferredModule", "defer", "is_deferred"]

PROBES: frozenset[str] = frozenset({"__file__", "__cached__"})
"""Attributes asked of every module by scanners of ``sys.modules``: missing, not loading."""


class DeferredModule(types.ModuleType):
    """Stands in for a module until an attribute of it is asked for, then imports it."""

    def __getattr__(self, attribute: str) -> Any:
        if attribute in PROBES:
            raise AttributeError(attribute)
        return getattr(load(self), attribute)


def load(stand_in: DeferredModule) -> types.ModuleType:
    """Import the module ``stand_in`` stands for in its place (once) and return it."""
    real = stand_in.__dict__.get("_deferred_real")
    if real is not None:
        return real
    name = stand_in.__name__
    if sys.modules.get(name) is stand_in:
        del sys.modules[name]
    real = importlib.import_module(name)
    stand_in.__dict__["_deferred_real"] = real
    _rebind(stand_in, real)
    return real


def _rebind(stand_in: DeferredModule, real: types.ModuleType) -> None:
    """Point every module global that holds ``stand_in`` at ``real`` (and the parent's name)."""
    for module in list(sys.modules.values()):
        space = getattr(module, "__dict__", None)
        if not isinstance(space, dict) or module is stand_in:
            continue
        for key, value in list(space.items()):
            if value is stand_in:
                space[key] = real


class _Existing(importlib.abc.Loader):
    """Loader of a module already in ``sys.modules``: hands it over unchanged."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__ = self.spec  # the import system set the hand-over spec; restore


class _LoadedFinder(importlib.abc.MetaPathFinder):
    """Finds the submodules of a deferred package that its loading imported meanwhile.

    The import system reads a package's ``__path__`` before it looks for a submodule; asked of
    a stand-in, that loads the package, which may import the very submodule asked for. Without
    this finder the import system would then load that submodule a second time.
    """

    def __init__(self) -> None:
        self.packages: set[str] = set()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        module = sys.modules.get(fullname)
        if module is None or fullname.partition(".")[0] not in self.packages:
            return None
        if isinstance(module, DeferredModule):
            return None
        return importlib.machinery.ModuleSpec(
            fullname, _Existing(module), is_package=hasattr(module, "__path__")
        )


_FINDER = _LoadedFinder()


def defer(names: Iterable[str]) -> list[str]:
    """Put a stand-in in ``sys.modules`` for each of ``names`` not imported yet.

    Only for a module whose top-level package is not imported yet (a process that has it
    keeps it as it is) and is installed.

    Returns:
        The names deferred.
    """
    done = []
    for name in names:
        package = name.partition(".")[0]
        if package in sys.modules or name in sys.modules:
            continue
        spec = _spec(name)
        if spec is None:
            continue
        stand_in = DeferredModule(name)
        stand_in.__spec__ = spec
        sys.modules[name] = stand_in
        _FINDER.packages.add(package)
        if _FINDER not in sys.meta_path:
            sys.meta_path.insert(0, _FINDER)
        done.append(name)
    return done


def _spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """The spec of ``name`` found without importing its parent packages."""
    parts = name.split(".")
    path: list[str] | None = None
    spec = None
    for depth in range(1, len(parts) + 1):
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[:depth]), path)
        if spec is None:
            return None
        path = list(spec.submodule_search_locations or [])
    return spec


def is_deferred(name: str) -> bool:
    """Whether ``name`` is still a stand-in in ``sys.modules`` (not loaded yet)."""
    return isinstance(sys.modules.get(name), DeferredModule)
