"""Writing files so that a crash or Ctrl-C never leaves a half-written one."""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


TEMP_SUFFIX = ".tmp"


def _write_temp(path: Path, data: bytes | str, folder: Path | None = None) -> Path:
    """``data`` in a new temporary file (".NAME.XXXXXXXX.tmp") in ``folder``
    (default: beside ``path``; it must be on the same file system), flushed to
    disk; removed again if writing fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(folder) if folder is not None else path.parent
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        # mkstemp makes the file private (0600); published files are for readers
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _unlink(Path(tmp))
        raise
    return Path(tmp)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder
    and a rename: readers see the old complete file or the new complete one."""
    path = Path(path)
    tmp = _write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


class StagedFiles:
    """New versions of several files, written in full to temporary files in
    a staging folder (on the same file system) before any is renamed into place.

    ``commit()`` renames them in the order they were staged (a path may be
    staged twice: the later version wins); ``discard()`` (or leaving the
    ``with`` block through an exception) removes what was not committed. So a
    full disk or an error while staging changes no published file, and only
    the short run of renames can be cut by a crash."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder   # None: beside each file
        self._pending: list[tuple[Path, Path]] = []

    def write(self, path: Path, data: bytes | str) -> None:
        path = Path(path)
        self._pending.append((_write_temp(path, data, self.folder), path))

    def __len__(self) -> int:
        return len(self._pending)

    def commit(self) -> None:
        while self._pending:
            tmp, path = self._pending[0]
            os.replace(tmp, path)
            self._pending.pop(0)

    def discard(self) -> None:
        while self._pending:
            tmp, _ = self._pending.pop()
            _unlink(tmp)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.discard()
        return False

    @staticmethod
    def sweep(folder: Path) -> list[Path]:
        """Remove the temporary files (".NAME.XXXXXXXX.tmp") that a run killed
        while staging left in its staging ``folder``. Call it only holding the
        lock that guards that folder, so that no running writer's file is taken."""
        removed = []
        for path in Path(folder).glob(f".*{TEMP_SUFFIX}") if Path(folder).is_dir() else ():
            if path.is_file() and not path.is_symlink():
                _unlink(path)
                removed.append(path)
        return removed


class FolderLock:
    """An exclusive lock (flock on the file ``path``), so two runs publishing
    the same article never interleave their files: the second waits for the
    first. The kernel drops the lock if the process dies."""

    def __init__(self, path: Path, on_wait=None):
        self.path = Path(path)
        self.on_wait = on_wait
        self.handle = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+b")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if self.on_wait:
                self.on_wait()
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
        return False
