"""Layout: everything of the article lies inside the page's text area, and
no page holds nothing but the running header, the footer and the colophon.

Measured on the PDF as published (poppler's pdftotext -bbox gives where each
word lies): a word at the text area's height that reaches past its left or
right edge ran off the page or into the margin, with the box that holds it
(a table wider than the text, an address running out of the notice box); the
margins themselves hold the running header and footer. A box is wider than
the text area only when something in it is, so its words tell. The text area
comes from the same numbers the print stylesheet uses
(translate.publishing.render.page).
"""

from __future__ import annotations

from collections import Counter

from translate.publishing.checks.subject import Finding, Subject
from translate.publishing.checks.textlayer import units
from translate.publishing.render.page import content_box

NAME = "layout"
TOLERANCE = 1.5   # points: a glyph's ink may overhang its advance a little


def check(subject: Subject) -> list[Finding]:
    if subject.pdf is None or subject.pdf.layout is None:   # no pdftotext: doctor warns of it
        return []
    name = subject.name("pdf")
    colophon = Counter(units(subject.page.colophon)) if subject.page is not None else Counter()
    out: list[Finding] = []
    for page in subject.pdf.layout:
        left, bottom, right, top = content_box(page.width, page.height)
        inside = [c for c in page.words if bottom - TOLERANCE <= (c[2] + c[4]) / 2 <= top + TOLERANCE]
        over = [c for c in inside if c[3] > right + TOLERANCE or c[1] < left - TOLERANCE]
        if over:
            worst = max(over, key=lambda c: max(c[3] - right, left - c[1]))
            line = " ".join(c[0] for c in sorted((c for c in inside if abs(c[2] - worst[2]) < 2), key=lambda c: c[1]))
            past = max(worst[3] - right, left - worst[1])
            out.append(Finding(NAME, f"{name} page {page.number}",
                               f"text runs {past:.0f} pt past the {'right' if worst[3] > right else 'left'} edge of "
                               f"the text area: {' '.join(line.split())[:80]!r}"))
        content = Counter(units("".join(c[0] for c in inside)))
        if page.number > 1 and not content - colophon:
            out.append(Finding(NAME, f"{name} page {page.number}",
                               "the page holds only the running header, the footer"
                               + (" and the colophon" if content else "") + ": a near-empty last page"))
    return out
