"""Reader: Markdown with a small front matter -> Document.

Markdown is parsed by markdown-it-py (CommonMark, plus the GFM tables,
~~strikethrough~~, bare URLs and footnotes); inline markup becomes Marks over
plain text, and each prose block is split into sentences with pysbd. A line
break is never a sentence boundary (a soft break is a space, a hard break a
space with a mark), and sentence boundaries never fall inside a mark, so a
link or an emphasis is always translated within one segment. Raw HTML never
enters a Document: the reader leaves it out and lists where in ``warnings``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlsplit

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from translate.errors import UserError
from translate.source.document import Block, Document, Mark, Segment, SourceWarning, with_tooltips
from translate.util import heavy, untrusted

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)
FRONT_MATTER_START = re.compile(r"\A---[ \t]*\r?\n")

# Characters removed from a source: C0 and C1 control characters other than
# tab and line ends, the bidi embedding, override and isolate controls, lone
# surrogates (translate.util.untrusted, the one rule for untrusted strings). They
# are removed from the raw text before parsing, and again from what YAML and
# markdown-it decode (a "\u202e" escape in the front matter, an &#x202E;
# entity in the text), each time with a warning naming the line.
CONTROLS = untrusted._ARTICLE_UNSAFE

# A slug names the folder output/<slug>/ and its files: one path component
# that a FAT or NTFS USB stick can hold too, short enough for the file names
# (and their temporary names) built from it to stay under 255 bytes.
_SLUG_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
MAX_SLUG_BYTES = 200
# Names Windows reserves for devices, with or without an extension ("CON",
# "con.txt", "COM1"): a folder of that name cannot be made or copied there.
_WINDOWS_RESERVED = re.compile(r"(?i)^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$")


class SourceError(UserError, ValueError):
    """A source that cannot be read; the message says what to fix, ``line``
    (1-based, in the file) where the problem is, when there is one place."""

    def __init__(self, message: str, line: int | None = None, *, at_line: bool = False):
        super().__init__(message)
        self.line = line
        self.at_line = at_line   # the message is about that line: shown as FILE:LINE: message


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with the GitHub extensions editors use: tables, ~~strikethrough~~,
    bare URLs (linkify-it-py) and footnotes (mdit-py-plugins)."""

    md = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough", "linkify"])
    # Every link is parsed as a link, so that one to javascript:, data:,
    # vbscript: or file: is dropped to its text with a warning
    # (inline_marks), not published as literal Markdown with its URL sent to
    # the model. Images are checked by translate.source.media.
    md.validateLink = lambda url: True
    return md.use(footnote_plugin)


@lru_cache(maxsize=1)
def _segmenter():
    # clean=False keeps the text byte for byte; char_span gives offsets.
    return heavy.pysbd().Segmenter(language="en", clean=False, char_span=True)


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without aliases: "*name" can make a few lines stand for a
    structure of billions of items (a "billion laughs" bomb)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "an alias (*name) is not allowed here",
                                              event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        # A title, author, summary, slug or lang is text as written: YAML
        # would read "title: 0" as the number 0 (then "no title"), "1e3" as
        # 1000.0, "No" as false and "2024-01-01" as a date.
        for key, value in node.value:
            if (isinstance(key, yaml.ScalarNode) and key.value in _TEXT_KEYS and isinstance(value, yaml.ScalarNode)
                    and value.tag in _SCALAR_TAGS):
                value.tag = "tag:yaml.org,2002:str"
        return super().construct_mapping(node, deep)


_SCALAR_TAGS = {f"tag:yaml.org,2002:{kind}" for kind in ("int", "float", "bool", "timestamp")}


def split_front_matter(text: str) -> tuple[dict, str]:
    """The YAML front matter (a mapping, its keys checked) and the Markdown body after it."""
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
    except RecursionError:
        raise SourceError("front matter is nested too deeply (hundreds of [ or { inside each other): "
                          "write plain key: value lines", line=2) from None
    except ValueError as err:  # a date that does not exist: YAML reads 2026-13-01 as a date
        line = next((n for n, row in enumerate(match.group(1).splitlines(), start=2)
                     if re.search(r":\s*\d{4}-\d\d?-\d\d?", row)), None)
        where = f" line {line}" if line else ""
        raise SourceError(f"front matter{where}: not a real date ({err}): write it as 2026-11-30", line=line) from None
    if not isinstance(meta, dict):
        raise SourceError("front matter must be key: value lines (title, lang, slug)", line=2)
    return _checked_meta(meta, match.group(1)), text[match.end():]


