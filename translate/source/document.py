"""The document model: plain data that every stage takes and returns.

A Document is a tree of Blocks (pandoc-style). Leaf blocks that hold prose
(headings, paragraphs) carry Segments: one sentence each, the unit that goes to
a translation engine. A Segment is plain text plus Marks, character ranges that
record the inline markup (emphasis, links, code...) so that the engine never
sees Markdown syntax and the markup can be put back after translation.

Nothing here knows about files, Markdown syntax or engines: the reader
(translate.source.markdown_reader) builds Documents, writers and renderers consume
them, and translate.translation.edition swaps segments for their translations.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator

# Kinds of inline marks.
#   em, strong, s        emphasis; attrs["markup"] keeps the delimiter ("*", "_", "**", "~~")
#   link                 attrs["href"], attrs.get("title"); a link with a title has attrs["tooltip"]:
#                        the index of that title in Document.tooltips, where it is translated
#   image                the range is the alt text; attrs["src"], attrs.get("title")
#   code                 the range is the code text: never translated, restored verbatim
#   url                  zero-width: an autolink <https://...> (attrs["markup"] "autolink") or a bare
#                        URL (markup "linkify"); attrs["href"], attrs["text"] (what the source showed).
#                        Never sent to a model: the engine sees the sentence without it.
#   footnote_ref         zero-width: attrs["label"] names a footnote of the "footnotes" block
#   html                 zero-width raw inline HTML in attrs["raw"]; the reader drops raw HTML
#                        (translate.source.markdown_reader), so only hand-built documents hold these
#   break                zero-width hard line break; attrs["markup"] is "\\" or "  ". It is not a
#                        sentence boundary: the text holds a space there, the writers a line break
MARK_KINDS = ("em", "strong", "s", "link", "image", "code", "url", "footnote_ref", "html", "break")


@dataclass(frozen=True)
class Mark:
    kind: str
    start: int
    end: int
    attrs: dict = field(default_factory=dict, hash=False, compare=True)


@dataclass(frozen=True)
class Segment:
    """One sentence (or a heading) of prose: the unit of translation.

    ``text`` is plain text, one line: a soft line break of the source is a
    space, and a hard break a space with a zero-width "break" mark.
    ``space_after`` is the whitespace that separated this sentence from the
    next one in its block, so that writers can join sentences back exactly.
    """

    text: str
    marks: tuple[Mark, ...] = ()
    space_after: str = ""

    def marks_of(self, kind: str) -> list[Mark]:
        return [m for m in self.marks if m.kind == kind]


# Kinds of blocks.
#   leaf blocks with segments: heading (attrs["level"]: the source's level; attrs["rank"]: its
#       depth in the body's outline, 1 for the top, without gaps), paragraph,
#       table_cell (one segment, or none when empty),
#       figure (an image alone in its paragraph: attrs["src"], attrs["parts"] names its
#       segments in order, "alt" and/or "caption" (the image's title); attrs["line"])
#   leaf blocks with literal text: code (attrs["literal"], attrs["info"], attrs["markup"]),
#       html (attrs["literal"]; hand-built documents only: the reader drops raw HTML),
#       rule (attrs["markup"])
#   containers with children: quote, bullet_list / ordered_list (attrs["markup"],
#       attrs["tight"], attrs["start"] for ordered lists), list_item,
#       table (attrs["align"]: per column "left", "center", "right" or None) > table_row
#       (attrs["header"]) > table_cell, footnotes > footnote (attrs["label"])
PROSE_KINDS = ("heading", "paragraph", "table_cell", "figure")
CONTAINER_KINDS = ("quote", "bullet_list", "ordered_list", "list_item", "table", "table_row",
                   "footnotes", "footnote")


@dataclass(frozen=True)
class Block:
    kind: str
    segments: tuple[Segment, ...] = ()
    children: tuple["Block", ...] = ()
    attrs: dict = field(default_factory=dict, hash=False, compare=True)


@dataclass(frozen=True)
class SourceWarning:
    """Something of the source left out of every edition (raw HTML), at a
    1-based line of the source file."""

    line: int
    message: str


@dataclass(frozen=True)
class Document:
    """An article: front matter, a title segment, and the body blocks.

    ``meta`` holds the front matter as read (title, lang, slug, author, date,
    tags, canonical, and whatever else the author put there); ``summary`` is
    the front matter's summary (the dek), translated with the article;
    ``lang`` is the project key or "en"; ``warnings`` what the reader left out.
    ``tooltips`` are the title attributes of links and inline images (a
    tooltip a reader sees), one segment each in reading order, translated
    with the article: each such mark's attrs["tooltip"] is its index here,
    and with_segments writes the translated text into the mark's "title".
    """

    title: Segment
    blocks: tuple[Block, ...]
    lang: str = "en"
    slug: str = ""
    meta: dict = field(default_factory=dict, hash=False, compare=True)
    summary: Segment | None = None
    warnings: tuple[SourceWarning, ...] = field(default=(), compare=False)
    tooltips: tuple[Segment, ...] = ()

    def segments(self) -> list[Segment]:
        """Every translatable segment in reading order: the title, the summary,
        the body, then the tooltips (link titles)."""
        head = [self.title] if self.summary is None else [self.title, self.summary]
        return [*head, *_block_segments(self.blocks), *self.tooltips]

    def with_segments(self, new_segments: list[Segment], lang: str | None = None) -> "Document":
        """The same tree with segments replaced, in the order of segments()."""
        expected = len(self.segments())
        if len(new_segments) != expected:
            raise ValueError(f"expected {expected} segments, got {len(new_segments)}")
        feed = iter(new_segments)
        title = next(feed)
        summary = None if self.summary is None else next(feed)
        blocks = _replace_segments(self.blocks, feed)
        tooltips = tuple(feed)
        if tooltips:
            texts = [t.text for t in tooltips]
            title = _with_tooltips(title, texts)
            summary = summary if summary is None else _with_tooltips(summary, texts)
            blocks = _map_segments(blocks, lambda s: _with_tooltips(s, texts))
        return replace(self, title=title, summary=summary, blocks=blocks, lang=lang or self.lang,
                       tooltips=tooltips)


def _block_segments(blocks: tuple[Block, ...]) -> Iterator[Segment]:
    for block in blocks:
        yield from block.segments
        yield from _block_segments(block.children)


def _replace_segments(blocks: tuple[Block, ...], feed: Iterator[Segment]) -> tuple[Block, ...]:
    out = []
    for block in blocks:
        segments = tuple(next(feed) for _ in block.segments)
        children = _replace_segments(block.children, feed)
        out.append(replace(block, segments=segments, children=children))
    return tuple(out)


def _map_segments(blocks: tuple[Block, ...], change) -> tuple[Block, ...]:
    return tuple(replace(b, segments=tuple(change(s) for s in b.segments),
                         children=_map_segments(b.children, change)) for b in blocks)


def _with_tooltips(segment: Segment, texts: list[str]) -> Segment:
    """The segment with each titled mark's "title" set to its tooltip's text."""
    if not any("tooltip" in m.attrs for m in segment.marks):
        return segment
    marks = tuple(Mark(m.kind, m.start, m.end, {**m.attrs, "title": texts[m.attrs["tooltip"]]})
                  if isinstance(m.attrs.get("tooltip"), int) and m.attrs["tooltip"] < len(texts) else m
                  for m in segment.marks)
    return replace(segment, marks=marks)


def with_tooltips(doc: "Document") -> "Document":
    """``doc`` with the title attribute of every link and inline image as a
    tooltip segment (Document.tooltips), numbered in reading order."""
    found: list[Segment] = []

    def number(segment: Segment) -> Segment:
        marks = []
        for m in segment.marks:
            if m.kind in ("link", "image") and str(m.attrs.get("title") or "").strip():
                m = Mark(m.kind, m.start, m.end, {**m.attrs, "tooltip": len(found)})
                found.append(Segment(" ".join(str(m.attrs["title"]).split())))
            marks.append(m)
        return replace(segment, marks=tuple(marks))

    title = number(doc.title)
    summary = None if doc.summary is None else number(doc.summary)
    blocks = _map_segments(doc.blocks, number)
    return replace(doc, title=title, summary=summary, blocks=blocks, tooltips=tuple(found))


def walk(blocks: tuple[Block, ...]) -> Iterator[Block]:
    """Every block of a tree, depth first, parents before children."""
    for block in blocks:
        yield block
        yield from walk(block.children)
