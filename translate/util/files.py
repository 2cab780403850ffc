"""Writing files so that a crash or Ctrl-C never leaves a half-written one."""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
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


def unwritable(folder: Path) -> OSError | None:
    """Why no file can be created in or renamed into the existing ``folder``
    (a read-only mount, an immutable or read-only folder), or None."""
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    if read_only:
        return OSError(errno.EROFS, os.strerror(errno.EROFS), str(folder))
    return OSError(errno.EACCES, "the folder cannot be written (no write permission, or made immutable)",
                   str(folder))


class StagedFiles:
    """New versions of several files, written in full to temporary files in
    a staging folder (on the same file system) before any is renamed into place.

    ``commit()`` renames them in the order they were staged (a path may be
    staged twice: the later version wins); ``discard()`` (or leaving the
    ``with`` block through an exception) removes what was not committed. So a
    full disk or an error while staging changes no published file, and only
    the short run of renames can be cut by a crash. A rename that fails (a
    folder that cannot be written) changes no file either: see ``commit_together``."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder   # None: beside each file
        self._pending: list[tuple[Path, Path]] = []

    def write(self, path: Path, data: bytes | str) -> None:
        path = Path(path)
        self._pending.append((_write_temp(path, data, self.folder), path))

    def __len__(self) -> int:
        return len(self._pending)

    def commit(self) -> None:
        commit_together(self)

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


def commit_together(*groups: StagedFiles) -> None:
    """Rename the staged files of ``groups`` into place, group after group,
    each in its order, so that a failure changes no file.

    Before the first rename, every target folder must be writable and the
    current version of every target is hard-linked beside its staged file
    (which also finds a target on another file system, or immutable). If a
    rename fails all the same, the files renamed so far get their previous
    versions back (a new file is removed) and the OSError names the target,
    never a temporary file; its ``partly_committed`` is True only if putting
    back failed too. A crash can still cut the run of renames: every file is
    then its complete old or new version."""
    pending = [entry for group in groups for entry in group._pending]
    for folder in dict.fromkeys(path.parent for _, path in pending):
        problem = unwritable(folder) if folder.is_dir() else None
        if problem is not None:
            raise problem
    backups: dict[Path, Path] = {}
    try:
        for tmp, path in pending:
            if path not in backups and os.path.lexists(path):
                backups[path] = _link_aside(path, tmp.parent)
        done: list[Path] = []
        for group in groups:
            while group._pending:
                tmp, path = group._pending[0]
                try:
                    os.replace(tmp, path)
                except OSError as err:
                    failed = OSError(err.errno, err.strerror, str(path))
                    failed.partly_committed = not _put_back(done, backups)
                    raise failed from None
                group._pending.pop(0)
                done.append(path)
    finally:
        for backup in backups.values():
            _unlink(backup)


def _link_aside(path: Path, folder: Path) -> Path:
    """A hard link to ``path`` (the file, or the symbolic link itself) in ``folder``."""
    backup = Path(folder) / f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        os.link(path, backup, follow_symlinks=False)
    except OSError as err:
        raise OSError(err.errno, err.strerror, str(path)) from None
    return backup


def _put_back(done: list[Path], backups: dict[Path, Path]) -> bool:
    """Undo the renames of ``done`` (latest first); False if one could not be undone."""
    ok = True
    for path in reversed(list(dict.fromkeys(done))):
        try:
            if path in backups:
                os.replace(backups.pop(path), path)
            else:
                os.unlink(path)
        except OSError:
            ok = False
    return ok


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
