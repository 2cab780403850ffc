"""Decoding a text file a user wrote (an article, a glossary, the
configuration, a translator's file): UTF-8, a BOM allowed, and otherwise one
line that names the file and the line of the first bad byte and says what to
do. One place, so every input says it the same way."""

from __future__ import annotations

from typing import Callable

from translate.util import untrusted

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


def read_user_file(path, limit: int, error: ErrorFactory, *, what: str, too_large_hint: str,
                   shown: str | None = None) -> bytes:
    """The bytes of a file the user named, or ``error(message, hint)``: not
    there, a folder, a FIFO or device (never read: it would block or never
    end), over ``limit`` bytes. ``what`` names what it should be ("an article
    file"); ``shown`` is how to name the path (default: as given)."""

    shown = shown if shown is not None else str(path)
    try:
        return untrusted.read_regular_file(path, limit)
    except untrusted.NotRegularFile as err:
        return _raise(error, f"{shown}: {err.args[0]}, not {what}", "give the path of the file itself")
    except untrusted.TooLarge as err:
        size = f"{err.size / (1 << 20):.1f} MB is" if err.size else "it grew while read and is"
        return _raise(error, f"{shown}: {size} over the limit of {limit >> 20} MB", too_large_hint)
    except IsADirectoryError:
        return _raise(error, f"{shown}: is a folder, not {what}", "give the path of the file itself")
    except FileNotFoundError:
        return _raise(error, f"{shown}: no such file", "check the path")
    except OSError as err:
        return _raise(error, f"{shown}: cannot read it ({err.strerror})", "check its permissions")
