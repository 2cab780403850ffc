"""Extracting model archives (zip files) that came from elsewhere, safely.

A model archive is untrusted input: it may be truncated, hostile or simply the
wrong file. ``safe_extract`` checks the whole listing before it writes a byte,
then extracts while counting the bytes really written (the sizes in a zip
header are claims, not facts), and on any refusal or interruption removes
everything it created. The checks are generic; callers say which files the
archive must contain.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

from translate.translation.models.store import InvalidModelError

_CHUNK = 1 << 20
# Model weights barely compress (an Argos package unpacks to 1.1-4 times its
# size); a zip that would unpack to a hundred times its size is a zip bomb,
# refused before it can fill the disk up to the absolute limit. Small archives
# (text files compress well) are exempt.
MAX_RATIO = 100
_RATIO_FLOOR = 8 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")
# Unix file types a zip entry may carry in the high 16 bits of external_attr;
# 0 means the archiver stored no Unix mode (plain file or folder).
_ALLOWED_TYPES = {0, stat.S_IFREG, stat.S_IFDIR}


class ArchiveError(InvalidModelError):
    """The archive was refused; the message names the file and the reason."""


@dataclass(frozen=True)
class Extracted:
    root: Path          # the single top-level folder, inside dest
    files: int
    bytes: int


def _entry_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return "a symbolic link"
    if kind not in _ALLOWED_TYPES:
        return "a special file (device, pipe, socket or link)"
    return ""


def _check_name(name: str) -> PurePosixPath:
    """The entry's relative path, or ArchiveError if it could land outside
    the target folder on any platform (so backslashes and drive letters are
    refused too, not only ../ and /)."""
    if not name or "\x00" in name:
        raise ArchiveError(f"entry {name!r} has an empty or invalid name")
    if "\\" in name:
        raise ArchiveError(f"entry {name!r} uses a backslash in its path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if name.startswith("/") or (parts and _DRIVE.match(parts[0])):
        raise ArchiveError(f"entry {name!r} has an absolute path")
    if any(part == ".." for part in parts):
        raise ArchiveError(f"entry {name!r} points outside the archive folder (..)")
    if any(":" in part for part in parts):
        # A drive letter or an NTFS stream name on Windows.
        raise ArchiveError(f"entry {name!r} has a colon in its path")
    if not parts:
        raise ArchiveError(f"entry {name!r} has an empty path")
    return PurePosixPath(*parts)


def check_listing(
    archive: zipfile.ZipFile,
    *,
    max_total_bytes: int,
    max_files: int,
    require: Iterable[str] = (),
    single_root: bool = True,
) -> tuple[str | None, list[tuple[zipfile.ZipInfo, PurePosixPath]]]:
    """Check an archive's table of contents without extracting anything.

    Returns the top-level folder name (when ``single_root``) and the entries
    with their checked relative paths. ``require`` lists paths relative to the
    top-level folder that must be present as files.
    """
    infos = archive.infolist()
    if len(infos) > max_files:
        raise ArchiveError(f"it holds {len(infos)} entries, more than the limit of {max_files}")
    if not infos:
        raise ArchiveError("it is empty")
    declared = 0
    seen: set[PurePosixPath] = set()
    entries = []
    for info in infos:
        path = _check_name(info.filename)
        kind = _entry_kind(info)
        if kind:
            raise ArchiveError(f"entry {info.filename!r} is {kind}; only files and folders are allowed")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"entry {info.filename!r} is encrypted")
        if path in seen:
            # A second entry with the same name would silently replace the first.
            raise ArchiveError(f"entry {info.filename!r} appears more than once")
        seen.add(path)
        declared += info.file_size
        if declared > max_total_bytes:
            raise ArchiveError(
                f"it would unpack to more than {_human(max_total_bytes)} (zip bomb or wrong file)"
            )
        entries.append((info, path))

    # A file whose name is also a folder of other entries ("a" and "a/b") cannot
    # be extracted as listed: refuse it here rather than fail half way.
    files_listed = {path for info, path in entries if not info.is_dir()}
    for info, path in entries:
        clash = next((parent for parent in path.parents if parent in files_listed), None)
        if clash is not None:
            raise ArchiveError(f"entry {info.filename!r} lies inside {str(clash)!r}, which is a file")

    root = None
    if single_root:
        tops = {path.parts[0] for _, path in entries}
        if len(tops) != 1:
            shown = ", ".join(sorted(tops)[:5])
            raise ArchiveError(f"it must hold exactly one top-level folder, found {len(tops)}: {shown}")
        root = tops.pop()
        if any(len(path.parts) == 1 and not info.is_dir() for info, path in entries):
            raise ArchiveError(f"it must hold one top-level folder, but {root!r} is a file")
        if root.startswith("."):
            raise ArchiveError(f"its top-level folder {root!r} is hidden; expected a package folder")

    files = {path for info, path in entries if not info.is_dir()}
    for wanted in require:
        wanted_path = PurePosixPath(root, wanted) if root else PurePosixPath(wanted)
        if wanted_path not in files:
            raise ArchiveError(f"it has no {wanted} (expected {wanted_path})")
    return root, entries


def safe_extract(
    zip_path: str | Path,
    dest: str | Path,
    *,
    max_total_bytes: int,
    max_files: int,
    require: Iterable[str] = (),
    single_root: bool = True,
    max_ratio: float = MAX_RATIO,
) -> Extracted:
    """Extract ``zip_path`` into the new folder ``dest`` (which must not exist).

    Refuses (ArchiveError, naming the archive) a file that is not a complete
    zip, entries that would escape ``dest``, links and special files, encrypted
    or duplicated entries, more than ``max_files`` entries, more than
    ``max_total_bytes`` declared or actually decompressed, more than
    ``max_ratio`` times its own size (when over 8 MiB), more than one
    top-level folder (when ``single_root``), or a missing ``require`` file.
    On refusal, error or interruption ``dest`` is removed again.
    """
    zip_path = Path(zip_path)
    dest = Path(dest)
    label = zip_path.name
    if dest.exists():
        raise FileExistsError(f"extraction folder {dest} already exists")
    archive = _open_zip(zip_path)
    created = False
    try:
        with archive:
            try:
                root, entries = check_listing(
                    archive,
                    max_total_bytes=max_total_bytes,
                    max_files=max_files,
                    require=require,
                    single_root=single_root,
                )
            except ArchiveError as err:
                raise ArchiveError(f"{label} refused: {err}") from None
            declared = sum(info.file_size for info, _ in entries)
            packed = zip_path.stat().st_size
            if declared > _RATIO_FLOOR and declared > max_ratio * packed:
                raise ArchiveError(
                    f"{label} refused: it would unpack to {_human(declared)}, {declared / max(packed, 1):.0f} times "
                    f"its size (zip bomb or wrong file); model archives unpack to a few times their size at most"
                )
            dest.mkdir(parents=True)
            created = True
            resolved_dest = dest.resolve()
            written = 0
            for info, rel in entries:
                target = dest.joinpath(*rel.parts)
                # Belt and braces: _check_name already refused anything that
                # could resolve outside dest.
                if not target.resolve().is_relative_to(resolved_dest):
                    raise ArchiveError(f"{label} refused: entry {info.filename!r} escapes the target folder")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                written = _extract_file(archive, info, target, label, written, max_total_bytes)
            root_path = dest / root if root else dest
            return Extracted(root=root_path, files=sum(1 for i, _ in entries if not i.is_dir()), bytes=written)
    except BaseException:
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        raise


def _open_zip(zip_path: Path) -> zipfile.ZipFile:
    """The archive, opened; ArchiveError when it is missing or no complete zip."""
    try:
        return zipfile.ZipFile(zip_path)
    except FileNotFoundError:
        raise ArchiveError(f"{zip_path.name}: no such file") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as err:
        raise ArchiveError(
            f"{zip_path.name} is not a complete zip archive ({err}): the file is truncated or of another kind; "
            "get a fresh copy"
        ) from None


def _extract_file(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, label: str, written: int,
                  max_total_bytes: int) -> int:
    """Decompress one entry into the new file ``target``, counting what is
    actually decompressed (a zip may declare less than it holds) against
    ``max_total_bytes``; returns the bytes written so far, this entry included."""
    try:
        with archive.open(info) as source, open(target, "xb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > max_total_bytes:
                    raise ArchiveError(
                        f"{label} refused: it unpacks to more than "
                        f"{_human(max_total_bytes)} (zip bomb or wrong file)"
                    )
                sink.write(chunk)
    except (zipfile.BadZipFile, EOFError, zlib.error) as err:
        raise ArchiveError(
            f"{label} is corrupt: entry {info.filename!r} cannot be read ({err}); "
            "get a fresh copy"
        ) from None
    except NotImplementedError as err:
        raise ArchiveError(f"{label} refused: entry {info.filename!r}: {err}") from None
    return written


def _human(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"