# Front matter keys that must be one line of text.
_TEXT_KEYS = ("title", "lang", "slug", "author", "summary")


def _checked_meta(meta: dict, block: str) -> dict:
    """The front matter with author, date, summary, tags and canonical
    checked and normalised (tags a list, date a date or datetime)."""

    def fail(key: str, what: str):
        line = next((n for n, row in enumerate(block.splitlines(), start=2) if re.match(rf"{key}\s*:", row)), None)
        where = f" line {line}" if line else ""
        raise SourceError(f"front matter{where}: {key} {what}", line=line)

    meta = dict(meta)
    for key in _TEXT_KEYS:
        value = meta.get(key)
        if value is not None and not isinstance(value, (str, int, float)):
            fail(key, f"must be one line of text, not a {type(value).__name__}")
    for key in ("author", "summary"):
        if meta.get(key) is not None:
            meta[key] = " ".join(str(meta[key]).split())  # a folded YAML string may span lines
    if meta.get("date") is not None:
        meta["date"] = _front_matter_date(meta["date"], lambda: fail("date", (
            f"must be a date like 2026-11-30 (or 2026-11-30T09:00:00Z), not {meta['date']!r}")))
    if meta.get("tags") is not None:
        tags = meta["tags"]
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.split(",")]
        if not isinstance(tags, list) or not all(isinstance(t, (str, int, float)) for t in tags):
            fail("tags", "must be a list of words ([rail, Uzbekistan]) or words separated by commas")
        meta["tags"] = [" ".join(str(t).split()) for t in tags if str(t).strip()]
    if meta.get("canonical") is not None:
        url = meta["canonical"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if (parts is None or parts.scheme not in ("http", "https") or not parts.netloc
                or re.search(r"[\s<>\"'`\\{}|^]", url)):
            fail("canonical", f"must be the article's full web address (https://...), not {url!r}")
    return meta


def _front_matter_date(value, fail) -> date:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str):
        for parse in (date.fromisoformat, datetime.fromisoformat):
            try:
                return parse(value.strip())
            except ValueError:
                pass
    fail()

def check_slug(slug: str, origin: str = "front matter slug") -> str:
    """``slug`` if it can name an output folder and its files, else SourceError."""
    if (not slug or slug.startswith(".") or _SLUG_FORBIDDEN.search(slug) or slug != slug.strip()
            or len(slug.encode("utf-8")) > MAX_SLUG_BYTES or slug.endswith(".") or _WINDOWS_RESERVED.match(slug)
            or untrusted.clean(slug) != slug):
        raise SourceError(
            f"{origin} {slug!r} cannot name the output folder: use letters, digits, spaces, '-' or '_' "
            f"(no / \\ : * ? \" < > |, no leading or trailing dot, not a Windows device name like CON or "
            f"COM1, at most {MAX_SLUG_BYTES} bytes); "
            + ("rename the file or set slug: in the front matter" if origin == "the file name"
               else "change slug: in the front matter"))
    return slug


