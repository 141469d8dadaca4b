"""The same bits on every AVX2 or AVX-512 machine: numpy's and OpenBLAS's kernels, pinned.

At import, numpy picks the widest SIMD kernels the processor has (x86-64-v3: AVX2 and FMA;
x86-64-v4: AVX-512) and OpenBLAS picks its kernels by processor family. Some of those kernels
round differently in the last bit: numpy's AVX-512 ``exp`` and ``log`` of float64, for one,
are its own code, while without AVX-512 numpy calls the C library's. The model compares
uniform draws with probabilities computed from such values, so one different bit makes a
different run from the same seed: the reference runs of ``tests/reference``, recorded on an
AVX-512 Xeon, came out different on an AVX2 EPYC (the posterior's ``consider_rate`` in the last
bit at t0, the origins of a few hundred persons after the first month).

:func:`pin` therefore asks, before numpy is first imported, for what every x86-64-v3 machine
has: numpy without its x86-64-v4 targets (``NPY_DISABLE_CPU_FEATURES``) and, where the
processor has AVX2 and FMA, OpenBLAS's Haswell kernels (``OPENBLAS_CORETYPE``). An AVX-512
machine then gives the bits of an AVX2 one. A value the user set is kept; pool workers and
Slurm jobs inherit the environment. It is a computing setting, not a model assumption:
:func:`record` writes what was in force into each run's ``provenance.json``.

``hdsim`` calls :func:`pin` first thing when imported; a process that imported numpy before
hdsim (a notebook) keeps numpy's own choice, and :func:`pin` warns when that choice is one of
the pinned-off paths.
"""

from __future__ import annotations

import os
import platform
import sys
import warnings
from pathlib import Path

NUMPY_VARIABLE = "NPY_DISABLE_CPU_FEATURES"
"""numpy's environment variable naming the dispatch targets it must not use (read at import)."""

NUMPY_OFF = ("X86_V4", "AVX512_ICL", "AVX512_SPR")
"""numpy's x86 dispatch targets above x86-64-v3 (names of numpy >= 2.4), switched off."""

OPENBLAS_VARIABLE = "OPENBLAS_CORETYPE"
"""OpenBLAS's environment variable naming the kernel family it must use (read at load)."""

OPENBLAS_CORE = "Haswell"
"""OpenBLAS kernel family of x86-64-v3 (AVX2 and FMA): what an AVX2 EPYC gets by itself."""

X86_64 = frozenset({"x86_64", "amd64"})
"""``platform.machine()`` (lower case) of an x86-64 processor."""

CPUINFO = Path("/proc/cpuinfo")
"""Where Linux lists the processor's flags."""


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """Flags of the first processor in ``cpuinfo`` (empty where there is none: not Linux).

    Args:
        cpuinfo: The file to read (``/proc/cpuinfo``).
    """
    try:
        with cpuinfo.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def pinned_environment(
    machine: str | None = None, flags: frozenset[str] | None = None
) -> dict[str, str]:
    """The environment :func:`pin` sets on this machine (empty off x86-64).

    numpy's targets are switched off on every x86-64 machine (a target the processor lacks is
    not used anyway); OpenBLAS is pinned only where the processor has AVX2 and FMA, since its
    Haswell kernels would stop any other with an illegal instruction.

    Args:
        machine: ``platform.machine()``; this machine's by default.
        flags: The processor's flags (:func:`cpu_flags`); read when needed by default.

    Returns:
        Variable -> value.
    """
    if (machine if machine is not None else platform.machine()).lower() not in X86_64:
        return {}
    out = {NUMPY_VARIABLE: " ".join(NUMPY_OFF)}
    if {"avx2", "fma"} <= (flags if flags is not None else cpu_flags()):
        out[OPENBLAS_VARIABLE] = OPENBLAS_CORE
    return out


def pin() -> None:
    """Pin numpy's and OpenBLAS's paths for this process and its children, before numpy loads.

    A variable already set (by the user, or by the parent process) is kept. When numpy is
    already imported it is too late: nothing is set, and a warning says so if numpy is using
    one of the :data:`NUMPY_OFF` targets.
    """
    wanted = pinned_environment()
    if "numpy" in sys.modules:
        if NUMPY_VARIABLE in wanted and active_targets() & set(NUMPY_OFF):
            warnings.warn(
                "hdsim: numpy was imported before hdsim and uses its AVX-512 kernels, so runs "
                "may differ in the last bits (and then in their draws) from other machines; "
                "import hdsim before numpy, or set "
                f"{NUMPY_VARIABLE}='{' '.join(NUMPY_OFF)}' {OPENBLAS_VARIABLE}={OPENBLAS_CORE}",
                RuntimeWarning,
                stacklevel=2,
            )
        return
    for name, value in wanted.items():
        os.environ.setdefault(name, value)


def active_targets() -> set[str]:
    """The dispatch targets numpy uses in this process (imports numpy)."""
    import importlib

    umath = importlib.import_module("numpy._core._multiarray_umath")  # numpy.show_runtime's source
    features = getattr(umath, "__cpu_features__", {})
    return {name for name in getattr(umath, "__cpu_dispatch__", ()) if features.get(name)}


def record() -> dict[str, object]:
    """What ran, for a run's provenance: numpy's targets in use and the two variables."""
    return {
        "numpy_cpu_targets": sorted(active_targets()),
        NUMPY_VARIABLE: os.environ.get(NUMPY_VARIABLE),
        OPENBLAS_VARIABLE: os.environ.get(OPENBLAS_VARIABLE),
    }


__all__ = [
    "NUMPY_OFF",
    "OPENBLAS_CORE",
    "active_targets",
    "cpu_flags",
    "pin",
    "pinned_environment",
    "record",
]
