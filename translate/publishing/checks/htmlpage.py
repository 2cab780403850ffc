"""An edition's HTML page as the checks read it, in one pass: its inventory
(translate.publishing.checks.inventory) with the line of each item, the
reading matter of <article> (what the PDF's text layer must give back), the
colophon, and every character of <body> with its line (for the glyph check).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from translate.publishing.checks.inventory import Inventory

# Page chrome inside <article> (date line, machine-translation notice): not the
# edition's text.
_CHROME_CLASSES = {"published", "notice"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr"}
_BLOCK_ENDS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "td", "th", "figcaption", "blockquote")
_LANDMARK_TAGS = {"h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading", "h6": "heading",
                  "table": "table", "tr": "table_row", "th": "table_cell", "td": "table_cell",
                  "blockquote": "quote", "ul": "list", "ol": "list", "li": "list_item", "pre": "code",
                  "hr": "rule", "figure": "figure"}
_NOTE_ID = re.compile(r"^fn-(\d+)$")
_REF_HREF = re.compile(r"^#fn-(\d+)$")
_BACK_HREF = re.compile(r"^#fnref-(\d+)-\d+$")


@dataclass
class Page:
    inventory: Inventory = field(default_factory=Inventory)
    lines: dict = field(default_factory=dict)     # (what, value) -> first line it is on
    article: str = ""                             # the reading matter of <article>
    colophon: str = ""                            # the page footer: the translation model
    original: str = ""                            # where the notice links to (the English original)
    langs: list = field(default_factory=list)     # the html lang of each edition the page names
    body: list = field(default_factory=list)      # (text, line) of every text node in <body>


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[tuple[str, set]] = []   # open elements: (tag, classes)
        self.article: list[str] = []
        self.colophon: list[str] = []
        self.code: list[list[str]] = []          # open <code> elements' text
        self.cells = 0

    def _inside(self, tag: str = "", cls: str = "") -> bool:
        return any((not tag or t == tag) and (not cls or cls in c) for t, c in self.stack)

    def _note(self, what: str, value) -> None:
        self.page.lines.setdefault((what, value), self.getpos()[0])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        inv = self.page.inventory
        if tag == "a" and attrs.get("hreflang") and self._inside("nav"):
            self.page.langs.append(attrs["hreflang"])
        if tag == "a" and "original" in classes:
            self.page.original = attrs.get("href") or ""
        if self._inside("article") and not self._inside(cls="notice") and "notice" not in classes:
            kind = _LANDMARK_TAGS.get(tag, "")
            if self._inside(cls="footnotes"):
                kind = {"div": "", "ol": "footnotes", "li": "footnote"}.get(tag, kind if tag != "hr" else "")
            if tag == "div" and "footnotes" in classes:
                kind = ""
            if kind:
                inv.blocks.append(kind)
                self._note("block", len(inv.blocks) - 1)
            self._inventory(tag, attrs, classes)
        if tag == "tr":
            self.cells = 0
        elif tag in ("td", "th"):
            self.cells += 1
        if tag == "code":
            self.code.append([])
        if tag not in _VOID:
            self.stack.append((tag, classes))

    def _inventory(self, tag: str, attrs: dict, classes: set) -> None:
        inv = self.page.inventory
        href = attrs.get("href") or ""
        if tag == "a" and "footnote-back" in classes:
            found = _BACK_HREF.match(href)
            if found:
                inv.backlinks.append(int(found.group(1)))
        elif tag == "a" and self._inside(cls="footnote-ref"):
            found = _REF_HREF.match(href)
            if found:
                inv.refs.append(int(found.group(1)))
                self._note("ref", int(found.group(1)))
        elif tag == "a" and href:
            inv.links[href] += 1
            self._note("link", href)
        elif tag == "img" and attrs.get("src"):
            name = attrs["src"].rsplit("/", 1)[-1]
            inv.images[name] += 1
            self._note("image", name)
        elif tag == "li" and _NOTE_ID.match(attrs.get("id") or ""):
            inv.notes.append(int(_NOTE_ID.match(attrs["id"]).group(1)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _VOID or not self.stack:
            return
        if tag == "tr" and self._inside("article"):
            self.page.inventory.cells.append(self.cells)
        if tag == "code" and self.code:
            text = " ".join("".join(self.code.pop()).split())
            if self._inside("article"):
                self.page.inventory.code[text] += 1
        while self.stack and self.stack.pop()[0] != tag:
            pass
        if tag in _BLOCK_ENDS and self._inside("article"):
            self.article.append("\n")

    def handle_data(self, data):
        if self._inside("style") or self._inside("script") or self._inside("title"):
            return
        if self._inside("body"):
            self.page.body.append((data, self.getpos()[0]))
        for open_code in self.code:
            open_code.append(data)
        if self._inside("footer", "page-footer"):
            self.colophon.append(data)
        if self._inside("article") and not any(c & _CHROME_CLASSES for _, c in self.stack):
            self.article.append(data)


def read(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    page = reader.page
    page.article = "".join(reader.article)
    page.colophon = " ".join("".join(reader.colophon).split())
    return page