def read_markdown(text: str, *, slug: str = "", sentences: bool = True) -> Document:
    """Parse an article. Front matter keys: title, lang (source language), slug,
    author, date, summary (the dek, translated), tags, canonical.

    ``slug`` (the file name's stem, say) applies when the front matter sets none.
    Raw HTML is left out; the Document's ``warnings`` say where. ``sentences``
    False keeps each prose block one segment: what reads a published file back
    for its structure (translate.publishing.checks) needs no sentence splitter,
    whose time grows with the text."""
    warnings = _removed_warnings(text.splitlines(), 1, "")
    text = CONTROLS.sub("", text)
    meta, body = split_front_matter(text)
    meta, removed = _clean_value(meta)
    front = text[: len(text) - len(body)].splitlines()

    def line_of(key) -> int:
        return next((n for n, row in enumerate(front, start=1) if re.match(rf"{re.escape(str(key))}\s*:", row)), 2)

    for key in removed:
        warnings.append(SourceWarning(line_of(key), f"front matter {untrusted.display(key, 40)}: {_removed()}"))
    meta, html = _without_html(meta)
    for key, found in html.items():
        warnings.append(SourceWarning(line_of(key), f"front matter {untrusted.display(key, 40)}: raw HTML removed "
                                                    f"({', '.join(found)}): front matter is plain text; check the line "
                                                    "reads as intended"))
    title_text = str(meta.get("title") or "").strip()
    reader = _BlockReader(line_offset=text[: len(text) - len(body)].count("\n"),
                          sentences=sentences)
    tokens = parser().parse(body)
    _check_depth(tokens, reader.line_offset)
    warnings += _clean_tokens(tokens, reader.line_offset)
    blocks, rest = reader.blocks(tokens, 0, None)
    assert rest == len(tokens)
    if not title_text and "title" in removed:
        raise SourceError("front matter: the title holds only invisible or invalid characters (a control "
                          "character or a lone surrogate such as \\ud800): write the title as text", line=2)
    if not title_text:
        raise SourceError("no title: add 'title: ...' to the front matter")
    if meta.get("slug"):
        slug = check_slug(str(meta["slug"]))
    elif slug:
        slug = check_slug(slug, "the file name")
    summary = str(meta.get("summary") or "").strip()
    return with_tooltips(Document(
        title=Segment(title_text),
        blocks=_ranked(_without_repeated_title(blocks, title_text)),
        lang=str(meta.get("lang") or "en"),
        slug=slug,
        meta=meta,
        summary=Segment(summary) if summary else None,
        warnings=tuple(sorted(warnings + reader.warnings, key=lambda w: w.line)),
    ))


def _removed(codes: list[str] = ()) -> str:
    which = f" ({', '.join(dict.fromkeys(codes))})" if codes else ""
    return (f"invisible control characters{which} removed (bidi overrides, escapes or the like "
            "would hide or reorder text): check the line reads as intended")


def _removed_warnings(lines: list[str], first: int, where: str) -> list[SourceWarning]:
    """One warning per line that holds characters the untrusted-text rule removes."""
    return [SourceWarning(n, f"{where}{_removed(untrusted.unsafe_in(row))}")
            for n, row in enumerate(lines, start=first) if CONTROLS.search(row)]


def _without_html(meta: dict) -> tuple[dict, dict[str, list[str]]]:
    """The front matter's text values (title, author, summary, tags, any
    other key's text) without raw HTML, and what was removed per key
    (translate.source.markdown_reader.strip_html)."""
    meta, found = dict(meta), {}
    for key in [k for k in meta if k not in ("slug", "lang", "canonical", "date")]:   # those are refused instead
        value = meta.get(key)
        values = value if isinstance(value, list) else [value]
        cleaned = [strip_html(v) if isinstance(v, str) else (v, []) for v in values]
        if any(removed for _, removed in cleaned):
            meta[key] = [v for v, _ in cleaned] if isinstance(value, list) else cleaned[0][0]
            found[key] = list(dict.fromkeys(r for _, removed in cleaned for r in removed))
    return meta, found


def _clean_value(value):
    """(value with every string in it cleaned, the top-level keys whose value changed).
    YAML has decoded escapes ("\\u202e", "\\x1b", "\\ud800") by now."""
    if isinstance(value, str):
        cleaned = untrusted.clean(value)
        return cleaned, cleaned != value
    if isinstance(value, list):
        items = [_clean_value(v) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, dict):
        out, changed = {}, []
        for key, item in value.items():
            new_key, key_changed = _clean_value(key) if isinstance(key, str) else (key, False)
            out[new_key], item_changed = _clean_value(item)
            if key_changed or item_changed:
                changed.append(new_key)
        return out, changed
    return value, False


_REPLACED = "\ufffd"
_VERBATIM = ("code_inline", "code_block", "fence")   # printed as written: no reference is decoded there


def _clean_tokens(tokens: list[Token], line_offset: int) -> list[SourceWarning]:
    """Clean what markdown-it decoded (an &#x202E; entity is a real U+202E by
    now) in every token's text and link attributes; a warning per line."""
    warnings: list[SourceWarning] = []
    for block in tokens:
        line = (block.map[0] if block.map else 0) + 1 + line_offset
        for tok in [block, *(block.children or [])]:
            found = untrusted.unsafe_in(tok.content)
            tok.content = untrusted.clean(tok.content)
            if _REPLACED in tok.content and tok.type not in _VERBATIM:
                # markdown-it reads a reference to a control or invalid code
                # point (&#27;, &#0;, &#xD800;) as U+FFFD, which no font draws:
                # it stood for a control character, and goes like one
                found.append(f"U+{ord(_REPLACED):04X}")
                tok.content = tok.content.replace(_REPLACED, "")
            for name, value in list((tok.attrs or {}).items()):
                if isinstance(value, str) and CONTROLS.search(value):
                    found += untrusted.unsafe_in(value)
                    tok.attrs[name] = untrusted.clean(value)
            if found and not (warnings and warnings[-1].line == line):
                warnings.append(SourceWarning(line, _removed(found)))
    return warnings


