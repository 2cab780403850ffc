"""Reading an article file: size, encoding and content checks, then the
Markdown reader. Every problem is a SourceError naming the file (and line)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from translate.source.document import Document
from translate.source.markdown_reader import SourceError, read_markdown
from translate.util import untrusted
from translate.util.textfile import decode_utf8

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
    shown = untrusted.display_path(path)
    if untrusted.undecodable_name(path.name):
        raise SourceError(f"{shown}: the file name is not UTF-8 text (made on another system?): "
                          "rename the file with letters, digits, '-' or '_'")
    try:
        # The checksum is of exactly these bytes, even if the file changes meanwhile.
        raw = untrusted.read_regular_file(path, MAX_SOURCE_BYTES)
    except untrusted.NotRegularFile as err:
        raise SourceError(f"{shown}: {err.args[0]}, not an article file: "
                          "give the path of a Markdown file") from None
    except untrusted.TooLarge as err:
        size = f"{err.size / (1 << 20):.1f} MB is" if err.size else "it grew while read and is"
        raise SourceError(f"{shown}: {size} over the limit of {MAX_SOURCE_BYTES >> 20} MB for one article: "
                          "split it into several articles") from None
    except IsADirectoryError:
        raise SourceError(f"{shown}: is a folder, not an article file") from None
    except FileNotFoundError:
        raise SourceError(f"{shown}: cannot read it (No such file or directory): check the path") from None
    except OSError as err:
        raise SourceError(f"{shown}: cannot read it ({err.strerror})") from None
    if not raw.strip():
        raise SourceError(f"{shown}: the file is empty (no title, no text): write the front matter "
                          "(--- title: ... ---) and the article")
    text = decode_utf8(raw, shown, lambda message, hint: SourceError(f"{message}: {hint}"),
                       what="a Markdown article")
    try:
        doc = read_markdown(text, slug=path.stem)
    except SourceError as err:
        where = f"{shown}:{err.line}" if err.at_line else shown
        raise SourceError(f"{where}: {err}", line=err.line) from None
    if not doc.blocks:
        raise SourceError(f"{shown}: the article has no text after its front matter")
    if doc.lang.lower().split("-")[0].split("_")[0] != "en":
        raise SourceError(f"{shown}: front matter lang: {doc.lang}, but only English articles can be translated: "
                          "set lang: en or remove it")
    return SourceFile(path, doc, hashlib.sha256(raw).hexdigest())
