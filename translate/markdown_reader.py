"""Reader: Markdown with a small front matter -> Document.

Markdown is parsed by markdown-it-py (CommonMark, plus ~~strikethrough~~);
inline markup becomes Marks over plain text, and each prose block is split into
sentences with pysbd. Sentence boundaries never fall inside a mark, so a link
or an emphasis is always translated within one segment.
"""

from __future__ import annotations

from translate.errors import UserError

import re
from bisect import bisect_left, bisect_right
from dataclasses import replace
from functools import lru_cache

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from translate.document import Block, Document, Mark, Segment

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)
FRONT_MATTER_START = re.compile(r"\A---[ \t]*\r?\n")

# Characters removed from a source before it is parsed: C0 and C1 control
# characters other than tab and line ends (an ESC sequence would reach the
# terminal through the review) and the bidi embedding, override and isolate
# controls U+202A-U+202E, U+2066-U+2069. In an English article those can
# only scramble what a reader sees ("Trojan Source": "gnp.exe" shown as
# "exe.png"); the HTML writer isolates runs of the other direction itself.
# Marks that do not reorder (LRM, RLM, ZWNJ, ZWJ) are kept.
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# A slug names the folder output/<slug>/ and its files: one path component
# that a FAT or NTFS USB stick can hold too, short enough for the file names
# (and their temporary names) built from it to stay under 255 bytes.
_SLUG_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
MAX_SLUG_BYTES = 200