def _check_depth(tokens: list[Token], line_offset: int) -> None:
    """Refuse an article nested deeper than markdown-it reads. At its
    maxNesting it stops reading the blocks inside a list or quote and drops
    them without a word (a list 1,000 deep kept its first 9 items): the
    article would be published with text missing. The line named is where
    the deepest block it still reads begins."""
    limit = parser().options["maxNesting"]
    for tok in tokens:
        if tok.nesting == 1 and tok.type in _CONTAINERS and tok.level >= limit - 1:
            line = (tok.map[0] if tok.map else 0) + 1 + line_offset
            raise SourceError(f"lists or quotes nested too deeply: Markdown is read {limit} levels deep (a quote "
                              "is one level, a list two), and the text nested deeper here would be lost: nest "
                              "them less deeply", line=line, at_line=True)


def _without_repeated_title(blocks: list[Block], title: str) -> list[Block]:
    """The body without a first heading that repeats the front matter's title
    (the page prints the title as its <h1> already)."""
    if blocks and blocks[0].kind == "heading":
        heading = " ".join(s.text + s.space_after for s in blocks[0].segments)
        if _folded(heading) == _folded(title):
            return blocks[1:]
    return blocks


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def _ranked(blocks: list[Block]) -> tuple[Block, ...]:
    """Headings with attrs["rank"]: their depth in the body's outline, so that
    "### A", "#### B", "## C" rank 1, 2, 1 (pages put rank 1 right under the
    title's <h1>, with no level skipped). The source's levels stay in "level"."""
    open_levels: list[int] = []  # source levels of the headings enclosing this point

    def rank(block: Block) -> Block:
        if block.kind == "heading":
            level = block.attrs.get("level", 1)
            while open_levels and open_levels[-1] >= level:
                open_levels.pop()
            open_levels.append(level)
            return replace(block, attrs={**block.attrs, "rank": len(open_levels)})
        if block.children:
            return replace(block, children=tuple(rank(child) for child in block.children))
        return block

    return tuple(rank(block) for block in blocks)


# --- block level ---------------------------------------------------------

_CONTAINERS = {
    "blockquote_open": "quote",
    "bullet_list_open": "bullet_list",
    "ordered_list_open": "ordered_list",
    "list_item_open": "list_item",
    "footnote_block_open": "footnotes",
    "footnote_open": "footnote",
}

# Elements whose content is no reading matter: never article text.
HIDDEN_ELEMENTS = ("script", "style", "template", "textarea", "noscript", "iframe", "object", "svg", "math")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_ALIGN = re.compile(r"text-align:\s*(left|center|right)")
# Raw HTML inside a line of text (a front matter value): an element whose
# content is no reading matter, with its content; a comment, processing
# instruction, declaration or CDATA section; any tag; and last a "<" that
# would begin a tag a browser reads to the next ">" of the page around it.
_HTML_IN_TEXT = re.compile(
    r"<(" + "|".join(HIDDEN_ELEMENTS) + r")\b[^>]*>.*?(?:</\1\s*>|$)"
    r"|<!--.*?(?:-->|$)|<\?.*?(?:\?>|$)|<!\[CDATA\[.*?(?:\]\]>|$)|<![A-Za-z][^>]*>?"
    r"|</?[A-Za-z][A-Za-z0-9-]*(?:[\s/][^<>]*)?>|<(?=[A-Za-z/!?])", re.I | re.S)


def strip_html(text: str) -> tuple[str, list[str]]:
    """``text`` without raw HTML, and what was removed ("<script>", "an HTML
    comment"), once each. Front matter is plain text: the .md editions carry
    it into static site generators that may print it unescaped."""
    found: list[str] = []

    def drop(match: re.Match) -> str:
        raw = match.group(0)
        found.append(f"<{_TAG.match(raw).group(2).lower()}>" if _TAG.match(raw) else
                     "an HTML comment" if raw.startswith("<!--") else "<")
        return ""

    cleaned = _HTML_IN_TEXT.sub(drop, text)
    return (" ".join(cleaned.split()) if found else text), list(dict.fromkeys(found))


