"""The PDF's text layer: what copy and paste, search and screen readers get.

Two independent extractors, poppler's pdftotext and pypdf, must each give
back the edition's text (the reading matter of its HTML page) in logical
order: its letters, digits (Persian digits in their order), punctuation and
zero-width non-joiners, NFC-normalised; spaces and line breaks are left out
(extractors place them as the lines fall), and so is what the PDF adds (the
running header, page numbers, printed link addresses). The share of those
characters recovered in order must reach the threshold of the extractor and
the edition's script (``THRESHOLDS``); docs/rendering.md says what each
extractor cannot do better, and why.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter

from translate.publishing.checks.subject import Finding, Subject
from translate.publishing.writers import EZAFE

NAME = "text-layer"
ZWNJ = "\u200c"
EXTRACTORS = ("pdftotext", "pypdf")

# Least share per extractor and script. In Arabic script a Latin word or
# Western digits glued to Arabic letters without a space ("ISIS-Kی") are
# placed by each extractor's own reordering of the line, not always where
# the text has them (about 1% of such text): 98% there, and on top of it,
# exactly, every ZWNJ and every number in Persian digits (below).
THRESHOLDS = {
    "pdftotext": {"LATIN": 0.99, "CYRILLIC": 0.99, "ARABIC": 0.98},
    "pypdf": {"LATIN": 0.99, "CYRILLIC": 0.99, "ARABIC": 0.98},
}
_PERSIAN_NUMBER = re.compile("[\u0660-\u0669\u06f0-\u06f9](?:[\u0660-\u0669\u06f0-\u06f9\u066b\u066c]*"
                             "[\u0660-\u0669\u06f0-\u06f9])?")

# pypdf (7.x) takes Arabic-Indic and Persian digits for right-to-left letters
# and reverses each number it reads ("۲۰۲۶" comes out "۶۲۰۲", "۴٫۸" "۸٫۴"),
# though the PDF draws them left to right and pdftotext reads them in order:
# a limit of that extractor (docs/rendering.md), undone before comparing so
# that the check measures the PDF. Everything else pypdf reads is compared as is.
KNOWN_LIMITS = {"pypdf": lambda text: _PERSIAN_NUMBER.sub(lambda m: m.group(0)[::-1], text)}


def units(text: str) -> str:
    """What the text layer must give back: letters, marks, digits, punctuation and ZWNJ, in order.
    The ezafe "هٔ" counts as the "ۀ" the PDF sets for it (translate.publishing.writers.EZAFE)."""
    text = unicodedata.normalize("NFC", text).replace(*EZAFE)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMNP" or ch == ZWNJ)


def share(expected: str, extracted: str) -> tuple[float, int]:
    """(share of ``expected``'s units found in ``extracted`` in order, index in
    expected's units of the first one that is not)."""
    want, got = units(expected), units(extracted)
    if not want:
        return 1.0, -1
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    blocks = matcher.get_matching_blocks()
    first_miss = 0
    for block in blocks:
        if block.a > first_miss:
            break
        first_miss = max(first_miss, block.a + block.size)
    return sum(block.size for block in blocks) / len(want), (first_miss if first_miss < len(want) else -1)


def check(subject: Subject) -> list[Finding]:
    if subject.pdf is None or subject.page is None:
        return []
    expected = subject.page.article
    want = units(expected)
    out = []
    for extractor in EXTRACTORS:
        pages = subject.pdf.pages(extractor)
        if pages is None:
            continue   # pdftotext not installed: doctor warns of it
        threshold = THRESHOLDS[extractor].get(subject.lang.script or "LATIN", 0.99)
        read = KNOWN_LIMITS.get(extractor, str)("\n".join(pages))
        got, miss = share(expected, read)
        if got < threshold:
            out.append(Finding(NAME, f"{subject.name('pdf')} page {_page_of(want, miss, pages)}",
                               f"{extractor} reads {got:.1%} of the text in order (at least {threshold:.0%}); "
                               f"first difference at {_context(want, miss)!r}"))
        out += _exactly(subject, extractor, expected, read)
    return out


def _exactly(subject: Subject, extractor: str, expected: str, read: str) -> list[Finding]:
    """Every ZWNJ and every number in Persian digits of the text, read back."""
    out = []
    if read.count(ZWNJ) < expected.count(ZWNJ):
        word = next((w for w in expected.split() if ZWNJ in w and w not in read), "")
        out.append(Finding(NAME, subject.name("pdf"), f"{extractor} reads {read.count(ZWNJ)} of the "
                                                      f"{expected.count(ZWNJ)} zero-width non-joiners"
                                                      + (f" ({word!r} reads without it)" if word else "")))
    numbers = Counter(_PERSIAN_NUMBER.findall(read))
    lost = [n for n, count in Counter(_PERSIAN_NUMBER.findall(expected)).items() if numbers[n] < count]
    if lost:
        out.append(Finding(NAME, subject.name("pdf"), f"{extractor} does not read the numbers "
                                                      f"{', '.join(lost[:5])} as written"))
    return out


def _context(want: str, at: int) -> str:
    return want[max(0, at - 12):at + 12] if at >= 0 else ""


def _page_of(want: str, at: int, pages: list[str]) -> int:
    """The page whose text holds most of the 12 units before ``at``."""
    if at < 0:
        return 1
    before = want[max(0, at - 12):at]
    scores = [difflib.SequenceMatcher(None, before, units(page), autojunk=False).find_longest_match().size
              for page in pages]
    return scores.index(max(scores)) + 1 if scores else 1