class SourceError(UserError, ValueError):
    """A source that cannot be read; the message says what to fix, ``line``
    (1-based, in the file) where the problem is, when there is one place."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("strikethrough")


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    # clean=False keeps the text byte for byte; char_span gives offsets.
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without aliases: "*name" can make a few lines stand for a
    structure of billions of items (a "billion laughs" bomb)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "an alias (*name) is not allowed here",
                                              event.start_mark)
        return super().compose_node(parent, index)


def split_front_matter(text: str) -> tuple[dict, str]:
    """The YAML front matter (a mapping) and the Markdown body after it."""
    match = FRONT_MATTER.match(text)
    if not match:
        if FRONT_MATTER_START.match(text) and re.search(r"^[ \t]*\w[\w-]*[ \t]*:", text[4:], re.M):
            raise SourceError("front matter line 1 is not closed: add a line --- after its last key", line=1)
        return {}, text
    try:
        meta = yaml.load(match.group(1), Loader=_FrontMatterLoader) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None)
        what = f" ({problem})" if problem else ""
        line = mark.line + 2 if mark is not None else None
        where = f" line {line}" if line else ""
        raise SourceError(f"front matter{where} is not valid YAML{what}: fix the block between the --- lines",
                          line=line) from None
    if not isinstance(meta, dict):
        raise SourceError("front matter must be key: value lines (title, lang, slug)", line=2)
    for key in ("title", "lang", "slug"):
        value = meta.get(key)
        if value is not None and not isinstance(value, (str, int, float)):
            line = next((n for n, row in enumerate(match.group(1).splitlines(), start=2)
                         if re.match(rf"{key}\s*:", row)), None)
            where = f" line {line}" if line else ""
            raise SourceError(f"front matter{where}: {key} must be one line of text, not a {type(value).__name__}",
                              line=line)
    return meta, text[match.end():]


def check_slug(slug: str, origin: str = "front matter slug") -> str:
    """``slug`` if it can name an output folder and its files, else SourceError."""
    if (not slug or slug.startswith(".") or _SLUG_FORBIDDEN.search(slug) or slug != slug.strip()
            or len(slug.encode("utf-8")) > MAX_SLUG_BYTES):
        raise SourceError(
            f"{origin} {slug!r} cannot name the output folder: use letters, digits, spaces, '-' or '_' "
            f"(no / \\ : * ? \" < > |, no leading dot, at most {MAX_SLUG_BYTES} bytes); "
            + ("rename the file or set slug: in the front matter" if origin == "the file name"
               else "change slug: in the front matter"))
    return slug


def read_markdown(text: str, *, slug: str = "") -> Document:
    """Parse an article. Front matter keys: title, lang (source language), slug.

    ``slug`` (the file name's stem, say) applies when the front matter sets none."""
    meta, body = split_front_matter(CONTROLS.sub("", text))
    title_text = str(meta.get("title") or "").strip()
    tokens = parser().parse(body)
    blocks, rest = _blocks(tokens, 0, None)
    assert rest == len(tokens)
    if not title_text:
        raise SourceError("no title: add 'title: ...' to the front matter")
    if meta.get("slug"):
        slug = check_slug(str(meta["slug"]))
    elif slug:
        slug = check_slug(slug, "the file name")
    return Document(
        title=Segment(title_text),
        blocks=tuple(blocks),
        lang=str(meta.get("lang") or "en"),
        slug=slug,
        meta=meta,
    )


# --- block level ---------------------------------------------------------

_CONTAINERS = {
    "blockquote_open": "quote",
    "bullet_list_open": "bullet_list",
    "ordered_list_open": "ordered_list",
    "list_item_open": "list_item",
}


def _blocks(tokens: list[Token], i: int, close: str | None) -> tuple[list[Block], int]:
    """Blocks from tokens[i:] up to the token of type ``close``; returns (blocks, index after it)."""
    blocks: list[Block] = []
    while i < len(tokens):
        tok = tokens[i]
        if close is not None and tok.type == close:
            return blocks, i + 1
        if tok.type in _CONTAINERS:
            kind = _CONTAINERS[tok.type]
            children, i = _blocks(tokens, i + 1, tok.type.replace("_open", "_close"))
            attrs: dict = {}
            if kind in ("bullet_list", "ordered_list"):
                attrs["markup"] = tok.markup
                # markdown-it hides paragraphs of tight lists
                attrs["tight"] = _is_tight(children)
                if kind == "ordered_list":
                    start = tok.attrGet("start")
                    attrs["start"] = 1 if start is None else int(start)
            blocks.append(Block(kind, children=tuple(children), attrs=attrs))
            continue
        if tok.type in ("paragraph_open", "heading_open"):
            inline = tokens[i + 1]
            kind = "heading" if tok.type == "heading_open" else "paragraph"
            attrs = {}
            if kind == "heading":
                attrs = {"level": int(tok.tag[1]), "markup": tok.markup}
            if kind == "paragraph" and tok.hidden:
                attrs["hidden"] = True
            blocks.append(Block(kind, segments=tuple(split_sentences(*inline_marks(inline.children or []))), attrs=attrs))
            i += 3
            continue
        if tok.type in ("fence", "code_block"):
            blocks.append(Block("code", attrs={"literal": tok.content, "info": tok.info, "markup": tok.markup, "fenced": tok.type == "fence"}))
        elif tok.type == "html_block":
            blocks.append(Block("html", attrs={"literal": tok.content}))
        elif tok.type == "hr":
            blocks.append(Block("rule", attrs={"markup": tok.markup}))
        else:  # pragma: no cover - every CommonMark block type is handled above
            raise SourceError(f"unsupported Markdown block {tok.type}")
        i += 1
    return blocks, i


def _is_tight(items: list[Block]) -> bool:
    return all(b.attrs.get("hidden") for item in items for b in item.children if b.kind == "paragraph")


# --- inline level --------------------------------------------------------

_PAIRED = {"em": "em", "strong": "strong", "s": "s", "link": "link"}


def inline_marks(children: list[Token]) -> tuple[str, list[Mark]]:
    """Plain text and marks from markdown-it inline tokens."""
    text: list[str] = []
    pos = 0
    marks: list[Mark] = []
    open_: list[tuple[str, int, dict]] = []

    def put(s: str) -> None:
        nonlocal pos
        text.append(s)
        pos += len(s)

    for tok in children:
        t = tok.type
        if t == "text":
            put(tok.content)
        elif t == "softbreak":
            put("\n")
        elif t == "hardbreak":
            marks.append(Mark("break", pos, pos, {"markup": "\\"}))
            put("\n")
        elif t == "code_inline":
            start = pos
            put(tok.content)
            marks.append(Mark("code", start, pos, {"markup": tok.markup}))
        elif t == "html_inline":
            marks.append(Mark("html", pos, pos, {"raw": tok.content}))
        elif t == "image":
            start = pos
            put(_plain(tok.children or []))
            attrs = {"src": tok.attrGet("src") or ""}
            if tok.attrGet("title"):
                attrs["title"] = tok.attrGet("title")
            marks.append(Mark("image", start, pos, attrs))
        elif t.endswith("_open") and t[:-5] in _PAIRED:
            attrs = {"markup": tok.markup}
            if t == "link_open":
                attrs["href"] = tok.attrGet("href") or ""
                if tok.attrGet("title"):
                    attrs["title"] = tok.attrGet("title")
            open_.append((t[:-5], pos, attrs))
        elif t.endswith("_close") and t[:-6] in _PAIRED:
            kind, start, attrs = open_.pop()
            marks.append(Mark(kind, start, pos, attrs))
        else:  # text_special is joined into text by markdown-it's text_join rule
            put(tok.content)
    marks.sort(key=lambda m: (m.start, -m.end))
    return "".join(text), marks


def _plain(children: list[Token]) -> str:
    """Alt text of an image as plain text (what markdown-it puts in alt="")."""
    return "".join(
        _plain(t.children or []) if t.type == "image" else ("\n" if t.type in ("softbreak", "hardbreak") else t.content)
        for t in children
        if t.type in ("text", "text_special", "code_inline", "image", "softbreak", "hardbreak")
    )


# pysbd's time grows with the square of the number of sentences it is given
# (a 4,000-sentence paragraph takes over a minute), so a long block goes to it
# in windows of about this many characters, each cut after a sentence end
# (else at a space): the cut is a sentence boundary the splitter agrees with,
# or, in a run-on "sentence" of thousands of words, a break the models need
# anyway (they translate a few hundred words at most).
_WINDOW = 1000
_WINDOW_CUTS = (
    re.compile(r"[.!?\u2026][\"'\u201d\u2019\u00bb)\]]*\s+(?=[\"'\u201c\u00ab(\[]?[A-Z0-9])"),
    re.compile(r"[.!?;:\u2026][\"'\u201d\u2019\u00bb)\]]*\s+"),
    re.compile(r"\s+"),
)


def _sentence_starts(text: str) -> list[int]:
    """Offsets where a sentence starts, from pysbd, window by window."""
    starts: list[int] = []
    pos = 0
    while pos < len(text):
        end = len(text)
        if end - pos > _WINDOW:
            limit = min(end, pos + 2 * _WINDOW)
            cut = next((m for pattern in _WINDOW_CUTS if (m := pattern.search(text, pos + _WINDOW, limit))), None)
            end = cut.end() if cut else limit
        window = text[pos:end]
        if window.strip():
            starts.extend(pos + span.start for span in _segmenter().segment(window))
        starts.append(pos)
        pos = end
    return starts


class _MarkIndex:
    """The non-empty marks of a block, for "does any mark overlap this span"
    in logarithmic time (a paragraph can hold thousands of marks)."""

    def __init__(self, marks: list[Mark]):
        spans = sorted((m.start, m.end) for m in marks if m.start < m.end)
        self.starts = [start for start, _ in spans]
        self.reach: list[int] = []  # furthest end among the first i+1 spans
        for _, end in spans:
            self.reach.append(max(end, self.reach[-1]) if self.reach else end)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a mark has text inside the open span (start, end), or
        covers the point ``start`` when the span is empty."""
        count = bisect_left(self.starts, end if end > start else start)
        return count > 0 and self.reach[count - 1] > start


def _splits_a_mark(text: str, boundary: int, marks: _MarkIndex) -> bool:
    """Whether a boundary falls inside a mark or in a whitespace gap that a
    mark reaches into (a code span ending in a space)."""
    gap_start = boundary
    while gap_start > 0 and text[gap_start - 1].isspace():
        gap_start -= 1
    gap_end = boundary
    while gap_end < len(text) and text[gap_end].isspace():
        gap_end += 1
    return marks.overlaps(gap_start, gap_end)


def split_sentences(text: str, marks: list[Mark]) -> list[Segment]:
    """Sentences of a prose block, each with its own marks and trailing space."""
    bounds = [0]
    if text.strip():
        bounds += [start for start in _sentence_starts(text) if 0 < start < len(text)]
    # A boundary inside a mark (a link spanning two sentences), or whose
    # whitespace gap a mark reaches into (a code span ending in a space), is
    # dropped: marks never cross segments and their text is never trimmed.
    index = _MarkIndex(marks)
    bounds = [0] + [b for b in bounds[1:] if not _splits_a_mark(text, b, index)]  # 0 starts the block
    bounds = sorted(set(bounds)) + [len(text)]
    by_start = sorted(marks, key=lambda m: m.start)
    mark_starts = [m.start for m in by_start]
    segments: list[Segment] = []
    for start, end in zip(bounds, bounds[1:]):
        body = text[start:end].rstrip()
        # Whitespace at the start of a sentence joins the previous one's space_after.
        lead = len(body) - len(body.lstrip())
        if lead and segments:
            segments[-1] = replace(segments[-1], space_after=segments[-1].space_after + body[:lead])
            start += lead
            body = body[lead:]
        s_end = start + len(body)
        seg_marks = []
        # Only marks that start inside [start, end] can belong to this segment.
        for m in by_start[bisect_left(mark_starts, start):bisect_right(mark_starts, end)]:
            if m.start == m.end:
                # zero-width marks in the gap after a sentence stay with it
                if start <= m.start <= end and not (m.start == end and end != len(text)):
                    pos = min(m.start, s_end) - start
                    seg_marks.append(replace(m, start=pos, end=pos))
            elif start <= m.start and m.end <= end:
                seg_marks.append(replace(m, start=m.start - start, end=min(m.end, s_end) - start))
        segments.append(Segment(body, tuple(seg_marks), text[s_end:end]))
    return segments
