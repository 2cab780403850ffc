"""How a model reaches a store, for both stores: a staging folder on the
store's file system, a safe copy of a local folder, the checks every model
gets (tokenizer, CTranslate2), and the swap into place.

A model is assembled in a staging folder and moved into the store by a
rename, so a reader never sees half a model and an interrupted install
leaves nothing behind. Replacing an installed model takes two renames (the
old one aside, the new one in); the old one is set aside under a name that
the next run recognises (``.aside-PID.NAME``, in the store folder), so a
kill between the two renames loses nothing: the next run puts it back.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator, Sequence, TypeVar

from translate.translation.models.store import BrokenModel, Check, InvalidModelError, ModelError, one_line
from translate.util import heavy

_STAGING = re.compile(r"^\.(?P<name>.+)\.staging-(?P<pid>\d+)-")
_ASIDE = re.compile(r"^\.aside-(?P<pid>\d+)\.(?P<name>.+)$")
_CHUNK = 1 << 20


# --- staging ------------------------------------------------------------------


def is_staging(path: Path) -> bool:
    """Whether ``path`` is a staging folder (listings skip them)."""
    return bool(_STAGING.match(path.name))


@contextmanager
def staging(folder: Path) -> Iterator[Path]:
    """A temporary folder on ``folder``'s file system, so that the final move
    into ``folder`` is a rename; removed afterwards whatever happens."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    recover(folder)
    parent = folder.parent
    try:
        same_fs = os.stat(parent).st_dev == os.stat(folder).st_dev
    except OSError:
        same_fs = False
    if not same_fs or not os.access(parent, os.W_OK):
        # A mount point (a Docker volume, say): stay inside it. Listing skips
        # staging folders.
        parent = folder
    _sweep_stale_staging(parent, folder.name)
    path = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}.staging-{os.getpid()}-"))
    try:
        if parent != folder:
            path = _check_rename(path, folder)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _check_rename(path: Path, folder: Path) -> Path:
    """``path`` if a folder in it can be renamed into ``folder``, else a new
    staging folder inside ``folder``. A bind mount (a Docker volume, a
    read-only USB stick mounted twice) shares the parent's st_dev but refuses
    renames across it (EXDEV); learn that before gigabytes are unpacked. A
    folder that cannot be written is refused here, by its own name."""
    probe = folder / path.name
    try:
        try:
            os.rename(path, probe)
            os.rename(probe, path)
            return path
        except OSError as err:
            shutil.rmtree(path, ignore_errors=True)
            if err.errno != errno.EXDEV:
                raise
        return Path(tempfile.mkdtemp(dir=folder, prefix=f".{folder.name}.staging-{os.getpid()}-"))
    except OSError as err:
        raise OSError(err.errno, err.strerror, str(folder)) from None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _sweep_stale_staging(parent: Path, name: str) -> None:
    """Remove staging folders left by an install that was killed outright.
    They only ever hold copies: installed models are set aside elsewhere."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        match = _STAGING.match(entry.name)
        if match and match["name"] == name and not _pid_alive(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)


# --- into place -----------------------------------------------------------------


def swap_into_place(new: Path, final: Path, staging_dir: Path) -> bool:
    """Move the finished folder ``new`` to ``final`` (in the store folder),
    replacing what is there; True if something was replaced.

    The old folder is renamed aside in the store folder first; if the process
    dies before ``new`` is in place, the next run's ``recover`` renames it
    back. Once ``new`` is in place the old one goes into ``staging_dir``,
    which is deleted with it."""
    aside = None
    if final.exists() or final.is_symlink():
        aside = final.parent / f".aside-{os.getpid()}.{final.name}"
        os.rename(final, aside)
    try:
        os.rename(new, final)
    except BaseException:
        if aside is not None:
            os.rename(aside, final)
        raise
    if aside is not None:
        retire(aside, staging_dir)
    return aside is not None


def retire(path: Path, staging_dir: Path) -> None:
    """Move an installed folder into the staging folder (deleted with it): a
    rename first, so that it disappears whole even if deleting is interrupted."""
    os.rename(path, Path(tempfile.mkdtemp(dir=staging_dir, prefix="retired-")) / "folder")


Read = TypeVar("Read")


def read_installed(folder: Path, read: Callable[[Path], Read]) -> tuple[list[Read], list[BrokenModel]]:
    """Every model folder in ``folder`` read with ``read``, and the folders it
    refuses (a ModelError) as broken: listing never raises for one bad folder.
    Installs interrupted earlier are recovered first; staging folders are skipped."""
    models: list[Read] = []
    broken: list[BrokenModel] = []
    if not folder.is_dir():
        return models, broken
    recover(folder)
    for entry in sorted(folder.iterdir()):
        if not entry.is_dir() or is_hidden(entry):
            continue
        try:
            models.append(read(entry))
        except ModelError as err:
            broken.append(BrokenModel(entry, str(err)))
    return models, broken


def recover(folder: Path) -> list[Path]:
    """Put back models a killed install had set aside (see swap_into_place);
    drop set-aside copies whose replacement did reach its place. Returns the
    folders put back. Best effort: a store that cannot be written is left as it is."""
    restored = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return restored
    for entry in entries:
        match = _ASIDE.match(entry.name)
        if not match or _pid_alive(int(match["pid"])):
            continue
        final = entry.parent / match["name"]
        try:
            if final.exists() or final.is_symlink():
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
            else:
                os.rename(entry, final)
                restored.append(final)
        except OSError:
            continue
    return restored


def is_hidden(path: Path) -> bool:
    """Staging folders, set-aside models and other dot-folders: never listed."""
    return path.name.startswith(".")


# --- a local folder, copied safely ----------------------------------------------------


def copy_folder(source: Path, dest: Path, *, max_bytes: int, max_files: int) -> None:
    """Copy the folder ``source`` to the new folder ``dest``: regular files
    and folders only. A symbolic link inside it, a device, pipe or socket, a folder
    reached twice (a bind-mount loop) or more than the limits is refused
    before a byte is copied (InvalidModelError naming the entry); files are
    opened without following links, so an entry swapped for a link after the
    check is refused too."""
    source = Path(source)
    entries = scan_folder(source, max_bytes=max_bytes, max_files=max_files)
    dest.mkdir()
    for rel, is_dir in entries:
        target = dest.joinpath(*rel.parts)
        if is_dir:
            target.mkdir()
            continue
        _copy_file(source.joinpath(*rel.parts), target, rel, source)


def scan_folder(source: Path, *, max_bytes: int, max_files: int) -> list[tuple[PurePosixPath, bool]]:
    """The folders and regular files under ``source`` (relative paths, parents
    first), or InvalidModelError for anything else in it."""
    entries: list[tuple[PurePosixPath, bool]] = []
    seen: set[tuple[int, int]] = set()
    total = 0
    try:
        top = os.stat(source)   # the folder named by the user may itself be a link
    except OSError as err:
        raise InvalidModelError(f"{source}: cannot read it ({err.strerror})") from None
    if not stat.S_ISDIR(top.st_mode):
        raise InvalidModelError(f"{source} is not a folder")
    pending = [(Path(source), PurePosixPath(), top)]
    while pending:
        folder, rel_folder, info = pending.pop()
        if (info.st_dev, info.st_ino) in seen:
            raise InvalidModelError(f"{source}: {rel_folder} leads back to a folder already copied (a loop); "
                                    "copy the model's files into a plain folder")
        seen.add((info.st_dev, info.st_ino))
        try:
            children = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as err:
            raise InvalidModelError(f"{source}: cannot read {rel_folder or '.'} ({err.strerror})") from None
        for child in children:
            rel = rel_folder / child.name
            child_info = child.stat(follow_symlinks=False)
            kind = _kind(child_info.st_mode)
            if kind:
                raise InvalidModelError(f"{source}: {rel} is {kind}; a model folder may hold only files and "
                                        "folders: copy the real files into it")
            is_dir = stat.S_ISDIR(child_info.st_mode)
            entries.append((rel, is_dir))
            if len(entries) > max_files:
                raise InvalidModelError(f"{source} holds more than {max_files} files: not a model folder")
            if is_dir:
                pending.append((Path(child.path), rel, child_info))
            else:
                total += child_info.st_size
                if total > max_bytes:
                    raise InvalidModelError(f"{source} holds more than {max_bytes >> 20} MiB: not a model folder")
    entries.sort(key=lambda e: (len(e[0].parts), str(e[0])))
    return entries


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return ""
    return "a special file (device, pipe or socket)"


def _copy_file(path: Path, target: Path, rel: PurePosixPath, source: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise InvalidModelError(f"{source}: {rel} is a symbolic link; copy the real file into the folder") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise InvalidModelError(f"{source}: {rel} is not a regular file; copy the real file into the folder")
        with open(target, "xb") as sink:
            shutil.copyfileobj(handle, sink, _CHUNK)
    shutil.copystat(path, target, follow_symlinks=False)


# --- checks every model gets -----------------------------------------------------


def check_tokenizer(folder: Path, names: Sequence[str]) -> Check:
    """The first of ``names`` present in ``folder`` loads: a SentencePiece
    model (*.model other than a BPE codes file) is loaded; bpe.model (old
    Argos packages, BPE codes) only needs to be there."""
    path = next((folder / name for name in names if (folder / name).is_file()), None)
    if path is None:
        return Check("tokenizer", False, f"no {' or '.join(names)}")
    if path.name == "bpe.model":
        return Check("tokenizer", True, "bpe.model")
    try:
        size = heavy.sentencepiece().SentencePieceProcessor(model_file=str(path)).get_piece_size()
    except Exception as err:  # noqa: BLE001 - any failure means the file is not a SentencePiece model
        return Check("tokenizer", False, f"{path.name} does not load ({one_line(err)})")
    return Check("tokenizer", True, f"sentencepiece, {size} pieces")


def check_ctranslate2_model(model_dir: Path) -> Check:
    """Whether CTranslate2 loads the model in ``model_dir`` (on the CPU)."""
    if not (Path(model_dir) / "model.bin").is_file():
        return Check("model", False, f"no {Path(model_dir).name}/model.bin")
    try:
        translator = heavy.ctranslate2().Translator(str(model_dir), device="cpu", inter_threads=1, intra_threads=1)
        del translator
    except Exception as err:  # noqa: BLE001 - CTranslate2 raises RuntimeError and ValueError alike
        return Check("model", False, f"CTranslate2 cannot load it ({one_line(err)})")
    return Check("model", True, "loads in CTranslate2")
