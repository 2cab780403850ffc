"""Metadata removed from an article's images before they are published.

A photo carries more than its picture: where it was taken (EXIF GPS), by
whom (Artist, an XMP creator), with which camera (serial numbers), a caption
naming a local path (ImageDescription, a JPEG comment, PNG text chunks), a
thumbnail of the uncropped original. For a newsroom any of it can expose a
source, so none of it is published: not in media/, not in the PDFs (which
embed a JPEG as it is).

Each image is rewritten at the level of its container: the compressed
picture data is copied byte for byte (nothing is decoded and encoded again,
so no quality is lost), what decoding and colour need is kept (JPEG tables,
the Adobe colour transform, the ICC colour profile, PNG gamma and
transparency, GIF animation loops), the orientation is kept as an EXIF
block holding that one tag, and every other segment, chunk or extension is
left out. Pillow (already a dependency) reads the EXIF, to keep the
orientation and to say what was removed. No library on PyPI strips a JPEG
without encoding it again (Pillow re-encodes; piexif is unmaintained), so the
four container walks are here: JPEG segments, PNG chunks, GIF blocks and
WebP RIFF chunks.

Public API: strip(), Stripped, MetadataError.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from PIL import Image

ORIENTATION = 0x0112
_EXIF_PREFIX = b"Exif\x00\x00"
# EXIF tags worth naming when they are removed (the rest is "EXIF").
_GPS_IFD, _EXIF_IFD = 0x8825, 0x8769
_NAMED_TAGS = {
    "camera serial number": (0xA431, 0xC62F, 0xA435),         # BodySerialNumber, CameraSerialNumber, LensSerial
    "camera make and model": (0x010F, 0x0110, 0xA434),        # Make, Model, LensModel
    "author": (0x013B, 0x8298, 0x9C9D, 0xA430),               # Artist, Copyright, XPAuthor, CameraOwnerName
    "description": (0x010E, 0x9286, 0x9C9B, 0x9C9C, 0x9C9E, 0x9C9F),   # ImageDescription, UserComment, XP*
    "date taken": (0x0132, 0x9003, 0x9004),
}


class MetadataError(ValueError):
    """The image's container could not be walked (it is damaged or of an
    unusual kind), so its metadata cannot be removed."""


@dataclass(frozen=True)
class Stripped:
    data: bytes
    removed: tuple[str, ...]     # what was left out, in words ("EXIF (GPS position)", "comment"), once each


def strip(data: bytes, kind: str) -> Stripped:
    """``data`` (a Pillow format: PNG, JPEG, GIF, WEBP) without its metadata."""
    walk = {"JPEG": _jpeg, "PNG": _png, "GIF": _gif, "WEBP": _webp}[kind]
    removed: list[str] = []
    try:
        out = walk(data, removed)
    except (IndexError, ValueError) as err:
        raise MetadataError(f"its {kind} structure is damaged ({err})") from None
    removed = list(dict.fromkeys(removed))
    return Stripped(data if not removed else out, tuple(removed))


# --- EXIF: what it holds, and the orientation kept -----------------------------------------


def _exif(raw: bytes, removed: list[str]) -> int | None:
    """Note what the EXIF block ``raw`` holds; its orientation (2-8) or None."""
    exif = Image.Exif()
    try:
        exif.load(raw)
        found = [name for name, tags in _NAMED_TAGS.items() if any(tag in exif for tag in tags)]
        found += [name for name, tags in _NAMED_TAGS.items()
                  if name not in found and any(tag in exif.get_ifd(_EXIF_IFD) for tag in tags)]
        if exif.get_ifd(_GPS_IFD):
            found.insert(0, "GPS position")
        orientation = exif.get(ORIENTATION)
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a damaged block: removed all the same
        found, orientation = [], None
    removed.append(f"EXIF ({', '.join(found)})" if found else "EXIF")
    return orientation if isinstance(orientation, int) and 2 <= orientation <= 8 else None


def _orientation_only(orientation: int, prefixed: bool) -> bytes:
    """An EXIF block holding nothing but ``orientation``."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    raw = exif.tobytes()
    return raw if prefixed else raw[len(_EXIF_PREFIX):] if raw.startswith(_EXIF_PREFIX) else raw