def _html_construct(raw: str) -> str:
    """What a piece of raw HTML is, for a warning: 'an HTML comment', 'a <div> element'."""
    stripped = raw.lstrip()
    if stripped.startswith("<!--"):
        return "an HTML comment"
    tag = _TAG.match(stripped)
    if tag:
        return f"the tag </{tag.group(2).lower()}>" if tag.group(1) else f"a <{tag.group(2).lower()}> element"
    return "raw HTML " + repr(stripped[:20])


class _BlockReader:
    """Blocks from markdown-it tokens; raw HTML is dropped and noted in ``warnings``."""

    def __init__(self, line_offset: int, sentences: bool = True):
        self.line_offset = line_offset  # lines of front matter before the body
        self.sentences = sentences      # False: a prose block is one segment (see read_markdown)
        self.warnings: list[SourceWarning] = []

    def warn_html(self, line: int, raw: str) -> None:
        self.warnings.append(SourceWarning(
            line, f"{_html_construct(raw)} left out: raw HTML is not published in any edition; "
                  "write it in Markdown or remove it"))

    def warn_link(self, line: int, href: str) -> None:
        self.warnings.append(SourceWarning(
            line, f"link to {untrusted.display(href, 60)!r} left out, its text kept: only http(s), mailto "
                  "and relative links are published; write the address in full or remove the link"))

    def line_of(self, tok: Token) -> int:
        return (tok.map[0] if tok.map else 0) + 1 + self.line_offset

    def blocks(self, tokens: list[Token], i: int, close: str | None) -> tuple[list[Block], int]:
        """Blocks from tokens[i:] up to the token of type ``close``; returns (blocks, index after it)."""
        blocks: list[Block] = []
        while i < len(tokens):
            tok = tokens[i]
            if close is not None and tok.type == close:
                return blocks, i + 1
            if tok.type in _CONTAINERS:
                kind = _CONTAINERS[tok.type]
                children, i = self.blocks(tokens, i + 1, tok.type.replace("_open", "_close"))
                attrs: dict = {}
                if kind in ("bullet_list", "ordered_list"):
                    attrs["markup"] = tok.markup
                    # markdown-it hides paragraphs of tight lists
                    attrs["tight"] = _is_tight(children)
                    if kind == "ordered_list":
                        start = tok.attrGet("start")
                        attrs["start"] = 1 if start is None else int(start)
                if kind == "footnote":
                    attrs["label"] = str(tok.meta.get("label", ""))
                    attrs["n"] = tok.meta.get("id", 0) + 1
                blocks.append(Block(kind, children=tuple(children), attrs=attrs))
                continue
            if tok.type == "table_open":
                table, i = self.table(tokens, i)
                blocks.append(table)
                continue
            if tok.type in ("paragraph_open", "heading_open"):
                inline = tokens[i + 1]
                children = inline.children or []
                figure = self.figure(children, self.line_of(inline))
                if figure is not None and tok.type == "paragraph_open":
                    blocks.append(figure)
                else:
                    kind = "heading" if tok.type == "heading_open" else "paragraph"
                    attrs = {}
                    if kind == "heading":
                        attrs = {"level": int(tok.tag[1]), "markup": tok.markup}
                    if kind == "paragraph" and tok.hidden:
                        attrs["hidden"] = True
                    text, marks = self.inline(inline)
                    blocks.append(Block(kind, segments=tuple(split_sentences(text, marks, self.sentences)),
                                        attrs=attrs))
                i += 2
                while tokens[i].type == "footnote_anchor":  # a footnote's back link: pages write their own
                    i += 1
                i += 1
                continue
            if tok.type in ("fence", "code_block"):
                blocks.append(Block("code", attrs={"literal": tok.content, "info": tok.info, "markup": tok.markup,
                                                   "fenced": tok.type == "fence"}))
            elif tok.type == "html_block":
                self.warn_html(self.line_of(tok), tok.content)
            elif tok.type == "hr":
                blocks.append(Block("rule", attrs={"markup": tok.markup}))
            else:  # pragma: no cover - every block type the parser is configured for is handled above
                raise SourceError(f"unsupported Markdown block {tok.type}")
            i += 1
        return blocks, i

    def inline(self, inline: Token) -> tuple[str, list[Mark]]:
        first = self.line_of(inline)
        return inline_marks(inline.children or [], on_html=lambda n, raw: self.warn_html(first + n, raw),
                            line=first, on_link=lambda n, href: self.warn_link(first + n, href))

    def table(self, tokens: list[Token], i: int) -> tuple[Block, int]:
        """A GFM table from tokens[i] (table_open): rows of cells, one segment per cell."""
        rows: list[Block] = []
        align: list[str | None] = []
        header = False
        cells: list[Block] = []
        i += 1
        while tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "thead_open":
                header = True
            elif tok.type == "thead_close":
                header = False
            elif tok.type == "tr_open":
                cells = []
            elif tok.type == "tr_close":
                rows.append(Block("table_row", children=tuple(cells), attrs={"header": header}))
            elif tok.type in ("th_open", "td_open"):
                if header:
                    found = _ALIGN.search(tok.attrGet("style") or "")
                    align.append(found.group(1) if found else None)
                text, marks = self.inline(tokens[i + 1])
                segments = (Segment(text, tuple(marks)),) if text.strip() or marks else ()
                cells.append(Block("table_cell", segments=segments))
                i += 2  # the inline and the closing token
            i += 1
        return Block("table", children=tuple(rows), attrs={"align": tuple(align)}), i + 1

    def figure(self, children: list[Token], line: int) -> Block | None:
        """A figure when an image stands alone in its paragraph: its alt text
        and its title (the caption) are segments of their own."""
        content = [t for t in children if not (t.type == "text" and not t.content.strip()) and t.type != "softbreak"]
        if len(content) != 1 or content[0].type != "image":
            return None
        image = content[0]
        alt_text, alt_marks = inline_marks(image.children or [], line=line)
        title = " ".join((image.attrGet("title") or "").split())
        parts, segments = [], []
        if alt_text.strip():
            parts.append("alt")
            segments.append(Segment(alt_text.strip(), ()))
        if title:
            parts.append("caption")
            segments.append(Segment(title))
        return Block("figure", segments=tuple(segments),
                     attrs={"src": image.attrGet("src") or "", "parts": tuple(parts), "line": line})


