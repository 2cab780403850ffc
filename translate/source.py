"""Reading an article file: size, encoding and content checks, then the
Markdown reader. Every problem is a SourceError naming the file (and line)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from translate.document import Document
from translate.markdown_reader import SourceError, read_markdown
from translate.textfile import decode_utf8


# One article, not a book: a long read is some 200 KB of Markdown. Past this
# the sentence splitter, the models and the PDF typesetter would take many
# minutes and gigabytes per edition (measured in docs/reliability.md).
MAX_SOURCE_BYTES = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    """An article as read: its document and the SHA-256 of the very bytes
    that were read (the file may change while a run translates them)."""

    path: Path
    doc: Document
    sha256: str


def read_source(path: Path) -> Document:
    """Read an article file; any problem becomes a SourceError naming the file."""
    return open_article(path).doc


def open_article(path: Path) -> SourceFile:
    """Read and check an article file; any problem is a SourceError naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES and path.is_file():
            raise SourceError(f"{path}: {size / (1 << 20):.1f} MB is over the limit of "
                              f"{MAX_SOURCE_BYTES >> 20} MB for one article: split it into several articles")
        raw = path.read_bytes()
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder, not an article file") from None
    except FileNotFoundError:
        raise SourceError(f"{path}: cannot read it (No such file or directory): check the path") from None
    except OSError as err:
        raise SourceError(f"{path}: cannot read it ({err.strerror})") from None
    if not raw.strip():
        raise SourceError(f"{path}: the file is empty (no title, no text): write the front matter "
                          "(--- title: ... ---) and the article")
    text = decode_utf8(raw, str(path), lambda message, hint: SourceError(f"{message}: {hint}"),
                       what="a Markdown article")
    try:
        doc = read_markdown(text, slug=path.stem)
    except SourceError as err:
        raise SourceError(f"{path}: {err}", line=err.line) from None
    if not doc.blocks:
        raise SourceError(f"{path}: the article has no text after its front matter")
    if doc.lang.lower().split("-")[0].split("_")[0] != "en":
        raise SourceError(f"{path}: front matter lang: {doc.lang}, but only English articles can be translated: "
                          "set lang: en or remove it")
    return SourceFile(path, doc, hashlib.sha256(raw).hexdigest())
