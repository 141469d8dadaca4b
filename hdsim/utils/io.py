"""Atomic file writing: a file is either its old content or its new content, never half.

Every output hdsim writes goes through a temporary file in the same folder and an atomic
rename, so an interrupted or failing write leaves the previous file (or none). The new file
gets the permissions a plain ``open`` would give it under the user's umask (``mkstemp``
alone would create it private, mode 0600).

An operating-system error while writing (an unwritable or read-only folder, a full disk, a
folder in the path that is a file, a destination that is a folder) is raised as
:class:`OutputError`, whose message is one line naming the file, the reason and the fix, so a
command can catch it and exit with that line. It is an :class:`OSError`, so handlers of
``OSError`` still catch it.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIXES: dict[int, str] = {
    errno.ENOSPC: "free space on that disk or choose another output folder",
    errno.EDQUOT: "free space within your quota or choose another output folder",
    errno.EROFS: "the disk is read-only: choose another output folder",
    errno.EACCES: "you may not write there: choose a folder you own or change its permissions",
    errno.EPERM: "you may not write there: choose a folder you own or change its permissions",
    errno.ENOTDIR: "a part of the path is a file, not a folder: choose another output folder",
    errno.EEXIST: "a part of the path is a file, not a folder: choose another output folder",
    errno.EISDIR: "the destination is a folder: remove it or choose another output folder",
}
"""How to fix each error number an output write can meet."""


class OutputError(OSError):
    """An output file could not be written; the message is one line with the reason and fix."""

    def __init__(self, path: Path, cause: OSError) -> None:
        """Describe the failed write of ``path``.

        Args:
            path: The file that could not be written.
            cause: The operating system's error.
        """
        code = cause.errno or 0
        reason = os.strerror(code) if code else (str(cause) or type(cause).__name__)
        fix = FIXES.get(code, "check the output folder")
        self.message = f"cannot write {path}: {reason}; {fix}"
        super().__init__(self.message)
        self.errno = code
        self.filename = str(path)

    def __str__(self) -> str:
        """The one-line message (not OSError's ``[Errno n] ...`` form)."""
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by path and errno, so the error crosses from a worker process intact."""
        return (_rebuild_output_error, (self.filename, self.errno))


def check_folder(folder: Path) -> None:
    """Refuse, before any work, an output folder that cannot be created or written.

    The folder itself or its nearest existing parent must be a folder the process may write
    into; a read-only disk, a folder without write permission or a path through a file is
    reported now rather than after the runs that would fill it.

    Args:
        folder: The output folder (it need not exist yet).

    Raises:
        OutputError: One line naming the folder, the reason and the fix.
    """
    folder = Path(folder).expanduser()
    for part in (folder, *folder.parents):
        if not part.exists():
            continue
        if not part.is_dir():
            raise OutputError(folder, OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))
        if not os.access(part, os.W_OK | os.X_OK):
            read_only = bool(os.statvfs(part).f_flag & os.ST_RDONLY)
            code = errno.EROFS if read_only else errno.EACCES
            raise OutputError(folder, OSError(code, os.strerror(code)))
        return


def make_folder(folder: Path) -> Path:
    """Create ``folder`` and its parents (if missing) and return it.

    Raises:
        OutputError: The folder cannot be created (one line: folder, reason, fix).
    """
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(folder, exc) from exc
    return folder


def _rebuild_output_error(path: str, code: int) -> OutputError:
    """The :class:`OutputError` of ``path`` and ``code`` (for unpickling)."""
    return OutputError(Path(path), OSError(code, os.strerror(code) if code else ""))


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

    Raises:
        OutputError: The folder or the file cannot be written (one line: file, reason, fix);
            the previous file, if any, is left as it was and no temporary file remains.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(path, exc) from exc
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(path, exc) from exc
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
