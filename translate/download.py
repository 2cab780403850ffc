"""What the two model stores share: downloading, staging folders and
verification results.

The Argos package store (translate.models) and the multilingual model store
(translate.model_store) install the same way: a download is streamed with a
progress display, size and checksum checks, into a staging folder on the
store's file system, and the finished folder reaches the store by one rename,
so an interrupted install leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import errno
import os
import re
import shutil
import tempfile
import urllib.parse
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, ContextManager, Iterator

USER_AGENT = "newsroom-translate (model installer)"
TIMEOUT_SECONDS = 60
_CHUNK = 1 << 20
_STAGING = re.compile(r"^\.(?P<name>.+)\.staging-(?P<pid>\d+)-")

# A download progress display: called with a label and the total size (None
# when unknown); returns a context manager giving a function that is called
# with the number of bytes received since its last call.
ProgressFactory = Callable[[str, "int | None"], ContextManager[Callable[[int], None]]]


class DownloadError(Exception):
    """A download failed or was refused; the message says what to do."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class VerifyResult:
    label: str                       # "en→ru translate-en_ru 1.9", a model name or a folder name
    path: Path | None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)


def one_line(value: object) -> str:
    """The first line of an error's text (library messages can run long)."""
    text = str(value).strip().splitlines()
    return text[0] if text else type(value).__name__


# --- downloading ------------------------------------------------------------


def download(
    url: str,
    sink: BinaryIO,
    *,
    max_bytes: int,
    what: str,
    sha256: str | None = None,
    progress: ProgressFactory | None = None,
    label: str = "",
    space_at: Path | None = None,
) -> int:
    """Stream ``url`` into ``sink`` in chunks; DownloadError unless every
    announced byte arrived, within ``max_bytes``, with the right checksum.
    Returns the number of bytes received."""
    # Imported here: urllib.request pulls in http, email and ssl, which
    # `translate --help` does not need.
    import http.client
    import urllib.error
    import urllib.request

    host = urllib.parse.urlsplit(url).netloc or url
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as err:
        raise DownloadError(f"download of {what} failed: {url} answered HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as err:
        reason = getattr(err, "reason", err)
        raise DownloadError(
            f"cannot download {what} from {host} ({one_line(reason)}): check the network connection or the URL"
        ) from None
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.strip().isdigit() else None
        if total is not None and total > max_bytes:
            raise DownloadError(
                f"{what} at {url} is {total} bytes, more than the limit of {max_bytes}: wrong URL or file"
            )
        if total is not None and space_at is not None:
            free = shutil.disk_usage(space_at).free
            # The archive and its unpacked copy exist side by side until the rename.
            if free < 2 * total:
                raise DownloadError(
                    f"not enough free space for {what} in {space_at}: need about {2 * total >> 20} MiB, "
                    f"{free >> 20} MiB free"
                )
        digest = hashlib.sha256()
        done = 0
        bar = progress(label or what, total) if progress else nullcontext(lambda n: None)
        with bar as advance:
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except (OSError, http.client.HTTPException) as err:
                    raise DownloadError(
                        f"the download of {what} broke off after {done}"
                        f"{f' of {total}' if total is not None else ''} bytes ({one_line(err)}); "
                        "nothing was installed: run the command again"
                    ) from None
                if not chunk:
                    break
                done += len(chunk)
                if done > max_bytes or (total is not None and done > total):
                    raise DownloadError(f"{what} from {url} is larger than announced or allowed: wrong URL or file")
                sink.write(chunk)
                digest.update(chunk)
                advance(len(chunk))
    if total is not None and done != total:
        raise DownloadError(
            f"the download of {what} broke off after {done} of {total} bytes; "
            "nothing was installed: run the command again"
        )
    if sha256 and digest.hexdigest() != sha256:
        raise DownloadError(
            f"{what} downloaded from {url} does not match the expected checksum: "
            "the file or its checksum is wrong; try again later"
        )
    return done


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
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _sweep_stale_staging(parent: Path, name: str) -> None:
    """Remove staging folders left by an install that was killed outright."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        match = _STAGING.match(entry.name)
        if match and match["name"] == name and not _pid_alive(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)


# --- verifying ------------------------------------------------------------------


def check_ctranslate2_model(model_dir: Path) -> Check:
    """Whether CTranslate2 loads the model in ``model_dir`` (on the CPU)."""
    if not (Path(model_dir) / "model.bin").is_file():
        return Check("model", False, f"no {Path(model_dir).name}/model.bin")
    try:
        import ctranslate2

        translator = ctranslate2.Translator(str(model_dir), device="cpu", inter_threads=1, intra_threads=1)
        del translator
    except Exception as err:  # noqa: BLE001 - CTranslate2 raises RuntimeError and ValueError alike
        return Check("model", False, f"CTranslate2 cannot load it ({one_line(err)})")
    return Check("model", True, "loads in CTranslate2")
