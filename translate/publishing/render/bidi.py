"""Finding the runs of text that need an element of their own.

A Latin name or a number inside Dari or Pashto text is laid out by the Unicode
bidi algorithm together with its neighbours, which scrambles cases such as
"COVID-19" or "(ISIS-K" + ")" across a run boundary. Wrapping each
opposite-direction run in its own element (<span dir="ltr">) isolates it in
browsers. WeasyPrint ignores ``unicode-bidi``, but lays such a span out as a
box of its own and draws boxes in logical order, which is what lets PDF text
extractors that do not implement the bidi algorithm (pypdf) read the line in
order: so in right-to-left text numbers, and the neutral characters pypdf
takes for left-to-right ones (« », NBSP...), get a box of their own too.
"""

from __future__ import annotations

import re
import unicodedata

_OPENERS = {"(": ")", "[": "]", "{": "}", "«": "»", "“": "”", "‹": "›"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}

# A number, with inner punctuation, a currency sign before it and a percent
# sign after it if any: 2003  1,234.5  12.07.2025  15:30  ۱۴۰۴/۴/۱۲  $4.8  20%
_CURRENCY = "$€£¥₽₸₹"
_NUMBER = re.compile(rf"(?:[{_CURRENCY}]\s?)?[-+−]?\d+(?:[.,:/٫٬]\d+)*(?:\s?[%٪‰])?")

# A number and the space that ends a stretch of text: "$4.8 ", "12 ", "۵۷۳ ".
_NUMBER_BEFORE = re.compile(rf"(?:[{_CURRENCY}]\s?)?[-+−]?\d+(?:[.,:/٫٬]\d+)*[ \u00a0\u202f]$")

_MONTHS = frozenset(
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split())

# Words that belong to the number before them ("573 km", "4,8 млрд",
# "۵۷۳ کیلومتر"): the space between them becomes a no-break space.
_UNIT_WORDS = frozenset(
    "км м см мм кг г т га млн млн. млрд млрд. трлн тыс. тыс руб. доллар долларов долларов. тенге теңге "
    "мың млн. % ٪ "
    "کیلومتر متر کیلوگرام کیلو تن هکتار میلیون ملیون میلیارد ملیارد دالر افغانی درصد فیصد فیصده سلنه "
    "زره سوه "
    "km m cm mm kg g t ha mi ft lb bn mn tn billion million thousand trillion percent".split())
_WORD = re.compile(r"[^\W\d_]+\.?|[%٪]")

# Code points pypdf's text extraction treats as neutral or right-to-left
# (pypdf._utils NEUTRAL_CHARACTER_RANGES and RTL_CHARACTER_RANGES); any other
# neutral character in right-to-left text is read as left-to-right and sends
# the rest of the line out of order unless it is drawn as a box of its own.
_EXTRACTOR_SAFE = (
    ("\x00", "\x2f"), ("\x3a", "\x40"), ("\u0590", "\u08ff"), ("\u2000", "\u206f"),
    ("\u20a0", "\u21ff"), ("\ufb1d", "\ufdff"), ("\ufe70", "\ufeff"),
)
_STRONG_OR_NUMBER = {"L", "R", "AL", "EN", "AN"}

ISOLATES = {"ltr": ("\u2066", "\u2069"), "rtl": ("\u2067", "\u2069")}   # LRI/RLI ... PDI


def _bidi(ch: str) -> str:
    return unicodedata.bidirectional(ch)


def foreign_runs(text: str, direction: str) -> list[tuple[int, int, str]]:
    """Runs of ``text`` written in the direction opposite to ``direction``:
    ``(start, end, run_direction)``, sorted and never overlapping.

    A run starts at a strong character of the other direction, spans the
    neutrals, digits and further such characters that follow, and ends at the
    last strong character (or digit of the run's direction), plus the closing
    brackets it opened.
    """
    if direction == "rtl":
        # Digits read left to right, so they end a Latin run ("COVID-19").
        foreign, native, run_dir = {"L"}, {"R", "AL"}, "ltr"
        ends = foreign | {"EN", "AN"}
    else:
        # In left-to-right text, European digits after an Arabic run are the
        # surrounding text's; only Arabic-Indic digits (AN) belong to the run.
        foreign, native, run_dir = {"R", "AL"}, {"L"}, "rtl"
        ends = foreign | {"AN"}
    classes = [_bidi(c) for c in text]
    runs: list[tuple[int, int, str]] = []
    i, n = 0, len(text)
    while i < n:
        if classes[i] not in foreign:
            i += 1
            continue
        last = i
        j = i
        while j < n and classes[j] not in native and classes[j] != "B" and text[j] != "\n":
            if classes[j] in ends:
                last = j
            j += 1
        start, end = _balance(text, i, last + 1, limit=j)
        if direction == "rtl":
            start = _with_number_before(text, start)
        if runs and start < runs[-1][1]:
            start = runs[-1][1]
        runs.append((start, end, run_dir))
        i = end
    return runs


