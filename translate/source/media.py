"""Images of an article: local files beside it, checked, and published under
output/<slug>/media/ with a content hash in their names.

An image is read only when it is a file inside the article's own folder,
named by a relative path (symbolic links are followed, and must stay inside
too). A remote image (http, https) is never fetched: it becomes a link to it
with the alt text, in every edition. Any other address (file:, data:, an
absolute path, a path leading out of the folder) is never read either: the
alt text stands in, with a warning (publish --strict makes it an error). A
missing file, a file too large or not a PNG, JPEG, GIF or WebP image (Pillow
checks it) is an error. What is published is the picture without its
metadata (translate.source.image_metadata: no EXIF GPS, author, camera
serial, comment or text; orientation and colour profile kept), in media/ and
in the PDFs alike; ``MediaFile.removed`` says what was left out.

Public API: prepare(), inputs_digest(), MediaFile, MediaError.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from PIL import Image

from translate.source import image_metadata
from translate.source.document import Block, Document, Mark, Segment, SourceWarning
from translate.source.markdown_reader import SourceError

MAX_IMAGE_BYTES = 10 << 20     # a news photo is well under this
MAX_IMAGE_PIXELS = 50_000_000  # more is a decompression bomb, not a photo
FORMATS = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}
MEDIA_DIR = "media"
# Where an edition's page finds the media (pages live in output/<slug>/<key>/).
PAGE_PREFIX = f"../{MEDIA_DIR}/"
# How the PDF's copy of the page names them: served from memory by the PDF
# renderer, which reads no other file (translate.publishing.render.pdf).
PDF_PREFIX = "newsroom-media:"
REMOTE_SCHEMES = ("http", "https")


class MediaError(SourceError):
    """An image the article names that cannot be published; the message says
    which file and line, what is wrong and what to do."""


class NotRead(Exception):
    """An image address that is never read (outside the article's folder, an
    absolute path, file: or data:): the image shows as its alt text, with a
    warning (an error under publish --strict)."""


@dataclass(frozen=True)
class MediaFile:
    name: str      # file name under media/: <stem>.<12 hex digits of its SHA-256><ext>
    data: bytes    # the picture as published: without its metadata
    sha256: str    # of ``data``
    width: int
    height: int
    removed: tuple[str, ...] = ()   # the metadata left out ("EXIF (GPS position)", "comment")
    original: str = ""              # the file's name beside the article, for the summary

    @property
    def rel(self) -> str:
        """Path relative to output/<slug>/."""
        return f"{MEDIA_DIR}/{self.name}"


def prepare(doc: Document, source: Path) -> tuple[Document, tuple[MediaFile, ...]]:
    """The article with its images resolved, and the image files to publish.

    Local images get attrs "media" (the published file name), "width",
    "height", and "src" pointing at ../media/<name> (what the Markdown
    editions write); remote images become links with their alt text."""
    source = Path(source)
    folder = source.resolve().parent
    found: dict[str, MediaFile] = {}
    warned: list[SourceWarning] = []

    def load(src: str, line) -> MediaFile | None:
        """The checked file; None (and a warning) for an address never read."""
        if src not in found:
            try:
                found[src] = _load(src, folder, f"{source}:{line}" if line else str(source))
            except NotRead as why:
                warned.append(SourceWarning(line or 1, f"{why}; the alt text is shown instead"))
                return None
        return found[src]

    def segment(seg: Segment) -> Segment:
        marks = []
        for mark in seg.marks:
            if mark.kind == "image":
                if _is_remote(mark.attrs.get("src", "")):
                    mark = Mark("link", mark.start, mark.end, {"href": mark.attrs["src"], "markup": "["})
                else:
                    media = load(mark.attrs.get("src", ""), mark.attrs.get("line"))
                    if media is None:
                        continue  # its alt text stays, as text
                    mark = replace(mark, attrs=_local_attrs(mark.attrs, media))
            marks.append(mark)
        return replace(seg, marks=tuple(marks))

    def blocks(bs: tuple[Block, ...]) -> tuple[Block, ...]:
        out: list[Block] = []
        for b in bs:
            if b.kind == "figure" and _is_remote(b.attrs.get("src", "")):
                out.extend(_unpublished_figure(b, b.attrs["src"]))
            elif b.kind == "figure":
                media = load(b.attrs.get("src", ""), b.attrs.get("line"))
                out.extend(_unpublished_figure(b, None) if media is None else
                           (replace(b, attrs=_local_attrs(b.attrs, media)),))
            else:
                out.append(replace(b, segments=tuple(segment(s) for s in b.segments), children=blocks(b.children)))
        return tuple(out)

    new_blocks = blocks(doc.blocks)
    warnings = tuple(sorted((*doc.warnings, *warned), key=lambda w: w.line))
    return (replace(doc, blocks=new_blocks, warnings=warnings),
            tuple(sorted(found.values(), key=lambda f: f.name)))


def inputs_digest(source_sha: str, files: tuple[MediaFile, ...]) -> str:
    """The source's SHA-256 combined with its images': what an edition is made from."""
    if not files:
        return source_sha
    digest = hashlib.sha256(source_sha.encode())
    for f in files:
        digest.update(f"{f.name}\0{f.sha256}\0".encode())
    return digest.hexdigest()


def _is_remote(src: str) -> bool:
    return urlsplit(src.strip()).scheme.lower() in REMOTE_SCHEMES or src.strip().startswith("//")


def _local_attrs(attrs: dict, media: MediaFile) -> dict:
    return {**attrs, "src": PAGE_PREFIX + media.name, "media": media.name,
            "width": media.width, "height": media.height}


def _unpublished_figure(b: Block, href: str | None) -> tuple[Block, ...]:
    """A figure whose image is not published: its alt text as a paragraph,
    linking to ``href`` (a remote image, never fetched) when given, and its
    caption as a paragraph of its own."""
    parts = dict(zip(b.attrs.get("parts", ()), b.segments))
    alt = parts.get("alt")
    if alt is not None and href:
        alt = replace(alt, marks=(Mark("link", 0, len(alt.text), {"href": href, "markup": "["}),))
    elif alt is None and href:
        alt = Segment("", (Mark("url", 0, 0, {"href": href, "text": href, "markup": "autolink"}),))
    blocks = [Block("paragraph", segments=(alt,))] if alt is not None else []
    if "caption" in parts:
        blocks.append(Block("paragraph", segments=(parts["caption"],)))
    return tuple(blocks)


def _load(src: str, folder: Path, where: str) -> MediaFile:
    """Read and check one local image; MediaError saying why not."""
    shown = src if len(src) <= 80 else src[:77] + "..."
    scheme = urlsplit(src).scheme.lower()
    if scheme and not re.fullmatch(r"[a-z]", scheme):  # "c:" is a Windows drive, refused below
        raise NotRead(f"image {shown!r}: a {scheme}: address is never read (put the image file in the "
                      "article's folder and name it by its file name: ![alt](map.png))")
    rel = unquote(urlsplit(src).path) if not scheme else src
    if not rel or rel.startswith(("/", "\\")) or scheme or PurePosixPath(rel).is_absolute():
        raise NotRead(f"image {shown!r}: an absolute path is never read (put the image file in the "
                      "article's folder and name it by its file name: ![alt](map.png))")
    path = (folder / rel).resolve()
    if not path.is_relative_to(folder):
        raise NotRead(f"image {shown!r} is outside the article's folder and is never read (copy it into "
                      "the folder beside the article)")
    if not path.is_file():
        raise MediaError(f"{where}: image {shown!r}: no such file beside the article: check the name")
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise MediaError(f"{where}: image {shown!r} is {size / (1 << 20):.1f} MB, over the limit of "
                         f"{MAX_IMAGE_BYTES >> 20} MB: save a smaller version (a web image is under 1 MB)")
    data = path.read_bytes()
    kind, width, height = _image_kind(data, where, shown)
    clean = _without_metadata(data, kind, where, shown)
    if _image_kind(clean.data, where, shown) != (kind, width, height):
        raise MediaError(f"{where}: image {shown!r}: its metadata could not be removed without changing the "
                         "picture: export it again (as a web image)")
    sha = hashlib.sha256(clean.data).hexdigest()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-")[:60] or "image"
    return MediaFile(f"{stem}.{sha[:12]}{FORMATS[kind]}", clean.data, sha, width, height, clean.removed, path.name)


def _without_metadata(data: bytes, kind: str, where: str, shown: str) -> image_metadata.Stripped:
    """The image without its metadata, checked: what a reader's tool can see
    in it (Pillow's view of EXIF, comments, XMP, text) is at most the orientation."""
    try:
        clean = image_metadata.strip(data, kind)
    except image_metadata.MetadataError as err:
        raise MediaError(f"{where}: image {shown!r}: {err}, so its metadata (place, camera, author) cannot be "
                         "removed: export it again (as a web image)") from None
    with Image.open(io.BytesIO(clean.data)) as image:
        left = [key for key in ("comment", "xmp", "XML:com.adobe.xmp") if image.info.get(key)]
        left += list(getattr(image, "text", None) or {})
        left += [f"EXIF tag {tag:#x}" for tag in image.getexif() if tag != image_metadata.ORIENTATION]
    if left:
        raise MediaError(f"{where}: image {shown!r}: metadata could not be removed ({', '.join(left[:3])}): "
                         "export it again (as a web image)")
    return clean


def _image_kind(data: bytes, where: str, shown: str) -> tuple[str, int, int]:
    """(Pillow format, width, height) of a PNG, JPEG, GIF or WebP image, else MediaError."""

    not_image = MediaError(f"{where}: image {shown!r} is not a PNG, JPEG, GIF or WebP image: "
                           "export it in one of these formats")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
                image.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise MediaError(f"{where}: image {shown!r} has too many pixels to be a picture (over "
                         f"{MAX_IMAGE_PIXELS // 1_000_000} million): save a smaller version") from None
    except Exception:  # Pillow raises many kinds for a file that is not an image
        raise not_image from None
    if kind not in FORMATS:
        raise not_image
    if width * height > MAX_IMAGE_PIXELS:
        raise MediaError(f"{where}: image {shown!r} has {width}x{height} pixels, over "
                         f"{MAX_IMAGE_PIXELS // 1_000_000} million: save a smaller version")
    return kind, width, height