# --- JPEG: segments -------------------------------------------------------------------------

_APP0, _APP1, _APP2, _APP13, _APP14, _COM, _SOS, _EOI = 0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xFE, 0xDA, 0xD9


def _jpeg(data: bytes, removed: list[str]) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValueError("no start of image")
    out, pos, kept_exif = [b"\xff\xd8"], 2, False
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"no marker at byte {pos}")
        while data[pos] == 0xFF:   # fill bytes
            pos += 1
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            out.append(b"\xff\xd9")
            if data[pos:].strip(b"\x00"):
                removed.append("data after the end of the image")
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:   # no length
            out.append(bytes((0xFF, marker)))
            continue
        length = int.from_bytes(data[pos:pos + 2], "big")
        if length < 2 or pos + length > len(data):
            raise ValueError(f"a segment at byte {pos} runs past the end")
        body = data[pos + 2:pos + length]
        pos += length
        if marker == _SOS:   # the scan header, then the compressed data up to the next marker
            end = _scan_end(data, pos)
            out.append(bytes((0xFF, marker)) + length.to_bytes(2, "big") + body + data[pos:end])
            pos = end
            continue
        body = _jpeg_segment(marker, body, removed, kept_exif)
        if body is not None:
            kept_exif = kept_exif or (marker == _APP1)
            out.append(bytes((0xFF, marker)) + (len(body) + 2).to_bytes(2, "big") + body)
    return b"".join(out)   # no end marker: as the file came (Pillow read it)


def _scan_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data starting at ``pos`` ends: the next marker
    that is not a stuffed 0xFF00 or a restart marker."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return len(data)
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


def _jpeg_segment(marker: int, body: bytes, removed: list[str], kept_exif: bool) -> bytes | None:
    """The segment's new body, or None to leave it out."""
    if marker == _APP0 and body.startswith(b"JFIF\x00") and len(body) >= 14:
        if body[12] or body[13]:
            removed.append("thumbnail")
        return body[:12] + b"\x00\x00"   # the JFIF header without its thumbnail
    if marker == _APP1 and body.startswith(_EXIF_PREFIX):
        orientation = _exif(body, removed)
        return _orientation_only(orientation, True) if orientation and not kept_exif else None
    if marker == _APP2 and body.startswith(b"ICC_PROFILE\x00"):
        return body                      # the colour profile
    if marker == _APP14 and body.startswith(b"Adobe"):
        return body                      # how to convert the colours (CMYK, YCCK)
    if marker == _COM:
        removed.append("comment")
    elif marker == _APP1 and b"ns.adobe.com/x" in body[:64]:
        removed.append("XMP")
    elif marker == _APP13:
        removed.append("IPTC")
    elif marker == _APP0 and body.startswith(b"JFXX"):
        removed.append("thumbnail")
    elif 0xE0 <= marker <= 0xEF:
        removed.append(f"APP{marker - 0xE0} data")
    else:
        return body                      # tables, frame and scan headers: the picture itself
    return None


# --- PNG: chunks ----------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Ancillary chunks that change how the picture looks (colour, gamma,
# transparency, pixel size, animation); the critical ones are always kept.
_PNG_KEEP = {b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP", b"mDCV", b"mDCv", b"cLLI", b"cLLi", b"sBIT",
             b"bKGD", b"pHYs", b"hIST", b"sPLT", b"acTL", b"fcTL", b"fdAT"}
_PNG_NAMES = {b"tEXt": "text", b"zTXt": "text", b"iTXt": "text", b"tIME": "time stamp"}


