"""Glyph coverage: every character of the HTML page and of the PDF is drawn
by a font the page ships.

The HTML page ships the web fonts of its edition and of the editions its
language switcher names (translate.publishing.render.webfonts): each
character of <body> must be in one of them, else a reader without such a
font sees a box. In the PDF, WeasyPrint sees the packaged fonts only
(render/pdf.py), so a character none of them has is drawn with glyph 0, a
box; each one is named with its code point, the font and the page, and so is
an embedded font that is not a packaged one.
"""

from __future__ import annotations

from translate.project.languages import ALL
from translate.publishing.checks.subject import Finding, Subject
from translate.publishing.render.textlayer import describe, foreign_fonts
from translate.publishing.render.webfonts import uncovered_characters

NAME = "glyphs"


def check(subject: Subject) -> list[Finding]:
    findings: list[Finding] = []
    if subject.page is not None:
        findings += _html(subject)
    if subject.pdf is not None:
        findings += _pdf(subject)
    return findings


def _html(subject: Subject) -> list[Finding]:
    page = subject.page
    by_tag = {lang.html_lang: lang for lang in ALL.values()}
    langs = list(dict.fromkeys([subject.lang, *(by_tag[t] for t in page.langs if t in by_tag)]))
    text = "".join(data for data, _ in page.body)
    out = []
    for ch in uncovered_characters(text, langs):
        line = next(line for data, line in page.body if ch in data)
        out.append(Finding(NAME, f"{subject.name('html')}:{line}",
                           f"{describe(ch)} is in none of the page's web fonts: readers see a box"))
    return out


def _pdf(subject: Subject) -> list[Finding]:
    pdf = subject.pdf
    name = subject.name("pdf")
    out = []
    for missing in pdf.missing_glyphs:
        page = missing.pages[0]
        text = pdf.page_texts[page - 1] if page <= len(pdf.page_texts) else ""
        at = text.find(missing.char)
        near = " ".join(text[max(0, at - 30):at + 10].split()) if at >= 0 else ""
        where = f" (near {near!r})" if near else ""
        out.append(Finding(NAME, f"{name} page {', '.join(map(str, missing.pages))}",
                           f"{' + '.join(map(describe, missing.char))} has no glyph in {missing.font}: "
                           f"printed as a box{where}"))
    for font in foreign_fonts(pdf.font_names):
        out.append(Finding(NAME, name, f"embeds {font}, which is not a packaged font"))
    return out