def _is_tight(items: list[Block]) -> bool:
    return all(b.attrs.get("hidden") for item in items for b in item.children if b.kind == "paragraph")

# --- inline level --------------------------------------------------------

_PAIRED = {"em": "em", "strong": "strong", "s": "s", "link": "link"}


def inline_marks(children: list[Token], *, on_html=None, line: int = 0, on_link=None) -> tuple[str, list[Mark]]:
    """Plain text and marks from markdown-it inline tokens. A soft line break
    is a space, a hard one a space with a "break" mark. Autolinks, bare URLs
    and footnote references are zero-width marks (never sent to a model).
    Raw HTML and the text inside <script>, <style>... are left out,
    ``on_html(lines_into_the_block, raw)`` told of each; a link whose target
    translate.util.untrusted.safe_link refuses keeps its text (an autolink
    goes), ``on_link(lines_into_the_block, href)`` told of each. ``line``
    (the block's first line) goes to image marks, for errors about files."""
    text: list[str] = []
    pos = 0
    marks: list[Mark] = []
    open_: list[tuple[str, int, dict]] = []
    hidden: str | None = None  # inside <script> ... </script>: no text
    url: dict | None = None    # inside an autolink: its text is the URL, kept in the mark
    breaks = 0                 # line breaks so far: where a tag is, for warnings

    def put(s: str) -> None:
        nonlocal pos
        if hidden is None:
            text.append(s)
            pos += len(s)

    for tok in children:
        t = tok.type
        if url is not None and t != "link_close":
            url["text"] += tok.content
        elif t == "text":
            put(tok.content)
        elif t == "softbreak":
            breaks += 1
            put(" ")
        elif t == "hardbreak":
            breaks += 1
            if hidden is None:
                marks.append(Mark("break", pos, pos, {"markup": "\\"}))
            put(" ")
        elif t == "code_inline":
            start = pos
            put(tok.content)
            if hidden is None:
                marks.append(Mark("code", start, pos, {"markup": tok.markup}))
        elif t == "html_inline":
            tag = _TAG.match(tok.content)
            closing = bool(tag and tag.group(1))
            name = tag.group(2).lower() if tag else ""
            if hidden is None and not closing and name in HIDDEN_ELEMENTS and not tok.content.rstrip().endswith("/>"):
                hidden = name
            elif hidden is not None and closing and name == hidden:
                hidden = None
            if on_html is not None and not closing:
                on_html(breaks, tok.content)
        elif t == "image":
            start = pos
            put(_plain(tok.children or []))
            attrs = {"src": tok.attrGet("src") or "", "line": line + breaks}
            if tok.attrGet("title"):
                attrs["title"] = tok.attrGet("title")
            if hidden is None:
                marks.append(Mark("image", start, pos, attrs))
        elif t == "link_open" and tok.markup in ("autolink", "linkify"):
            url = {"href": tok.attrGet("href") or "", "text": "", "markup": tok.markup}
        elif t == "link_close" and url is not None:
            if untrusted.safe_link(url["href"]) is None:
                if on_link is not None and hidden is None:
                    on_link(breaks, url["href"])
            elif hidden is None:
                marks.append(Mark("url", pos, pos, url))
            url = None
        elif t == "footnote_ref":
            if hidden is None:
                marks.append(Mark("footnote_ref", pos, pos, {"label": str(tok.meta.get("label", "")),
                                                             "n": tok.meta.get("id", 0) + 1,
                                                             "sub": tok.meta.get("subId", 0)}))
        elif t == "footnote_anchor":
            continue  # the back link of a footnote: the page writes its own
        elif t.endswith("_open") and t[:-5] in _PAIRED:
            kind, attrs = _opened(tok)
            if kind == "dropped" and on_link is not None and hidden is None:
                on_link(breaks, attrs["href"])
            open_.append((kind, pos, attrs))
        elif t.endswith("_close") and t[:-6] in _PAIRED:
            kind, start, attrs = open_.pop()
            if pos > start and kind != "dropped":
                marks.append(Mark(kind, start, pos, attrs))
        else:  # text_special is joined into text by markdown-it's text_join rule
            put(tok.content)
    marks.sort(key=lambda m: (m.start, -m.end))
    return "".join(text), marks


