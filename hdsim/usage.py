"""One-line messages for Hydra's and OmegaConf's own errors, and checks of override keys.

Hydra reports a bad command-line override over several lines and often drops the reason
(``households.scale=abc`` gives ``Error merging override households.scale=abc``; the "not a
number" sits in the exception's cause), cuts an unknown scenario's option list, and accepts an
unknown key written with ``+`` (``+households.sclae=0.05`` is added, then ignored). The
functions here give the command one line instead:

- :func:`describe_error` turns any exception of composing a config into one line with the
  key, the reason and the allowed values (types, ranges, enum members, the full list of
  scenarios or experiments, with a did-you-mean);
- :func:`check_overrides` rejects an override of a key the schema does not have, ``+`` form
  included, with the closest key.

The ``hdsim`` command calls them around composition (``hdsim.cli``). Both raise or return plain
text, so they are tested without a subprocess.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import typing
from collections.abc import Iterable, Iterator
from typing import Any

from hdsim.config.validation import override_key
from hdsim.model.config import HdsimConfig

GROUPS: tuple[str, ...] = ("scenario", "behaviour", "experiment")
"""Config groups of ``hdsim/conf/`` chosen with ``GROUP=NAME`` (or ``+GROUP=NAME``)."""

OPEN_PREFIXES: tuple[str, ...] = ("experiment.design.parameters.",)
"""Keys below these are free (a design's parameters are any dotted config key)."""

SCHEMA_ENTRIES: frozenset[str] = frozenset({"scenario_schema", "hdsim_schema"})
"""ConfigStore entries Hydra lists among a group's options; not choices for a user."""

_KIND = {
    "Float": "not a number",
    "Integer": "not a whole number",
}


class OverrideError(ValueError):
    """A command-line override names no key of the configuration; the message is one line."""


def schema_keys(cls: type = HdsimConfig, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every dotted key of a config dataclass with its field, leaves and sections alike.

    Args:
        cls: The dataclass (default: the whole job schema).
        prefix: Dotted key of ``cls``.

    Yields:
        ``(key, field)`` pairs, sections before their fields.
    """
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = f"{prefix}{f.name}"
        yield key, f
        kind = hints.get(f.name)
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):
            yield from schema_keys(kind, f"{key}.")


def known_key(key: str) -> bool:
    """Whether ``key`` is a key of the schema, a group, a Hydra key or below a free section."""
    if key in GROUPS or key.startswith(("hydra.", "hydra/")) or key == "hydra":
        return True
    if key.startswith(OPEN_PREFIXES):
        return True
    return key in _keys()


def _keys() -> dict[str, Any]:
    global _KEY_CACHE
    if _KEY_CACHE is None:
        _KEY_CACHE = dict(schema_keys())
    return _KEY_CACHE


_KEY_CACHE: dict[str, Any] | None = None


def did_you_mean(key: str) -> str:
    """``"; did you mean 'X'?"`` for the closest schema key, or "" when none is close."""
    keys = list(_keys()) + list(GROUPS)
    parent = key.rpartition(".")[0]
    siblings = [k for k in keys if k.rpartition(".")[0] == parent]
    close = difflib.get_close_matches(key, siblings, n=1, cutoff=0.6)
    close = close or difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_overrides(overrides: Iterable[str]) -> None:
    """Reject an override of a key the schema does not have (with or without ``+``).

    Args:
        overrides: The command-line overrides (``key=value``, ``+key=value``, ``~key``).

    Raises:
        OverrideError: One line naming the unknown key and the closest known key.
    """
    for override in overrides:
        if override.startswith("-"):
            continue  # a flag, not an override
        key = override_key(override)
        if not key or known_key(key):
            continue
        raise OverrideError(f"unknown key '{key}' in '{override}'{did_you_mean(key)}")


def allowed(key: str) -> str:
    """What a key accepts: its type, range and help, e.g. ``a float in [0.001, 8.0]: ...``."""
    f = _keys().get(key)
    if f is None:
        return ""
    parts = []
    bounds = f.metadata.get("bounds")
    if bounds is not None:
        parts.append(f"allowed [{bounds[0]}, {bounds[1]}]")
    if f.metadata.get("month"):
        parts.append("a month YYYY-MM")
    text = ", ".join(parts)
    help_text = f.metadata.get("help")
    if help_text:
        text = f"{text}: {help_text}" if text else help_text
    return f" ({text})" if text else ""


def _value_of(key: str, overrides: Iterable[str]) -> str | None:
    """The value the user gave ``key`` (the last override of it: Hydra applies them in order)."""
    given = None
    for override in overrides:
        if override_key(override) == key and "=" in override:
            given = override.split("=", 1)[1]
    return given


def describe_error(exc: BaseException, overrides: Iterable[str] = ()) -> str:
    """One line for an exception raised while Hydra composes the configuration.

    Args:
        exc: The exception (Hydra's ``ConfigCompositionException``,
            ``MissingConfigException``, ``OverrideParseException``, or OmegaConf's errors).
        overrides: The command-line overrides, to quote the value the user gave.

    Returns:
        One line: the key and value, the reason and the allowed values.
    """
    overrides = list(overrides)
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    text = str(cause)
    full_key = getattr(cause, "full_key", None) or ""
    missing = re.search(r"Could not find '([^'/]+)/([^']+)'", str(exc))
    if missing:
        return _unknown_option(missing.group(1), missing.group(2), str(exc))
    if type(exc).__name__ == "OverrideParseException":
        first = str(exc).strip().splitlines()[0]
        bad = next((o for o in overrides if "=" in o and _fails_to_parse(o)), None)
        where = f"'{bad}': " if bad else ""
        return (
            f"{where}cannot be read as an override ({first}); write KEY=VALUE, lists as "
            "KEY=[a,b], quoting values with spaces"
        )
    if type(cause).__name__ in ("ConfigAttributeError", "ConfigKeyError") and full_key:
        keys = [override_key(o) for o in overrides]
        key = next((k for k in keys if k == full_key or k.startswith(f"{full_key}.")), full_key)
        return f"unknown key '{key}'{did_you_mean(key)}"
    rejected = getattr(cause, "value", None)  # OmegaConf's errors carry the value they refused
    value = str(rejected) if isinstance(rejected, str) else _value_of(full_key, overrides)
    shown = f"{full_key}={value}" if value is not None else full_key
    converted = re.search(r"could not be converted to (\w+)", text)
    if converted:
        kind = _KIND.get(converted.group(1), f"not of type {converted.group(1).lower()}")
        return f"{shown}: {kind}{allowed(full_key)}"
    if "is not a valid bool" in text:
        return f"{shown}: not true or false{allowed(full_key)}"
    choices = re.search(r"expected one of \[([^\]]*)\]", text)
    if choices:
        return f"{shown}: not one of {choices.group(1)}"
    if "is not a ListConfig, list or tuple" in text:
        return f"{shown}: not a list; write {full_key}=[a,b] (brackets, no spaces)"
    first = (text.strip().splitlines() or [type(cause).__name__])[0]
    return f"{shown}: {first}" if full_key else first


def _unknown_option(group: str, name: str, message: str) -> str:
    """The line for ``GROUP=NAME`` that names no file: closest option and the full list."""
    block = message.split("Available options in", 1)[-1].splitlines()[1:]
    options = []
    for line in block:
        if not line.startswith("\t"):
            break
        option = line.strip()
        if option and option not in SCHEMA_ENTRIES:
            options.append(option)
    close = difflib.get_close_matches(name, options, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    listing = ", ".join(options) if options else "none"
    return f"unknown {group} '{name}'{hint} (available: {listing})"


def _fails_to_parse(override: str) -> bool:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        OverridesParser.create().parse_overrides([override])
    except Exception:
        return True
    return False
