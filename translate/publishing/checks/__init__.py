"""The check stage: every edition verified against its source and its page
before `translate publish` says "ok", and by `translate doctor` with the same
code, on the same bytes.

    subject     what is checked: an edition's files and the English article they
                must match, and what is read from them once (translate.publishing.checks.subject)
    htmlpage    what an edition's HTML page holds: its text, blocks, links, notes, cells, code
    pdfpages    what a PDF holds: text per extractor, characters and boxes where they lie,
                links, structure tags, fonts and the glyphs they lack
    structure   the source's blocks, links, images, footnotes, table cells and code spans,
                each once, in every format
    glyphs      every character of the HTML and of the PDF drawn by a font the page ships
    textlayer   the PDF's text, read by pdftotext and pypdf, is the edition's text in
                logical order, above a threshold per script and extractor
    layout      nothing wider than the page's text area; no page that holds only the
                running header, footer and colophon
    layout      nothing wider than the page's text area; no page that holds only the
                running header, footer and colophon

``CHECKS`` is the table, sacrebleu-style: a check is a module and a row. Each
takes a Subject and returns its Findings; ``run`` runs them all.
"""

from __future__ import annotations

from translate.publishing.checks import glyphs, layout, structure, textlayer
from translate.publishing.checks.subject import Finding, Subject

# In the order findings are reported: a cause before what follows from it
# (text that runs off the page is also missing from the text layer).
CHECKS = {
    "structure": structure.check,
    "glyphs": glyphs.check,
    "layout": layout.check,
    "text-layer": textlayer.check,
}

__all__ = ["CHECKS", "Finding", "Subject", "run"]


def run(subject: Subject, only=None) -> list[Finding]:
    """Every check's findings on ``subject`` (``only``: the names of some checks)."""
    findings: list[Finding] = []
    for name, check in CHECKS.items():
        if only is None or name in only:
            findings.extend(check(subject))
    return findings
