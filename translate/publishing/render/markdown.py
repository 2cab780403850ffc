"""Writer: Document -> Markdown (with front matter).

The inverse of translate.source.markdown_reader: reading then writing gives Markdown
with the same content (the same CommonMark rendering) as the source.
"""

from __future__ import annotations

import re

import yaml

from translate.source.document import Block, Document, Mark, Segment
from translate.source.markdown_reader import parser, strip_html

# Characters that would start inline markup; escaped wherever they occur in text.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<~])|(&(?=#?[A-Za-z0-9]+;))|(!(?=\[))")
# Constructs that mean something at the start of a line.
_LINE_START = re.compile(r"^( {0,3})([#>+=-]|\d{1,9}(?=[.)]))", re.M)


# Text a Markdown reader with bare-URL detection (ours: linkify-it, GitHub's)
# would turn into a link ("2003.al" in a translation): its dots, colons and
# at signs are escaped, so that the edition holds no link its source has not.
_LINK_PUNCTUATION = {".": "\ue000", ":": "\ue001", "@": "\ue002"}


def escape_text(text: str) -> str:
    text = _unlinked(text)
    text = _INLINE_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    # "1." at a line start would begin a list: escape the delimiter, not the digit
    text = _LINE_START.sub(_escape_line_start, text)
    for char, stand_in in _LINK_PUNCTUATION.items():
        text = text.replace(stand_in, "\\" + char)
    return text


def _unlinked(text: str) -> str:
    """``text`` with the punctuation of whatever reads as a bare URL replaced
    by stand-ins that escape_text turns into backslash escapes."""
    found = parser().linkify.match(text) if parser().linkify.test(text) else None
    for match in reversed(found or []):
        piece = text[match.index:match.last_index]
        for char, stand_in in _LINK_PUNCTUATION.items():
            piece = piece.replace(char, stand_in)
        text = text[:match.index] + piece + text[match.last_index:]
    return text


def _escape_line_start(m: re.Match) -> str:
    lead, what = m.group(1), m.group(2)
    if what[0].isdigit():
        return lead + what + "\\"
    return lead + "\\" + what


def write_segment(segment: Segment) -> str:
    """Inline Markdown of one segment: text with its marks put back."""
    text, marks = segment.text, normalise_marks(segment.marks, len(segment.text), segment.text)
    opens: dict[int, list[Mark]] = {}
    closes: dict[int, list[Mark]] = {}
    points: dict[int, list[Mark]] = {}
    # normalise_marks lists an enclosing mark before the marks inside it, also
    # when two cover the same text: opened in that order, closed in reverse.
    order = {id(m): n for n, m in enumerate(marks)}
    for m in marks:
        if m.start == m.end and m.kind in _POINT_KINDS:
            points.setdefault(m.start, []).append(m)
        else:
            opens.setdefault(m.start, []).append(m)
            closes.setdefault(m.end, []).append(m)
    out: list[str] = []
    i = 0
    literal_until = -1  # inside a code span: no escaping, no nested marks
    stops = sorted(set(opens) | set(closes) | set(points) | {len(text)})
    for stop in stops:
        if stop > i:
            chunk = text[i:stop]
            if out and out[-1].endswith(_BREAK):
                chunk = chunk.lstrip(" ")  # the space that stood for the line break
            if i >= literal_until:
                chunk = escape_text(chunk)
                if chunk.endswith("!") and any(m.kind in ("link", "image") and m.attrs.get("markup") != "autolink"
                                               for m in opens.get(stop, [])):
                    chunk = chunk[:-1] + "\\!"  # "!" before "[" would make the link an image
            out.append(chunk)
            i = stop
        # innermost (latest opened) marks close first
        for m in sorted(closes.get(stop, []), key=lambda m: (-m.start, -order[id(m)])):
            out.append(_close(m))
        here = [_point(m) for m in points.get(stop, [])]
        for n, m in enumerate(points.get(stop, [])):
            if m.kind == "url" and here[n] and not here[n].startswith("<"):
                # a bare URL is one only between spaces or punctuation (a translation may glue it to a word)
                if (out and out[-1][-1:].isalnum()) or (n and here[n - 1][-1:].isalnum()):
                    here[n] = " " + here[n]
                if stop < len(text) and (text[stop].isalnum() or text[stop] in "_-/"):
                    here[n] += " "
        if stop:
            out += here
            here = []
        for m in sorted(opens.get(stop, []), key=lambda m: (-m.end, order[id(m)])):
            if here and (m.kind == "image" or _literal(m)):
                out += here  # nothing but text can go inside these
                here = []
            out.append(_open(m))
            if m.kind == "code" or (m.kind == "link" and m.attrs.get("markup") == "autolink"):
                literal_until = m.end
        # At the start, raw HTML goes inside the emphasis or link that opens
        # there: "<div>*x*" at the start of a line would begin an HTML block.
        out += here
    return "".join(out)


