"""Decoding a text file a user wrote (an article, a glossary, the
configuration, a translator's file): UTF-8, a BOM allowed, and otherwise one
line that names the file and the line of the first bad byte and says what to
do. One place, so every input says it the same way."""

from __future__ import annotations

from typing import Callable

ErrorFactory = Callable[[str, str], Exception]   # (message, hint) -> the caller's UserError


def decode_utf8(data: bytes, name: str, error: ErrorFactory, *, binary_check: bool = True,
                what: str = "text") -> str:
    """``data`` as text, or ``error(message, hint)``: UTF-16 (Windows
    "Unicode"), a NUL byte (a binary file) or bytes that are not UTF-8, each
    with the line where it is."""
    if binary_check:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return _raise(error, f"{name}: not UTF-8 text but UTF-16 (Windows \"Unicode\")", "save it as UTF-8")
        if b"\x00" in data:
            line = data[: data.index(b"\x00")].count(b"\n") + 1
            return _raise(error, f"{name}:{line}: a NUL byte: this looks like a binary file, not {what}",
                          "give the text file itself")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return _raise(error, f"{name}:{line}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})",
                      "save the file as UTF-8")


def _raise(error: ErrorFactory, message: str, hint: str):
    raise error(message, hint) from None
