"""The one rule for untrusted strings: what may reach a page, a file name or a terminal.

Articles pasted from the web, model metadata and file names from a USB stick
can carry characters that are invisible yet act: C0/C1 controls (ESC starts a
terminal escape sequence, NUL truncates strings in C code), the bidi
embedding, override and isolate controls U+202A-U+202E and U+2066-U+2069
("Trojan Source": "gnp.exe" shown as "exe.png"), line and paragraph
separators (a second line on screen), lone surrogates (a YAML escape
"\\ud800" makes a str that cannot be encoded as UTF-8 at all), and the
noncharacters U+FDD0-U+FDEF, U+FFFE, U+FFFF (no text, and not XML: a feed
holding one is not well-formed).

The policy, the same everywhere: such characters are REMOVED, never replaced
or escaped in published text, and the caller warns where the user can fix it
(an article's front matter or text). Marks that do not reorder text (LRM,
RLM, ZWNJ, ZWJ) are kept in articles: Dari and Pashto need ZWNJ. Metadata and
terminal output (``display``) is stricter: every invisible format character
(Unicode category Cf) goes too, and the text is cut to a length.

The rule is applied to decoded values: front matter after YAML has decoded
its escapes, Markdown text after markdown-it has decoded ``&#x202E;``
entities, file names after the file system's bytes became a str.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata

# Removed from articles (kept: tab and line ends, LRM/RLM, ZWNJ/ZWJ, other Cf).
# The noncharacters U+FDD0-U+FDEF, U+FFFE and U+FFFF are no text either, and
# the last two may not appear in XML at all (an Atom feed holding one is not
# XML).
_ARTICLE_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
                             "\ufdd0-\ufdef\ufffe\uffff]")
# Removed from anything shown on a terminal or recorded as metadata: every
# control character, line/paragraph separators, lone surrogates,
# noncharacters (Cf is handled by category below).
_DISPLAY_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
# What XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

MAX_DISPLAY_CHARS = 200


def clean(text: str) -> str:
    """``text`` without the characters no article may hold (see the module doc)."""
    return _ARTICLE_UNSAFE.sub("", text)


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (a feed or an XML
    file written from text that was never through ``clean``)."""
    return _NOT_XML.sub("", text)


def unsafe_in(text: str) -> list[str]:
    """The unsafe characters of ``text`` as U+XXXX names, in order of appearance, once each."""
    return list(dict.fromkeys(f"U+{ord(ch):04X}" for ch in _ARTICLE_UNSAFE.findall(text)))


def display(value: object, limit: int = MAX_DISPLAY_CHARS) -> str:
    """``value`` as text safe to show on a terminal or record as metadata:
    no control, escape, bidi or other invisible format character, no lone
    surrogate, at most ``limit`` characters (cut with "…")."""
    text = _DISPLAY_UNSAFE.sub("", str(value))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def display_path(path: object) -> str:
    """A path as the user can read it: bytes that are not UTF-8 (kept by
    Python as surrogate escapes) shown as \\xNN, controls shown escaped."""
    raw = os.fsencode(str(path))
    text = raw.decode("utf-8", errors="backslashreplace")
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


def undecodable_name(path: object) -> bool:
    """True when a file name holds bytes that are not UTF-8 (a name made on
    another system, or a broken one): it cannot name anything we publish."""
    return bool(re.search("[\udc80-\udcff]", str(path)))


# --- files named by the user ------------------------------------------------------


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a socket: reading it would block forever
    or never end. ``kind`` says which, for the message."""

    def __init__(self, path, kind: str):
        super().__init__(f"is {kind}")
        self.filename, self.kind = path, kind

    def __str__(self) -> str:
        return self.args[0]


class TooLarge(OSError):
    def __init__(self, path, size: int | None):
        super().__init__("too large")
        self.filename, self.size = path, size

    def __str__(self) -> str:
        return self.args[0]


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular_file(path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file (after links) of at most
    ``limit`` bytes. A FIFO would block forever and /dev/zero never ends:
    anything else is refused (NotRegularFile) before a byte is read, and the
    file is opened without blocking and checked again through its descriptor
    (it could be swapped between the two looks). IsADirectoryError for a
    folder, TooLarge past ``limit`` (also when it grows while read)."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, _kind(mode))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path, _kind(info.st_mode))
        if info.st_size > limit:
            raise TooLarge(path, info.st_size)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(path, None)
    return data


# --- link targets ------------------------------------------------------------

SAFE_SCHEMES = ("http", "https", "mailto")

# Browsers drop these from URLs before reading the scheme ("java\tscript:").
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def safe_link(href: str | None) -> str | None:
    """``href`` (stripped) if it is an http(s), mailto or relative link; None
    for anything a browser would run or read as another scheme (javascript:,
    data:, vbscript:, file:, "java\\tscript:"...). The Markdown reader drops
    such links to their text; the HTML writer checks again."""
    if not href:
        return None
    cleaned = _URL_IGNORED.sub("", href)
    if not cleaned:
        return None
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    if match:
        return href.strip() if match.group(1).lower() in SAFE_SCHEMES else None
    # No scheme; refuse anything a browser might still read as one (a colon
    # before the first / ? #).
    head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
    return None if ":" in head else href.strip()