# Zero-width marks: written at their place, no text of the segment inside.
_POINT_KINDS = ("html", "break", "url", "footnote_ref")
_BREAK = "\\\n"  # a backslash at the end of a line: a hard line break


def _point(m: Mark) -> str:
    """The Markdown of a zero-width mark. Raw HTML is never written: no
    edition carries it (the reader drops it; a hand-built Document may not)."""
    if m.kind == "break":
        return _BREAK
    if m.kind == "url":
        shown, href = m.attrs.get("text", ""), m.attrs.get("href", "")
        if m.attrs.get("markup") == "linkify" and _bare_url(shown):
            return shown
        if not shown or m.attrs.get("markup") != "autolink" or re.search(r"[\s<>]", shown):
            shown = href
        return "<" + shown.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E") + ">"
    if m.kind == "footnote_ref":
        return "[^" + m.attrs.get("label", "") + "]"
    return ""


def _bare_url(text: str) -> bool:
    """Whether ``text`` written as it is reads back as exactly one bare URL."""

    found = parser().linkify.match(text) if text and not re.search(r"\s", text) else None
    return bool(found) and len(found) == 1 and found[0].index == 0 and found[0].last_index == len(text)


def _open(m: Mark) -> str:
    if m.kind == "code":
        return m.attrs.get("markup") or "`"
    if m.kind == "link":
        return "<" if m.attrs.get("markup") == "autolink" else "["
    if m.kind == "image":
        return "!["
    return m.attrs.get("markup") or {"em": "*", "strong": "**", "s": "~~"}[m.kind]


def _close(m: Mark) -> str:
    if m.kind in ("link", "image"):
        if m.attrs.get("markup") == "autolink":
            return ">"
        target = m.attrs.get("href" if m.kind == "link" else "src", "")
        target = "<" + target.replace(">", "%3E") + ">" if (not target or re.search(r"[\s()<>]", target)) else target
        title = m.attrs.get("title")
        if title:
            target += ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return "](" + target + ")"
    return _open(m)


# Delimiter runs that cannot open after or close before whitespace ("*word *"
# is literal asterisks in CommonMark): such a mark is written around its text
# without the spaces at its edges.
_FLANKING = ("em", "strong", "s")


def normalise_marks(marks: tuple[Mark, ...], length: int, text: str | None = None) -> list[Mark]:
    """Marks clipped to the text and properly nested (a mark that crosses an
    enclosing one is cut at its end), as projection after translation can
    produce ranges that cross. Given ``text``, emphasis and strikethrough
    marks leave out the whitespace at their edges."""
    result: list[Mark] = []
    stack: list[Mark] = []
    trimmed = []
    for m in marks:
        start, end = max(0, min(m.start, length)), max(0, min(m.end, length))
        if text is not None and m.kind in _FLANKING:
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end <= start:
                continue
        trimmed.append(Mark(m.kind, start, end, m.attrs))
    # Of marks over the same text, a literal one (code, autolink) goes innermost:
    # nothing can be written inside it.
    for m in sorted(trimmed, key=lambda m: (m.start, -m.end, _literal(m))):
        start, end = m.start, m.end
        while stack and stack[-1].end <= start and not (stack[-1].end == start == end):
            stack.pop()
        if stack and end > stack[-1].end:
            end = stack[-1].end
        if m.kind in _POINT_KINDS:
            result.append(Mark(m.kind, start, start, m.attrs))
            continue
        if end <= start:
            continue  # a mark with no text left cannot be written
        if stack and _literal(stack[-1]):
            continue  # nothing nests inside code or an autolink
        mark = Mark(m.kind, start, end, m.attrs)
        result.append(mark)
        stack.append(mark)
    return result


def _literal(m: Mark) -> bool:
    return m.kind == "code" or (m.kind == "link" and m.attrs.get("markup") == "autolink")


def write_blocks(blocks: tuple[Block, ...], tight: bool = False) -> str:
    parts = [_write_block(b) for b in blocks]
    return ("\n" if tight else "\n\n").join(parts)