def _png(data: bytes, removed: list[str]) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("no PNG signature")
    out, pos = [_PNG_SIGNATURE], len(_PNG_SIGNATURE)
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if len(kind) < 4 or end > len(data):
            raise ValueError(f"a chunk at byte {pos} runs past the end")
        chunk, body = data[pos:end], data[pos + 8:end - 4]
        pos = end
        if kind[0:1].isupper() or kind in _PNG_KEEP:
            out.append(chunk)
            if kind == b"IEND":
                if data[pos:]:
                    removed.append("data after the end of the image")
                break
        elif kind == b"eXIf":
            orientation = _exif(body, removed)
            if orientation:
                out.append(_png_chunk(b"eXIf", _orientation_only(orientation, body.startswith(_EXIF_PREFIX))))
        else:
            removed.append(_PNG_NAMES.get(kind) or f"{kind.decode('latin-1')} chunk")
    return b"".join(out)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


# --- GIF: blocks ----------------------------------------------------------------------------

# Application extensions that are part of the picture: the animation loop,
# the colour profile.
_GIF_KEEP_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012")


def _gif(data: bytes, removed: list[str]) -> bytes:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("no GIF header")
    flags = data[10]
    pos = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)   # the global colour table
    out = [data[:pos]]
    while True:
        introducer = data[pos]
        if introducer == 0x3B:   # trailer
            out.append(b";")
            if data[pos + 1:]:
                removed.append("data after the end of the image")
            return b"".join(out)
        if introducer == 0x2C:   # an image: descriptor, local colour table, LZW data
            flags = data[pos + 9]
            start = pos + 10 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0) + 1
            end = _sub_blocks_end(data, start)
            out.append(data[pos:end])
        elif introducer == 0x21:
            label, end = data[pos + 1], _sub_blocks_end(data, pos + 2)
            application = data[pos + 3:pos + 14] if label == 0xFF else b""
            if label == 0xFE:
                removed.append("comment")
            elif label == 0xFF and application not in _GIF_KEEP_APPS:
                removed.append("XMP" if application == b"XMP DataXMP" else "application data")
            else:
                out.append(data[pos:end])   # graphic control, plain text, loop, colour profile
        else:
            raise ValueError(f"unknown block 0x{introducer:02x} at byte {pos}")
        pos = end


def _sub_blocks_end(data: bytes, pos: int) -> int:
    while True:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
        if pos > len(data):
            raise ValueError("a block runs past the end")


# --- WebP: RIFF chunks ----------------------------------------------------------------------

_WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _webp(data: bytes, removed: list[str]) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("no RIFF WEBP header")
    end_all = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    if len(data) > end_all:
        removed.append("data after the end of the image")
    chunks, pos = [], 12
    while pos + 8 <= end_all:
        kind, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        body = data[pos + 8:pos + 8 + size]
        if len(body) < size:
            raise ValueError(f"a chunk at byte {pos} runs past the end")
        pos += 8 + size + (size & 1)
        if kind in _WEBP_KEEP:
            chunks.append([kind, body])
        elif kind == b"EXIF":
            orientation = _exif(body, removed)
            if orientation:
                chunks.append([kind, _orientation_only(orientation, body.startswith(_EXIF_PREFIX))])
        else:
            removed.append("XMP" if kind == b"XMP " else f"{kind.decode('latin-1').strip()} chunk")
    for chunk in chunks:   # the extended header says which chunks follow
        if chunk[0] == b"VP8X" and chunk[1]:
            flags = chunk[1][0] & ~(_VP8X_EXIF | _VP8X_XMP)
            flags |= _VP8X_EXIF if any(kind == b"EXIF" for kind, _ in chunks) else 0
            chunk[1] = bytes((flags,)) + chunk[1][1:]
    payload = b"".join(kind + len(body).to_bytes(4, "little") + body + b"\x00" * (len(body) & 1)
                       for kind, body in chunks)
    return b"RIFF" + (4 + len(payload)).to_bytes(4, "little") + b"WEBP" + payload