def _opened(tok: Token) -> tuple[str, dict]:
    """The kind and attributes of the mark an opening token starts; "dropped"
    for a link whose target is refused (translate.util.untrusted.safe_link): its
    text stays, the link goes."""
    kind, attrs = tok.type[:-5], {"markup": tok.markup}
    if kind == "link":
        attrs["href"] = tok.attrGet("href") or ""
        if tok.attrGet("title"):
            attrs["title"] = tok.attrGet("title")
        if untrusted.safe_link(attrs["href"]) is None:
            kind = "dropped"
    return kind, attrs


def _plain(children: list[Token]) -> str:
    """Alt text of an image as plain text (what markdown-it puts in alt="")."""
    return "".join(
        _plain(t.children or []) if t.type == "image" else (" " if t.type in ("softbreak", "hardbreak") else t.content)
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


def _splits_a_mark(text: str, boundary: int, marks: _MarkIndex, breaks: list[int] = ()) -> bool:
    """Whether a boundary falls inside a mark, in a whitespace gap that a
    mark reaches into (a code span ending in a space), or in a gap holding a
    hard line break (``breaks``: their offsets, sorted)."""
    gap_start = boundary
    while gap_start > 0 and text[gap_start - 1].isspace():
        gap_start -= 1
    gap_end = boundary
    while gap_end < len(text) and text[gap_end].isspace():
        gap_end += 1
    if bisect_right(breaks, gap_end) > bisect_left(breaks, gap_start):
        return True
    return marks.overlaps(gap_start, gap_end)


def split_sentences(text: str, marks: list[Mark], sentences: bool = True) -> list[Segment]:
    """Sentences of a prose block, each with its own marks and trailing space
    (``sentences`` False: the block as one segment)."""
    bounds = [0]
    if text.strip() and sentences:
        bounds += [start for start in _sentence_starts(text) if 0 < start < len(text)]
    # A boundary inside a mark (a link spanning two sentences), or whose
    # whitespace gap a mark reaches into (a code span ending in a space), is
    # dropped: marks never cross segments and their text is never trimmed.
    # A hard line break is a break in the line, not in the sentence: no
    # boundary in a whitespace gap that holds one.
    index = _MarkIndex(marks)
    breaks = sorted(m.start for m in marks if m.kind == "break")
    bounds = [0] + [b for b in bounds[1:] if not _splits_a_mark(text, b, index, breaks)]  # 0 starts the block
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