def _write_block(block: Block) -> str:
    if block.kind == "heading":
        level, text = block.attrs.get("level", 1), _prose(block)
        if block.attrs.get("markup") in ("=", "-") and level <= 2:
            # a setext heading (text underlined) may span lines; an ATX one cannot
            return text + "\n" + ("=" if level == 1 else "-") * 3
        return "#" * level + " " + text
    if block.kind == "paragraph":
        return _prose(block)
    if block.kind == "code":
        literal = block.attrs.get("literal", "")
        if block.attrs.get("fenced", True):
            fence = block.attrs.get("markup") or "```"
            while fence in literal:
                fence += fence[0]
            if literal and not literal.endswith("\n"):
                literal += "\n"  # an unclosed fence at the end of a file: the closing fence needs its own line
            return fence + block.attrs.get("info", "") + "\n" + literal + fence
        return _indent(literal.rstrip("\n"), "    ")
    if block.kind == "html":
        return ""  # raw HTML is never written (see _point)
    if block.kind == "table":
        return _table(block)
    if block.kind == "figure":
        return _figure(block)
    if block.kind == "footnotes":
        return "\n\n".join(_footnote(f) for f in block.children)
    if block.kind == "rule":
        return "---" if block.attrs.get("markup", "-").startswith("-") else block.attrs["markup"]
    if block.kind == "quote":
        return _indent(write_blocks(block.children), "> ", blank=">")
    if block.kind in ("bullet_list", "ordered_list"):
        tight = block.attrs.get("tight", False)
        items = []
        for n, item in enumerate(block.children):
            if block.kind == "bullet_list":
                marker = (block.attrs.get("markup") or "-") + " "
            else:
                marker = f"{block.attrs.get('start', 1) + n}{block.attrs.get('markup') or '.'} "
            body = write_blocks(item.children, tight=tight) or ""
            lines = _indent(body, " " * len(marker))
            items.append(marker + lines[len(marker):] if body else marker.rstrip())
        return ("\n" if tight else "\n\n").join(items)
    raise ValueError(f"cannot write block {block.kind}")


def _prose(block: Block) -> str:
    parts = []
    for segment in block.segments:
        written, after = write_segment(segment), segment.space_after
        if parts and parts[-1].endswith("!") and written.startswith("["):
            parts[-1] = parts[-1][:-1] + "\\!"  # "!" before the next sentence's link would make it an image
        parts.append(written + after)
    text = "".join(parts).strip(" \t")
    # A hard break at the very start or end of a block is no break in
    # Markdown (a lone backslash would show): a translation can put one there.
    while text.startswith(_BREAK):
        text = text[len(_BREAK):].lstrip(" ")
    while text.endswith(_BREAK):
        text = text[: -len(_BREAK)].rstrip(" \t")
    return text


_ALIGN_RULES = {"left": ":---", "center": ":---:", "right": "---:", None: "---"}


def _table(block: Block) -> str:
    """A GFM pipe table: the header row, the alignment row, the body rows."""
    align = list(block.attrs.get("align") or ())
    rows = []
    for n, row in enumerate(block.children):
        # A "|" inside a cell, even inside a code span, is escaped as "\\|" in GFM.
        cells = [_prose(cell).replace("|", "\\|") for cell in row.children]
        cells += [""] * (len(align) - len(cells))
        rows.append("| " + " | ".join(cells) + " |")
        if n == 0:
            rows.append("| " + " | ".join(_ALIGN_RULES[a] for a in align) + " |")
    return "\n".join(rows)


def _figure(block: Block) -> str:
    """An image alone in its paragraph: ![alt](src "caption")."""
    parts = dict(zip(block.attrs.get("parts", ()), block.segments))
    alt = write_segment(parts["alt"]) if "alt" in parts else ""
    image = Mark("image", 0, 0, {"src": block.attrs.get("src", "")})
    if "caption" in parts:
        image.attrs["title"] = parts["caption"].text
    return "![" + alt + _close(image)


def _footnote(block: Block) -> str:
    body = write_blocks(block.children)
    first, _, rest = _indent(body, "    ").partition("\n")
    return "[^" + block.attrs.get("label", "") + "]: " + first.lstrip() + ("\n" + rest if rest else "")


def _indent(text: str, prefix: str, blank: str = "") -> str:
    return "\n".join((prefix + line) if line else blank for line in text.split("\n"))


def write_markdown(doc: Document) -> str:
    """The whole article: front matter (title, lang, slug and other keys) and body."""
    meta = dict(doc.meta)
    meta["title"] = doc.title.text
    if doc.summary is not None:
        meta["summary"] = doc.summary.text
    meta["lang"] = doc.lang
    if doc.slug:
        meta["slug"] = doc.slug
    # Plain text only: a translator's title or a machine's can hold tags the
    # reader never saw, and a site generator may print front matter unescaped.
    meta = {key: _plain(value) for key, value in meta.items()}
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10**6)
    return "---\n" + front + "---\n\n" + write_blocks(doc.blocks) + "\n"


def _plain(value):
    """A front matter value without raw HTML (translate.source.markdown_reader.strip_html)."""
    if isinstance(value, str):
        return strip_html(value)[0]
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
