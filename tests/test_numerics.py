"""Pinned processor paths (:mod:`hdsim.utils.numerics`): set before numpy loads, kept if set."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from hdsim.utils import numerics

ON_X86 = platform.machine().lower() in numerics.X86_64


@pytest.mark.skipif(not ON_X86, reason="the pins are for x86-64 processors")
def test_this_test_process_imported_hdsim_before_numpy_so_the_pins_hold() -> None:
    """conftest imports hdsim first: numpy loaded with the x86-64-v4 targets off."""
    assert os.environ.get(numerics.NUMPY_VARIABLE) == " ".join(numerics.NUMPY_OFF)
    assert not numerics.active_targets() & set(numerics.NUMPY_OFF)


def test_openblas_is_pinned_only_where_the_processor_has_avx2_and_fma() -> None:
    """Haswell kernels with AVX2 and FMA; none without (they would not run); none off x86."""
    assert numerics.pinned_environment("x86_64", frozenset({"avx2", "fma", "sse4_2"})) == {
        numerics.NUMPY_VARIABLE: " ".join(numerics.NUMPY_OFF),
        numerics.OPENBLAS_VARIABLE: numerics.OPENBLAS_CORE,
    }
    older = numerics.pinned_environment("AMD64", frozenset({"avx", "sse4_2"}))
    assert older == {numerics.NUMPY_VARIABLE: " ".join(numerics.NUMPY_OFF)}
    assert numerics.pinned_environment("aarch64", frozenset({"asimd"})) == {}


def test_cpu_flags_reads_the_first_processor_and_is_empty_without_the_file(tmp_path: Path) -> None:
    """The flags line of ``/proc/cpuinfo``; a machine without it (not Linux) has no flags."""
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 fma\n\nprocessor\t: 1\nflags\t: fpu\n")
    assert numerics.cpu_flags(info) == {"fpu", "avx2", "fma"}
    assert numerics.cpu_flags(tmp_path / "missing") == frozenset()


def test_a_value_the_user_set_is_kept() -> None:
    """``NPY_DISABLE_CPU_FEATURES`` given by the user reaches numpy unchanged."""
    code = "import os, hdsim; print(os.environ['OPENBLAS_CORETYPE'])"
    env = {**os.environ, numerics.OPENBLAS_VARIABLE: "Sandybridge"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "Sandybridge"


def test_numpy_imported_first_with_avx512_on_is_warned_not_changed(monkeypatch) -> None:
    """Too late to pin: nothing is set, and the user is told how to get the common bits."""
    monkeypatch.delenv(numerics.NUMPY_VARIABLE, raising=False)
    monkeypatch.setattr(numerics, "active_targets", lambda: {"X86_V3", "X86_V4"})
    monkeypatch.setattr(numerics, "pinned_environment", lambda: {numerics.NUMPY_VARIABLE: "X"})
    assert "numpy" in sys.modules
    with pytest.warns(RuntimeWarning, match="import hdsim before numpy"):
        numerics.pin()
    assert numerics.NUMPY_VARIABLE not in os.environ
