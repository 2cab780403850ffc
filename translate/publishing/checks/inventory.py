"""What the structure check compares: an article's blocks and the things a
reader follows or reads as is (link targets, images, footnotes, table cells,
code), counted the same way in a Document, an HTML page and a PDF.

Blocks are compared as a sequence of landmark kinds: headings, tables with
their rows and cells, quotes, lists and their items, code blocks, rules,
figures, the footnotes and each note. Paragraphs are left out of the pages'
sequence (a tight list item holds its text without a <p>), and a PDF's
structure tree (WeasyPrint's tags) shows only some kinds: ``PDF_KINDS``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from translate.source.document import Document, Segment, walk
from translate.source.media import PAGE_PREFIX
from translate.util.untrusted import safe_link

# Document block kind -> landmark kind ("" for none).
_LANDMARKS = {"heading": "heading", "table": "table", "table_row": "table_row", "table_cell": "table_cell",
              "quote": "quote", "bullet_list": "list", "ordered_list": "list", "list_item": "list_item",
              "code": "code", "rule": "rule", "figure": "figure", "footnotes": "footnotes",
              "footnote": "footnote"}
# The kinds a tagged PDF shows (footnotes are a list of items there).
PDF_KINDS = {"heading": "heading", "table": "table", "table_row": "table_row", "table_cell": "table_cell",
             "quote": "quote", "list": "list", "list_item": "list_item", "footnotes": "list",
             "footnote": "list_item"}


@dataclass
class Inventory:
    blocks: list[str] = field(default_factory=list)       # landmark kinds in reading order
    links: Counter = field(default_factory=Counter)       # link targets (links and URLs)
    images: Counter = field(default_factory=Counter)      # published images, by file name
    refs: list[int] = field(default_factory=list)         # footnote references, by number, in order
    notes: list[int] = field(default_factory=list)        # footnotes, by number, in order
    backlinks: list[int] = field(default_factory=list)    # each note's way back to its reference
    cells: list[int] = field(default_factory=list)        # cells of each table row, in order
    code: Counter = field(default_factory=Counter)        # code spans and blocks, by their text

    def pdf_blocks(self) -> list[str]:
        return [PDF_KINDS[kind] for kind in self.blocks if kind in PDF_KINDS]


def of_document(doc: Document) -> Inventory:
    """The inventory of an article (the English source, or an edition's
    Markdown read back)."""
    found = Inventory()
    for segment in (doc.title, *([doc.summary] if doc.summary else [])):
        _segment(segment, found)
    for block in walk(doc.blocks):
        kind = _LANDMARKS.get(block.kind, "")
        if kind:
            found.blocks.append(kind)
        if block.kind == "footnote":
            found.notes.append(int(block.attrs.get("n", 0)))
            found.backlinks.append(int(block.attrs.get("n", 0)))
        elif block.kind == "table_row":
            found.cells.append(len(block.children))
        elif block.kind == "code":
            found.code[" ".join(str(block.attrs.get("literal", "")).split())] += 1
        elif block.kind == "figure" and _published(block.attrs):
            found.images[_published(block.attrs)] += 1
        for segment in block.segments:
            _segment(segment, found)
    return found


def _segment(segment: Segment, found: Inventory) -> None:
    for mark in segment.marks:
        if mark.kind in ("link", "url"):
            href = safe_link(mark.attrs.get("href"))
            if href:
                found.links[href] += 1
        elif mark.kind == "image" and _published(mark.attrs):
            found.images[_published(mark.attrs)] += 1
        elif mark.kind == "footnote_ref":
            found.refs.append(int(mark.attrs.get("n", 0)))
        elif mark.kind == "code":
            found.code[" ".join(segment.text[mark.start:mark.end].split())] += 1


def _published(attrs: dict) -> str:
    """The file name of a published image (translate.source.media puts it in
    output/<slug>/media/; an edition's Markdown names it ../media/<name>), else ""."""
    if attrs.get("media"):
        return str(attrs["media"])
    src = str(attrs.get("src") or "")
    return src.rsplit("/", 1)[-1] if src.startswith(PAGE_PREFIX) else ""
