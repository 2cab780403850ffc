"""Folding text for comparison, keeping the way back to the original offsets.

Target side (``fold``): letter variants that writers and models use
interchangeably are made equal — Arabic/Persian yeh and kaf, teh marbuta,
ezafe heh, Russian ё/е, the Pashto letters ګ/گ, ې/ۍ/ی, ټ/ت, ډ/د (Pashto
keyboards and models mix them) — and invisible marks are dropped: ZWNJ, ZWJ,
tatweel, soft hyphen, direction marks and Arabic short vowels.

Source side (``fold_source``): on top of that, dashes become "-", dotted
abbreviations lose their dots (U.N. → UN) and British spellings become
American ones (organisation → organization), so that one glossary form finds
every way an English writer spells the term.
"""

from __future__ import annotations

import re
import unicodedata

_FOLD = {
    "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
    "\u0649": "\u06cc",  # alef maksura -> Persian yeh
    "\u0643": "\u06a9",  # Arabic kaf -> keheh
    "\u0629": "\u0647",  # teh marbuta -> heh
    "\u06c0": "\u0647",  # heh with yeh above (ezafe) -> heh
    "\u06ab": "\u06af",  # Pashto ګ -> گ
    "\u06d0": "\u06cc",  # Pashto ې -> ی
    "\u06cd": "\u06cc",  # Pashto ۍ -> ی
    "\u067c": "\u062a",  # Pashto ټ -> ت
    "\u0689": "\u062f",  # Pashto ډ -> د
    "\u0451": "\u0435",  # ё -> е
    "\u0401": "\u0415",  # Ё -> Е
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    "\u2019": "'", "\u2018": "'", "\u02bc": "'",
    "\u2010": "-", "\u2011": "-",
}
_DROP = {"\u200c", "\u200d", "\u0640", "\u00ad", "\u200e", "\u200f"}  # ZWNJ, ZWJ, tatweel, soft hyphen, marks
ZWNJ = "\u200c"


def _fold_char(c: str) -> str:
    if c in _FOLD:
        return _FOLD[c]
    if c in _DROP:
        return ""
    o = ord(c)
    if 0x064B <= o <= 0x065F or o == 0x0670 or 0x06D6 <= o <= 0x06ED:
        return ""  # Arabic short vowels and Quranic marks: optional in running text
    if 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF:
        return unicodedata.normalize("NFKC", c)  # presentation forms -> letters
    return c


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` folded for comparison, and for each folded character (plus
    one past the end) the index in ``text`` it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, c in enumerate(text):
        f = _fold_char(c)
        out.append(f)
        origin.extend([i] * len(f))
    origin.append(len(text))
    return "".join(out), origin


def fold_char(c: str) -> str:
    """One character folded (may be empty)."""
    return _fold_char(c)


def _table() -> dict[int, str | None]:
    """``_fold_char`` as a str.translate table: every character it changes."""
    changed = [*_FOLD, *_DROP, *map(chr, range(0x064B, 0x0660)), "\u0670", *map(chr, range(0x06D6, 0x06EE)),
               *map(chr, range(0xFB50, 0xFE00)), *map(chr, range(0xFE70, 0xFF00))]
    return {ord(c): (_fold_char(c) or None) for c in changed if _fold_char(c) != c}


FOLD_TABLE = _table()


def fold_text(text: str) -> str:
    """``fold(text)[0]`` without the offsets, in one str.translate call (a
    glossary folds thousands of generated forms when it is loaded)."""
    return text.translate(FOLD_TABLE)


def term_key(term: str) -> str:
    """Identity of a term for duplicates and conflicts: folded, case-folded,
    whitespace collapsed."""
    return " ".join(fold(unicodedata.normalize("NFC", term))[0].casefold().split())


# --- the source side -----------------------------------------------------------

_DASHES = re.compile("[\u2012\u2013\u2212\ufe58\ufe63\uff0d]")
_DOTTED = re.compile(r"(?<![\w.])(?:[A-Z]\.){2,}(?!\w)")
# British -> American, as whole-word stems: a closed list, because a general
# "-ise -> -ize" rule would also turn "promise" and "otherwise" into non-words.
_BRITISH = {
    "organis": "organiz", "recognis": "recogniz", "radicalis": "radicaliz", "legitimis": "legitimiz",
    "normalis": "normaliz", "criminalis": "criminaliz", "stabilis": "stabiliz", "mobilis": "mobiliz",
    "authoris": "authoriz", "prioritis": "prioritiz", "characteris": "characteriz", "destabilis": "destabiliz",
    "defence": "defense", "offence": "offense", "labour": "labor", "neighbour": "neighbor",
    "programme": "program", "centre": "center", "honour": "honor", "favour": "favor",
}
_BRITISH_WORDS = re.compile(r"(?<![A-Za-z])(" + "|".join(sorted(_BRITISH, key=len, reverse=True)) + ")",
                            re.IGNORECASE)


def _substitute(text: str, origin: list[int], pattern: re.Pattern, replace) -> tuple[str, list[int]]:
    """Apply ``pattern.sub(replace)`` to folded ``text`` while keeping ``origin``:
    a replacement maps onto the original span of what it replaced."""
    out: list[str] = []
    new_origin: list[int] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(text[last:m.start()])
        new_origin.extend(origin[last:m.start()])
        new = replace(m)
        out.append(new)
        span = origin[m.start():m.end()] or [origin[m.start()]]
        new_origin.extend(span[min(i, len(span) - 1)] for i in range(len(new)))
        last = m.end()
    out.append(text[last:])
    new_origin.extend(origin[last:])
    return "".join(out), new_origin


def _keep_case(old: str, new: str) -> str:
    if old.isupper():
        return new.upper()
    if old[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


def fold_source(text: str) -> tuple[str, list[int]]:
    """``fold`` plus the English spelling variants (see the module docstring)."""
    folded, origin = fold(text)
    folded, origin = _substitute(folded, origin, _DASHES, lambda m: "-")
    folded, origin = _substitute(folded, origin, _DOTTED, lambda m: m.group().replace(".", ""))
    folded, origin = _substitute(folded, origin, _BRITISH_WORDS,
                                 lambda m: _keep_case(m.group(), _BRITISH[m.group().lower()]))
    return folded, origin
