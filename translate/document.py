"""The document model: plain data that every stage takes and returns.

A Document is a tree of Blocks (pandoc-style). Leaf blocks that hold prose
(headings, paragraphs) carry Segments: one sentence each, the unit that goes to
a translation engine. A Segment is plain text plus Marks, character ranges that
record the inline markup (emphasis, links, code...) so that the engine never
sees Markdown syntax and the markup can be put back after translation.

Nothing here knows about files, Markdown syntax or engines: the reader
(translate.markdown_reader) builds Documents, writers and renderers consume
them, and translate.pipeline swaps segments for their translations.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator


# Kinds of inline marks.
#   em, strong, s        emphasis; attrs["markup"] keeps the delimiter ("*", "_", "**", "~~")
#   link                 attrs["href"], attrs.get("title")
#   image                the range is the alt text; attrs["src"], attrs.get("title")
#   code                 the range is the code text: never translated, restored verbatim
#   html                 zero-width (start == end): raw inline HTML in attrs["raw"]
#   break                zero-width hard line break; attrs["markup"] is "\\" or "  "
MARK_KINDS = ("em", "strong", "s", "link", "image", "code", "html", "break")


@dataclass(frozen=True)
class Mark:
    kind: str
    start: int
    end: int
    attrs: dict = field(default_factory=dict, hash=False, compare=True)


@dataclass(frozen=True)
class Segment:
    """One sentence (or a heading) of prose: the unit of translation.

    ``text`` is plain text; ``\\n`` stands for a soft line break of the source.
    ``space_after`` is the whitespace that separated this sentence from the
    next one in its block, so that writers can join sentences back exactly.
    """

    text: str
    marks: tuple[Mark, ...] = ()
    space_after: str = ""

    def marks_of(self, kind: str) -> list[Mark]:
        return [m for m in self.marks if m.kind == kind]


# Kinds of blocks.
#   leaf blocks with segments: heading (attrs["level"]), paragraph
#   leaf blocks with literal text: code (attrs["literal"], attrs["info"], attrs["markup"]),
#       html (attrs["literal"]: raw HTML, never rendered live), rule (attrs["markup"])
#   containers with children: quote, bullet_list / ordered_list (attrs["markup"],
#       attrs["tight"], attrs["start"] for ordered lists), list_item
PROSE_KINDS = ("heading", "paragraph")
CONTAINER_KINDS = ("quote", "bullet_list", "ordered_list", "list_item")


@dataclass(frozen=True)
class Block:
    kind: str
    segments: tuple[Segment, ...] = ()
    children: tuple["Block", ...] = ()
    attrs: dict = field(default_factory=dict, hash=False, compare=True)


@dataclass(frozen=True)
class Document:
    """An article: front matter, a title segment, and the body blocks.

    ``meta`` holds the front matter as read (title, lang, slug, and whatever
    else the author put there); ``lang`` is the project key or "en".
    """

    title: Segment
    blocks: tuple[Block, ...]
    lang: str = "en"
    slug: str = ""
    meta: dict = field(default_factory=dict, hash=False, compare=True)

    def segments(self) -> list[Segment]:
        """Every translatable segment in reading order, the title first."""
        return [self.title, *_block_segments(self.blocks)]

    def with_segments(self, new_segments: list[Segment], lang: str | None = None) -> "Document":
        """The same tree with segments replaced, in the order of segments()."""
        expected = len(self.segments())
        if len(new_segments) != expected:
            raise ValueError(f"expected {expected} segments, got {len(new_segments)}")
        feed = iter(new_segments)
        title = next(feed)
        blocks = _replace_segments(self.blocks, feed)
        return replace(self, title=title, blocks=blocks, lang=lang or self.lang)


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


def walk(blocks: tuple[Block, ...]) -> Iterator[Block]:
    """Every block of a tree, depth first, parents before children."""
    for block in blocks:
        yield block
        yield from walk(block.children)
