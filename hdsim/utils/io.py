"""Atomic file writing: a file is either its old content or its new content, never half.

Every output hdsim writes goes through a temporary file in the same folder and an atomic
rename, so an interrupted or failing write leaves the previous file (or none). The new file
gets the permissions a plain ``open`` would give it under the user's umask (``mkstemp``
alone would create it private, mode 0600).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _umask_mode() -> int:
    """File mode ``open`` gives a new file under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: Path, write: Callable[[str], Any]) -> None:
    """Write ``path`` atomically: ``write(tmp)`` fills a temporary file, then it is renamed.

    Args:
        path: Destination file; its folder is created if needed.
        write: Writes the content to the temporary path it is given.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` atomically (flushed to disk before the rename)."""

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())

    atomic_write(path, write)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (UTF-8 unless ``encoding`` says otherwise)."""
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_parquet(path: Path, frame: Any) -> None:
    """Write a pandas frame as Parquet to ``path`` atomically (without its index)."""
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def atomic_write_csv(path: Path, frame: Any, *, bom: bool = False) -> None:
    """Write a pandas frame as CSV to ``path`` atomically.

    Args:
        path: Destination file.
        frame: The frame (written without its index).
        bom: Start the file with a UTF-8 byte-order mark, which Excel needs to read Chinese
            text correctly; for CSV files meant to be opened by people.
    """
    atomic_write_text(path, frame.to_csv(index=False), "utf-8-sig" if bom else "utf-8")
