"""Writers of published files, pandoc-style: one row per format.

Each writer turns a ``Page`` (an edition's document and what its page shows
around it) into the bytes of one file. Adding a format is one module and one
row of ``WRITERS``; publishing.py knows no format by name. The PDF writer
typesets the HTML writer's page, which a Page makes once and shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Callable

from translate.project.config import Publication
from translate.project.languages import Language
from translate.publishing.render.html import render_html
from translate.publishing.render.markdown import write_markdown
from translate.source.document import Document
from translate.source.media import PDF_PREFIX


@dataclass
class Page:
    """One edition as the writers see it."""

    doc: Document
    lang: Language
    links: list                     # (Language, relative href) of every edition, for the switcher
    published: datetime             # the article's date (translate.publishing.article_folder.Article.article_date)
    original_href: str | None       # the English original, for a translation's notice
    model: object = None            # engines.base.ModelInfo of a translation
    glossary_checked: bool = False
    media: tuple = ()               # translate.source.media.MediaFile: the article's images
    reviewed: tuple = (0, 0)        # (sentences a person approved, all sentences): the notice says which
    site_url: str | None = None     # where output/ is on the web: the link to the original made absolute
    modified: datetime | None = None  # when this edition's text last changed (metadata; None: published)
    corrected: bool = False         # its text changed after it first appeared: the page says "Updated"
    publication: Publication | None = None   # the masthead's name, the bylines
    source: Document | None = None  # the English article as published: what the check stage compares with

    def _render(self, media_prefix=None, printed: bool = False) -> str:
        extra = {} if media_prefix is None else {"media_prefix": media_prefix}
        return render_html(self.doc, self.lang, editions=self.links, published=self.published,
                           modified=self.modified, corrected=self.corrected, publication=self.publication,
                           original_href=self.original_href, model=self.model,
                           glossary_checked=self.glossary_checked, reviewed=self.reviewed,
                           site_url=self.site_url, printed=printed, **extra)

    @cached_property
    def html(self) -> str:
        return self._render()

    @cached_property
    def pdf_html(self) -> str:
        """The page as the PDF typesets it: images addressed to the copies the
        PDF renderer serves from memory, never read from disk or the network,
        and the address of every external link printed after it."""
        return pdf_letters(self._render(PDF_PREFIX if self.media else None, printed=True))


# Dari's ezafe "هٔ" (heh and a combining hamza above) is drawn with the hamza
# raised (text rise): pdftotext then reads the hamza as a line of its own and
# moves the words around it out of order. The PDF sets the letter
# HEH WITH YEH ABOVE (ۀ), the spelling Afghan print also uses, which Amiri draws
# whole; the text-layer check reads the two as one (checks/textlayer.py).
EZAFE = ("\u0647\u0654", "\u06c0")


def pdf_letters(html: str) -> str:
    return html.replace(*EZAFE)


def _markdown(page: Page) -> bytes:
    return write_markdown(page.doc).encode("utf-8")


def _html(page: Page) -> bytes:
    return page.html.encode("utf-8")


def _pdf(page: Page) -> bytes:
    # lazy: the PDF writer imports WeasyPrint (1.5 s), which no other format needs
    from translate.publishing.render.pdf import render_pdf

    return render_pdf(page.pdf_html, lang=page.lang, title=page.doc.title.text, published=page.published,
                      modified=page.modified,
                      glossary_checked=page.glossary_checked, reviewed=page.reviewed,
                      media={PDF_PREFIX + image.name: image.data for image in page.media})


@dataclass(frozen=True)
class Writer:
    extension: str
    write: Callable[[Page], bytes]
    rendered: bool   # made by the page renderer (templates, fonts, catalogues), not the text alone


# In the order files are written and listed.
WRITERS: dict[str, Writer] = {
    "md": Writer("md", _markdown, rendered=False),
    "html": Writer("html", _html, rendered=True),
    "pdf": Writer("pdf", _pdf, rendered=True),
}
FORMATS = tuple(WRITERS)


def ordered(formats) -> list[str]:
    """``formats`` in the table's order."""
    return [name for name in WRITERS if name in set(formats)]
