"""Downloading a model or an index: streamed in chunks with a progress
display, within a size limit, checked against the announced length and a
SHA-256; DownloadError (one line, what to do) for every failure.
"""

from __future__ import annotations

import hashlib
import http.client
import shutil
import urllib.error
import urllib.parse
import urllib.request
from contextlib import nullcontext
from pathlib import Path
from typing import BinaryIO

from translate.translation.models.store import DownloadError, ProgressFactory, one_line

USER_AGENT = "newsroom-translate (model installer)"
TIMEOUT_SECONDS = 60
_CHUNK = 1 << 20
WEB_SCHEMES = ("http", "https")


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
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        # urllib would read file:// (a FIFO there blocks for ever), ftp:// and data: URLs too.
        raise DownloadError(f"{one_line(url)} is not an http(s) address to download {what} from: for a file "
                            "on this machine use `translate models add FILE`")
    host = parts.netloc
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
        if urllib.parse.urlsplit(response.geturl()).scheme.lower() not in WEB_SCHEMES:
            raise DownloadError(f"{url} redirected to {one_line(response.geturl())}, not an http(s) address: "
                                "check the URL")
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
