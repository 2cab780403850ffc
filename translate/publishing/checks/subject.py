"""What the checks look at: one edition's files, as bytes, and the English
article they must match; and what is read from those bytes once for every
check (the HTML page's reading, the PDF's pages).

Publish builds a Subject from the bytes it is about to write, `translate
doctor` from the files on disk: the same bytes, the same findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from translate.project.languages import Language
from translate.publishing.checks import htmlpage, pdfpages
from translate.source.document import Document


@dataclass(frozen=True)
class Finding:
    """One failed check: which, where exactly (a file and line or page), what."""

    check: str      # a name of translate.publishing.checks.CHECKS
    place: str      # "checks.prs.html:284", "checks.prs.pdf page 2"
    message: str

    def __str__(self) -> str:
        return f"{self.check}: {self.place}: {self.message}"


@dataclass
class Subject:
    """An edition to check. ``files`` maps a format ("md", "html", "pdf") to
    (file name, bytes); ``source`` is the English article as published
    (None: nothing to compare the structure with)."""

    lang: Language
    source: Document | None
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def name(self, fmt: str) -> str:
        return self.files[fmt][0]

    def data(self, fmt: str) -> bytes | None:
        entry = self.files.get(fmt)
        return entry[1] if entry else None

    @cached_property
    def page(self) -> htmlpage.Page | None:
        """The HTML page's reading (None without an HTML file)."""
        data = self.data("html")
        return None if data is None else htmlpage.read(data.decode("utf-8", errors="replace"))

    @cached_property
    def pdf(self) -> pdfpages.Pdf | None:
        """The PDF's reading (None without a PDF)."""
        data = self.data("pdf")
        return None if data is None else pdfpages.Pdf(data)