def _unit_word(word: str, latin_lowercase: bool = False) -> bool:
    """Whether ``word`` reads as the unit or month of a number before it:
    "km", "billion", "March", "млрд", "کیلومتر" (not "Microsoft"); with
    ``latin_lowercase`` any lower-case Latin word does (inside right-to-left
    text a Latin word after a number is an English phrase: "3 tonnes")."""
    if word in _UNIT_WORDS or word in _MONTHS:
        return True
    return latin_lowercase and word.isascii() and word[:1].islower()


def _with_number_before(text: str, start: int) -> int:
    """Where a left-to-right run that starts at ``start`` in right-to-left
    text begins once the number in front of it is taken in: "$4.8 billion",
    "573 km", "12 March 2024" read as one phrase, left to right; otherwise
    the paragraph's direction puts the number after the word ("billion 4.8$")."""
    word = _WORD.match(text, start)
    if not word or not _unit_word(word.group(0), latin_lowercase=True):
        return start
    number = _NUMBER_BEFORE.search(text, 0, start)
    return number.start() if number else start


def bind_units(text: str) -> str:
    """``text`` with a no-break space between a number and the unit or month
    after it ("573\u00a0km", "12\u00a0March", "4,8\u00a0млрд"), so that a
    line never breaks between them. Same length as ``text``: offsets of marks
    still hold."""
    out = list(text)
    for match in re.finditer(r"\d[%٪]?( )(?=\S)", text):
        word = _WORD.match(text, match.end())
        if word and _unit_word(word.group(0)):
            out[match.start(1)] = "\u00a0"
    return "".join(out)


def runs(text: str, direction: str) -> list[tuple[int, int, str]]:
    """Every run of ``text`` that gets an element of its own in an edition
    written in ``direction``: ``(start, end, kind)``, sorted, not overlapping.

    ``kind`` is "ltr" or "rtl" for a run to isolate in that direction (see
    foreign_runs; in right-to-left text every number is an "ltr" run too),
    and "box" for a neutral character of right-to-left text that PDF
    extractors misread unless it stands alone (it keeps the paragraph's
    direction).
    """
    found = foreign_runs(text, direction)
    if direction != "rtl":
        return found

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e, _ in found)

    extra = [(m.start(), m.end(), "ltr") for m in _NUMBER.finditer(text) if free(m.start(), m.end())]
    found = sorted(found + extra)
    boxes = [(i, i + 1, "box") for i, ch in enumerate(text) if _misread(ch) and free(i, i + 1)]
    return sorted(found + boxes)


def _misread(ch: str) -> bool:
    if _bidi(ch) in _STRONG_OR_NUMBER or unicodedata.category(ch)[0] in "CM":
        return False
    return not any(lo <= ch <= hi for lo, hi in _EXTRACTOR_SAFE)


def _balance(text: str, start: int, end: int, limit: int) -> tuple[int, int]:
    """Widen [start, end) so that the brackets inside it pair up: take in the
    closers that follow (up to ``limit``) and an opener just before it."""
    depth = 0
    unmatched_closer = None
    for ch in text[start:end]:
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            if depth:
                depth -= 1
            elif unmatched_closer is None:
                unmatched_closer = ch
    k = end
    while depth and k < limit:
        if text[k] in _CLOSERS:
            depth -= 1
            end = k + 1
        elif text[k] in _OPENERS:
            break
        k += 1
    if unmatched_closer and start > 0 and text[start - 1] == _CLOSERS[unmatched_closer]:
        start -= 1
    return start, end


def isolate_plain(text: str, direction: str) -> str:
    """``text`` with bidi isolate controls around each foreign run, for places
    that take plain text only (PDF running headers)."""
    out, pos = [], 0
    for start, end, run_dir in foreign_runs(text, direction):
        opener, closer = ISOLATES[run_dir]
        out += [text[pos:start], opener, text[start:end], closer]
        pos = end
    out.append(text[pos:])
    return "".join(out)
