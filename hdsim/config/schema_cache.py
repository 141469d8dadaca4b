"""Structured schemas built once per version of the code, not once per process.

Hydra validates every YAML file and override against hdsim's structured schema, which OmegaConf
builds from the dataclasses (:class:`hdsim.model.config.HdsimConfig` and the scenario's):
~0.24 s of every ``hdsim`` command, a third of what ``hdsim --cfg job`` or a one-line config
error costs after its imports. The built schema is the same as long as the code that declares
it is: :func:`structured` keeps it in a pickle in the user's cache folder, under a key made of
the content of every ``.py`` file of the ``hdsim`` package, the versions of Python, OmegaConf
and Hydra, and the shape of the classes themselves as they are in this process (every field's
name, type and default, through nested dataclasses: :func:`shape`), since the scenario's
levers are registered at run time, by modules outside the package too. It loads the schema
from there in ~30 ms, the key included. Any change to the code or to what is registered, a
checkout of another version or an upgrade of a library gives another key, so a stale schema is
never read; a file that cannot be read or written is rebuilt or skipped, never an error.

``HDSIM_SCHEMA_CACHE=0`` switches the cache off (every process builds its schemas);
``HDSIM_CACHE_DIR`` moves it (:func:`hdsim.paths.user_cache_dir`: default ``~/.cache/hdsim``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import sys
from functools import cache
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from hdsim.paths import PACKAGE_DIR, user_cache_dir

SWITCH_VARIABLE = "HDSIM_SCHEMA_CACHE"
"""Environment variable: ``0`` switches the schema cache off."""

PREFIX = "schema-"
"""Name prefix of the cache files: ``schema-<code key>-<shape of the classes>.pickle``."""


def enabled() -> bool:
    """Whether the cache is on (``HDSIM_SCHEMA_CACHE`` is not ``0``)."""
    return os.environ.get(SWITCH_VARIABLE, "1").strip() not in ("0", "false", "no", "off")


@cache
def code_key(package_dir: Path = PACKAGE_DIR) -> str:
    """Key of this version of the code: its ``.py`` files' paths and bytes, Python's and libraries'.

    Args:
        package_dir: The package whose sources are hashed.

    Returns:
        A hex digest; any changed, added or removed source file changes it.
    """
    import hydra
    import omegaconf

    digest = hashlib.blake2b(digest_size=16)
    for part in (sys.version, omegaconf.__version__, hydra.__version__):
        digest.update(part.encode() + b"\0")
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def shape(kind: type) -> str:
    """The fields of dataclass ``kind`` and of the dataclasses of its defaults, as text.

    Every field's name, declared type and default (a factory's value), class by class from
    ``kind`` down: two classes of the same shape give the same structured schema.
    """
    lines: list[str] = []
    seen: set[type] = set()

    def walk(cls: type) -> None:
        if cls in seen or not dataclasses.is_dataclass(cls):
            return
        seen.add(cls)
        lines.append(f"{cls.__module__}.{cls.__qualname__}")
        for f in dataclasses.fields(cls):
            default: Any = f.default
            if f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            lines.append(f"  {f.name}: {f.type} = {default!r}")
            walk(type(default))

    walk(kind)
    return "\n".join(lines)


def _read(path: Path, names: tuple[str, ...]) -> tuple[DictConfig, ...] | None:
    """The schemas stored at ``path`` for ``names``, or None when absent or unreadable."""
    try:
        stored = pickle.loads(path.read_bytes())
    except Exception:  # absent, truncated, or written by another pickle: build anew
        return None
    if not isinstance(stored, dict) or stored.get("names") != names:
        return None
    schemas = stored.get("schemas")
    if not isinstance(schemas, tuple) or not all(isinstance(s, DictConfig) for s in schemas):
        return None
    return schemas


def _write(
    path: Path, version: str, names: tuple[str, ...], schemas: tuple[DictConfig, ...]
) -> None:
    """Store ``schemas`` at ``path`` atomically; drop other code versions' files. Best effort."""
    from hdsim.utils.io import atomic_write_bytes

    try:
        blob = pickle.dumps({"names": names, "schemas": schemas})
    except Exception:  # a class pickle cannot name (defined in a function): not cached
        return
    try:
        atomic_write_bytes(path, blob)
        for old in path.parent.glob(f"{PREFIX}*.pickle"):
            if not old.name.startswith(f"{PREFIX}{version}-"):
                old.unlink(missing_ok=True)
    except OSError:  # a read-only or full disk (OutputError): every process builds its schemas
        return


def structured(*classes: type) -> tuple[DictConfig, ...]:
    """``OmegaConf.structured`` of each of ``classes``, from the cache when the code is the same.

    Args:
        classes: Dataclasses of structured configs.

    Returns:
        One schema per class, as ``OmegaConf.structured`` builds it.
    """
    names = tuple(f"{c.__module__}.{c.__qualname__}" for c in classes)
    path, version = None, ""
    if enabled():
        what = "\n".join(shape(c) for c in classes)  # levers registered outside the code too
        which = hashlib.blake2b(what.encode(), digest_size=8).hexdigest()
        version = code_key()
        path = user_cache_dir() / f"{PREFIX}{version}-{which}.pickle"
        found = _read(path, names)
        if found is not None:
            return found
    schemas = tuple(OmegaConf.structured(c) for c in classes)
    if path is not None:
        _write(path, version, names, schemas)
    return schemas
